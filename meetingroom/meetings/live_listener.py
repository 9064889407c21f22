"""The live feeds served by the `websockets` library's own server, beside the ASGI app
(`MEETINGROOM_LIVE_PORT`; docs/decisions.md "The live listener", docs/deployment.md).

Same paths, same sockets, same rules as the ASGI routes of live.py, for the reverse proxy to
route to:

    WS /api/v1/meetings/{id}/live                       the JSON feed (CONTRACT.md)
    WS /meetings/{id}/live.html?view=projector|console|vote   the HTML feed of the pages

Why: through ASGI every delivery is `send_text` → Starlette → an ASGI message dict → uvicorn →
`websockets` framing, per socket, and every socket holds a scope, Starlette's WebSocket, a queue
and two tasks; at 2,000 viewers that cost ×3.1 the CPU per delivery and ×3.2 the memory per
viewer of a bare `websockets` broadcast server (docs/benchmarks.md). Here a socket is the
library's connection plus a `ListenerClient` (a few fields; no queue, no task of its own), and a
message is framed once per distinct text and written straight into every transport.

What is shared, not copied: the room (live.Room: hub subscription, seq order, held events,
snapshots, resync, rendering once per event and locale, heartbeats), admission
(`live.admission`: Origin, view, ticket/bearer/cookie, meeting) run on the scope the app's own
middleware builds (`app.socket_scope_middleware`: trusted proxies, session cookie, locale), and
the first message (`live.attach`). Only the transport differs.

A refused socket gets HTTP 403 before any upgrade, as uvicorn answers when the ASGI route closes
before accepting (its body names the close code the ASGI route would give, 1008 or 4404).

A slow socket never stalls the room: writes never wait. Whatever the kernel does not take stays
in that socket's transport buffer; once that buffer holds more than `SLOW_BYTES` the socket is
closed with 1013 ("try again later") and its client reconnects into a fresh snapshot, as the
ASGI route does when a socket's queue overflows. `websockets.broadcast` itself has no such
limit (it lets the buffer grow until the ping timeout), which is why delivery is done here.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlsplit

from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State

from meetingroom import i18n
from meetingroom.meetings import live
from meetingroom.types import MAX_INT

log = logging.getLogger("meetingroom.live")

JSON_PATH = re.compile(r"/api/v1/meetings/([0-9]{1,10})/live")
HTML_PATH = re.compile(r"/meetings/([0-9]{1,10})/live\.html")
# A socket whose unsent bytes pass this is dropped (1013): about 256 JSON events or a few dozen
# whole screens, the ASGI route's queue limits (live.JSON_QUEUE, live.HTML_QUEUE), in bytes.
SLOW_BYTES = 1024 * 1024
FRAME_CACHE = 64  # distinct texts framed and kept (each event's texts, a few ballot boxes)


# ----------------------------------------------------------------------------- framing

_frames: dict[str, bytes] = {}


def frame_of(text: str) -> bytes:
    """One WebSocket text frame, unmasked, uncompressed (the listener offers no deflate), framed
    once per distinct text however many sockets it goes to. Room caches each event's text per
    locale, so every socket of a locale looks up the same string (its hash is cached)."""
    frame = _frames.get(text)
    if frame is None:
        if len(_frames) >= FRAME_CACHE:
            _frames.clear()
        frame = _frames[text] = Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
    return frame


# ----------------------------------------------------------------------------- clients


class ListenerClient(live.Client):
    """A socket of the listener, as its Room sees it. `offer` writes at once: no queue, no
    writer task. Until its snapshot has gone out (`since` is None) what it is offered is kept
    in order and sent right after the snapshot, minus what the snapshot covers."""

    conn: ServerConnection
    pending: list[tuple[int | None, str]] | None
    closing: asyncio.Task[None] | None

    def __post_init__(self) -> None:
        # No queue and no writer: the parent's would cost memory on every socket for nothing.
        self.writer = None
        self.pending = []
        self.closing = None

    def offer(self, seq: int | None, text: str) -> None:
        if self.dropped:
            return
        if self.pending is not None:
            self.pending.append((seq, text))
            return
        if seq is not None and self.since is not None and seq <= self.since:
            return
        self.send(text)

    def send(self, text: str) -> None:
        """Into the transport now; never waits for the client."""
        conn = self.conn
        if conn.protocol.state is not State.OPEN:
            return  # closing: its handler is about to leave the room
        transport = conn.transport
        transport.write(frame_of(text))
        if transport.get_write_buffer_size() > SLOW_BYTES:
            self.dropped = True
            log.info("live: dropped a slow socket (%s bytes unsent)",
                     transport.get_write_buffer_size())
            self.closing = asyncio.get_running_loop().create_task(
                conn.close(live.CLOSE_TOO_SLOW, "too slow"))

    async def send_first(self, text: str) -> None:
        """`live.attach`'s send: the snapshot, then what came while it was read."""
        self.send(text)

    def caught_up(self) -> None:
        """Its snapshot is out: send what it was offered meanwhile, from now on send at once."""
        pending, self.pending = self.pending or [], None
        for seq, text in pending:
            self.offer(seq, text)


# ---------------------------------------------------------------------------- the server


