"""R7.5 "once", enforced by the database: twenty simultaneous submissions from one member record
exactly one ballot — through the app in threads, and against a real `meetingroom serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
from sqlmodel import func, select

from meetingroom.models import AgendaItem, Ballot, ChainEntry, VoteCast
from tests.conftest import auth

N = 20


def _opened(meet, committee, make_proposal):
    meet.schedule([make_proposal()])
    meet.check_in(*committee[:6])
    meet.open()
    meet.open_vote()


def _fire(post) -> list[int]:
    """Call `post()` from N threads released at the same instant; their status codes."""
    barrier = threading.Barrier(N)
    codes: list[int] = []
    lock = threading.Lock()

    def one():
        barrier.wait()
        code = post()
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=one) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


def _assert_exactly_one(session, item_id: int, choice: str) -> None:
    session.expire_all()
    assert session.exec(select(func.count()).select_from(VoteCast)
                        .where(VoteCast.item_id == item_id)).one() == 1
    assert session.exec(select(func.count()).select_from(Ballot)
                        .where(Ballot.item_id == item_id)).one() == 1
    item = session.get(AgendaItem, item_id)
    assert getattr(item, choice) == 1 and item.agree + item.oppose + item.abstain == 1
    entries = session.exec(select(ChainEntry.payload)).all()
    assert sum('"type":"ballot"' in p for p in entries) == 1


def test_twenty_simultaneous_ballots_from_one_member_record_one(client, meet, committee,
                                                                make_proposal, session):
    _opened(meet, committee, make_proposal)
    item_id = meet.items[0]
    headers = auth(committee[0])

    def post():
        return client.post(f"/api/v1/items/{item_id}/ballots", json={"choice": "agree"},
                           headers=headers).status_code

    codes = _fire(post)
    assert sorted(codes) == [201] + [409] * (N - 1)
    _assert_exactly_one(session, item_id, "agree")
    assert meet.get()["seq"] == 7 + 1 + 1  # one event for the one ballot


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(settings, tmp_path):
    """A real `meetingroom serve` on the test's database (SQLite file or PostgreSQL)."""
    port = _free_port()
    env = {**os.environ, "MEETINGROOM_DATABASE_URL": settings.db_url,
           "MEETINGROOM_DATA_DIR": str(tmp_path / "served"),
           "MEETINGROOM_SECRET_KEY": settings.secret_key}
    log = (tmp_path / "served.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "meetingroom", "serve", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # as the browser tests: ~60 s on a loaded 2-core machine
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail((tmp_path / "served.log").read_text()[-2000:])
    yield url
    proc.terminate()
    proc.wait(10)


def test_twenty_simultaneous_ballots_against_a_real_server(served, meet, committee,
                                                           make_proposal, session):
    _opened(meet, committee, make_proposal)
    item_id = meet.items[0]
    headers = auth(committee[1])
    with httpx.Client(base_url=served, timeout=30,
                      limits=httpx.Limits(max_connections=N)) as http:
        codes = _fire(lambda: http.post(f"/api/v1/items/{item_id}/ballots",
                                        json={"choice": "oppose"}, headers=headers).status_code)
    assert sorted(codes) == [201] + [409] * (N - 1)
    _assert_exactly_one(session, item_id, "oppose")
