"""Shared fixtures. Every test gets its own database: a fresh copy of a migrated SQLite file, and
— when MEETINGROOM_TEST_DATABASE_URL is set — the same test again on a PostgreSQL database made
for this run (truncated between tests). In CI (CI=true) a missing PostgreSQL fails the run, and
a missing Redis fails the tests that use it (`redis_url`)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel

from meetingroom import db
from meetingroom.app import create_app
from meetingroom.auth.security import hash_password, limiter, make_token
from meetingroom.community.service import ensure_default_community
from meetingroom.models import Community, MemberUnit, User
from meetingroom.settings import Settings, set_settings

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("MEETINGROOM_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("MEETINGROOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "correct-horse-9"
_HASH = hash_password(PASSWORD)  # hashing once keeps factories fast (Argon2 is slow on purpose)


def pytest_configure(config):
    if IN_CI and not PG_URL:
        raise pytest.UsageError("CI=true but MEETINGROOM_TEST_DATABASE_URL is not set: the "
                                "PostgreSQL half of the suite would be skipped silently.")


def pytest_generate_tests(metafunc):
    if "db_url" in metafunc.fixturenames:
        backends = ["sqlite"] + (["postgresql"] if PG_URL else [])
        metafunc.parametrize("db_backend", backends, indirect=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "meetingroom.db"
    db.upgrade(f"sqlite:///{path}")
    db.dispose_engines()
    return path


@contextlib.contextmanager
def statements_run() -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends while the block runs, in order."""
    statements: list[str] = []

    def seen(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    engine = db.get_engine()
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)


@contextlib.contextmanager
def new_pg_database(*, migrate: bool = True) -> Iterator[str]:
    """A PostgreSQL database of its own (dropped afterwards), so parallel runs never collide."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"mr_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at MEETINGROOM_TEST_DATABASE_URL is not reachable: {exc}")
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            db.upgrade(url)
            db.dispose_engines()
        yield url
    finally:
        db.dispose_engines()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The migrated PostgreSQL database of this run (tables truncated before each test)."""
    with new_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis (MEETINGROOM_TEST_REDIS_URL). In CI a missing Redis fails the test; elsewhere
    the test is skipped with the reason."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        message = f"Redis at {REDIS_URL} is not reachable: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def db_backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(db_backend, tmp_path, request) -> str:
    if db_backend == "sqlite":
        path = tmp_path / "meetingroom.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    engine = db.get_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return url


@pytest.fixture
def settings(db_url, tmp_path) -> Iterator[Settings]:
    s = Settings(data_dir=tmp_path / "data", database_url=db_url,
                 secret_key="test-secret-key-0123456789abcdef", broadcast_url="memory://",
                 notify_interval_seconds=0, _env_file=None)  # the sweep: tests start it
    set_settings(s)
    limiter.reset()
    yield s
    set_settings(None)
    db.dispose_engines()


@pytest.fixture
def session(settings) -> Iterator[Session]:
    """A session for arranging data and checking results directly; commits on exit of each
    `with`-free use through `commit()` in the test."""
    global _test_session
    with Session(db.get_engine(), expire_on_commit=False) as s:
        _test_session = s
        try:
            yield s
        finally:
            _test_session = None


# The test's own session (above). Logging in and issuing a token write to the database (a session
# or token row); on SQLite a read transaction the test session left open across such a write
# could no longer write afterwards (WAL: a stale snapshot cannot become a writer, "database is
# locked"). `_settle()` ends it first, as the helpers that write on the test's behalf always did.
_test_session: Session | None = None


def _settle() -> None:
    if _test_session is not None:
        _test_session.commit()


@pytest.fixture
def community(session) -> Community:
    c = ensure_default_community(session)
    session.commit()
    return c


@pytest.fixture
def stranger(session, community) -> User:
    """A user of another community (slug "other"): what he asks of ours must be 404."""
    other = Community(name="Other", slug="other")
    session.add(other)
    session.commit()
    user = User(community_id=other.id, name="Stranger", phone="13900009999", password_hash="x")
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def app(settings, community):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


