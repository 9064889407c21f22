"""The live listener (`MEETINGROOM_LIVE_PORT`, meetings/live_listener.py): the live feeds served
by the `websockets` library's own server, fed by the same rooms as the ASGI routes. It must admit
and refuse exactly as the ASGI route does, deliver the snapshot and then every event in seq
order (the very same texts), heartbeat, and never let a slow socket stall the room.

The app runs in TestClient (its lifespan starts the listener on a free port, in the same event
loop as the ASGI routes); the test talks to the listener with the `websockets` client."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from meetingroom.app import create_app
from meetingroom.meetings import live, live_listener
from tests.conftest import login, ticket
from tests.meetings.test_live import recv


@pytest.fixture
def app(settings, community):
    # Port 0: the listener binds a free port; the test reads it back.
    return create_app(settings.model_copy(update={"live_port": 0}))


@pytest.fixture
def port(client, app) -> int:
    return app.state.live_listener.server.sockets[0].getsockname()[1]


def listen(port: int, path: str, headers: dict[str, str] | None = None) -> ClientConnection:
    return connect(f"ws://127.0.0.1:{port}{path}", additional_headers=headers,
                   compression=None, proxy=None, open_timeout=10)


def get(ws: ClientConnection, timeout: float = 5.0) -> str:
    message = ws.recv(timeout=timeout)
    assert isinstance(message, str)
    return message


def get_json(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    return json.loads(get(ws, timeout))


def quiet(ws: ClientConnection, wait: float = 0.4) -> bool:
    """Nothing but heartbeats for `wait` seconds."""
    try:
        message = get(ws, wait)
    except TimeoutError:
        return True
    return message in (live.HEARTBEAT, live.JSON_HEARTBEAT)


def listener_outcome(port: int, path: str, headers: dict[str, str] | None = None) -> str:
    """"accepted", or the refusal: HTTP 403 naming the close code the ASGI route gives."""
    try:
        with listen(port, path, headers) as ws:
            get(ws)  # the first message: admitted and served
            return "accepted"
    except InvalidStatus as exc:
        assert exc.response.status_code == 403
        return bytes(exc.response.body).decode().strip()


def asgi_outcome(client, path: str, headers: dict[str, str] | None = None) -> str:
    try:
        with client.websocket_connect(path, headers=dict(headers or {})) as ws:
            recv(ws)
            return "accepted"
    except WebSocketDisconnect as exc:
        return f"Forbidden ({exc.code})"


def test_it_admits_and_refuses_exactly_as_the_asgi_route(client, port, opened, committee,
                                                          secretary):
    m = opened.id
    member, chair = committee[0], secretary
    evil = {"origin": "http://evil.example"}
    cases: list[tuple[str, Any, dict[str, str] | None, str]] = [
        # (what, path or a function making it (tickets are single-use), headers, expected)
        ("anonymous JSON feed", f"/api/v1/meetings/{m}/live", None, "accepted"),
        ("foreign Origin", f"/api/v1/meetings/{m}/live", evil, "Forbidden (1008)"),
        ("foreign Origin, HTML", f"/meetings/{m}/live.html?view=projector", evil,
         "Forbidden (1008)"),
        ("no such meeting", "/api/v1/meetings/9999/live", None, "Forbidden (4404)"),
        ("a reusable token in the URL", f"/api/v1/meetings/{m}/live?token=abc", None,
         "Forbidden (1008)"),
        ("a bad ticket", f"/api/v1/meetings/{m}/live?ticket=nonsense", None,
         "Forbidden (1008)"),
        ("a member's ticket", lambda: f"/api/v1/meetings/{m}/live?ticket={ticket(member)}",
         None, "accepted"),
        ("an unknown view", f"/meetings/{m}/live.html?view=admin", None, "Forbidden (1008)"),
        ("the phone page, nobody logged in", f"/meetings/{m}/live.html?view=vote", None,
         "Forbidden (1008)"),
        ("the phone page, a member's ticket",
         lambda: f"/meetings/{m}/live.html?view=vote&ticket={ticket(member)}", None,
         "accepted"),
        ("the console, anonymous", f"/meetings/{m}/live.html?view=console", None,
         "Forbidden (1008)"),
        ("the console, a member's ticket",
         lambda: f"/meetings/{m}/live.html?view=console&ticket={ticket(member)}", None,
         "Forbidden (1008)"),
        ("the console, the secretary's ticket",
         lambda: f"/meetings/{m}/live.html?view=console&ticket={ticket(chair)}", None,
         "accepted"),
    ]
    for what, path, headers, expected in cases:
        asgi = asgi_outcome(client, path() if callable(path) else path, headers)
        listener = listener_outcome(port, path() if callable(path) else path, headers)
        assert (what, asgi, listener) == (what, expected, expected)
    # The same Origin the ASGI route accepts: the host the request came to.
    assert listener_outcome(port, f"/api/v1/meetings/{m}/live",
                            {"origin": f"http://127.0.0.1:{port}"}) == "accepted"
    # A ticket is used once, on whichever way in.
    once = ticket(member)
    assert listener_outcome(port, f"/meetings/{m}/live.html?view=vote&ticket={once}") == \
        "accepted"
    assert asgi_outcome(client, f"/meetings/{m}/live.html?view=vote&ticket={once}") == \
        "Forbidden (1008)"
    assert listener_outcome(port, f"/meetings/{m}/live.html?view=vote&ticket={once}") == \
        "Forbidden (1008)"


def test_other_paths_are_not_found(port):
    with pytest.raises(InvalidStatus) as refused:
        listen(port, "/api/v1/meetings/1/other")
    assert refused.value.response.status_code == 404


def test_the_session_cookie_and_the_language_cookie_count_as_on_the_app(client, port, opened,
                                                                         committee):
    login(client, committee[0])
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    with listen(port, f"/meetings/{opened.id}/live.html?view=vote", {"cookie": cookie}) as ws:
        assert 'id="v-ballot"' in get(ws)  # his phone page: logged in by the cookie alone
    with listen(port, f"/meetings/{opened.id}/live.html?view=projector",
                {"cookie": "mr_lang=en"}) as ws:
        text = get(ws)
    assert "Quorum met" in text and "Present" in text


def test_the_same_snapshot_and_events_as_the_asgi_route(client, port, opened, committee):
    """Both ways in, side by side: the very same texts, seq rising by one."""
    with client.websocket_connect(f"/api/v1/meetings/{opened.id}/live") as asgi, \
            listen(port, f"/api/v1/meetings/{opened.id}/live") as ws:
        first = get(ws)
        assert first == recv(asgi)["text"]
        snap = json.loads(first)
        assert snap["type"] == "snapshot" and snap["seq"] == 7
        opened.open_vote(0)
        opened.vote(committee[0], "agree")
        opened.leave(committee[5])
        opened.close_vote(0)
        texts = [get(ws) for _ in range(4)]
        assert texts == [recv(asgi)["text"] for _ in range(4)]
        events = [json.loads(t) for t in texts]
        assert [e["type"] for e in events] == ["vote_opened", "tally", "attendance",
                                               "vote_closed"]
        assert [e["seq"] for e in events] == [8, 9, 10, 11]
        assert quiet(ws)


def test_the_html_views_change_with_the_meeting(client, port, opened, committee):
    member = committee[0]
    with listen(port, f"/meetings/{opened.id}/live.html?view=projector") as screen, \
            listen(port, f"/meetings/{opened.id}/live.html?view=vote&ticket={ticket(member)}") \
            as phone:
        assert 'id="p-head"' in get(screen) and "等待秘书开启表决" in get(phone)
        opened.open_vote(0)
        assert "表决中" in get(screen)
        assert 'value="agree"' in get(phone)
        opened.vote(member, "agree")
        assert 'id="p-fill-agree" style="width: 16.7%"' in get(screen)
        assert "您已投票：同意" in get(phone)  # his own ballot box, to him alone


def test_events_held_out_of_order_and_the_hubs_resync(client, app, port, opened, committee):
    body = {locale: {"tally": opened.tally(0)} for locale in ("zh_CN", "en")}
    hub, room = app.state.hub, live.room_name(opened.id)
    with listen(port, f"/api/v1/meetings/{opened.id}/live") as ws:
        assert get_json(ws)["seq"] == 7
        hub.publish(room, {"type": "tally", "seq": 9, "locales": body})
        hub.publish(room, {"type": "tally", "seq": 8, "locales": body})
        assert [get_json(ws)["seq"], get_json(ws)["seq"]] == [8, 9]
        hub.publish(room, {"type": "tally", "seq": 9, "locales": body})  # a duplicate
        assert quiet(ws)
        hub.publish(room, {"type": "resync"})  # the hub may have lost events: the truth again
        snap = get_json(ws)
        assert snap["type"] == "snapshot" and snap["seq"] == 7  # the database's seq


def test_heartbeats_when_nothing_happens(client, port, opened, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.3)
    with listen(port, f"/api/v1/meetings/{opened.id}/live") as ws, \
            listen(port, f"/meetings/{opened.id}/live.html?view=projector") as screen:
        assert get_json(ws)["type"] == "snapshot"
        get(screen)
        t0 = time.monotonic()
        assert get_json(ws, 2) == {"type": "heartbeat"}
        assert get_json(ws, 2) == {"type": "heartbeat"}
        assert time.monotonic() - t0 < 1.5
        assert get(screen, 2) == live.HEARTBEAT


def test_a_socket_leaves_its_room_when_it_closes(client, app, port, opened):
    with listen(port, f"/api/v1/meetings/{opened.id}/live") as ws:
        get(ws)
        assert len(live.rooms_of(app).rooms[opened.id].clients) == 1
    deadline = time.monotonic() + 5
    while opened.id in live.rooms_of(app).rooms and time.monotonic() < deadline:
        time.sleep(0.05)
    assert opened.id not in live.rooms_of(app).rooms  # the last one out closes the room


# ---------------------------------------------------------------- delivery, without a server


class FakeTransport:
    def __init__(self, unsent: int = 0) -> None:
        self.written: list[bytes] = []
        self.unsent = unsent

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def get_write_buffer_size(self) -> int:
        return self.unsent


class FakeProtocol:
    def __init__(self) -> None:
        from websockets.protocol import State

        self.state = State.OPEN


class FakeConnection:
    def __init__(self, unsent: int = 0) -> None:
        self.transport = FakeTransport(unsent)
        self.protocol = FakeProtocol()
        self.closed_with: list[int] = []

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed_with.append(code)


def texts(conn: FakeConnection) -> list[str]:
    """Decode the unmasked, short text frames written (header: 2 bytes)."""
    out = []
    for frame in conn.transport.written:
        assert frame[0] == 0x81 and frame[1] < 126  # FIN + text, short payload, no mask
        out.append(frame[2:].decode())
    return out


def client_on(conn: FakeConnection) -> live_listener.ListenerClient:
    c = live_listener.ListenerClient(ws=None, locale="zh_CN")
    c.conn = conn  # type: ignore[assignment]
    return c


def in_a_loop(coro_fn) -> None:
    # In a thread of its own: Playwright's sync API may own this thread's event loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro_fn()).result(5)


def test_what_comes_before_the_snapshot_is_sent_after_it_minus_what_it_covers():
    async def run():
        conn = FakeConnection()
        c = client_on(conn)
        c.offer(8, "event 8")  # joined, snapshot not read yet: held, not written
        c.offer(9, "event 9")
        c.offer(10, "event 10")
        assert conn.transport.written == []
        await c.send_first("snapshot at 9")
        c.since = 9
        c.caught_up()
        c.offer(11, "event 11")  # from now on, at once
        c.offer(None, "heartbeat")
        assert texts(conn) == ["snapshot at 9", "event 10", "event 11", "heartbeat"]
        c.since = 12  # a resync's snapshot covers up to 12: older events are not sent
        c.offer(12, "event 12")
        assert texts(conn)[-1] == "heartbeat"

    in_a_loop(run)


def test_a_slow_socket_is_closed_with_1013_and_the_others_still_get_everything():
    async def run():
        slow = FakeConnection(unsent=live_listener.SLOW_BYTES + 1)
        fast = FakeConnection()
        a, b = client_on(slow), client_on(fast)
        for c in (a, b):
            await c.send_first("snapshot")
            c.since = 1
            c.caught_up()
        for seq in (2, 3, 4):
            a.offer(seq, f"event {seq}")
            b.offer(seq, f"event {seq}")
        assert a.dropped and not b.dropped
        assert texts(slow) == ["snapshot"]  # its buffer was over the limit at once
        assert texts(fast) == ["snapshot", "event 2", "event 3", "event 4"]
        await asyncio.sleep(0)  # the close runs as a task of its own: no write waits
        assert slow.closed_with == [live.CLOSE_TOO_SLOW] and fast.closed_with == []

    in_a_loop(run)


def test_a_text_is_framed_once_however_many_sockets_get_it(monkeypatch):
    calls = []
    real = live_listener.Frame.serialize

    def counting(self, **kw):
        calls.append(self.data)
        return real(self, **kw)

    monkeypatch.setattr(live_listener.Frame, "serialize", counting)
    live_listener._frames.clear()

    async def run():
        conns = [FakeConnection() for _ in range(50)]
        clients = [client_on(c) for c in conns]
        for c in clients:
            c.since = 0
            c.caught_up()
        text = json.dumps({"type": "tally", "seq": 1})
        for c in clients:
            c.offer(1, text)
        assert all(texts(c) == [text] for c in conns)

    in_a_loop(run)
    assert len(calls) == 1


def test_without_the_setting_there_is_no_listener(settings, community):
    from fastapi.testclient import TestClient

    plain = create_app(settings)
    with TestClient(plain):
        assert not hasattr(plain.state, "live_listener")


@pytest.mark.parametrize("path", ["/api/v1/meetings/0/live", "/api/v1/meetings/2147483648/live",
                                  "/meetings/x/live.html", "/api/v1/meetings/1/live/"])
def test_paths_outside_the_feeds_are_not_routed(path):
    assert live_listener.route(path) is None


def test_the_feeds_paths_are_routed():
    assert live_listener.route("/api/v1/meetings/12/live?ticket=x") == (12, None)
    assert live_listener.route("/meetings/12/live.html?view=vote") == (12, "vote")
    assert live_listener.route("/meetings/12/live.html") == (12, "projector")

