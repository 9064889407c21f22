"""`meetingroom serve --workers 2` really runs two workers that all serve, on SQLite alone and on
PostgreSQL with Redis (settings from the environment only, as in a container)."""

from __future__ import annotations

import http.client
import socket
import time
from urllib.parse import urlsplit

import httpx
import psutil
import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL, new_pg_database
from tests.servers import ServerProcess, free_port


def spread_requests(server: ServerProcess, served_by, *, seconds: float = 30) -> None:
    """Fresh connections to /healthz until `served_by(worker)` holds for every worker: the
    kernel hands each new connection to whichever worker accepts first."""
    deadline = time.monotonic() + seconds
    workers = server.worker_processes()
    sent = 0
    while time.monotonic() < deadline:
        for _ in range(20):
            r = httpx.get(f"{server.url}/healthz", headers={"Connection": "close"}, timeout=10)
            assert r.status_code == 200 and r.json() == {"status": "ok"}
            sent += 1
        if all(served_by(w) for w in workers):
            return
    missing = [w.pid for w in workers if not served_by(w)]
    raise AssertionError(f"after {sent} requests, workers {missing} never served one")


def talks_to(port: int):
    def check(worker: psutil.Process) -> bool:
        return any(c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
                   for c in worker.net_connections(kind="tcp"))
    return check


def test_two_workers_on_sqlite(tmp_path):
    server = ServerProcess(tmp_path / "data", workers=2).start()
    try:
        workers = server.worker_processes()
        assert len({w.pid for w in workers}) == 2
        db_file = str((tmp_path / "data" / "meetingroom.db").resolve())
        spread_requests(server, lambda w: any(f.path == db_file for f in w.open_files()))
    finally:
        server.stop()
    assert "do not see each other's live events" in server.log.read_text()


@pytest.mark.services
def test_two_workers_on_postgresql_and_redis(tmp_path, redis_url):
    if not PG_URL:  # CI=true without it already fails the whole run (conftest)
        pytest.skip("MEETINGROOM_TEST_DATABASE_URL is not set")
    with new_pg_database(migrate=False) as url:  # `serve` migrates it itself
        env = {"MEETINGROOM_DATABASE_URL": url, "MEETINGROOM_BROADCAST_URL": redis_url}
        server = ServerProcess(tmp_path / "data", env=env, workers=2).start()
        try:
            workers = server.worker_processes()
            assert len({w.pid for w in workers}) == 2
            # Each worker answers requests from its own PostgreSQL pool...
            spread_requests(server, talks_to(sa.engine.make_url(url).port or 5432))
            # ...and, having started, holds its hub's own subscription to Redis.
            assert all(talks_to(urlsplit(redis_url).port or 6379)(w) for w in workers)
        finally:
            server.stop()
        log = server.log.read_text()
        assert "Traceback" not in log and "unreachable" not in log
        engine = sa.create_engine(url)
        with engine.connect() as conn:  # migrated to head and the community created once
            assert conn.exec_driver_sql("SELECT count(*) FROM community").scalar() == 1
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        engine.dispose()


def test_server_starts_without_redis_and_says_so_once(tmp_path):
    """Pages and ballots do not need Redis: the worker serves, and logs the outage once, at
    ERROR level, with the password hidden."""
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"  # nothing listens there
    server = ServerProcess(tmp_path / "data", env={"MEETINGROOM_BROADCAST_URL": url}).start()
    try:
        for _ in range(5):
            assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
        time.sleep(2)  # several reconnect attempts fail meanwhile
    finally:
        server.stop()
    log = server.log.read_text()
    lines = [line for line in log.splitlines() if "unreachable" in line]
    assert len(lines) == 1, log
    assert lines[0].startswith("ERROR:") and "live screens will resync" in lines[0]
    assert "hunter2" not in log


def test_an_idle_keep_alive_connection_outlives_a_clients_pause(tmp_path):
    """uvicorn closed idle connections after 5 s, and a request sent as it closed was lost (the
    busy evening's connection resets; behind nginx, whose idle upstream connections live 60 s,
    a 502 on a ballot). `serve` keeps them 75 s: one still open after 6 s idle."""
    server = ServerProcess(tmp_path / "data").start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        assert conn.getresponse().read() == b'{"status":"ok"}'
        sock = conn.sock
        time.sleep(6)
        sock.setblocking(False)
        try:
            closed = sock.recv(1, socket.MSG_PEEK) == b""  # EOF: the server hung up
        except BlockingIOError:
            closed = False  # nothing to read and not closed: still open
        assert not closed, "the server closed an idle keep-alive connection within 6 s"
        sock.setblocking(True)
        conn.request("GET", "/healthz")  # on the same connection
        assert conn.sock is sock and conn.getresponse().read() == b'{"status":"ok"}'
    finally:
        conn.close()
        server.stop()


def test_a_worker_paused_for_a_few_seconds_is_not_killed(tmp_path):
    """uvicorn's supervisor killed a worker that did not answer its ping within 5 s: a worker
    starved of CPU (busy evening, load 25) lost its ~1,000 live sockets. `serve` waits 30 s;
    a worker stopped for 8 s carries on, the same process."""
    server = ServerProcess(tmp_path / "data", workers=2).start(timeout=240)
    try:
        time.sleep(2)  # both workers have answered their first pings
        worker = server.worker_processes()[0]
        worker.suspend()  # SIGSTOP: no CPU at all, as under a long starvation
        time.sleep(8)
        alive = worker.is_running() and worker.status() != psutil.STATUS_ZOMBIE
        worker.resume()
        assert alive, "the supervisor killed a worker that stopped answering for 8 s"
        time.sleep(1)
        assert worker.pid in [w.pid for w in server.worker_processes()]
        spread_requests(server, lambda w: True, seconds=30)
    finally:
        server.stop()
    assert "died" not in server.log.read_text()
