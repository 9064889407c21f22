"""Two real `meetingroom serve` processes (A and B, different ports) share one PostgreSQL database
and one Redis: a viewer on B's live feed sees every ballot cast through A, in order, with no gap
in `seq`, and the final tally agrees with the database (issue 6).

Redis pub/sub channels are global (not per database number), and a fresh database numbers its
meetings from 1, so a concurrent run on the same Redis could publish to the same channel. The
test therefore starts the meeting ids of its database at a random large number.

CI must run this test: with CI=true a missing PostgreSQL (conftest) or Redis (`redis_url`) fails.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import httpx
import pytest
import sqlalchemy as sa
from websockets.sync.client import connect

from tests.conftest import PG_URL, new_pg_database
from tests.servers import ServerProcess

PASSWORD = "two-workers-pass-9"
STARTS = "2026-12-03T19:00:00+08:00"
CHOICES = ["agree", "agree", "oppose", "agree", "abstain"]
UNLIMITED = "[1000000000, 1]"


def _token(client: httpx.Client, phone: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"phone": phone, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _ok(r: httpx.Response, status: int = 200) -> dict:
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r.json()


def _recv(ws, timeout: float = 10.0) -> dict:
    return json.loads(ws.recv(timeout=timeout))


@pytest.mark.services
def test_a_viewer_on_b_sees_every_ballot_cast_through_a(tmp_path, redis_url):
    if not PG_URL:  # CI=true without it already fails the whole run (conftest)
        pytest.skip("MEETINGROOM_TEST_DATABASE_URL is not set")
    with new_pg_database() as url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:  # see the module docstring: a channel of our own
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('meeting', 'id'), "
                                 f"{random.randint(10**6, 10**9)})")
        engine.dispose()
        env = {"MEETINGROOM_DATABASE_URL": url, "MEETINGROOM_BROADCAST_URL": redis_url,
               "MEETINGROOM_LOGIN_RATE": UNLIMITED, "MEETINGROOM_POST_RATE": UNLIMITED}
        a = ServerProcess(tmp_path / "a", env=env)
        b = ServerProcess(tmp_path / "b", env=env)
        subprocess.run(  # the secretary, from the CLI like an operator would
            [sys.executable, "-m", "meetingroom", "user", "add", "--phone", "13900000000",
             "--name", "Secretary", "--password", PASSWORD, "--secretary"],
            env=a.env, check=True, capture_output=True, timeout=120)
        try:
            a.start()
            b.start()
            _run_meeting(a, b)
        finally:
            a.stop()
            b.stop()
        for server in (a, b):
            log = server.log.read_text()
            assert "Traceback" not in log and "unreachable" not in log, log[-3000:]


def open_meeting(api: httpx.Client, choices: list[str], phone_prefix: str
                 ) -> tuple[dict[str, str], list[tuple[dict[str, str], str]], int, int]:
    """Through the API, as people would: the secretary adds one full-time member per choice,
    the first proposes, the secretary schedules a work meeting on it, every member checks in and
    the meeting opens. Returns the secretary's headers, (member headers, choice) pairs, the
    meeting's and its item's ids."""
    secretary = _token(api, "13900000000")
    members = []
    for i, choice in enumerate(choices):
        phone = f"{phone_prefix}{i:02d}"
        _ok(api.post("/api/v1/users", headers=secretary, json={
            "name": f"Member {i}", "phone": phone, "password": PASSWORD,
            "seat": "full_time"}), 201)
        members.append((_token(api, phone), choice))
    proposal = _ok(api.post("/api/v1/proposals", headers=members[0][0], json={
        "title": "Lift for block 3", "body": "Residents of block 3 ask for a lift.",
        "draft_resolution": "Install a lift in block 3.", "principle": "practical"}), 201)
    meeting = _ok(api.post("/api/v1/meetings", headers=secretary, json={
        "kind": "work", "title": "Monthly meeting", "starts_at": STARTS,
        "location": "Room 1", "proposal_ids": [proposal["id"]]}), 201)
    meeting_id, item_id = meeting["id"], meeting["agenda"][0]["id"]
    for headers, _ in members:
        _ok(api.post(f"/api/v1/meetings/{meeting_id}/attendance", headers=headers))
    _ok(api.post(f"/api/v1/meetings/{meeting_id}/open", headers=secretary))
    return secretary, members, meeting_id, item_id


def _run_meeting(a: ServerProcess, b: ServerProcess) -> None:
    with httpx.Client(base_url=a.url, timeout=30) as api:
        secretary, members, meeting_id, item_id = open_meeting(api, CHOICES, "139000001")

        live = f"ws://127.0.0.1:{b.port}/api/v1/meetings/{meeting_id}/live"
        with connect(live, open_timeout=10, compression=None, proxy=None) as ws:
            snapshot = _recv(ws)
            assert snapshot["type"] == "snapshot"
            _ok(api.post(f"/api/v1/items/{item_id}/vote/open", headers=secretary,
                         json={"secret": False}))
            for headers, choice in members:
                _ok(api.post(f"/api/v1/items/{item_id}/ballots", headers=headers,
                             json={"choice": choice}), 201)
            events = [_recv(ws) for _ in range(1 + len(members))]
        final = _ok(api.get(f"/api/v1/items/{item_id}/tally"))

    assert [e["type"] for e in events] == ["vote_opened"] + ["tally"] * len(members)
    assert [e["seq"] for e in events] == list(range(snapshot["seq"] + 1,
                                                     snapshot["seq"] + 2 + len(members)))
    casts = [e["tally"]["cast"] for e in events[1:]]
    assert casts == list(range(1, len(members) + 1))
    last = events[-1]["tally"]
    assert (last["agree"], last["oppose"], last["abstain"]) == (
        CHOICES.count("agree"), CHOICES.count("oppose"), CHOICES.count("abstain"))
    assert last == final
