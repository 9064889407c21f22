"""The `meetingroom` command (CONTRACT.md): serve, db upgrade, demo, user add, notify, backup."""

from __future__ import annotations

import sqlite3
from enum import StrEnum
from pathlib import Path

import typer

from meetingroom import db
from meetingroom.private import private_dir, private_file
from meetingroom.settings import get_settings

app = typer.Typer(help="meetingroom: a community committee's four-step method, in the open.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
user_app = typer.Typer(help="People.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")


def _prepare() -> None:
    """Every command that touches the database migrates first, then ensures the community."""
    private_dir(get_settings().data_dir)  # 0700: the database, key and uploads are in it
    _ = get_settings().key  # generate the secret key into DATA_DIR before any worker needs it
    from meetingroom.community.service import ensure_default_community

    with db.startup_lock():  # servers starting at once on one database take turns
        db.upgrade()
        for session in db.session_scope():
            ensure_default_community(session)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1):
    """Migrate the database to head, then serve. Whose X-Forwarded-For/-Proto are believed is
    MEETINGROOM_TRUSTED_PROXIES alone (the app reads it; uvicorn's own proxy headers are off)."""
    import uvicorn

    _prepare()
    settings = get_settings()
    if workers > 1 and settings.broadcast_url.startswith("memory://"):
        typer.echo("warning: several workers with MEETINGROOM_BROADCAST_URL=memory:// do not see "
                   "each other's live events; set it to redis://…", err=True)
    # ws_per_message_deflate off: compressing every broadcast once per socket costs CPU and
    # memory per connection for tiny fragments (docs/benchmarks.md).
    uvicorn.run("meetingroom.asgi:app", host=host, port=port, workers=workers,
                proxy_headers=False,
                ws=WS_IMPLEMENTATION, ws_per_message_deflate=False,
                ws_ping_interval=WS_PING_SECONDS,
                ws_ping_timeout=WS_PING_SECONDS, timeout_keep_alive=KEEP_ALIVE_SECONDS,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                log_level="info", log_config=log_config())


# A live socket whose client is gone without a goodbye (a phone out of Wi-Fi) is pinged every
# 10 s and closed when no pong came 10 s later: noticed within 20 s (issue 9 §5).
WS_PING_SECONDS = 10.0
# How long an idle keep-alive connection stays open. uvicorn's default, 5 s, is shorter than the
# pauses of the clients that reuse connections: nginx keeps idle upstream connections 60 s
# (`keepalive_timeout` of its upstream block, docs/deployment.md) and a browser or phone app
# longer. A request sent just as the server closes the idle connection is lost (a reset); nginx
# retries only idempotent ones, so a ballot or a form post would fail with a 502 (the busy
# evening lost 44-124 requests that way: docs/benchmarks.md). The server must be the side that
# waits longer; an idle connection costs a file descriptor and a few KB.
KEEP_ALIVE_SECONDS = 75
# With several workers, uvicorn's supervisor pings each one and kills it when no answer came
# within this many seconds (its default: 5). A worker that is only starved of CPU for a while
# (the busy evening at load 25: the machine's other work, not ours) then loses every live
# socket it holds, ~1,000, which all reconnect at once into a server already too busy. Killing
# is for a hung worker; 30 s still replaces one of those, and a merely slow one survives.
WORKER_HEALTHCHECK_SECONDS = 30
# uvicorn's sans-I/O binding of `websockets`: one task per socket and timers for its pings,
# where the legacy binding ran three tasks per socket besides the app's (docs/benchmarks.md,
# fan-out after issue 11).
WS_IMPLEMENTATION = "websockets-sansio"


def log_config() -> dict:
    """uvicorn's logging, with the app's own loggers ("meetingroom.*": errors, the live hub's
    Redis outages) on the same handler and format, so they show with their level."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["meetingroom"] = {"handlers": ["default"], "level": "INFO",
                                        "propagate": False}
    return config


@db_app.command("upgrade")
def db_upgrade():
    """Apply migrations (Alembic) up to head."""
    _prepare()
    typer.echo("database is at head")


@app.command()
def demo():
    """Load a demo community (idempotent) and print the demo logins."""
    from meetingroom.demo import load_demo, summary

    _prepare()
    for session in db.session_scope():
        logins = load_demo(session)
        line = summary(session)
    typer.echo("Demo community loaded. Logins (phone / password):")
    for role, name, phone, password in logins:
        typer.echo(f"  {role:<28} {name:<6} {phone}  {password}")
    typer.echo(line)


class SeatChoice(StrEnum):
    chair = "chair"
    full_time = "full_time"
    part_time = "part_time"


@user_app.command("add")
def user_add(phone: str = typer.Option(...), name: str = typer.Option(...),
             password: str = typer.Option(...), secretary: bool = False,
             party_member: bool = False, seat: SeatChoice | None = None,
             unit: str | None = typer.Option(None, help="member unit name (created if new)")):
    """Create a user in the default community; prints its id."""
    from sqlmodel import select

    from meetingroom.auth.service import _create
    from meetingroom.community.service import default_community
    from meetingroom.errors import DomainError
    from meetingroom.models import MemberUnit

    _prepare()
    try:
        for session in db.session_scope():
            community = default_community(session)
            unit_id = None
            if unit:
                found = session.exec(select(MemberUnit).where(
                    MemberUnit.community_id == community.id, MemberUnit.name == unit)).first()
                if found is None:
                    found = MemberUnit(community_id=community.id, name=unit)
                    session.add(found)
                    session.flush()
                unit_id = found.id
            user = _create(session, community_id=community.id, actor=None, name=name,
                           phone=phone, password=password, is_secretary=secretary,
                           is_party_member=party_member, seat=seat.value if seat else None,
                           unit_id=unit_id)
            user_id = user.id
    except DomainError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(user_id)


@app.command()
def notify():
    """Send the notices that wait for a clock (ratings opened because a deadline passed), each
    once; for cron. Every server also does it every MEETINGROOM_NOTIFY_INTERVAL_SECONDS."""
    from meetingroom.followup.sweep import sweep_once

    _prepare()
    result = sweep_once()
    typer.echo(f"ratings opened: {result.resolutions} resolution(s), "
               f"{result.notices} notice(s) sent")


@app.command()
def backup(file: Path):
    """Consistent online copy of the database (SQLite backup API; pg_dump for PostgreSQL)."""
    url = get_settings().db_url
    if not url.startswith("sqlite"):
        typer.echo("PostgreSQL: use pg_dump, e.g.\n  pg_dump --format=custom --file "
                   f"{file} '{url.replace('+psycopg', '')}'")
        raise typer.Exit(2)
    _prepare()
    source = sqlite3.connect(url.split("///", 1)[1])
    file.parent.mkdir(parents=True, exist_ok=True)
    private_file(file)  # a copy of the phone numbers and password hashes: 0600 like the original
    target = sqlite3.connect(file)
    with target:
        source.backup(target)  # page-by-page copy that sees one consistent snapshot
    target.close()
    source.close()
    typer.echo(f"backed up to {file}")


def main() -> None:
    app()
