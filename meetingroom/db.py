"""Engine, migrations and the per-request session (commit on success, rollback on error)."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import inspect
import threading
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

import anyio
import sqlalchemy as sa
from fastapi import Depends
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from starlette.requests import Request

from meetingroom.private import private_dir, private_file, private_sqlite
from meetingroom.settings import get_settings

_engines: dict[str, Engine] = {}

# PostgreSQL, per worker process. The pool must not be smaller than the threadpool that runs sync
# endpoints (40 by default), or requests block waiting for a connection while holding a worker
# thread (fastapi/fastapi#3205). So the server needs max_connections >= workers x (40 + 10) plus
# room for maintenance (compose.yaml, docs/deployment.md).
POOL_SIZE = 40
MAX_OVERFLOW = 10


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            private_sqlite(Path(path))  # 0600, and so its -wal/-shm
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            # WAL lets readers run during a write; busy_timeout makes writers queue, not fail.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover
            # A writing transaction takes the write lock up front (BEGIN IMMEDIATE), so two
            # writers never fail on a read-then-write upgrade; SQLite queues them through
            # busy_timeout. Readers stay deferred so pages never wait behind a write.
            write = conn.get_execution_options().get("write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    engine = sa.create_engine(url, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
    _ping_when_idle(engine)
    return engine


# A pooled connection that has been idle this long is pinged before use (docs/decisions.md
# "The busy evening: per-request costs").
IDLE_PING_SECONDS = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection with a ping before handing it out, but only when it has lain
    idle IDLE_PING_SECONDS: the connections a restarted or failed-over PostgreSQL (or a firewall's
    idle timeout) has broken are the idle ones. `pool_pre_ping=True` pinged on every checkout, a
    round trip per request (issue 11, a busy evening: 1.8 % of the server's GIL-holding samples,
    5 % of its threads' wall time). A dead one is replaced (DisconnectionError: the pool
    discards it and takes another); a connection that breaks while in use fails its statement,
    which invalidates the whole pool as before."""

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _idle(_dbapi_conn, record) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        if not engine.dialect._do_ping_w_event(dbapi_conn):  # noqa: SLF001 - as pre-ping does
            raise sa.exc.DisconnectionError("a pooled connection failed its ping")


def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().db_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def alembic_config(url: str | None = None):
    from alembic.config import Config

    here = Path(__file__).parent
    cfg = Config()
    cfg.set_main_option("script_location", str(here / "migrations"))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().db_url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Apply every migration up to head (every command that touches the database calls this)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


# Any constant: the key of the PostgreSQL advisory lock that serialises start-up work.
STARTUP_LOCK_KEY = 0x6D65657472  # "meetr"


@contextlib.contextmanager
def startup_lock(url: str | None = None) -> Iterator[None]:
    """Serialise start-up work (migrations, default rows) between servers that start at once
    against one database: several hosts or `docker compose up --scale app=N` on PostgreSQL (an
    advisory lock), or two commands on one SQLite file (a lock file next to it). Without it the
    second concurrent Alembic run fails on "relation already exists"."""
    url = url or get_settings().db_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if not path or path == ":memory:":
            yield
            return
        lock_path = Path(path + ".startup-lock")
        if not lock_path.parent.exists():
            private_dir(lock_path.parent)
        private_file(lock_path)
        with open(lock_path, "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # released when the file closes
            yield
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({STARTUP_LOCK_KEY})")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({STARTUP_LOCK_KEY})")
                conn.commit()
    finally:
        engine.dispose()


class _ThreadReader(threading.local):
    engine: Engine | None = None
    connection: Any = None  # sqlite3's own connection, out of the engine's pool


_reader = _ThreadReader()


def read_committed(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]] | None:
    """A small read of committed rows outside the request's session, or None when the database
    is not SQLite (the caller then reads through its session).

    On SQLite each worker thread keeps a connection of its own for these reads, opened once per
    thread and engine with the engine's own settings (the `connect` pragmas: autocommit, WAL), so
    every statement sees the latest commit, as a new transaction would, and holds nothing after
    it. For the one read a page makes when nobody is logged in (the layout's community): through
    a session it cost a connection checkout, BEGIN and COMMIT, ~0.3 ms of an anonymous page's
    ~1.3 ms in-process; this way ~5 µs (issue 11, docs/benchmarks.md)."""
    engine = get_engine()
    if engine.dialect.name != "sqlite":
        return None
    if _reader.engine is not engine:
        if _reader.connection is not None:
            _reader.connection.close()
            _reader.engine = _reader.connection = None
        pooled = engine.raw_connection()
        pooled.detach()  # this thread's own from now on, never back in the pool
        _reader.engine, _reader.connection = engine, pooled.dbapi_connection
    cursor = _reader.connection.execute(sql, params)
    try:
        return cursor.fetchall()  # to the end: the statement, and its read, are over
    finally:
        cursor.close()


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once this session's transaction has committed (never if it rolls back).
    Live events are published this way (STYLE habit 6)."""
    session.info.setdefault("after_commit", []).append(callback)


def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


def session_scope(*, write: bool = True) -> Generator[Session, None, None]:
    """One transaction: commit when the body succeeds, roll back when it raises."""
    with Session(get_engine(), expire_on_commit=False) as session:
        if write:
            session.connection(execution_options={"write": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            session.info.pop("after_commit", None)
            raise
        _run_after_commit(session)


# At most this many requests of one worker hold a session at once; the others wait for a slot on
# the event loop, holding neither a thread nor a connection. A session is opened (a connection
# checked out and, on SQLite, the write lock taken with BEGIN IMMEDIATE) in one threadpool trip,
# used in the next (the endpoint), and closed in a third. Without the gate a burst of writes
# (500 ballots at once, docs/benchmarks.md) froze the worker: requests that held a connection, or
# SQLite's write lock, waited for a thread to run their endpoint, while all 40 threads waited for
# a connection (QueuePool timeout, PostgreSQL) or for that lock (busy_timeout, SQLite)
# (fastapi/fastapi#3205). Below the threadpool (40) and the pool (40 + 10), a holder always
# finds a thread and a connection. Sockets' snapshot reads and startup sessions do not count.
SESSION_SLOTS = 30


def _session_gate(request: Request) -> anyio.Semaphore:
    gate = getattr(request.app.state, "session_gate", None)
    if gate is None:
        gate = request.app.state.session_gate = anyio.Semaphore(SESSION_SLOTS)
    return gate


# The request's session, for the endpoint wrapper below (set by get_session in the request's
# task, copied into the worker thread with the rest of the context).
_request_session: ContextVar[Session | None] = ContextVar("meetingroom_request_session",
                                                         default=None)
_write_binds: dict[int, Engine] = {}


def _request_bind(write: bool) -> Engine:
    """The engine, or for writing requests a view of it whose connections begin with the write
    lock (`_sqlite_begin` reads the option): no connection is touched until the first query."""
    engine = get_engine()
    if not write:
        return engine
    if id(engine) not in _write_binds:
        _write_binds[id(engine)] = engine.execution_options(write=True)
    return _write_binds[id(engine)]


def finish(session: Session, error: BaseException | None) -> None:
    """End a request's transaction: commit (then the after-commit callbacks) or roll back."""
    if session.info.get("finished"):
        return
    session.info["finished"] = True
    try:
        if error is None:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.info.pop("after_commit", None)
        session.rollback()
        session.close()
        raise
    session.close()
    if error is None:
        _run_after_commit(session)
    else:
        session.info.pop("after_commit", None)