class Factory:
    """Small data factories (STYLE habit 9)."""

    def __init__(self, session: Session, community: Community):
        self.session = session
        self.community = community
        self._n = 0

    def phone(self) -> str:
        self._n += 1
        return f"139{self._n:08d}"

    def unit(self, name: str | None = None, kind: str = "school") -> MemberUnit:
        self._n += 1
        unit = MemberUnit(community_id=self.community.id, name=name or f"Unit {self._n}",
                          kind=kind)
        self.session.add(unit)
        self.session.commit()
        return unit

    def user(self, name: str | None = None, *, seat: str | None = None, secretary: bool = False,
             party_member: bool = False, unit: MemberUnit | None = None) -> User:
        phone = self.phone()
        user = User(community_id=self.community.id, name=name or f"Person {self._n}",
                    phone=phone, password_hash=_HASH, seat=seat, is_secretary=secretary,
                    is_party_member=party_member, unit_id=unit.id if unit else None)
        self.session.add(user)
        self.session.commit()
        return user

    def secretary(self) -> User:
        return self.user("Secretary", secretary=True, party_member=True)

    def committee(self, size: int = 9) -> list[User]:
        """A seated committee: a chair, one full-time member, the rest part-time."""
        members = [self.user("Chair", seat="chair", party_member=True)]
        if size > 1:
            members.append(self.user("Full-time", seat="full_time", party_member=True))
        for _ in range(size - len(members)):
            members.append(self.user(seat="part_time", party_member=True, unit=self.unit()))
        for member in members:
            if member.seat == "part_time":
                self.appointed(member)
            elif member.seat == "full_time":
                self.post(member, "deputy_secretary")
        return members

    def post(self, member: User, post: str) -> None:
        """Record a full-time member's post (R1.3), so the roster does not warn about it."""
        from meetingroom.models import MemberRecord

        self.session.add(MemberRecord(community_id=self.community.id, user_id=member.id,
                                      post=post))
        self.session.commit()

    def appointed(self, member: User) -> None:
        """Record the five R2.2 steps, so the member is seated by the book."""
        from datetime import date

        from meetingroom.models import AppointmentStep

        for day, step in enumerate(("recommend", "select", "approve", "appoint", "notice")):
            self.session.add(AppointmentStep(community_id=self.community.id, user_id=member.id,
                                             step=step, done_on=date(2026, 3, 1 + day),
                                             done_by="社区党委"))
        self.session.commit()


@pytest.fixture
def factory(session, community) -> Factory:
    return Factory(session, community)


def auth(user: User) -> dict[str, str]:
    """Bearer header for API calls as `user` (a new server-side token each call)."""
    _settle()
    return {"Authorization": f"Bearer {make_token(user.id)}"}


def ticket(user: User) -> str:
    """A single-use live-socket ticket for `user` (`?ticket=`), as POST /auth/ticket gives."""
    import contextlib

    from meetingroom.auth import credentials

    _settle()
    with contextlib.contextmanager(db.session_scope)() as s:
        return credentials.issue_ticket(s, user_id=user.id)


def login(client: TestClient, user: User) -> str:
    """Log `client` in through the real login form; returns the session's CSRF token."""
    _settle()
    client.cookies.clear()
    token = csrf_of(client, "/login")
    r = client.post("/login", data={"phone": user.phone, "password": PASSWORD,
                                    "csrf_token": token, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client, "/")


def csrf_of(client: TestClient, path: str) -> str:
    """The CSRF token a page carries in its forms."""
    html = client.get(path).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def words_of(html: str) -> str:
    """What a reader sees of a page: its text without the tags. Check that a short
    string is *not* on a page here, not in the raw HTML, where the page's random
    CSRF token holds any two given letters about one time in a hundred."""
    return re.sub(r"<[^>]*>", " ", html)