class Admitted:
    __slots__ = ("admission", "locale", "meeting_id", "view")

    def __init__(self, admission: live.Admission, locale: str, meeting_id: int,
                 view: str | None) -> None:
        self.admission = admission
        self.locale = locale
        self.meeting_id = meeting_id
        self.view = view


def route(target: str) -> tuple[int, str | None] | None:
    """(meeting id, view) for a live path and its query; None for anything else. View None is
    the JSON feed; the HTML feed's default view is the projector (as live.live_html)."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    if match := JSON_PATH.fullmatch(path):
        view = None
    elif match := HTML_PATH.fullmatch(path):
        view = (parse_qs(parts.query).get("view") or ["projector"])[-1]
    else:
        return None
    meeting_id = int(match.group(1))
    if not 1 <= meeting_id <= MAX_INT:
        return None
    return meeting_id, view


def asgi_scope(conn: ServerConnection, request: Request, app: Starlette) -> Scope:
    """The scope uvicorn would build for this handshake (the app's middleware then reads the
    forwarded address and scheme, the session cookie and the language from it)."""
    parts = urlsplit(request.path)
    client = conn.remote_address
    server = conn.local_address
    return {
        "type": "websocket", "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1", "scheme": "ws", "root_path": "",
        "path": unquote(parts.path), "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in request.headers.raw_items()],
        "client": (client[0], client[1]) if client else None,
        "server": (server[0], server[1]) if server else None,
        "subprotocols": [], "state": {}, "app": app,
    }


class LiveListener:
    """One per worker process, started and stopped by the app's lifespan."""

    def __init__(self, app: Starlette, middleware: ASGIApp | None = None) -> None:
        from meetingroom.app import socket_scope_middleware

        self.app = app
        self.middleware = middleware or socket_scope_middleware(self._admit_asgi)
        self.server: Server | None = None
        # Handshake → handler: what admission found, by connection, for the moment between (weak:
        # a handshake that fails after admission never reaches the handler).
        self._admitted: weakref.WeakKeyDictionary[ServerConnection, Admitted] = \
            weakref.WeakKeyDictionary()

    async def start(self, host: str, port: int) -> int:
        """Listen (SO_REUSEPORT: every worker of `meetingroom serve --workers N` listens on the
        same port and the kernel spreads the connections); the port actually bound."""
        from meetingroom.cli import WS_PING_SECONDS

        self.server = await serve(
            self.handler, host, port, process_request=self.process_request,
            compression=None,  # as `serve`'s uvicorn: deflate per socket costs more than it saves
            ping_interval=WS_PING_SECONDS, ping_timeout=WS_PING_SECONDS,
            max_size=64 * 1024,  # the feeds are read-only: whatever a client sends is ignored
            reuse_port=True, backlog=4096, server_header=None)
        sockname = self.server.sockets[0].getsockname()
        log.info("live listener on %s:%s", sockname[0], sockname[1])
        return int(sockname[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()  # closes every socket with 1001 (going away): clients reconnect
            await self.server.wait_closed()
            self.server = None

    # -- handshake

    async def process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("upgrade", "").lower() != "websocket":
            return None  # not a WebSocket handshake: the library answers 426, nothing consumed
        found = route(request.path)
        if found is None:
            return conn.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
        meeting_id, view = found
        result: list[Admitted | int] = []

        async def receive() -> Message:
            raise RuntimeError("admission reads nothing from the socket")

        async def send(message: Message) -> None:
            raise RuntimeError("admission sends nothing to the socket")

        scope = asgi_scope(conn, request, self.app)
        scope["meetingroom.live"] = (meeting_id, view, result)
        await self.middleware(scope, receive, send)
        admitted = result[0] if result else live.CLOSE_NOT_ALLOWED
        if isinstance(admitted, int):
            return conn.respond(HTTPStatus.FORBIDDEN, f"Forbidden ({admitted})\n")
        self._admitted[conn] = admitted
        return None

    async def _admit_asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The innermost ASGI app: runs after the app's own middleware has read the scope."""
        meeting_id, view, result = scope["meetingroom.live"]
        admitted = await live.admission(HTTPConnection(scope), meeting_id, view)
        result.append(admitted if isinstance(admitted, int)
                      else Admitted(admitted, i18n.get_locale(), meeting_id, view))

    # -- the socket

    async def handler(self, conn: ServerConnection) -> None:
        admitted = self._admitted.pop(conn, None)
        if admitted is None:  # cannot happen: process_request admitted it or answered
            await conn.close(live.CLOSE_NOT_ALLOWED)
            return
        # `ws` is the ASGI route's socket; a listener client writes to `conn` instead.
        client = ListenerClient(
            ws=None, locale=admitted.locale,  # pyright: ignore[reportArgumentType]
            view=admitted.view, user_id=admitted.admission.user_id,
            votes=admitted.admission.votes)
        client.conn = conn
        room = live.rooms_of(self.app).room(admitted.meeting_id)
        try:
            await live.attach(room, client, client.send_first)
            client.caught_up()
            async for _ in conn:  # the feed is read-only: what a client sends is ignored
                pass
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("live listener socket failed on meeting %s", admitted.meeting_id)
        finally:
            room.leave(client)
