"""WebSocket client swarm: N viewers spread over several worker processes.

Each worker process runs one asyncio loop with ``websockets`` clients. A viewer
counts as *ready* once it has received its first message (the snapshot the
server sends on connect). After that, every message the viewer receives is
time-stamped with ``time.time_ns()`` the moment the client coroutine gets it
(wall-clock is comparable across processes on one machine), kept raw, and only
parsed after the measurement window, so JSON decoding never delays a receive.
A message counts as a *marked* message if the JSON field ``marker_field``
(dotted path allowed, e.g. ``"tally.bench_id"``) is present; its value is what
the driver matches against the send times it recorded.

With ``follow_seq=True`` (the meeting feed, CONTRACT "Live feed") each viewer
also follows the feed's ``seq`` as a real client does, as the messages come
(a cheap match on the message's start: ``{"type":"…","seq":N``): a
``snapshot`` — the first one, or one in the stream (a resync, or the room
filling a late event) — sets where the count stands; every event must then be
the next seq. A seq that jumps ahead is a *gap*: the seqs skipped are
recorded, and the viewer does what the contract tells a client to do,
reconnects for a fresh snapshot (``reconnect_on_gap``). An event at or below
the current seq is *stale* (a duplicate). Message types are counted.

Usage (parent side)::

    with ClientSwarm(urls, processes=4) as swarm:
        swarm.start()
        swarm.wait_ready(timeout=120)          # every viewer holds its snapshot
        ... trigger messages ...
        swarm.wait_marked(expected, ...)       # optional: until all arrived
        result = swarm.stop_and_collect()      # SwarmResult

Every process is a daemon, watches the parent's pid, and is terminated/killed
by ``close()`` (called by the context manager) if it didn't exit by itself.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import queue
import re
import resource
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# Shared-counter slots per worker (multiprocessing Array of int64).
_READY, _FAILED, _MARKED, _DROPPED, _SLOTS = 0, 1, 2, 3, 4
# The start of every live-feed message (meetings/live.py writes type, then seq, compact).
_HEAD = re.compile(rb'\{"type":"([a-z_]+)"(?:,"seq":(\d+))?')


def raise_nofile_limit(wanted: int) -> int:
    """Raise RLIMIT_NOFILE's soft limit to at least ``wanted`` (capped by the hard
    limit). Returns the resulting soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted:
        return soft
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


@dataclass
class WorkerConfig:
    worker: int
    conn_ids: list[int]
    urls: list[str]
    headers: dict[str, str] | None
    compression: bool
    marker_field: str
    connect_concurrency: int
    open_timeout: float
    ready_timeout: float
    connect_attempts: int
    parent_pid: int
    follow_seq: bool = False
    reconnect_on_gap: bool = True
    raw: bool = False


@dataclass
class SwarmResult:
    """What the swarm hands back after ``stop_and_collect()``.

    ``records`` holds one ``(conn_id, marker_value, recv_ns)`` per marked
    message received after the snapshot; ``unmarked`` counts messages that
    parsed but had no marker; ``bad`` counts messages that were not JSON.
    """

    viewers: int
    ready: int
    failed: int
    dropped: int
    records: list[tuple[int, Any, int]] = field(default_factory=list)
    unmarked: int = 0
    bad: int = 0
    connect_retries: int = 0
    errors: list[str] = field(default_factory=list)
    first_failures: list[str] = field(default_factory=list)
    # follow_seq only (see the module docstring)
    types: dict[str, int] = field(default_factory=dict)  # message type -> count
    gaps: int = 0  # times a viewer saw seq jump ahead of the next
    missing: dict[int, int] = field(default_factory=dict)  # seq skipped -> viewers that did
    stale: int = 0  # events at or below the viewer's seq
    in_stream_snapshots: int = 0  # snapshots after the first (resync / late-event fill)
    reconnects: int = 0  # after a gap, as a client must


# --------------------------------------------------------------------- worker


def _extract(obj: Any, path: list[str]) -> tuple[bool, Any]:
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return False, None
        obj = obj[key]
    return True, obj


