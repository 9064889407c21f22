"""One settings object, from the environment (prefix MEETINGROOM_) and an optional .env file."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCALES = ("zh_CN", "en")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEETINGROOM_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str = ""
    broadcast_url: str = "memory://"
    secret_key: str = ""
    # Comma-separated origins allowed to open sockets and post forms; empty means "the served
    # origin", i.e. the Host the request came to (see security.origin_allowed).
    allowed_origins: str = ""
    # The address people reach the app at, e.g. "https://yiting.example.org": absolute links (the
    # check-in QR code, CSV exports) are built from it, never from the request's Host header, and
    # it is the one origin allowed by default. Empty: the served origin (then such responses are
    # never cached publicly).
    public_url: str = ""
    locale: str = "zh_CN"
    timezone: str = "Asia/Shanghai"
    self_registration: bool = True
    # Reverse proxies whose X-Forwarded-For/-Proto are believed: comma-separated addresses or
    # CIDRs (e.g. "127.0.0.1,172.16.0.0/12"). Empty: none, the peer's address is the client's.
    trusted_proxies: str = ""
    # Rate limits, as (count, seconds) moving windows (docs/decisions.md "Login limits"). Logins
    # count failures only: a meeting room behind one NAT logs in freely, guessing is stopped.
    login_failures_per_phone: tuple[int, int] = (5, 15 * 60)
    login_failures_per_address: tuple[int, int] = (100, 10 * 60)
    register_rate: tuple[int, int] = (120, 3600)
    post_rate: tuple[int, int] = (30, 60)
    max_photo_bytes: int = 8 * 1024 * 1024
    # Every this many seconds each server process tells followers whose resolution's ratings
    # opened because its deadline passed (meetingroom/followup/sweep.py); 0 turns it off (then
    # run `meetingroom notify` from cron). Several processes sweeping at once is safe.
    notify_interval_seconds: float = 300.0
    # The live feeds (`/api/v1/meetings/{id}/live`, `/meetings/{id}/live.html`) also served by
    # the `websockets` library's own server on this port, in every worker (they share it), for
    # the reverse proxy to route those paths to: less than half the CPU per delivery and 40 % of
    # the memory per viewer of the ASGI route (docs/benchmarks.md, docs/decisions.md "The live
    # listener"). Unset: the ASGI routes serve them alone (nothing to set up).
    live_port: int | None = None
    live_host: str = "127.0.0.1"

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"MEETINGROOM_LOCALE must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("secret_key")
    @classmethod
    def _no_placeholder(cls, value: str) -> str:
        if value and (value in {"changethis", "secret", "changeme"} or len(value) < 16):
            raise ValueError("MEETINGROOM_SECRET_KEY must be a real secret of 16+ characters")
        return value

    @field_validator("public_url")
    @classmethod
    def _origin_only(cls, value: str) -> str:
        from urllib.parse import urlsplit

        value = value.strip().rstrip("/")
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path \
                or parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("MEETINGROOM_PUBLIC_URL must be an origin such as "
                             "https://yiting.example.org (scheme, host and port only)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        from meetingroom.auth.ratelimit import parse_networks

        if "*" in value:
            raise ValueError("MEETINGROOM_TRUSTED_PROXIES cannot be '*': name the proxies' "
                             "addresses or networks (e.g. 127.0.0.1,172.16.0.0/12)")
        try:
            parse_networks(value)
        except ValueError as exc:
            raise ValueError(f"MEETINGROOM_TRUSTED_PROXIES: {exc}") from None
        return value

    @property
    def trusted_networks(self):
        from meetingroom.auth.ratelimit import networks_of

        return networks_of(self.trusted_proxies)

    @cached_property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'meetingroom.db').resolve()}"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @cached_property
    def key(self) -> str:
        """The signing key: the configured one, or one generated once into the data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        from meetingroom.private import private_dir, write_private

        private_dir(self.data_dir)
        key = secrets.token_urlsafe(48)
        # Exclusive create: two workers starting at once must end up with the same key.
        try:
            write_private(path, key.encode())
        except FileExistsError:
            return path.read_text().strip()
        return key

    @property
    def origins(self) -> list[str]:
        """Origins allowed to post forms and open sockets: the configured list, else the public
        URL, else (empty) the served origin."""
        listed = [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]
        return listed or ([self.public_url] if self.public_url else [])


_settings: Settings | None = None


def get_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


def set_settings(settings: Settings | None) -> None:
    """Replace the shared instance (tests, the CLI after parsing options)."""
    global _settings
    _settings = settings
