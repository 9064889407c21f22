"""The live feed of a meeting: `WS /api/v1/meetings/{id}/live` (JSON, CONTRACT.md) and
`WS /meetings/{id}/live.html?view=projector|console|vote` (HTML fragments for htmx's hx-ws).

How an event travels:

    service (in the transaction) ── bump seq, build the event for every locale
        └ after commit ── hub.publish("meeting:{id}", event)         (thread-safe, non-blocking)
             └ Room.on_event (one hub listener per room per worker, on the event loop)
                  ├ reorder defence: an event ahead of the next seq waits ≤ HOLD_SECONDS for
                  │  the missing one (late, from a busy worker); if it is still missing, the
                  │  room rereads the database and sends every socket a snapshot, not a gap
                  ├ serialise once per locale (JSON) / render once per view and locale (HTML)
                  └ for each socket: put the text on its bounded queue (a plain loop; never
                     awaits a socket). A writer task per socket sends; a socket whose queue
                     overflows is closed with 1013 and reconnects into a fresh snapshot.

A socket joins its room (and so starts queueing events) BEFORE its snapshot is read; its
writer then drops queued events with seq <= the snapshot's. Nothing falls between the two.
Snapshots are read from the database in the threadpool, with a short session of their own;
concurrent readers of one room share one read that started after they joined.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NotRequired, TypedDict, cast

from fastapi import APIRouter, Request, WebSocket
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocketState

from meetingroom import db, i18n
from meetingroom.auth.credentials import socket_user_id
from meetingroom.auth.security import origin_allowed
from meetingroom.errors import NotAuthenticated
from meetingroom.live.hub import RESYNC_TYPE, Event, Hub, Publisher, dumps
from meetingroom.meetings.state import MeetingData, TallyData
from meetingroom.settings import LOCALES
from meetingroom.types import Id

if TYPE_CHECKING:
    from meetingroom.meetings.screens import BallotVariant

log = logging.getLogger("meetingroom.live")

# How long an early event waits for the one before it. Events are published after commit by
# whichever worker committed them, and a busy worker's loop publishes late: in the busy-evening
# benchmark (2 workers, load 16) 7 events reached both rooms more than 200 ms after the next one
# and every viewer saw 7 gaps. An event is never dropped once published (the Redis hub says
# "resync" when it drops), so a longer wait costs nothing in the normal case; and when the wait
# runs out the room reads a snapshot, which also covers the late event (see `_fill_gap`).
HOLD_SECONDS = 1.0
JSON_QUEUE = 256  # events a JSON socket may fall behind before it is dropped
HTML_QUEUE = 64  # HTML messages are larger and carry whole screens; fewer are enough
CLOSE_NOT_ALLOWED = 1008  # policy violation: foreign Origin, or not allowed to watch
CLOSE_TOO_SLOW = 1013  # "try again later": htmx's hx-ws and good clients reconnect on it
CLOSE_NOT_FOUND = 4404
# Every socket hears something at least this often, so a client notices a dead connection by
# silence: JSON clients reconnect after 30 s without a message (CONTRACT "Live feed"), HTML
# screens likewise (meetings.js). The server notices a dead client by its WebSocket pings
# (`meetingroom serve`: every 10 s, closed after 10 s without a pong).
HEARTBEAT_SECONDS = 10
HEARTBEAT = "<!-- heartbeat -->"  # htmx swaps nothing for a message with no element
JSON_HEARTBEAT = dumps({"type": "heartbeat"})  # no seq: it is no event, it fills no gap

ws_router = APIRouter()


class LocaleBody(TypedDict, total=False):
    """One locale's part of an event: whichever of the CONTRACT objects changed."""

    meeting: MeetingData
    tally: TallyData  # one item's tally (a ballot, a vote opened or closed)
    tallies: list[TallyData]  # every item's


class VoterBallot(TypedDict):
    """One ballot of a tally event's batch, for the voter's own phone (never sent as JSON)."""

    voter_id: int
    item_id: int
    choice: str | None  # None for a secret ballot (R7.6)


