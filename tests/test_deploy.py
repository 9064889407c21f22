"""No Docker engine runs here, so the Dockerfile is checked against the README's own commands:
same install command, same entry point and port, a data volume, a health check on /healthz."""

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dockerfile():
    return (ROOT / "Dockerfile").read_text()


def test_readme_quick_start_is_two_commands_that_exist():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["scripts/start", "scripts/test"]
    for command in commands:
        assert (ROOT / command).stat().st_mode & 0o111, f"{command} is not executable"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^exec scripts/test$", ci, flags=re.M)
    assert "MEETINGROOM_TEST_DATABASE_URL" in ci and "CI=true" in ci


def _uv_sync_args(text: str) -> list[str]:
    line = next(line for line in text.splitlines() if "uv sync" in line
                and not line.lstrip().startswith("#"))
    args = shlex.split(line.split("uv sync", 1)[1].split("&&")[0].replace("\\", ""))
    return [a for a in args if "sync_args" not in a]


def _uv_version(text: str) -> str:
    match = re.search(r"UV_VERSION=([0-9.]+)", text)
    assert match, "no pinned UV_VERSION"
    return match.group(1)


def test_dockerfile_installs_like_the_setup_script():
    """Both install exactly the locked versions, with the same uv, the same way."""
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert _uv_sync_args(setup) == ["--locked", "--inexact"]
    assert _uv_sync_args(dockerfile()) == ["--locked", "--inexact"]
    assert _uv_version(setup) == _uv_version(dockerfile())
    assert "pip install -q -e" not in setup + dockerfile()  # nothing unlocked
    readme = (ROOT / "README.md").read_text()
    assert "uv sync --locked --inexact" in readme and ".venv/bin/uv lock" in readme


def test_the_lock_is_committed_and_matches_pyproject():
    """`uv lock --check` fails when pyproject.toml changed without re-locking."""
    import subprocess
    import sys

    assert (ROOT / "uv.lock").is_file()
    uv = Path(sys.prefix) / "bin" / "uv"
    result = subprocess.run([str(uv), "lock", "--check", "--offline"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_installed_versions_are_the_locked_ones():
    """The environment running the tests was installed from uv.lock, not from the newest
    releases of the day."""
    import tomllib
    from importlib import metadata

    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked: dict[str, set[str]] = {}  # a universal lock may fork one package by Python version
    for package in lock["package"]:
        if package["name"] != "meetingroom":
            locked.setdefault(package["name"], set()).add(package["version"])
    checked = 0
    for name, versions in locked.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # a platform-specific or optional package not used here
        assert installed in versions, (name, installed, versions)
        checked += 1
    assert checked > 50, checked


def test_license_is_an_spdx_string():
    """PEP 639: `project.license` as a table is deprecated (pip warns); an SPDX expression."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    requires = project["build-system"]["requires"]
    assert any(r.startswith("setuptools>=") and int(r.split(">=")[1].split(".")[0]) >= 77
               for r in requires), requires


def test_dockerfile_serves_like_the_start_script():
    start = (ROOT / "scripts" / "start").read_text()
    assert "meetingroom serve --host 127.0.0.1 --port 8000" in start
    text = dockerfile()
    assert 'CMD ["meetingroom", "serve", "--host", "0.0.0.0", "--port", "8000"]' in text
    assert "EXPOSE 8000" in text
    assert 'VOLUME ["/app/data"]' in text and "MEETINGROOM_DATA_DIR=/app/data" in text
    assert re.search(r"HEALTHCHECK .*\n.*127\.0\.0\.1:8000/healthz", text)
    assert re.search(r"^USER meetingroom$", text, flags=re.M)  # not root
    assert re.search(r"useradd .*--uid 10001 meetingroom", text)  # an unprivileged uid
    assert text.index("USER meetingroom") < text.index("CMD [")
    assert "chmod 0700 /app/data" in text
    assert text.startswith("#") and "FROM python:3.11-slim" in text


def test_the_type_check_runs_before_the_tests():
    """scripts/test runs pyright (scripts/typecheck) after ruff and before pytest, and the
    configuration keeps auth/ and meetings/ (where the votes are counted) strict."""
    import tomllib

    lines = (ROOT / "scripts" / "test").read_text().splitlines()
    ruff = next(i for i, line in enumerate(lines) if "ruff check" in line)
    typecheck = next(i for i, line in enumerate(lines) if line.startswith("scripts/typecheck"))
    assert ruff < typecheck < next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert "pyright" in (ROOT / "scripts" / "typecheck").read_text()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pyright"]
    assert config["typeCheckingMode"] == "basic"
    for path in ("meetingroom/auth", "meetingroom/meetings", "meetingroom/types.py"):
        assert path in config["strict"]
