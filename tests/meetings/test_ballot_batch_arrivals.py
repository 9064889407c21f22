"""Issue 11 target 1: a burst's ballots in a few batches (ballot_box.BallotArrivals).

The box counts ballot requests from the moment they reach the app until they are in it, and
writes when every one has come (or a bound has passed): a burst whose requests reach the box one
by one is still written in one batch, a lone ballot is written at once, and a request whose body
never comes holds the others for one bounded wait only. Requests go through the real app (every
middleware) on the test client's event loop, each with its body held back until the test lets
it go: the order of events is set by the test, not by timing."""

from __future__ import annotations

import asyncio
import json

from meetingroom.meetings import ballot_box
from tests.conftest import auth
from tests.meetings.test_ballot_batch import _open

BODY = json.dumps({"choice": "agree"}).encode()


class Post:
    """One ballot request through the whole ASGI app; its body waits for `send_body()`."""

    def __init__(self, app, item_id: int, headers: dict[str, str]) -> None:
        self.app, self.item_id = app, item_id
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.body_sent = asyncio.Event()
        self.status: int | None = None
        self.body = b""

    def send_body(self) -> None:
        self.body_sent.set()

    async def run(self) -> int:
        path = f"/api/v1/items/{self.item_id}/ballots"
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "root_path": "", "query_string": b"", "client": ("127.0.0.1", 50000),
                 "server": ("testserver", 80), "state": {},
                 "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                             (b"content-length", str(len(BODY)).encode()), *self.headers]}
        received = False

        async def receive() -> dict:
            nonlocal received
            if received:  # the client stays connected until it has its answer
                await asyncio.Event().wait()
            await self.body_sent.wait()
            received = True
            return {"type": "http.request", "body": BODY, "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
            elif message["type"] == "http.response.body":
                self.body += message.get("body", b"")

        await self.app(scope, receive, send)
        assert self.status is not None
        return self.status


async def _until(condition) -> None:
    """Let the loop run until `condition()` holds (`_within` bounds the whole scene)."""
    while not condition():
        await asyncio.sleep(0)


def _within(client, scene, seconds: float = 60):
    """Run `scene()` on the app's event loop; a scene that hangs fails instead."""
    async def bounded():
        return await asyncio.wait_for(scene(), seconds)

    return client.portal.call(bounded)


def test_a_burst_arriving_one_by_one_is_written_in_one_batch(
        client, app, meet, committee, make_proposal, monkeypatch):
    """Nine ballot requests reach the app together; their bodies come one after another, each
    only after the previous ballot is in the box and the box has had time to write it alone.
    The box waits for all nine: one batch, one transaction, one tally event."""
    monkeypatch.setattr(ballot_box, "GATHER_SECONDS", 0.0)  # no idle pause: only the count
    monkeypatch.setattr(ballot_box, "GATHER_BOUND", 3600.0)
    monkeypatch.setattr(ballot_box, "GATHER_IDLE", 3600.0)
    _open(meet, committee, make_proposal)
    box = ballot_box.box_of(app)
    posts = [Post(app, meet.items[0], auth(u)) for u in committee]

    async def burst() -> list[int]:
        tasks = [asyncio.create_task(p.run()) for p in posts]
        await _until(lambda: len(box._arriving) == len(posts))
        for n, post in enumerate(posts):
            post.send_body()
            await _until(lambda n=n: len(box._waiting) == n + 1)
            await asyncio.sleep(0.005)  # a box that did not wait would write it now
        return await asyncio.wait_for(asyncio.gather(*tasks), 60)

    before = box.batches
    assert _within(client, burst) == [201] * 9
    assert box.batches - before == 1
    assert (box.bounded, box.stalled) == (0, 0)
    assert all(json.loads(p.body)["cast"] == 9 for p in posts)  # each 201 after the commit
    assert meet.tally()["cast"] == 9


def test_a_lone_ballot_is_written_at_once(client, app, meet, committee, make_proposal,
                                          monkeypatch):
    """Nothing else on its way: the box does not wait for the bound (an hour here)."""
    monkeypatch.setattr(ballot_box, "GATHER_BOUND", 3600.0)
    monkeypatch.setattr(ballot_box, "GATHER_IDLE", 3600.0)
    _open(meet, committee, make_proposal)
    box = ballot_box.box_of(app)
    post = Post(app, meet.items[0], auth(committee[0]))

    async def alone() -> int:
        post.send_body()
        return await asyncio.wait_for(post.run(), 60)

    before = box.batches
    assert _within(client, alone) == 201
    assert box.batches - before == 1 and (box.bounded, box.stalled) == (0, 0)
    assert not box._arriving  # counted in, counted out
    # A refused request leaves the count too (it never reaches the box).
    assert client.post(f"/api/v1/items/{meet.items[0]}/ballots",
                       json={"choice": "agree"}).status_code == 401
    assert not box._arriving


def test_a_request_that_never_sends_its_body_holds_the_others_once_and_briefly(
        client, app, meet, committee, make_proposal):
    """A stalled client (headers, no body) is waited for while nothing else comes, at most
    GATHER_IDLE, then written off: the ballot beside it is written, the next one does not wait
    for it again, and its own ballot still counts when its body finally comes."""
    _open(meet, committee, make_proposal)
    box = ballot_box.box_of(app)
    stalled = Post(app, meet.items[0], auth(committee[0]))
    beside = Post(app, meet.items[0], auth(committee[1]))
    after = Post(app, meet.items[0], auth(committee[2]))

    async def scene() -> tuple[int, int, int]:
        held = asyncio.create_task(stalled.run())
        await _until(lambda: len(box._arriving) == 1)
        beside.send_body()
        first = await asyncio.wait_for(beside.run(), 60)
        assert not held.done() and box.stalled == 1 and not box._arriving
        after.send_body()
        second = await asyncio.wait_for(after.run(), 60)
        assert box.stalled == 1  # the written-off request held nothing more
        stalled.send_body()
        return first, second, await asyncio.wait_for(held, 60)

    assert _within(client, scene) == (201, 201, 201)
    assert box.bounded == 0
    assert meet.tally()["cast"] == 3
