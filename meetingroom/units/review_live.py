"""The review meeting's projector, live: `WS /reviews/{id}/live.html` sends the board as HTML
fragments for htmx's hx-ws, again after every change.

Every change publishes `{"type": "review"}` to the room `review:{id}` after its commit
(review.publish_after_commit). An event carries no state: the room re-reads the board from the
database, renders it once per locale and hands the text to every socket of the room. Reads are
coalesced (events that come while a read runs cause one more read, not one each), so a burst of
scores costs a handful of reads, and a lost event or the hub's resync is repaired by the next read
the same way. Sockets never wait on each other: each has a small queue and a writer; one that
falls behind is closed (1013) and reconnects into a fresh board.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketState

from meetingroom import db, i18n
from meetingroom.auth.security import origin_allowed
from meetingroom.errors import NotAuthenticated
from meetingroom.live.hub import Event
from meetingroom.meetings.live import (
    CLOSE_NOT_ALLOWED,
    CLOSE_NOT_FOUND,
    CLOSE_TOO_SLOW,
    HEARTBEAT,
    HEARTBEAT_SECONDS,
    _read_until_closed,
    _user_id,
)
from meetingroom.settings import LOCALES
from meetingroom.types import Id
from meetingroom.units import review as service

log = logging.getLogger("meetingroom.live")
QUEUE = 16

ws_router = APIRouter()


def render_frames(review_id: int) -> dict[str, str]:
    """The projector's fragments in every locale, from one read of the board."""
    from meetingroom.templating import env

    with contextlib.contextmanager(db.session_scope)(write=False) as session:
        review = session.get(service.Review, review_id)
        b = service.board(session, review)
        out = {}
        for locale in LOCALES:
            token = i18n.set_locale(locale)
            try:
                out[locale] = env.get_template("units/_review_board.html").render(
                    b=b, oob=True, locale=locale, labels_grades=_grades())
            finally:
                i18n.reset_locale(token)
        return out


def _grades():
    from meetingroom.units.review_sheets import GRADES

    return GRADES


class Client:
    def __init__(self, ws: WebSocket, locale: str) -> None:
        self.ws = ws
        self.locale = locale
        self.queue: asyncio.Queue[str] = asyncio.Queue(QUEUE)
        self.gone = asyncio.Event()

    def offer(self, text: str) -> None:
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.gone.set()

    async def write(self) -> None:
        while True:
            await self.ws.send_text(await self.queue.get())


class ReviewRoom:
    def __init__(self, rooms: ReviewRooms, review_id: int) -> None:
        self.rooms = rooms
        self.review_id = review_id
        self.clients: set[Client] = set()
        self._reading: asyncio.Task | None = None
        self._again = False
        rooms.hub.subscribe(service.room_name(review_id), self.listener)

    def join(self, client: Client) -> None:
        self.clients.add(client)

    def leave(self, client: Client) -> None:
        self.clients.discard(client)
        if not self.clients:
            self.rooms.hub.unsubscribe(service.room_name(self.review_id), self.listener)
            self.rooms.rooms.pop(self.review_id, None)

    async def listener(self, event: Event) -> None:
        # A change, or the hub's resync (events may have been lost): either way, read again.
        if self._reading is not None:
            self._again = True
            return
        self._reading = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        try:
            while True:
                self._again = False
                try:
                    frames = await run_in_threadpool(render_frames, self.review_id)
                except Exception:  # the database is away; the next event tries again
                    log.exception("review board read failed for %s", self.review_id)
                    return
                for client in list(self.clients):
                    client.offer(frames.get(client.locale) or next(iter(frames.values())))
                if not self._again:
                    return
        finally:
            self._reading = None


class ReviewRooms:
    def __init__(self, hub) -> None:
        self.hub = hub
        self.rooms: dict[int, ReviewRoom] = {}

    def room(self, review_id: int) -> ReviewRoom:
        if review_id not in self.rooms:
            self.rooms[review_id] = ReviewRoom(self, review_id)
        return self.rooms[review_id]


def rooms_of(app) -> ReviewRooms:
    rooms = getattr(app.state, "review_rooms", None)
    if rooms is None or rooms.hub is not app.state.hub:
        rooms = app.state.review_rooms = ReviewRooms(app.state.hub)
    return rooms


def _admit(review_id: int, uid: int | None) -> bool | int:
    from meetingroom.models import User

    with contextlib.contextmanager(db.session_scope)(write=False) as session:
        user = session.get(User, uid) if uid is not None else None
        if user is None or not user.is_active:
            return CLOSE_NOT_ALLOWED
        review = session.get(service.Review, review_id)
        if review is None or not service.can_view(session, user, review):
            return CLOSE_NOT_FOUND
        return True


@ws_router.websocket("/reviews/{review_id}/live.html")
async def live_board(ws: WebSocket, review_id: Id):
    """The projector's fragments on connect, then after every change."""
    if not origin_allowed(ws.headers.get("origin"), ws.headers.get("host"), ws.url.scheme):
        await ws.close(code=CLOSE_NOT_ALLOWED)
        return
    try:
        uid = await _user_id(ws)
    except NotAuthenticated:
        await ws.close(code=CLOSE_NOT_ALLOWED)
        return
    admitted = await run_in_threadpool(_admit, review_id, uid)
    if admitted is not True:
        await ws.close(code=admitted)
        return
    await ws.accept()
    client = Client(ws, i18n.get_locale())
    room = rooms_of(ws.app).room(review_id)
    room.join(client)  # events from now on trigger a read; the first read follows
    tasks: list[asyncio.Task] = []
    try:
        frames = await run_in_threadpool(render_frames, review_id)
        await ws.send_text(frames[client.locale])
        tasks = [asyncio.create_task(client.write()), asyncio.create_task(_read_until_closed(ws)),
                 asyncio.create_task(client.gone.wait()), asyncio.create_task(_heartbeat(client))]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if client.gone.is_set():
            with contextlib.suppress(Exception):
                await ws.close(code=CLOSE_TOO_SLOW)
    except Exception:
        log.debug("review socket ended", exc_info=True)
    finally:
        for task in tasks:
            task.cancel()
        room.leave(client)
        if ws.application_state == WebSocketState.CONNECTED and \
                ws.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await ws.close(code=1001)


async def _heartbeat(client: Client) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        client.offer(HEARTBEAT)
