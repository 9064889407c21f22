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


def _pip_install_args(text: str) -> list[str]:
    line = next(line for line in text.splitlines() if "-m pip install" in line and "-e" in line)
    args = shlex.split(line.split("-m pip install", 1)[1].split("&&")[0])
    return [a for a in args if a not in ("-q",)]


def test_dockerfile_installs_like_the_setup_script():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert _pip_install_args(setup) == ["-e", "$target"]
    assert 'target="."' in setup
    assert _pip_install_args(dockerfile()) == ["-e", "."]


def test_dockerfile_serves_like_the_start_script():
    start = (ROOT / "scripts" / "start").read_text()
    assert "meetingroom serve --host 127.0.0.1 --port 8000" in start
    text = dockerfile()
    assert 'CMD ["meetingroom", "serve", "--host", "0.0.0.0", "--port", "8000"]' in text
    assert "EXPOSE 8000" in text
    assert 'VOLUME ["/app/data"]' in text and "MEETINGROOM_DATA_DIR=/app/data" in text
    assert re.search(r"HEALTHCHECK .*\n.*127\.0\.0\.1:8000/healthz", text)
    assert re.search(r"^USER meetingroom$", text, flags=re.M)  # not root
    assert text.startswith("#") and "FROM python:3.11-slim" in text
