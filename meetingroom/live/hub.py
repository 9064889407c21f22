"""One small interface, two backends: in-process (default) and Redis pub/sub (several workers).

`publish(room, event)` is called after a transaction commits, from any thread; it only enqueues,
so the request that caused the event is never delayed by the fan-out. Each worker delivers to its
own local subscribers: a subscriber is a callback that receives the event dict (the callback is
responsible for rendering once per event and writing to its sockets).

Guarantees: per room, every listener of every worker receives the events in one and the same
order (the order the hub's backend received them: the publishing thread's order for `memory://`,
the order Redis received them for `redis://`). The hub does not reorder by `seq`: two requests
that commit one after the other may still publish the other way round, so a listener that sees a
`seq` it has already sent skips it, and one that sees a gap sends a snapshot instead.

The resync contract: a listener may receive the synthetic event `{"type": "resync"}` (no `seq`,
no other field) whenever the hub may have lost events for its room — with `redis://`, each time
the subscription to Redis is restored after an outage or a dropped connection. It comes through
the same per-room queue as events, so it is ordered with them. The listener must check
`event["type"]` before reading `seq`, and then bring each of its sockets back to the truth in the
database: read a fresh snapshot and send it (the JSON feed `{"type": "snapshot", "seq": N, ...}`,
the HTML feed its whole fragment), or close the socket with code 1012 so that the client
reconnects into a snapshot. It must never forward the resync event itself to a client, and must
not assume the snapshot's `seq` is higher than the last one it sent (nothing may have happened).
Ballots are never lost in an outage: they are in the database; only notifications are dropped.
`memory://` never sends resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

log = logging.getLogger("meetingroom.live")

# What the hub carries: a JSON object it never looks into (but for the resync below). Each
# room's listener knows its events' shape (meetings.live.LiveEvent, ...); over Redis they are
# JSON text in between, so the hub can promise no more than this.
Event = Mapping[str, Any]
Listener = Callable[[Event], Awaitable[None]]

RESYNC_TYPE = "resync"
"""`event["type"]` of the synthetic event that tells a listener to send a fresh snapshot."""


class Publisher(Protocol):
    """Where the services' events go: the app's hub, or a stand-in that holds them for a while
    (meetings/ballot_box.py)."""

    def publish(self, room: str, event: Event) -> None: ...


class Hub(Publisher, Protocol):
    """What the app uses (`app.state.hub`); listeners must handle `{"type": "resync"}` (above)."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def subscribe(self, room: str, listener: Listener) -> None: ...
    def unsubscribe(self, room: str, listener: Listener) -> None: ...


class LocalFanout:
    """Delivery to this worker's listeners, one task per event, in publish order per room."""

    def __init__(self) -> None:
        self.listeners: dict[str, set[Listener]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: asyncio.Queue[tuple[str, Event]] | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name="meetingroom-fanout")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def enqueue(self, room: str, event: Event) -> None:
        """Thread-safe: hand an event to the loop that owns the sockets."""
        if self.loop is None or self.queue is None or self.loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.queue.put_nowait((room, event))
        else:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, (room, event))

    async def _run(self) -> None:
        assert self.queue is not None
        while True:
            room, event = await self.queue.get()
            for listener in list(self.listeners.get(room, ())):
                try:
                    await listener(event)
                except Exception:  # one broken listener must not stop the others
                    log.exception("live listener failed for %s", room)

    def subscribe(self, room: str, listener: Listener) -> None:
        self.listeners.setdefault(room, set()).add(listener)

    def unsubscribe(self, room: str, listener: Listener) -> None:
        listeners = self.listeners.get(room)
        if listeners:
            listeners.discard(listener)
            if not listeners:
                del self.listeners[room]


class MemoryHub(LocalFanout):
    """One worker: publish goes straight to the local fan-out."""

    def publish(self, room: str, event: Event) -> None:
        self.enqueue(room, event)


def dumps(event: Event) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str)


def make_hub(url: str) -> Hub:
    if url.startswith("memory://"):
        return MemoryHub()
    if url.startswith(("redis://", "rediss://")):
        from meetingroom.live.redis_hub import RedisHub

        return RedisHub(url)
    raise ValueError(f"MEETINGROOM_BROADCAST_URL: unsupported scheme in {url!r}")
