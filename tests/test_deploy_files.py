"""compose.yaml, checked without a Docker engine: the services, their settings (every
MEETINGROOM_* name is a real setting and the values parse), volumes and health checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from meetingroom import db
from meetingroom.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, enough for this file."""
    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name} is required: {arg}")
        return arg if op == ":-" else ""
    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


def app_env(compose: dict, **env) -> dict[str, str]:
    environment = compose["services"]["app"]["environment"]
    return {k: interpolate(str(v), env) for k, v in environment.items()}


def test_the_three_services(compose):
    services = compose["services"]
    assert set(services) == {"app", "db", "redis"}
    assert services["app"]["build"] == "."
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")


def test_app_serves_several_workers_on_all_interfaces(compose):
    command = compose["services"]["app"]["entrypoint"]
    assert command[:2] == ["meetingroom", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"  # noqa: S104 - in a container
    assert int(command[command.index("--workers") + 1]) > 1
    port = command[command.index("--port") + 1]
    assert compose["services"]["app"]["ports"] == [f"127.0.0.1:{port}:{port}"]


def test_every_meetingroom_variable_is_a_setting_and_parses(compose, tmp_path):
    env = app_env(compose, POSTGRES_PASSWORD="pw")
    names = {k[len("MEETINGROOM_"):].lower() for k in env if k.startswith("MEETINGROOM_")}
    assert names <= set(Settings.model_fields), names - set(Settings.model_fields)
    values = {k[len("MEETINGROOM_"):].lower(): v for k, v in env.items()
              if k.startswith("MEETINGROOM_")}
    settings = Settings(_env_file=None, **values)
    assert str(settings.data_dir) == "/app/data"
    url = make_url(settings.database_url)
    assert (url.drivername, url.host, url.username, url.password, url.database) == (
        "postgresql+psycopg", "db", "meetingroom", "pw", "meetingroom")
    assert settings.broadcast_url == "redis://redis:6379/0"


def test_the_database_password_is_required_and_shared(compose):
    with pytest.raises(KeyError):
        app_env(compose)
    db_env = compose["services"]["db"]["environment"]
    assert interpolate(db_env["POSTGRES_PASSWORD"], {"POSTGRES_PASSWORD": "pw"}) == "pw"
    url = make_url(app_env(compose, POSTGRES_PASSWORD="pw")["MEETINGROOM_DATABASE_URL"])
    assert (url.username, url.database) == (db_env["POSTGRES_USER"], db_env["POSTGRES_DB"])


def test_volumes_for_app_data_and_postgres(compose):
    assert set(compose["volumes"]) == {"app-data", "pg-data"}
    app_volumes = compose["services"]["app"]["volumes"]
    assert f"app-data:{app_env(compose, POSTGRES_PASSWORD='x')['MEETINGROOM_DATA_DIR']}" in \
        app_volumes
    assert "pg-data:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]


def test_health_checks_and_start_order(compose):
    services = compose["services"]
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert service.get("restart") == "unless-stopped", name
    assert "/healthz" in " ".join(services["app"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert services["app"]["depends_on"] == {
        "db": {"condition": "service_healthy"}, "redis": {"condition": "service_healthy"}}


def test_postgres_accepts_every_workers_pool(compose):
    workers = int(compose["services"]["app"]["entrypoint"][
        compose["services"]["app"]["entrypoint"].index("--workers") + 1])
    command = compose["services"]["db"]["command"]
    max_connections = int(next(c.split("=", 1)[1] for c in command
                               if c.startswith("max_connections=")))
    assert max_connections >= workers * (db.POOL_SIZE + db.MAX_OVERFLOW) + 10


def test_compose_trusts_only_the_docker_bridge_as_proxy(compose):
    """One source of truth for proxies: MEETINGROOM_TRUSTED_PROXIES, never `*` (issue 9 §1)."""
    env = app_env(compose, POSTGRES_PASSWORD="pw")
    assert "FORWARDED_ALLOW_IPS" not in env
    assert "*" not in env["MEETINGROOM_TRUSTED_PROXIES"]
    networks = Settings(_env_file=None, trusted_proxies=env["MEETINGROOM_TRUSTED_PROXIES"]) \
        .trusted_networks
    assert networks and all(net.is_private for net in networks)