class LiveEvent(TypedDict):
    """What the services publish (service._emit, service.cast_ballots); JSON clients get
    `{"type", "seq", **locales[their locale]}`."""

    type: str
    seq: int
    meeting_id: int
    locales: dict[str, LocaleBody]
    ballots: NotRequired[list[VoterBallot]]


def room_name(meeting_id: Id) -> str:
    return f"meeting:{meeting_id}"


# ------------------------------------------------------------------------------ publishing


def bind_hub(request: Request, session: db.SessionDep) -> None:
    """Router dependency: the services publish through the hub of the app serving the request."""
    session.info["hub"] = request.app.state.hub


def publish_after_commit(session: Session, meeting_id: Id, event: LiveEvent) -> None:
    """Publish once the transaction has committed (never from inside it). Without a bound hub
    (the CLI, a test calling a service directly) there is nobody to tell."""
    # The app's hub (bind_hub), or the ballot box's stand-in that holds a batch's events.
    hub: Publisher | None = session.info.get("hub")
    if hub is not None:
        db.after_commit(session, lambda: hub.publish(room_name(meeting_id), event))


# ------------------------------------------------------------------------------- snapshots


class SnapshotBody(TypedDict):
    """One locale's snapshot: the JSON feed sends `{"type": "snapshot", "seq", **body}`."""

    meeting: MeetingData
    tallies: list[TallyData]


@dataclass
class Snapshot:
    seq: int
    locales: dict[str, SnapshotBody]


class Screen(TypedDict):
    """One locale's state in a room: what the HTML screens render. `meeting` is None only for
    a locale that came in an event but not in the snapshot (every event and snapshot carries
    all of LOCALES, so in practice never)."""

    meeting: MeetingData | None
    tallies: dict[int, TallyData]  # item id -> tally


def _read_snapshot(meeting_id: Id) -> Snapshot:
    from meetingroom.meetings import state

    with contextlib.contextmanager(db.session_scope)(write=False) as session:
        st = state.load(session, meeting_id)
        return Snapshot(st.meeting.seq, {
            locale: SnapshotBody(meeting=state.meeting_data(st, locale),
                                 tallies=state.tallies_data(st, locale)) for locale in LOCALES})


# ---------------------------------------------------------------------------------- clients


@dataclass(eq=False)
class Client:
    ws: WebSocket
    locale: str
    view: str | None = None  # None: the JSON feed; else an HTML view (screens.VIEWS)
    user_id: int | None = None
    limit: int = JSON_QUEUE
    since: int | None = None  # the snapshot's seq; queued events up to it are dropped
    votes: dict[int, str | None] = field(default_factory=dict[int, str | None])  # his ballots
    variant: BallotVariant | None = None  # vote view: the ballot box he sees now
    dropped: bool = False

    def __post_init__(self) -> None:
        self.queue: asyncio.Queue[tuple[int | None, str]] = asyncio.Queue(self.limit)
        self.writer: asyncio.Task[None] | None = None

    @property
    def synced(self) -> bool:
        return self.since is not None

    def offer(self, seq: int | None, text: str) -> None:
        """Never blocks: a socket that cannot keep up is dropped, not waited for."""
        if self.dropped:
            return
        try:
            self.queue.put_nowait((seq, text))
        except asyncio.QueueFull:
            self.dropped = True
            if self.writer is not None:
                self.writer.cancel()  # _serve sees it end, and closes the socket with 1013

    async def write(self) -> None:
        while True:
            seq, text = await self.queue.get()
            if seq is not None and self.since is not None and seq <= self.since:
                continue
            await self.ws.send_text(text)


# ------------------------------------------------------------------------------------ rooms


