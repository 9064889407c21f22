"""The Redis backend of the broadcast hub: several workers (or hosts) share live events.

One `RedisHub` per worker process. It keeps two connections to Redis:

- a **publisher**: `publish(room, event)` only serialises the event and puts it on a bounded
  asyncio queue (thread-safe, never blocks the request); one task drains the queue and PUBLISHes
  each event as JSON to the channel `meetingroom:{room}`, pipelining whatever has queued up;
- a **subscriber**: one connection that PSUBSCRIBEs `meetingroom:*` and hands every message for a
  room with local listeners to the local fan-out (`LocalFanout.enqueue`).

The worker that publishes gets its own events back through Redis and delivers them **only** from
the subscription, never directly: Redis sends every subscriber the messages of a channel in the
one order it received them, so every worker, the publisher included, delivers each event exactly
once and in the same order.

Why one pattern subscription rather than SUBSCRIBE per room as listeners come and go: a socket
registers its listener and then reads its snapshot from the database; with per-room subscriptions
the SUBSCRIBE round trip would race that snapshot (an event committed in between would be missed
and show up as a gap in `seq`), and every connect and disconnect would cost a Redis command. The
price is that each worker receives every meeting's events, which is tiny (ballots and check-ins
of people, not machine traffic); messages for rooms without local listeners are dropped by their
channel name before any JSON is parsed.

Outage: when Redis is unreachable or drops the connection, the hub logs it once (ERROR), drops
events instead of buffering them (ballots are safe in the database; the screens catch up from a
snapshot), and keeps reconnecting with capped exponential backoff. When the subscription is
active again, every room listener of this worker receives `{"type": "resync"}` (see
`meetingroom.live.hub` for what a listener must do with it) and the recovery is logged (WARNING).

Workers do not come back at the same moment. An event dropped by a worker whose subscription
was still down never reached the workers that had already resynced, and nothing told them: some
screens stayed one ballot behind for good (issue 9 §5). So a worker that dropped events
remembers their rooms, and once it is back it publishes them on the control channel
`meetingroom:!resync`; every other worker then resyncs those rooms too.

A publish that fails is retried once, on a fresh connection, before its events count as
dropped: after an outage the pool still holds the connection Redis closed, and the first
publish on it fails although Redis is back (it used to log a second, spurious "unreachable").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from meetingroom.live.hub import RESYNC_TYPE, Event, LocalFanout, dumps

log = logging.getLogger("meetingroom.live")

CHANNEL_PREFIX = "meetingroom:"
PATTERN = CHANNEL_PREFIX + "*"
CONTROL_ROOM = "!resync"  # rooms are "meeting:{id}", "review:{id}": never this
CONTROL_CHANNEL = CHANNEL_PREFIX + CONTROL_ROOM
MAX_DROPPED_ROOMS = 1000  # past this, a worker that is back asks for a resync of every room


def redacted(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


class RedisHub(LocalFanout):
    """Redis pub/sub across workers; local delivery through `LocalFanout`."""

    def __init__(self, url: str, *, backoff_min: float = 0.2, backoff_max: float = 5.0,
                 ping_every: float = 5.0, max_queued: int = 10_000,
                 start_timeout: float = 3.0) -> None:
        super().__init__()
        self.url = url
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.ping_every = ping_every
        self.max_queued = max_queued
        self.start_timeout = start_timeout
        self.connected = False  # subscription confirmed and publishing works
        self.dropped = 0  # events dropped since the last time Redis was reachable
        self._outage_logged = False
        self._full_logged = False
        self._redis: Redis | None = None
        self._outbox: asyncio.Queue[tuple[str, str]] | None = None
        self._tasks: list[asyncio.Task] = []
        self._first_attempt: asyncio.Event | None = None
        self.id = uuid.uuid4().hex  # tells this worker's own control messages from others'
        # Rooms whose events this worker dropped since Redis was last reachable (None: too
        # many to list, every room); published on the control channel once it is back.
        self._dropped_rooms: set[str] | None = set()

    # ---------------------------------------------------------------- life cycle

    async def start(self) -> None:
        await super().start()
        self._outbox = asyncio.Queue(self.max_queued)
        self._first_attempt = asyncio.Event()
        # No retries inside redis-py: a silent reconnect would resubscribe without telling us,
        # and the events missed meanwhile would never trigger a resync. We reconnect ourselves.
        self._redis = Redis.from_url(self.url, retry=Retry(NoBackoff(), 0),
                                     socket_connect_timeout=3, socket_timeout=10,
                                     socket_keepalive=True, health_check_interval=0)
        self._tasks = [asyncio.create_task(self._subscribe_forever(), name="live-redis-sub"),
                       asyncio.create_task(self._publish_forever(), name="live-redis-pub")]
        # Serve once the subscription is confirmed, so the first sockets miss nothing; if Redis
        # is down the worker starts anyway (pages and ballots work) and the hub keeps retrying.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_attempt.wait(), self.start_timeout)

    async def stop(self) -> None:
        self.connected = False
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._redis is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._redis.aclose()
            self._redis = None
        await super().stop()

    # ---------------------------------------------------------------- publishing

    def publish(self, room: str, event: Event) -> None:
        """Thread-safe and non-blocking: serialise here, queue for the publisher task."""
        loop = self.loop
        if loop is None or loop.is_closed() or self._outbox is None:
            return
        if not self.connected:
            self._drop(room)  # no unbounded buffer while Redis is away; screens will resync
            return
        item = (CHANNEL_PREFIX + room, dumps(event))
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._put(item)
        else:
            loop.call_soon_threadsafe(self._put, item)

    def _put(self, item: tuple[str, str]) -> None:
        assert self._outbox is not None
        try:
            self._outbox.put_nowait(item)
        except asyncio.QueueFull:
            self._drop(item[0][len(CHANNEL_PREFIX):])
            if not self._full_logged:
                self._full_logged = True
                log.error("live: %d events waiting for Redis at %s; dropping new ones",
                          self.max_queued, redacted(self.url))

    async def _publish_forever(self) -> None:
        assert self._outbox is not None and self._redis is not None
        while True:
            batch = [await self._outbox.get()]
            while len(batch) < 200 and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            if self._outbox.empty():
                self._full_logged = False
            if not self.connected:
                for channel, _data in batch:
                    self._drop(channel[len(CHANNEL_PREFIX):])
                continue
            try:
                try:
                    await self._send(batch)
                except (RedisError, OSError):
                    # The failed connection was closed and goes back to the pool as such: the
                    # retry connects afresh. A dead pooled connection after an outage is not
                    # an outage. (A batch half sent before the error is sent again: listeners
                    # skip a seq they have already delivered.)
                    await self._send(batch)
            except (RedisError, OSError) as exc:
                for channel, _data in batch:
                    self._drop(channel[len(CHANNEL_PREFIX):])
                # The subscriber sees connected=False and goes through reconnect + resync.
                self._mark_down(exc)

    async def _send(self, batch: list[tuple[str, str]]) -> None:
        assert self._redis is not None
        # One pipeline, one connection, one task: the order of publish() is kept.
        async with self._redis.pipeline(transaction=False) as pipe:
            for channel, data in batch:
                pipe.publish(channel, data)
            await pipe.execute()

    def _drop(self, room: str) -> None:
        self.dropped += 1
        if room == CONTROL_ROOM:  # its list is lost: ask for every room next time
            self._dropped_rooms = None
        if self._dropped_rooms is None:
            return
        self._dropped_rooms.add(room)
        if len(self._dropped_rooms) > MAX_DROPPED_ROOMS:
            self._dropped_rooms = None

    # ---------------------------------------------------------------- subscribing

    async def _subscribe_forever(self) -> None:
        assert self._redis is not None and self._first_attempt is not None
        delay = self.backoff_min
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(PATTERN)
                await self._confirmed(pubsub)
                self._restored()
                self._first_attempt.set()
                delay = self.backoff_min
                await self._read(pubsub)
            except (RedisError, OSError, TimeoutError) as exc:
                self._mark_down(exc)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()
            self._first_attempt.set()
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.backoff_max)

    async def _confirmed(self, pubsub) -> None:
        """Wait for Redis to confirm the PSUBSCRIBE: only then is nothing missed any more."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            message = await pubsub.get_message(timeout=1.0)
            if message and message["type"] == "psubscribe":
                return
        raise TimeoutError("Redis did not confirm the subscription")

    async def _read(self, pubsub) -> None:
        """Hand messages to the local fan-out until the connection fails (raises)."""
        last_heard = time.monotonic()
        pinged = False
        poll = min(1.0, self.ping_every / 2)
        while True:
            if not self.connected:  # the publisher hit an error: resubscribe and resync
                raise ConnectionError("publishing to Redis failed")
            message = await pubsub.get_message(timeout=poll)
            now = time.monotonic()
            if message is not None:
                last_heard, pinged = now, False
                if message["type"] == "pmessage":
                    self._deliver(message["channel"], message["data"])
            elif now - last_heard > 3 * self.ping_every:
                raise TimeoutError(f"no reply from Redis for {now - last_heard:.0f} s")
            elif now - last_heard > self.ping_every and not pinged:
                # A connection can die without a FIN (network, NAT); a PING must come back.
                await pubsub.ping()
                pinged = True

    def _deliver(self, channel: bytes, data: bytes) -> None:
        room = channel.decode()[len(CHANNEL_PREFIX):]
        if room == CONTROL_ROOM:
            self._control(data)
            return
        if room not in self.listeners:
            return  # nobody here watches this meeting: skip parsing
        try:
            event = json.loads(data)
        except ValueError:
            log.warning("live: ignoring a malformed message on %s", channel)
            return
        self.enqueue(room, event)

    def _control(self, data: bytes) -> None:
        """Another worker is back and had dropped events of these rooms: resync ours."""
        try:
            message = json.loads(data)
            rooms = message["rooms"]
        except (ValueError, KeyError, TypeError):
            log.warning("live: ignoring a malformed control message")
            return
        if message.get("from") == self.id:
            return  # our own: this worker resynced its rooms when its subscription came back
        wanted = list(self.listeners) if rooms == "*" else [r for r in rooms
                                                             if r in self.listeners]
        for room in wanted:
            self.enqueue(room, {"type": RESYNC_TYPE})

    # ---------------------------------------------------------------- outage

    def _mark_down(self, exc: BaseException) -> None:
        self.connected = False
        if not self._outage_logged:
            self._outage_logged = True
            log.error("live: Redis at %s unreachable: %s — live screens will resync when it "
                      "returns", redacted(self.url), exc or type(exc).__name__)

    def _restored(self) -> None:
        """The subscription is active: tell every local listener to resend a snapshot."""
        rooms = list(self.listeners)
        for room in rooms:
            self.enqueue(room, {"type": RESYNC_TYPE})
        self.connected = True
        dropped_rooms, self._dropped_rooms = self._dropped_rooms, set()
        if dropped_rooms is None or dropped_rooms:
            # The workers that came back before us never got these events: tell them.
            listed: list[str] | str = "*" if dropped_rooms is None else sorted(dropped_rooms)
            self._put((CONTROL_CHANNEL, dumps({"rooms": listed, "from": self.id})))
        if self._outage_logged:
            log.warning("live: Redis at %s is back (%d events dropped meanwhile); %d rooms resync",
                        redacted(self.url), self.dropped, len(rooms))
        self._outage_logged = False
        self.dropped = 0
