"""The live feed (CONTRACT.md): snapshot on connect, seq +1 per event, every viewer sees the same,
foreign Origin refused, resync after a restart; and the HTML socket the pages use."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json

import anyio
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from meetingroom.app import create_app
from meetingroom.meetings import live, screens
from tests.conftest import auth, ticket


def recv(ws, timeout: float = 5.0) -> dict:
    """The next message, or TimeoutError: a test must fail, not hang."""

    async def get():
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    message = ws.portal.call(get)
    ws._raise_on_close(message)
    return message


def recv_json(ws, timeout: float = 5.0, *, heartbeats: bool = False) -> dict:
    """The next JSON message. The feed's 10 s heartbeat (no seq) comes whenever a slow test has
    run that long, so it is skipped unless the test is about heartbeats."""
    while True:
        message = json.loads(recv(ws, timeout)["text"])
        if heartbeats or message.get("type") != "heartbeat":
            return message


def refusal(connect) -> int:
    """The close code of a socket the server refuses (it must not be accepted)."""
    try:
        with connect:
            pass
    except WebSocketDisconnect as exc:
        return exc.code
    raise AssertionError("the socket was accepted")


def nothing_more(ws, wait: float = 0.4) -> bool:
    try:
        message = recv(ws, wait)
    except TimeoutError:
        return True
    return message.get("text") == live.HEARTBEAT


def feed(client, meeting_id: int, **kw):
    return client.websocket_connect(f"/api/v1/meetings/{meeting_id}/live", **kw)


def test_a_snapshot_then_every_change_with_seq_rising_by_one(client, opened, committee):
    with feed(client, opened.id) as ws:
        snap = recv_json(ws)
        assert snap["type"] == "snapshot"
        assert snap["seq"] == opened.get()["seq"] == 7
        assert snap["meeting"] == opened.get()
        assert snap["tallies"] == [opened.tally(0), opened.tally(1)]
        opened.open_vote(0)
        opened.vote(committee[0], "agree")
        opened.leave(committee[5])
        opened.close_vote(0)
        events = [recv_json(ws) for _ in range(4)]
        assert [e["type"] for e in events] == ["vote_opened", "tally", "attendance",
                                               "vote_closed"]
        assert [e["seq"] for e in events] == [8, 9, 10, 11]
        opened_event, tally_event, attendance, closed = events
        assert opened_event["tally"]["status"] == "open"
        assert opened_event["meeting"]["open_item_id"] == opened.items[0]
        assert set(tally_event) == {"type", "seq", "tally"}  # small: the meeting did not change
        assert tally_event["tally"]["agree"] == 1 and tally_event["tally"]["not_voted"] == 5
        assert attendance["meeting"]["present"] == 5
        assert closed["tally"] == opened.tally(0) and closed["tally"]["outcome"] == "rejected"
        assert closed["meeting"] == opened.get()
        assert "ballot" not in tally_event  # the server's own note about who voted stays inside
        assert nothing_more(ws)


def test_two_viewers_see_the_same_messages(client, opened, committee):
    with feed(client, opened.id) as a, feed(client, opened.id) as b:
        assert recv_json(a) == recv_json(b)
        opened.open_vote(0)
        for user in committee[:3]:
            opened.vote(user, "agree")
        seen_a = [recv(a)["text"] for _ in range(4)]
        seen_b = [recv(b)["text"] for _ in range(4)]
        assert seen_a == seen_b
        assert [json.loads(t)["tally"]["agree"] for t in seen_a[1:]] == [1, 2, 3]


def test_foreign_origin_is_refused_and_no_origin_is_allowed(client, opened):
    assert refusal(feed(client, opened.id, headers={"origin": "http://evil.example"})) == 1008
    with feed(client, opened.id, headers={"origin": "http://testserver"}) as ws:
        assert recv_json(ws)["type"] == "snapshot"
    with feed(client, opened.id) as ws:  # a non-browser client sends no Origin
        assert recv_json(ws)["type"] == "snapshot"
    assert refusal(client.websocket_connect(f"/meetings/{opened.id}/live.html?view=projector",
                                            headers={"origin": "http://evil.example"})) == 1008


def test_a_meeting_of_another_community_or_none_is_not_found(client):
    assert refusal(feed(client, 9999)) == live.CLOSE_NOT_FOUND


def test_the_socket_never_changes_anything(client, opened, committee):
    with feed(client, opened.id, params={"token": ""}) as ws:
        snap = recv_json(ws)
        ws.send_text(json.dumps({"type": "ballot", "item_id": opened.items[0],
                                 "choice": "agree"}))
        ws.send_text("open the vote")
        assert nothing_more(ws)
    assert opened.get()["seq"] == snap["seq"]


def test_a_ticket_identifies_the_viewer(client, opened, committee):
    url = f"/meetings/{opened.id}/live.html?view=vote&ticket={ticket(committee[0])}"
    with client.websocket_connect(url) as ws:
        assert 'id="v-ballot"' in recv(ws)["text"]
    # The phone page needs someone logged in.
    assert refusal(client.websocket_connect(f"/meetings/{opened.id}/live.html?view=vote")) \
        == 1008


def test_after_a_restart_a_new_server_resyncs_from_the_database(settings, client, opened,
                                                                 committee):
    opened.open_vote(0)
    opened.vote(committee[0], "oppose")
    with feed(client, opened.id) as ws:
        before = recv_json(ws)
    # The same database, a new app instance (a restarted worker): the same state, same seq.
    with TestClient(create_app(settings)) as restarted:
        with feed(restarted, opened.id) as ws:
            after = recv_json(ws)
        assert after == before
        assert after["tallies"][0]["oppose"] == 1 and after["tallies"][0]["status"] == "open"
        r = restarted.post(f"/api/v1/items/{opened.items[0]}/ballots",
                           json={"choice": "agree"}, headers=auth(committee[1]))
        assert r.status_code == 201 and r.json()["cast"] == 2


def test_a_secret_ballot_shows_only_how_many_voted_until_it_closes(client, opened, committee):
    with feed(client, opened.id) as ws:
        recv_json(ws)
        opened.open_vote(0, secret=True)
        recv_json(ws)
        opened.vote(committee[0], "agree")
        event = recv_json(ws)
        assert event["tally"]["agree"] is None and event["tally"]["cast"] == 1
        assert event["tally"]["voted_ids"] is None
        assert set(event) == {"type", "seq", "tally"} and "voter" not in json.dumps(event)
        opened.close_vote(0)
        closed = recv_json(ws)
        assert closed["tally"]["agree"] == 1 and closed["tally"]["secret"] is True


def test_events_held_out_of_order_are_delivered_in_order(client, app, opened):
    """Two requests commit seq 8 and 9; if 9's publish overtakes 8's, 9 waits for 8."""
    body = {locale: {"tally": opened.tally(0)} for locale in ("zh_CN", "en")}
    hub = app.state.hub
    room = live.room_name(opened.id)
    with feed(client, opened.id) as ws:
        assert recv_json(ws)["seq"] == 7
        hub.publish(room, {"type": "tally", "seq": 9, "locales": body})
        hub.publish(room, {"type": "tally", "seq": 8, "locales": body})
        assert [recv_json(ws)["seq"], recv_json(ws)["seq"]] == [8, 9]
        # A missing event is waited for briefly, then the next goes anyway: the client sees
        # the gap and resyncs.
        hub.publish(room, {"type": "tally", "seq": 11, "locales": body})
        assert recv_json(ws, timeout=2)["seq"] == 11
        hub.publish(room, {"type": "tally", "seq": 11, "locales": body})  # a duplicate
        assert nothing_more(ws)


def test_a_slow_socket_is_dropped_not_waited_for():
    async def run():
        client = live.Client(ws=None, locale="zh_CN", limit=2)
        client.writer = asyncio.create_task(asyncio.sleep(60))  # stands in for its writer
        client.offer(1, "a")
        client.offer(2, "b")
        assert not client.dropped
        client.offer(3, "c")
        assert client.dropped
        with contextlib.suppress(asyncio.CancelledError):
            await client.writer
        assert client.writer.cancelled()  # _serve sees its writer end and closes with 1013

    # In a thread of its own: Playwright's sync API may own this thread's event loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result(5)


# ------------------------------------------------------------------------ the HTML socket


def html(client, meeting_id: int, view: str, **kw):
    return client.websocket_connect(f"/meetings/{meeting_id}/live.html?view={view}", **kw)


def test_the_projector_gets_its_fragments_then_each_change(client, opened, committee):
    with html(client, opened.id, "projector") as ws:
        first = recv(ws)["text"]
        assert 'id="p-head"' in first and 'id="p-item"' in first
        assert first.count('hx-swap-oob="outerMorph"') == 2
        assert "到会" in first and "已达法定人数" in first
        opened.open_vote(0)
        assert "表决中" in recv(ws)["text"]
        opened.vote(committee[0], "agree")
        frame = recv(ws)["text"]
        assert 'id="p-fill-agree" style="width: 16.7%"' in frame  # 1 of 6 present
        assert "未投 5" in frame


def test_the_projector_speaks_english_when_chosen(client, opened):
    client.cookies.set("mr_lang", "en")
    with html(client, opened.id, "projector") as ws:
        text = recv(ws)["text"]
    assert "Quorum met" in text and "Present" in text


def test_each_fragment_is_rendered_once_per_event_not_per_socket(client, opened, committee,
                                                                monkeypatch):
    calls = []
    real = screens.frames

    def counting(view, locale, meeting, tallies):
        calls.append((view, locale, meeting["seq"]))
        return real(view, locale, meeting, tallies)

    monkeypatch.setattr(screens, "frames", counting)
    with html(client, opened.id, "projector") as a, html(client, opened.id, "projector") as b, \
            html(client, opened.id, "projector") as c:
        for ws in (a, b, c):
            recv(ws)
        calls.clear()
        opened.open_vote(0)
        for ws in (a, b, c):
            assert "表决中" in recv(ws)["text"]
    assert calls == [("projector", "zh_CN", 8)]


def test_the_console_is_for_the_secretary(client, opened, secretary, committee):
    assert refusal(html(client, opened.id, "console")) == 1008
    assert refusal(client.websocket_connect(f"/meetings/{opened.id}/live.html?view=console"
                                            f"&ticket={ticket(committee[0])}")) == 1008
    with client.websocket_connect(f"/meetings/{opened.id}/live.html?view=console&ticket="
                                  f"{ticket(secretary)}") as ws:
        text = recv(ws)["text"]
        assert 'id="c-agenda"' in text and "开启表决" in text
        opened.open_vote(0)
        opened.vote(committee[1], "agree")
        recv(ws)
        text = recv(ws)["text"]
        # Open ballot: the console names who has not voted yet.
        assert "尚未投票" in text and committee[0].name in text and committee[1].name not in \
            text.split("尚未投票")[1].split("</p>")[0]


def test_the_phone_page_changes_by_itself(client, opened, committee):
    member = committee[0]
    url = f"/meetings/{opened.id}/live.html?view=vote&ticket={ticket(member)}"
    with client.websocket_connect(url) as ws:
        first = recv(ws)["text"]
        assert "等待秘书开启表决" in first and 'id="v-ballot"' in first
        opened.open_vote(0)
        text = recv(ws)["text"]
        assert 'value="agree"' in text and "投票后不可更改" in text  # the three buttons
        opened.vote(committee[1], "oppose")
        assert 'id="v-ballot"' not in recv(ws)["text"]  # someone else: my box stays
        opened.vote(member, "agree")
        assert "您已投票：同意" in recv(ws)["text"]
        opened.close_vote(0)
        text = recv(ws)["text"]
        assert "等待秘书开启下一项表决" in text and "未通过" in text


def test_after_the_hubs_resync_every_screen_gets_the_truth_again(client, app, opened,
                                                                  committee):
    """With Redis, an outage drops events and the hub then says {"type": "resync"}: the feed
    sends a fresh snapshot (never the resync itself), the HTML screen its fragments."""
    hub = app.state.hub
    with feed(client, opened.id) as ws, html(client, opened.id, "projector") as screen:
        recv_json(ws)
        recv(screen)
        opened.open_vote(0)
        recv_json(ws)
        recv(screen)
        # An event lost in an outage: the ballot is committed, its notification never arrives.
        hub.publish, real = (lambda room, event: None), hub.publish
        opened.vote(committee[0], "agree")
        hub.publish = real
        hub.publish(live.room_name(opened.id), {"type": "resync"})
        snap = recv_json(ws)
        assert snap["type"] == "snapshot" and snap["seq"] == 9
        assert snap["tallies"][0]["agree"] == 1
        assert "16.7%" in recv(screen)["text"]  # 1 of 6: the projector caught up
        opened.vote(committee[1], "agree")
        event = recv_json(ws)
        assert (event["type"], event["seq"], event["tally"]["agree"]) == ("tally", 10, 2)