class Room:
    """Everything one worker does for one meeting's sockets."""

    def __init__(self, rooms: Rooms, meeting_id: Id) -> None:
        self.rooms = rooms
        self.meeting_id = meeting_id
        self.clients: set[Client] = set()
        self.seq: int | None = None
        self.state: dict[str, Screen] | None = None  # locale -> what HTML screens render
        self.early: list[LiveEvent] = []  # events that came before the first snapshot
        self.held: dict[int, LiveEvent] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._reading: asyncio.Task[None] | None = None
        self._waiting: list[asyncio.Future[Snapshot]] = []
        self._json: dict[str, str] = {}
        self._frames: dict[tuple[str, str], str] = {}
        self._ballots: dict[tuple[str, BallotVariant], str] = {}
        self.rooms.hub.subscribe(room_name(meeting_id), self.listener)
        # One timer per room, not one per socket or per message: a timeout around every
        # socket's wait cost a timer per delivery (docs/benchmarks.md, fan-out after issue 11).
        self._beat = asyncio.get_running_loop().call_later(HEARTBEAT_SECONDS, self._heartbeat)

    # -- membership

    def join(self, client: Client) -> None:
        self.clients.add(client)

    def leave(self, client: Client) -> None:
        self.clients.discard(client)
        if not self.clients:
            self.close()

    def _heartbeat(self) -> None:
        """Every HEARTBEAT_SECONDS, every socket hears something, so a client can tell a quiet
        meeting from a dead connection (meetings.js; JSON clients, CONTRACT "Live feed")."""
        for client in list(self.clients):
            if client.synced:
                client.offer(None, HEARTBEAT if client.view is not None else JSON_HEARTBEAT)
        self._beat = asyncio.get_running_loop().call_later(HEARTBEAT_SECONDS, self._heartbeat)

    def close(self) -> None:
        self._beat.cancel()
        self.rooms.hub.unsubscribe(room_name(self.meeting_id), self.listener)
        if self._timer:
            self._timer.cancel()
        self.rooms.rooms.pop(self.meeting_id, None)

    # -- snapshots

    async def snapshot(self) -> Snapshot:
        """A snapshot read that starts after this call; callers at the same time share it."""
        future: asyncio.Future[Snapshot] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        if self._reading is None:
            self._start_read()
        return await future

    def _start_read(self) -> None:
        waiting, self._waiting = self._waiting, []
        self._reading = asyncio.create_task(self._read(waiting))

    async def _read(self, waiting: list[asyncio.Future[Snapshot]]) -> None:
        try:
            snap = await run_in_threadpool(_read_snapshot, self.meeting_id)
        except Exception as exc:
            for future in waiting:
                if not future.done():
                    future.set_exception(exc)
        else:
            if self.state is None:
                self._adopt(snap)
            for future in waiting:
                if not future.done():
                    future.set_result(snap)
        finally:
            self._reading = None
            if self._waiting:
                self._start_read()

    def _adopt(self, snap: Snapshot) -> None:
        """Take a snapshot as the room's state (first join, or after a gap)."""
        self.state = {locale: Screen(meeting=body["meeting"],
                                     tallies={t["item_id"]: t for t in body["tallies"]})
                      for locale, body in snap.locales.items()}
        self.seq = snap.seq
        self._clear_caches()
        early, self.early = self.early, []
        for event in sorted(early, key=lambda e: e["seq"]):
            self.on_event(event)

    async def _resync(self, *, json_too: bool = False, snap: Snapshot | None = None) -> None:
        """Events may have been lost: read the truth and bring every screen back to it. After a
        gap in our own delivery the JSON clients saw the gap too and reconnect by themselves;
        after the hub's resync (events dropped in a broker outage) they get a fresh snapshot."""
        if snap is None:
            try:
                snap = await self.snapshot()
            except Exception:  # the database is away; the next event or reconnect tries again
                log.exception("live resync failed for meeting %s", self.meeting_id)
                return
        if self.seq is None or snap.seq >= self.seq:
            self._adopt(snap)
        snapshots: dict[str, str] = {}
        for client in list(self.clients):
            if client.since is None:  # not synced: its own snapshot is still to come,
                continue  # read after this one
            if client.view is None:
                if not json_too:
                    continue
                if client.locale not in snapshots:
                    body = snap.locales.get(client.locale) or next(iter(snap.locales.values()))
                    snapshots[client.locale] = dumps({"type": "snapshot", "seq": snap.seq,
                                                      **body})
                # Queued events the snapshot covers are dropped by the writer from now on.
                client.since = max(client.since, snap.seq)
                client.offer(None, snapshots[client.locale])
            elif self.seq is not None and snap.seq >= self.seq:
                client.since = max(client.since, snap.seq)
                client.offer(None, self.full_html(client, snap=None))

    # -- events

    async def listener(self, event: Event) -> None:
        if event.get("type") == RESYNC_TYPE:  # the hub may have lost events (live/hub.py)
            asyncio.get_running_loop().create_task(self._resync(json_too=True))
            return
        # The hub types what it carries as any JSON object (it does not look inside); what
        # comes to a meeting's room is what publish_after_commit was given, a LiveEvent.
        self.on_event(cast(LiveEvent, event))

    def on_event(self, event: LiveEvent) -> None:
        seq = event["seq"]
        if self.seq is None:
            self.early.append(event)
            return
        if seq <= self.seq:
            return
        if seq == self.seq + 1:
            self._deliver(event)
            self._drain()
            return
        self.held[seq] = event
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(HOLD_SECONDS, self._release)

    def _drain(self) -> None:
        assert self.seq is not None  # after a delivery, or a snapshot
        while self.seq + 1 in self.held:
            self._deliver(self.held.pop(self.seq + 1))
        if not self.held and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _release(self) -> None:
        """The missing event did not come in time: fill the gap from the database."""
        self._timer = None
        if self.held and self.seq is not None:
            asyncio.get_running_loop().create_task(self._fill_gap(self.seq + 1))

    async def _fill_gap(self, missing: int) -> None:
        """A seq was consumed (its transaction committed before the held ones') but its event
        has not come. Read a snapshot, which starts after the held events' commits and so
        covers the missing one, and send it to every socket: JSON clients get an in-stream
        snapshot (as after the hub's resync), never a gap that would make them reload. The
        events held meanwhile that are newer than the snapshot follow it, in order."""
        try:
            snap = await self.snapshot()
        except Exception:  # the database is away: deliver what we have; clients see the gap
            log.exception("live gap fill failed for meeting %s", self.meeting_id)
            snap = None
        if self.seq is None or self.seq >= missing:
            return  # it came while we read: delivered in order, nothing was lost
        if snap is None or snap.seq < missing:
            # No snapshot, or one older than the gap (an event from nowhere): go on without it.
            self._skip_gap()
            return
        log.warning("live: seq %s of meeting %s came more than %.1f s late; sent a snapshot",
                    missing, self.meeting_id, HOLD_SECONDS)
        await self._resync(json_too=True, snap=snap)
        for seq in [s for s in self.held if s <= self.seq]:
            del self.held[seq]
        self._drain()
        if self.held and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(HOLD_SECONDS, self._release)

    def _skip_gap(self) -> None:
        assert self.seq is not None  # _fill_gap returned if not
        for seq in sorted(self.held):
            if seq > self.seq:
                self._deliver(self.held[seq])
        self.held.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _apply(self, event: LiveEvent) -> None:
        assert self.state is not None  # events are delivered only after the first snapshot
        for locale, body in event["locales"].items():
            st = self.state.setdefault(locale, Screen(meeting=None, tallies={}))
            if "meeting" in body:
                st["meeting"] = body["meeting"]
            if "tallies" in body:
                st["tallies"] = {t["item_id"]: t for t in body["tallies"]}
            if "tally" in body:
                st["tallies"][body["tally"]["item_id"]] = body["tally"]
        self.seq = event["seq"]
        self._clear_caches()

    def _clear_caches(self) -> None:
        self._json.clear()
        self._frames.clear()
        self._ballots.clear()

    def _deliver(self, event: LiveEvent) -> None:
        self._apply(event)
        seq = event["seq"]
        # A tally event carries the batch's ballots (service.cast_ballots), for the voters'
        # own pages only; JSON clients never see them.
        ballots = {b["voter_id"]: b for b in event.get("ballots", ())}
        for client in list(self.clients):
            if client.view is None:
                client.offer(seq, self.json_text(event, client.locale))
                continue
            own = ballots.get(client.user_id) if client.user_id is not None else None
            if own is not None:
                client.votes[own["item_id"]] = own["choice"]
            if client.synced:
                client.offer(seq, self.frame(client.view, client.locale) + self.personal(client))
            else:
                client.offer(seq, self.frame(client.view, client.locale))

    # -- rendering, once per event per locale (and per ballot-box variant)

    def json_text(self, event: LiveEvent, locale: str) -> str:
        if locale not in self._json:
            body = event["locales"].get(locale) or next(iter(event["locales"].values()))
            self._json[locale] = dumps({"type": event["type"], "seq": event["seq"], **body})
        return self._json[locale]

    def _screen(self, locale: str) -> tuple[MeetingData, dict[int, TallyData]]:
        """The room's state in a locale, which HTML screens render. There is one once the first
        snapshot came (HTML is rendered only after it), for every locale (see `Screen`)."""
        assert self.state is not None
        screen = self.state[locale]
        assert screen["meeting"] is not None
        return screen["meeting"], screen["tallies"]

    def frame(self, view: str, locale: str) -> str:
        key = (view, locale)
        if key not in self._frames:
            from meetingroom.meetings import screens

            meeting, tallies = self._screen(locale)
            self._frames[key] = screens.frames(view, locale, meeting, tallies)
        return self._frames[key]

    def personal(self, client: Client) -> str:
        """The ballot box of a member's phone, when it changes. After his own secret ballot every
        screen of his says "voted" and nothing more (issue 9 §2), so all of them get it."""
        if client.view != "vote":
            return ""
        from meetingroom.meetings import screens

        meeting, tallies = self._screen(client.locale)
        variant = screens.ballot_variant(meeting, client.user_id, client.votes)
        if variant == client.variant:
            return ""
        client.variant = variant
        key = (client.locale, variant)
        if key not in self._ballots:
            self._ballots[key] = screens.ballot_fragment(client.locale, variant, meeting, tallies)
        return self._ballots[key]

    def full_html(self, client: Client, snap: Snapshot | None) -> str:
        """Every fragment of the client's view: what a (re)connecting screen gets first."""
        from meetingroom.meetings import screens

        assert client.view is not None  # an HTML client
        tallies: dict[int, TallyData]
        if snap is not None:
            body = snap.locales[client.locale]
            meeting, tallies = body["meeting"], {t["item_id"]: t for t in body["tallies"]}
        else:
            meeting, tallies = self._screen(client.locale)
        html = screens.frames(client.view, client.locale, meeting, tallies)
        if client.view == "vote":
            client.variant = screens.ballot_variant(meeting, client.user_id, client.votes)
            html += screens.ballot_fragment(client.locale, client.variant, meeting, tallies)
        return html


