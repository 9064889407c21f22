"""The live listener across two workers (`meetingroom serve --workers 2`, PostgreSQL + Redis,
`MEETINGROOM_LIVE_PORT`): both workers listen on the one port (SO_REUSEPORT), the kernel spreads
the viewers over them, and every viewer, whichever worker holds it, sees every ballot in order
with no gap in `seq` — ballots cast over HTTP through either worker, events through Redis.

Like tests/test_two_workers_live.py, the meeting ids start at a random large number so that a
concurrent run on the same Redis never shares a channel. CI must run it (services)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import httpx
import psutil
import pytest
import sqlalchemy as sa
from websockets.sync.client import ClientConnection, connect

from tests.conftest import PG_URL, new_pg_database
from tests.servers import ServerProcess, free_port
from tests.test_two_workers_live import PASSWORD, UNLIMITED, _ok, open_meeting

CHOICES = ["agree", "oppose", "agree", "abstain", "agree", "agree"]


def _holder(server: ServerProcess, ws: ClientConnection) -> int:
    """The pid of the worker whose end of the TCP connection this socket is."""
    local = ws.local_address[1]
    for worker in server.worker_processes():
        for conn in worker.net_connections(kind="tcp"):
            if conn.raddr and conn.raddr.port == local and conn.status == psutil.CONN_ESTABLISHED:
                return worker.pid
    raise AssertionError(f"no worker holds the socket from port {local}")


@pytest.mark.services
def test_viewers_on_both_workers_see_every_ballot_in_order(tmp_path, redis_url):
    if not PG_URL:  # CI=true without it already fails the whole run (conftest)
        pytest.skip("MEETINGROOM_TEST_DATABASE_URL is not set")
    with new_pg_database() as url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:  # a channel of our own (module docstring)
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('meeting', 'id'), "
                                 f"{random.randint(10**6, 10**9)})")
        engine.dispose()
        live_port = free_port()
        env = {"MEETINGROOM_DATABASE_URL": url, "MEETINGROOM_BROADCAST_URL": redis_url,
               "MEETINGROOM_LOGIN_RATE": UNLIMITED, "MEETINGROOM_POST_RATE": UNLIMITED,
               "MEETINGROOM_LIVE_PORT": str(live_port)}
        server = ServerProcess(tmp_path / "srv", env=env, workers=2)
        subprocess.run(
            [sys.executable, "-m", "meetingroom", "user", "add", "--phone", "13900000000",
             "--name", "Secretary", "--password", PASSWORD, "--secretary"],
            env=server.env, check=True, capture_output=True, timeout=120)
        try:
            server.start(timeout=240)  # two workers importing the app on a busy machine
            banner = f"live listener on 127.0.0.1:{live_port}"
            deadline = time.monotonic() + 120  # the second worker may still be starting
            while server.log.read_text().count(banner) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            _run_meeting(server, live_port)
        finally:
            server.stop()
        log = server.log.read_text()
        assert log.count(f"live listener on 127.0.0.1:{live_port}") == 2, \
            f"both workers listen on the port:\n{log[-3000:]}"
        assert "Traceback" not in log, log[log.index("Traceback") - 500:][:4000]
        assert "unreachable" not in log, log[-3000:]


def _run_meeting(server: ServerProcess, live_port: int) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as api:
        secretary, members, meeting_id, item_id = open_meeting(api, CHOICES, "139000002")

        # Viewers until both workers hold some (the kernel hashes each connection to one).
        viewers: list[tuple[ClientConnection, dict]] = []
        holders: set[int] = set()
        deadline = time.monotonic() + 60
        while (len(holders) < 2 or len(viewers) < 4) and time.monotonic() < deadline:
            ws = connect(f"ws://127.0.0.1:{live_port}/api/v1/meetings/{meeting_id}/live",
                         open_timeout=10, compression=None, proxy=None)
            snapshot = json.loads(ws.recv(timeout=10))
            assert snapshot["type"] == "snapshot"
            viewers.append((ws, snapshot))
            holders.add(_holder(server, ws))
        try:
            assert len(holders) == 2, "every viewer landed on one worker"
            _ok(api.post(f"/api/v1/items/{item_id}/vote/open", headers=secretary,
                         json={"secret": False}))
            for headers, choice in members:
                _ok(api.post(f"/api/v1/items/{item_id}/ballots", headers=headers,
                             json={"choice": choice}), 201)
            final = _ok(api.get(f"/api/v1/items/{item_id}/tally"))
            for ws, snapshot in viewers:
                events = [json.loads(ws.recv(timeout=10)) for _ in range(1 + len(members))]
                assert [e["type"] for e in events] == ["vote_opened"] + ["tally"] * len(members)
                assert [e["seq"] for e in events] == list(
                    range(snapshot["seq"] + 1, snapshot["seq"] + 2 + len(members)))
                assert [e["tally"]["cast"] for e in events[1:]] == list(
                    range(1, len(members) + 1))
                assert events[-1]["tally"] == final
        finally:
            for ws, _ in viewers:
                ws.close()