def before_endpoint(session: Session, hook: Callable[[], None]) -> None:
    """Run `hook` in the endpoint's own worker-thread trip, just before the endpoint (for work a
    dependency would otherwise need a trip of its own for: the page context)."""
    session.info.setdefault("before_endpoint", []).append(hook)


def _run_before_endpoint(session: Session | None) -> None:
    for hook in session.info.pop("before_endpoint", []) if session is not None else []:
        hook()


class Deferred:
    """A dependency's value that needs the database, computed in the endpoint's own worker-thread
    trip (in_one_trip resolves it just before the endpoint) instead of in a trip of its own."""

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[], Any]) -> None:
        self.compute = compute


def _resolve(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v.compute() if isinstance(v, Deferred) else v for k, v in kwargs.items()}


def in_one_trip(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a sync endpoint so that its request costs one worker-thread trip: the deferred
    dependency work, the endpoint, and the commit (or rollback) all run in the same thread.

    Without it a request made three trips (open the session, run the endpoint, commit), each a
    hand-off between the event loop and a thread: on /healthz that was half the CPU (issue 11,
    docs/benchmarks.md). routes.include_routers wraps every sync endpoint; signature and
    annotations are the endpoint's own (functools.wraps), so FastAPI sees no difference."""

    if getattr(endpoint, "in_one_trip", False):
        return endpoint
    if inspect.iscoroutinefunction(endpoint):
        @functools.wraps(endpoint)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            session = _request_session.get()
            if (session is not None and session.info.get("before_endpoint")) or any(
                    isinstance(v, Deferred) for v in kwargs.values()):
                def prepare() -> dict[str, Any]:
                    _run_before_endpoint(session)
                    return _resolve(kwargs)

                kwargs = await run_in_threadpool(prepare)
            return await endpoint(*args, **kwargs)

        run_async.in_one_trip = True  # type: ignore[attr-defined]
        return run_async

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        session = _request_session.get()

        def call() -> Any:
            try:
                _run_before_endpoint(session)
                result = endpoint(*args, **_resolve(kwargs))
            except BaseException as exc:
                if session is not None:
                    finish(session, exc)
                raise
            if session is not None:
                finish(session, None)
            return result

        return await run_in_threadpool(call)

    run.in_one_trip = True  # type: ignore[attr-defined]
    return run


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency: services never commit; this commits once per request.

    The session is made on the event loop (no connection yet: it connects, and on SQLite takes
    the write lock, at its first query); a sync endpoint wrapped by `in_one_trip` commits it in
    its own thread. Only when something else ends the request (an async endpoint, or an error
    in a dependency) is it finished here, in a thread if it holds a connection."""
    write = request.method not in ("GET", "HEAD", "OPTIONS")
    async with _session_gate(request):
        session = Session(_request_bind(write), expire_on_commit=False)
        token = _request_session.set(session)
        try:
            yield session
        except BaseException as exc:
            await _finish_elsewhere(session, exc)
            raise
        else:
            await _finish_elsewhere(session, None)
        finally:
            _request_session.reset(token)


async def _finish_elsewhere(session: Session, error: BaseException | None) -> None:
    if session.info.get("finished"):
        return
    if error is None and session.info.get("before_endpoint"):
        await run_in_threadpool(_run_before_endpoint, session)
    if session.in_transaction() or session.info.get("after_commit"):
        await run_in_threadpool(finish, session, error)
    else:  # nothing was read or written: no I/O to do
        session.info["finished"] = True
        session.close()


# scope="function": the commit runs when the endpoint returns, before the response is sent, so
# a failed commit is a failed response and the client never reads ahead of the database.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def insert_once(session: Session, row: SQLModel) -> bool:
    """Add `row` inside a savepoint; False when a unique constraint says it exists already.

    "Once" rules (one ballot, one support, one phone) are the database's to enforce: two requests
    can both pass a Python check, but only one insert wins. The row is added inside the savepoint,
    so a lost race leaves nothing pending in the session."""
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True