class _RawFeed(asyncio.BufferedProtocol):
    """One viewer on a bare socket (``raw=True``): the HTTP upgrade written by hand, then the
    server's frames cut out of one receive buffer the loop reads into (a BufferedProtocol: a
    plain Protocol costs ~13 µs a message here, most of it asyncio allocating 256 KiB for
    each read; this ~4 µs), with no task, future or queue per message. What a viewer must do
    is done: pings are answered with a masked pong, a close is answered and ends the socket,
    fragmented messages are joined. It exists because the viewers share the server's two
    cores in the busy evening and stand for 2,000 phones that in a room are not on the
    server: the websockets client took half a core in each vote's burst of tallies
    (bench/trace.py). Checked against the websockets client by the same counts: every viewer
    the same events, seq without a gap."""

    def __init__(self, url: str, headers: dict[str, str] | None,
                 on_message: Any) -> None:
        u = urlsplit(url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {u.path}{'?' + u.query if u.query else ''} HTTP/1.1",
                 f"Host: {u.netloc}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {self.key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.on_message = on_message
        self.buf = bytearray(65536)
        self.fill = 0  # bytes of self.buf read and not yet taken
        self.upgraded = False
        self.parts: list[bytes] = []  # a fragmented message's frames so far
        loop = asyncio.get_running_loop()
        self.first: asyncio.Future[bytes] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.first.done():
            self.first.set_exception(exc or ConnectionError("closed before the snapshot"))
        if not self.closed.done():
            self.closed.set_result(None)

    def _send(self, opcode: int, payload: bytes = b"") -> None:
        mask = os.urandom(4)  # a client's frames are masked (RFC 6455 5.3)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes((0x80 | opcode, 0x80 | len(payload))) + mask + body)

    def _fail(self, why: str) -> None:
        if not self.first.done():
            self.first.set_exception(ConnectionError(why))
        self.transport.abort()

    def get_buffer(self, sizehint: int) -> memoryview:
        if len(self.buf) - self.fill < 4096:  # a big snapshot: room for more
            self.buf.extend(bytes(len(self.buf)))
        return memoryview(self.buf)[self.fill:]

    def buffer_updated(self, nbytes: int) -> None:
        buf = self.buf
        self.fill += nbytes
        size = self.fill
        pos = 0
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n", 0, size)
            if end < 0:
                return
            head = bytes(buf[:end]).decode("latin-1")
            accept = base64.b64encode(hashlib.sha1(
                (self.key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode(),
                usedforsecurity=False).digest()).decode()
            if not head.startswith("HTTP/1.1 101") or accept not in head:
                return self._fail(head.split("\r\n", 1)[0])
            self.upgraded = True
            pos = end + 4
        while size - pos >= 2:
            b0, n = buf[pos], buf[pos + 1]
            if n & 0x80:
                return self._fail("a masked frame from the server")
            head = 2
            if n == 126:
                if size - pos < 4:
                    break
                n, head = int.from_bytes(buf[pos + 2:pos + 4]), 4
            elif n == 127:
                if size - pos < 10:
                    break
                n, head = int.from_bytes(buf[pos + 2:pos + 10]), 10
            if size - pos < head + n:
                break
            payload = bytes(buf[pos + head:pos + head + n])
            pos += head + n
            opcode = b0 & 0x0F
            if opcode in (0, 1, 2):
                if not b0 & 0x80:  # more frames of this message follow
                    self.parts.append(payload)
                    continue
                if self.parts:
                    payload = b"".join((*self.parts, payload))
                    self.parts = []
                if not self.first.done():
                    self.first.set_result(payload)
                self.on_message(payload)  # the first too: the next may be in this read
                if self.transport.is_closing():  # a gap: the viewer starts over
                    break
            elif opcode == 9:
                self._send(0xA, payload)
            elif opcode == 8:
                self._send(8, payload[:2])
                self.transport.close()
                break
        # Keep what is not taken at the start (a copy of equal length: the loop still holds a
        # view of the buffer, so it must not be resized here).
        self.fill = size - pos
        if pos and self.fill:
            buf[:self.fill] = buf[pos:size]

    async def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._send(8, (1000).to_bytes(2))
            await asyncio.wait_for(asyncio.shield(self.closed), 2)


class _Worker:
    def __init__(self, cfg: WorkerConfig, counters: Any, stop_event: Any) -> None:
        self.cfg = cfg
        self.counters = counters
        self.stop_event = stop_event
        self.base = cfg.worker * _SLOTS
        # Cheap pre-filter for the live "marked" counter; the exact check is
        # done on parse after the run.
        leaf = cfg.marker_field.rsplit(".", 1)[-1]
        self.token_b = f'"{leaf}"'.encode()
        self.ready = 0
        self.failed = 0
        self.marked = 0
        self.dropped = 0
        self.retries = 0
        self.failures: list[str] = []
        self.types: dict[str, int] = {}
        self.gaps = 0
        self.missing: dict[int, int] = {}
        self.stale = 0
        self.in_stream_snapshots = 0
        self.reconnects = 0
        self.conns: dict[int, Any] = {}
        self.messages: dict[int, list[tuple[int, bytes]]] = {}
        self.stopping = False

    def publish_counters(self) -> None:
        c, b = self.counters, self.base
        c[b + _READY] = self.ready
        c[b + _FAILED] = self.failed
        c[b + _MARKED] = self.marked
        c[b + _DROPPED] = self.dropped

    async def _connect(self, url: str) -> tuple[Any, bytes] | None:
        """A socket and its first message (the snapshot), or None when every attempt failed."""
        from websockets.asyncio.client import connect

        cfg = self.cfg
        ws = None
        for attempt in range(cfg.connect_attempts):
            if self.stopping:
                return None
            try:
                ws = await connect(
                    url,
                    compression="deflate" if cfg.compression else None,
                    additional_headers=cfg.headers,
                    open_timeout=cfg.open_timeout,
                    ping_interval=None,  # browsers answer pings but never send them
                    close_timeout=2,
                    max_size=None,
                    proxy=None,
                )
                first = await asyncio.wait_for(ws.recv(decode=False), cfg.ready_timeout)
                return ws, first
            except Exception as exc:  # any failure = failed attempt
                if ws is not None:
                    ws.transport.abort()
                    ws = None
                await self._attempt_failed(attempt, url, exc)
        return None

    async def _attempt_failed(self, attempt: int, url: str, exc: Exception) -> None:
        """After a failed connect: back off before the next attempt, or keep why the last one
        failed (the first five failures are reported)."""
        if attempt + 1 < self.cfg.connect_attempts:
            self.retries += 1
            await asyncio.sleep(0.2 * 2**attempt)
        elif len(self.failures) < 5:
            self.failures.append(f"{url}: {type(exc).__name__}: {exc}")

    def _follow(self, raw: bytes, at: int | None) -> int | None:
        """Where the viewer's seq stands after `raw`; None: a gap (reconnect)."""
        m = _HEAD.match(raw)
        if m is None:
            self.types["?"] = self.types.get("?", 0) + 1
            return at
        kind = m.group(1).decode()
        self.types[kind] = self.types.get(kind, 0) + 1
        if m.group(2) is None:
            return at  # heartbeat: no seq, fills no gap
        seq = int(m.group(2))
        if kind == "snapshot":
            if at is not None:
                self.in_stream_snapshots += 1
                if seq < at:
                    self.stale += 1  # a snapshot older than what it had: a step back
            return seq
        if at is None or seq == at + 1:
            return seq
        if seq <= at:
            self.stale += 1
            return at
        self.gaps += 1
        for lost in range(at + 1, seq):
            self.missing[lost] = self.missing.get(lost, 0) + 1
        return None

    async def raw_viewer(self, conn_id: int, url: str, sem: asyncio.Semaphore) -> None:
        """A viewer on `_RawFeed`: the same counts as `viewer`, taken in the protocol's
        callback; after a gap, a fresh socket and snapshot, as a client must."""
        cfg = self.cfg
        log: list[tuple[int, bytes]] = []
        self.messages[conn_id] = log
        append = log.append
        now = time.time_ns
        token = self.token_b
        state: dict[str, Any] = {"at": None, "fresh": True}

        def on_message(raw: bytes) -> None:
            if state["fresh"]:  # this socket's snapshot: where the count stands
                state["fresh"] = False
                state["at"] = self._follow(raw, None) if cfg.follow_seq else 0
                return
            append((now(), raw))
            if token in raw:
                self.marked += 1
            if cfg.follow_seq and state["at"] is not None:
                state["at"] = self._follow(raw, state["at"])
                if state["at"] is None and cfg.reconnect_on_gap:
                    feed.transport.abort()

        first_time = True
        while True:
            feed = None
            for attempt in range(cfg.connect_attempts):
                if self.stopping:
                    return
                state["fresh"] = True
                feed = _RawFeed(url, cfg.headers, on_message)
                try:
                    async with sem:
                        await asyncio.wait_for(asyncio.get_running_loop().create_connection(
                            lambda f=feed: f, feed.host, feed.port), cfg.open_timeout)
                        await asyncio.wait_for(asyncio.shield(feed.first), cfg.ready_timeout)
                    break
                except Exception as exc:
                    if feed.transport is not None:
                        feed.transport.abort()
                    feed = None
                    await self._attempt_failed(attempt, url, exc)
            if feed is None:
                if not self.stopping:
                    self.failed += 1
                return
            self.conns[conn_id] = feed
            if first_time:
                self.ready += 1
                first_time = False
            await feed.closed
            if self.stopping:
                return
            if state["at"] is not None or not cfg.reconnect_on_gap:
                self.dropped += 1
                return
            self.reconnects += 1

    async def viewer(self, conn_id: int, url: str, sem: asyncio.Semaphore) -> None:
        from websockets.exceptions import ConnectionClosed

        cfg = self.cfg
        async with sem:
            got = await self._connect(url)
        if got is None:
            self.failed += 1
            return
        ws, first = got
        self.conns[conn_id] = ws
        self.ready += 1
        log: list[tuple[int, bytes]] = []
        self.messages[conn_id] = log
        append = log.append
        now = time.time_ns
        token = self.token_b
        follow = cfg.follow_seq
        at = self._follow(first, None) if follow else None
        while True:
            recv = ws.recv
            try:
                while True:
                    # decode=False: keep the raw UTF-8 bytes (json.loads takes them
                    # later); skips a decode per message in the hot path.
                    raw = await recv(decode=False)
                    append((now(), raw))
                    if token in raw:
                        self.marked += 1
                    if follow:
                        at = self._follow(raw, at)
                        if at is None and cfg.reconnect_on_gap:
                            break
            except ConnectionClosed:
                if not self.stopping:
                    self.dropped += 1
                return
            # A gap: a client reconnects and starts again from a fresh snapshot (CONTRACT).
            ws.transport.abort()
            self.reconnects += 1
            got = await self._connect(url)
            if got is None:
                if not self.stopping:
                    self.failed += 1
                return
            ws, first = got
            self.conns[conn_id] = ws
            at = self._follow(first, None)

    async def run(self) -> dict[str, Any] | None:
        cfg = self.cfg
        sem = asyncio.Semaphore(cfg.connect_concurrency)
        view = self.raw_viewer if cfg.raw else self.viewer
        tasks = [
            asyncio.create_task(view(cid, url, sem))
            for cid, url in zip(cfg.conn_ids, cfg.urls, strict=True)
        ]
        orphaned = False
        while not self.stop_event.is_set():
            self.publish_counters()
            if os.getppid() != cfg.parent_pid:  # parent died: don't linger
                orphaned = True
                break
            await asyncio.sleep(0.05)
        self.stopping = True
        self.publish_counters()
        # Close politely (bounded), then drop whatever is left.
        closers = [] if orphaned else [ws.close() for ws in self.conns.values()]
        if closers:
            # Timeout or close error: whatever is left is aborted below.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.gather(*closers, return_exceptions=True), 5)
        for ws in self.conns.values():
            ws.transport.abort()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return None if orphaned else self.collect()

    def collect(self) -> dict[str, Any]:
        path = self.cfg.marker_field.split(".")
        records: list[tuple[int, Any, int]] = []
        unmarked = bad = 0
        for conn_id, log in self.messages.items():
            for recv_ns, raw in log:
                try:
                    obj = json.loads(raw)
                except ValueError:
                    bad += 1
                    continue
                ok, value = _extract(obj, path)
                if ok:
                    if isinstance(value, list):
                        value = tuple(value)
                    records.append((conn_id, value, recv_ns))
                else:
                    unmarked += 1
        return {
            "worker": self.cfg.worker,
            "ready": self.ready,
            "failed": self.failed,
            "dropped": self.dropped,
            "retries": self.retries,
            "failures": self.failures,
            "records": records,
            "unmarked": unmarked,
            "bad": bad,
            "types": self.types,
            "gaps": self.gaps,
            "missing": self.missing,
            "stale": self.stale,
            "in_stream_snapshots": self.in_stream_snapshots,
            "reconnects": self.reconnects,
        }


def _worker_main(cfg: WorkerConfig, counters: Any, stop_event: Any, results: Any) -> None:
    raise_nofile_limit(len(cfg.conn_ids) + 256)
    try:
        out = asyncio.run(_Worker(cfg, counters, stop_event).run())
    except BaseException:  # report anything; parent must not hang
        out = {"worker": cfg.worker, "error": traceback.format_exc()}
    if out is None or os.getppid() != cfg.parent_pid:
        # Parent is gone: nobody will drain the queue, and joining its feeder
        # thread at exit would block forever on a full pipe.
        results.cancel_join_thread()
        return
    results.put(out)


# --------------------------------------------------------------------- parent


class ClientSwarm:
    """Parent-side handle on the worker processes.

    ``urls``: one WebSocket URL per viewer (``len(urls)`` viewers).
    ``headers``: extra handshake headers for every viewer (e.g. a Cookie).
    ``compression``: offer permessage-deflate (default: don't).
    ``marker_field``: JSON field that identifies a measured message.
    """

    def __init__(
        self,
        urls: list[str],
        *,
        processes: int = 4,
        headers: dict[str, str] | None = None,
        compression: bool = False,
        marker_field: str = "bench_id",
        connect_concurrency: int = 64,
        open_timeout: float = 30.0,
        ready_timeout: float = 30.0,
        connect_attempts: int = 3,
        follow_seq: bool = False,
        reconnect_on_gap: bool = True,
        raw: bool = False,
    ) -> None:
        if raw and compression:
            raise ValueError("the raw viewers speak no permessage-deflate")
        self.raw = raw
        self.urls = list(urls)
        self.follow_seq = follow_seq
        self.reconnect_on_gap = reconnect_on_gap
        self.n = len(self.urls)
        self.processes = max(1, min(processes, self.n or 1))
        self.headers = headers
        self.compression = compression
        self.marker_field = marker_field
        self.connect_concurrency = connect_concurrency
        self.open_timeout = open_timeout
        self.ready_timeout = ready_timeout
        self.connect_attempts = connect_attempts
        # spawn, not fork: the parent may hold threads (e.g. a sync websockets
        # client's reader thread) and forking those is unsafe.
        self.ctx = mp.get_context("spawn")
        self.counters = self.ctx.Array("q", self.processes * _SLOTS, lock=False)
        self.stop_event = self.ctx.Event()
        self.results = self.ctx.Queue()
        self.procs: list[Any] = []
        self._collected: list[dict[str, Any]] | None = None

    # -- lifecycle
    def start(self) -> None:
        raise_nofile_limit(self.n + 1024)
        for w in range(self.processes):
            ids = list(range(w, self.n, self.processes))
            cfg = WorkerConfig(
                worker=w,
                conn_ids=ids,
                urls=[self.urls[i] for i in ids],
                headers=self.headers,
                compression=self.compression,
                marker_field=self.marker_field,
                connect_concurrency=self.connect_concurrency,
                open_timeout=self.open_timeout,
                ready_timeout=self.ready_timeout,
                connect_attempts=self.connect_attempts,
                parent_pid=os.getpid(),
                follow_seq=self.follow_seq,
                reconnect_on_gap=self.reconnect_on_gap,
                raw=self.raw,
            )
            p = self.ctx.Process(
                target=_worker_main,
                args=(cfg, self.counters, self.stop_event, self.results),
                name=f"ws-swarm-{w}",
                daemon=True,
            )
            p.start()
            self.procs.append(p)

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def _sum(self, slot: int) -> int:
        return sum(self.counters[w * _SLOTS + slot] for w in range(self.processes))

    def ready_count(self) -> int:
        return self._sum(_READY)

    def failed_count(self) -> int:
        return self._sum(_FAILED)

    def marked_count(self) -> int:
        """Marked messages received so far (live, approximate: substring test)."""
        return self._sum(_MARKED)

    def dropped_count(self) -> int:
        return self._sum(_DROPPED)

    def _check_workers(self) -> None:
        dead = [p for p in self.procs if not p.is_alive()]
        if dead:
            # A worker only exits early on error; pull its report if any.
            err = ""
            try:
                out = self.results.get(timeout=1)
                err = out.get("error", "")
            except queue.Empty:
                pass
            codes = ", ".join(f"{p.name}={p.exitcode}" for p in dead)
            raise RuntimeError(f"swarm worker(s) exited early ({codes})\n{err}")

    def wait_ready(self, timeout: float, progress: bool = False) -> tuple[int, int]:
        """Block until every viewer is ready or has failed. Returns (ready, failed).
        Raises TimeoutError if that hasn't happened within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        last_print = 0.0
        while True:
            ready, failed = self.ready_count(), self.failed_count()
            if ready + failed >= self.n:
                return ready, failed
            self._check_workers()
            now = time.monotonic()
            if progress and now - last_print > 2:
                print(
                    f"    connecting: {ready}/{self.n} ready, {failed} failed",
                    file=sys.stderr,
                    flush=True,
                )
                last_print = now
            if now > deadline:
                raise TimeoutError(
                    f"only {ready}/{self.n} viewers ready ({failed} failed) after {timeout:.0f}s"
                )
            time.sleep(0.02)

    def wait_marked(self, expected: int, *, timeout: float, idle: float) -> int:
        """Block until ``expected`` marked messages arrived in total, or nothing new
        arrived for ``idle`` seconds, or ``timeout`` elapsed. Returns the count."""
        deadline = time.monotonic() + timeout
        last, last_change = -1, time.monotonic()
        while True:
            got = self.marked_count()
            now = time.monotonic()
            if got >= expected:
                return got
            if got != last:
                last, last_change = got, now
            elif now - last_change > idle:
                return got
            if now > deadline:
                return got
            self._check_workers()
            time.sleep(0.01)

    def stop_and_collect(self, timeout: float = 60.0) -> SwarmResult:
        """Tell workers to close their sockets and hand back their records."""
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        outs: list[dict[str, Any]] = []
        # Read the queue *before* joining: a child blocked on a full pipe
        # never exits.
        while len(outs) < len(self.procs):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                outs.append(self.results.get(timeout=min(remaining, 0.5)))
            except queue.Empty:
                if all(not p.is_alive() for p in self.procs) and self.results.empty():
                    break
        for p in self.procs:
            p.join(timeout=max(0.1, deadline - time.monotonic()))
        self._collected = outs
        res = SwarmResult(viewers=self.n, ready=0, failed=0, dropped=0)
        for o in outs:
            if "error" in o:
                res.errors.append(f"worker {o['worker']}: {o['error']}")
                continue
            res.ready += o["ready"]
            res.failed += o["failed"]
            res.dropped += o["dropped"]
            res.connect_retries += o["retries"]
            res.records.extend(o["records"])
            res.unmarked += o["unmarked"]
            res.bad += o["bad"]
            for kind, n in o["types"].items():
                res.types[kind] = res.types.get(kind, 0) + n
            res.gaps += o["gaps"]
            for seq, n in o["missing"].items():
                res.missing[seq] = res.missing.get(seq, 0) + n
            res.stale += o["stale"]
            res.in_stream_snapshots += o["in_stream_snapshots"]
            res.reconnects += o["reconnects"]
            res.first_failures.extend(o["failures"][: max(0, 5 - len(res.first_failures))])
        if len(outs) < len(self.procs):
            res.errors.append(f"only {len(outs)}/{len(self.procs)} workers reported")
        return res

    def close(self) -> None:
        """Idempotent hard cleanup: stop, terminate, then kill any live worker."""
        self.stop_event.set()
        grace = time.monotonic() + 0.5
        for p in self.procs:
            p.join(timeout=max(0.0, grace - time.monotonic()))
        for p in self.procs:
            if p.is_alive():
                p.terminate()
        for p in self.procs:
            p.join(timeout=3)
            if p.is_alive():
                p.kill()
                p.join(timeout=3)
        self.results.cancel_join_thread()
        self.results.close()

    def __enter__(self) -> ClientSwarm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