class Rooms:
    """This worker's rooms, one per meeting that has sockets."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.rooms: dict[int, Room] = {}

    def room(self, meeting_id: Id) -> Room:
        if meeting_id not in self.rooms:
            self.rooms[meeting_id] = Room(self, meeting_id)
        return self.rooms[meeting_id]


def rooms_of(app: Starlette) -> Rooms:
    rooms: Rooms | None = getattr(app.state, "meeting_rooms", None)
    if rooms is None or rooms.hub is not app.state.hub:
        rooms = app.state.meeting_rooms = Rooms(app.state.hub)
    return rooms


# --------------------------------------------------------------------------------- sockets


@dataclass
class Admission:
    user_id: int | None
    votes: dict[int, str | None]


async def _user_id(ws: HTTPConnection) -> int | None:
    """Who opens the socket: a single-use `?ticket=`, a bearer header or the session cookie
    (auth.credentials.socket_user_id); raises NotAuthenticated for an invalid credential."""
    return await run_in_threadpool(socket_user_id, ws)


def _admit(meeting_id: Id, uid: int | None, view: str | None) -> Admission | int:
    """May this person watch this meeting (and this view)? A close code when not."""
    from meetingroom.community.service import default_community
    from meetingroom.meetings import service
    from meetingroom.models import Meeting, User

    with contextlib.contextmanager(db.session_scope)(write=False) as session:
        user = session.get(User, uid) if uid is not None else None
        if user is not None and not user.is_active:
            user = None
        community_id = user.community_id if user else default_community(session).id
        meeting = session.get(Meeting, meeting_id)
        if meeting is None or meeting.community_id != community_id:
            return CLOSE_NOT_FOUND
        if view == "console" and not (user and user.is_secretary):
            return CLOSE_NOT_ALLOWED
        votes: dict[int, str | None] = {}
        if view == "vote":
            if user is None:
                return CLOSE_NOT_ALLOWED
            votes = service.my_votes(session, meeting_id=meeting_id, user_id=user.id).choices
        return Admission(user.id if user else None, votes)


async def admission(conn: HTTPConnection, meeting_id: Id, view: str | None) -> Admission | int:
    """Who may open this socket, and may he: the Origin, the view, the credential, the meeting.
    A close code when refused. One implementation for both ways a socket comes in: the ASGI
    route below and the live listener (live_listener.py), which hands it the same scope the
    app's middleware would (client address and scheme from trusted proxies, session, locale)."""
    if not origin_allowed(conn.headers.get("origin"), conn.headers.get("host"), conn.url.scheme):
        return CLOSE_NOT_ALLOWED
    if view is not None:
        from meetingroom.meetings.screens import VIEWS

        if view not in VIEWS:
            return CLOSE_NOT_ALLOWED
    try:
        uid = await _user_id(conn)
    except NotAuthenticated:
        return CLOSE_NOT_ALLOWED
    return await run_in_threadpool(_admit, meeting_id, uid, view)


