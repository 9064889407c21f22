"""Issue 9 §5: a dead live connection is noticed within 30 s on both sides.

The client's side: every socket, the JSON feed included, hears a message at least every
`HEARTBEAT_SECONDS` (10 s), so a client that has heard nothing for 30 s knows its connection is
dead and reconnects. The server's side: `meetingroom serve` pings every socket every 10 s and
closes one whose pong has not come 10 s later (a phone that left the Wi-Fi sends no FIN)."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from meetingroom.meetings import live
from tests.meetings.test_live import feed, recv, recv_json
from tests.servers import ServerProcess


@pytest.fixture
def opened(meet, committee, make_proposal):
    """An open work meeting, six of nine present."""
    meet.schedule([make_proposal("Lift")])
    meet.check_in(*committee[:6])
    meet.open()
    return meet


def test_the_json_feed_sends_heartbeats_when_nothing_happens(client, opened, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.3)
    with feed(client, opened.id) as ws:
        snapshot = recv_json(ws)
        assert snapshot["type"] == "snapshot"
        t0 = time.monotonic()
        assert recv_json(ws, 2, heartbeats=True) == {"type": "heartbeat"}  # no seq: it fills no gap
        assert recv_json(ws, 2, heartbeats=True) == {"type": "heartbeat"}
        assert time.monotonic() - t0 < 1.5
        opened.check_in(opened.members[6])  # events and heartbeats share the socket
        event = recv_json(ws)
        assert event["type"] == "attendance" and event["seq"] == snapshot["seq"] + 1


def test_html_screens_get_the_same_heartbeat(client, opened, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.3)
    with client.websocket_connect(f"/meetings/{opened.id}/live.html?view=projector") as ws:
        recv(ws)  # the screen's fragments
        assert recv(ws, 2)["text"] == live.HEARTBEAT


def test_the_heartbeat_interval_lets_a_client_notice_within_30_s():
    assert live.HEARTBEAT_SECONDS * 2 < 30  # a missed beat or two, then the client reconnects


@pytest.mark.services
def test_serve_closes_a_socket_whose_client_stopped_answering(tmp_path):
    """A raw client completes the handshake and then never reads or answers again, like a
    phone gone from the network: the server drops it within 30 s."""
    server = ServerProcess(tmp_path / "srv")
    subprocess.run([sys.executable, "-m", "meetingroom", "demo"], env=server.env, check=True,
                   capture_output=True, timeout=300)
    server.start()
    try:
        meeting_id = httpx.get(f"{server.url}/api/v1/meetings").json()["items"][0]["id"]
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            key = base64.b64encode(os.urandom(16)).decode()
            sock.sendall((f"GET /api/v1/meetings/{meeting_id}/live HTTP/1.1\r\n"
                          f"Host: 127.0.0.1:{server.port}"
                          f"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                         .encode())
            head = sock.recv(4096)
            assert head.startswith(b"HTTP/1.1 101"), head
            t0 = time.monotonic()
            sock.settimeout(1.0)
            closed = False
            while time.monotonic() - t0 < 35:
                try:
                    data = sock.recv(4096)
                except TimeoutError:
                    continue
                if not data:
                    closed = True
                    break
            assert closed and time.monotonic() - t0 < 30
    finally:
        server.stop()
