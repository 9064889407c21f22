"""Pooled PostgreSQL connections are pinged before use only after lying idle (db._ping_when_idle,
docs/decisions.md "Pinging pooled connections"); a connection that fails its ping is replaced."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from meetingroom import db


@pytest.fixture
def engine(db_url):
    """The app's own PostgreSQL engine (db.make_engine); on SQLite, which has no server to
    lose, the same events on a plain pooled engine."""
    if db_url.startswith("postgresql"):
        engine = db.make_engine(db_url)
        assert engine.pool._pre_ping is False  # not on every checkout
    else:
        engine = sa.create_engine(db_url, pool_size=1, max_overflow=0)
        db._ping_when_idle(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine, monkeypatch) -> list[object]:
    seen: list[object] = []
    real = engine.dialect.do_ping

    def do_ping(dbapi_conn):
        seen.append(dbapi_conn)
        return real(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", do_ping)
    return seen


def _use(engine) -> object:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        return conn.connection.dbapi_connection


def _age(engine, seconds: float) -> None:
    """Make the pooled connection look idle for `seconds` longer."""
    for record in list(engine.pool._pool.queue):
        record.info["idle_since"] -= seconds


def test_a_busy_connection_is_not_pinged(engine, pings):
    first = _use(engine)  # a new connection: never pinged
    for _ in range(3):
        assert _use(engine) is first
    assert pings == []


def test_an_idle_connection_is_pinged(engine, pings):
    first = _use(engine)
    _age(engine, db.IDLE_PING_SECONDS + 1)
    assert _use(engine) is first
    assert pings == [first]
    assert _use(engine) is first  # just used: no second ping
    assert pings == [first]


def test_a_dead_idle_connection_is_replaced(engine, monkeypatch):
    first = _use(engine)
    _age(engine, db.IDLE_PING_SECONDS + 1)
    dead = {id(first)}

    def do_ping(dbapi_conn):
        if id(dbapi_conn) in dead:
            raise engine.dialect.loaded_dbapi.OperationalError("server closed the connection")
        return True

    monkeypatch.setattr(engine.dialect, "do_ping", do_ping)
    monkeypatch.setattr(engine.dialect, "is_disconnect", lambda *a, **k: True)
    second = _use(engine)  # the request still gets a working connection
    assert second is not first