async def attach(room: Room, client: Client, send: Callable[[str], Awaitable[None]]) -> None:
    """Join the room, read the snapshot, `send` the client its first message (the JSON snapshot
    or all of its view's fragments) and mark it synced. The client joins BEFORE the snapshot is
    read, so nothing falls between the two: what it was offered meanwhile up to the snapshot's
    seq it drops (`Client.since`). Shared by the ASGI route and the live listener."""
    room.join(client)
    snap = await room.snapshot()
    if client.view is None:
        body = snap.locales[client.locale]
        await send(dumps({"type": "snapshot", "seq": snap.seq, **body}))
    else:
        await send(room.full_html(client, snap))
    client.since = snap.seq
    if client.view == "vote" and room.state is not None and room.seq is not None \
            and room.seq > snap.seq:
        # Events offered while we read carry only shared fragments: follow them with the
        # ballot box as the newest state has it.
        client.offer(room.seq, room.personal(client))


async def _refuse(ws: WebSocket, code: int) -> None:
    # Closing before accepting answers the handshake with HTTP 403.
    await ws.close(code=code)


async def _serve(ws: WebSocket, meeting_id: Id, view: str | None) -> None:
    admitted = await admission(ws, meeting_id, view)
    if isinstance(admitted, int):
        await _refuse(ws, admitted)
        return
    await ws.accept()
    client = Client(ws, i18n.get_locale(), view=view, user_id=admitted.user_id,
                    votes=admitted.votes, limit=JSON_QUEUE if view is None else HTML_QUEUE)
    room = rooms_of(ws.app).room(meeting_id)
    tasks: list[asyncio.Task[None]] = []
    try:
        await attach(room, client, ws.send_text)
        client.writer = asyncio.create_task(client.write())
        tasks = [client.writer, asyncio.create_task(_read_until_closed(ws))]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if client.dropped:
            log.info("live: dropped a slow socket on meeting %s", meeting_id)
            with contextlib.suppress(Exception):
                await ws.close(code=CLOSE_TOO_SLOW)
    except Exception:
        log.debug("live socket ended", exc_info=True)
    finally:
        for task in tasks:
            task.cancel()
        room.leave(client)
        if ws.application_state == WebSocketState.CONNECTED and \
                ws.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await ws.close(code=1001)


async def _read_until_closed(ws: WebSocket) -> None:
    """The feed is read-only: whatever a client sends is ignored, never acted on."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return


@ws_router.websocket("/api/v1/meetings/{meeting_id}/live")
async def live_feed(websocket: WebSocket, meeting_id: Id) -> None:
    """JSON: a snapshot, then every change with its seq (CONTRACT.md "Live feed")."""
    await _serve(websocket, meeting_id, None)


@ws_router.websocket("/meetings/{meeting_id}/live.html")
async def live_html(websocket: WebSocket, meeting_id: Id) -> None:
    """HTML fragments for htmx's hx-ws: all of a view's fragments on (re)connect, then the
    changed screen after every event."""
    await _serve(websocket, meeting_id, websocket.query_params.get("view", "projector"))
