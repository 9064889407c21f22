"""The broadcast hub: in-process delivery, Redis across two "workers", and a Redis outage.

The Redis tests use the local Redis (`redis_url`: fails in CI when it is missing, skips elsewhere);
the outage test runs a Redis of its own on a free port so it can kill and restart it."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable

import pytest
import redis

from meetingroom.live.hub import MemoryHub, make_hub
from meetingroom.live.redis_hub import RedisHub, redacted
from tests.conftest import IN_CI

services = pytest.mark.services


def room() -> str:
    """A room no other test (or parallel run on the same Redis) uses."""
    return f"meeting:test-{uuid.uuid4().hex[:12]}"


class Inbox:
    """A listener that records what it receives."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    async def __call__(self, event: dict) -> None:
        self.events.append(event)

    @property
    def numbers(self) -> list:
        return [e.get("n") for e in self.events]


def run(coro) -> None:
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread for the whole session."""
    failure: list[BaseException] = []

    def target():
        try:
            asyncio.run(coro)
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


def test_make_hub_picks_the_backend_from_the_url():
    assert isinstance(make_hub("memory://"), MemoryHub)
    assert isinstance(make_hub("redis://127.0.0.1:6379/0"), RedisHub)
    with pytest.raises(ValueError):
        make_hub("kafka://somewhere")


def test_redacted_hides_the_password():
    assert redacted("redis://:s3cret@cache:6379/0") == "redis://:***@cache:6379/0"
    assert redacted("redis://bob:s3cret@cache/1") == "redis://bob:***@cache/1"
    assert redacted("redis://cache:6379/0") == "redis://cache:6379/0"


def test_memory_hub_delivers_in_order_to_every_listener_and_isolates_rooms():
    async def scenario():
        hub = MemoryHub()
        await hub.start()
        a, b, other = Inbox(), Inbox(), Inbox()
        r1, r2 = room(), room()
        hub.subscribe(r1, a)
        hub.subscribe(r1, b)
        hub.subscribe(r2, other)
        for n in range(100):
            hub.publish(r1, {"n": n})
        hub.publish(r2, {"n": "elsewhere"})
        await until(lambda: len(a.events) == 100 and len(b.events) == 100 and other.events)
        hub.unsubscribe(r1, b)
        hub.publish(r1, {"n": 100})
        await until(lambda: len(a.events) == 101)
        await asyncio.sleep(0.05)
        await hub.stop()
        assert a.numbers == list(range(101))
        assert b.numbers == list(range(100))
        assert other.numbers == ["elsewhere"]

    run(scenario())


def test_memory_hub_accepts_publish_from_another_thread():
    async def scenario():
        hub = MemoryHub()
        await hub.start()
        inbox, r = Inbox(), room()
        hub.subscribe(r, inbox)
        worker = threading.Thread(target=lambda: [hub.publish(r, {"n": n}) for n in range(50)])
        worker.start()
        await until(lambda: len(inbox.events) == 50)
        worker.join()
        await hub.stop()
        assert inbox.numbers == list(range(50))

    run(scenario())


async def two_workers(url: str) -> tuple[RedisHub, RedisHub]:
    a, b = RedisHub(url), RedisHub(url)
    await a.start()
    await b.start()
    assert a.connected and b.connected
    return a, b


@services
def test_redis_event_reaches_both_workers_exactly_once_in_order(redis_url):
    async def scenario():
        a, b = await two_workers(redis_url)
        r, elsewhere = room(), room()
        on_a, on_b, on_b_other = Inbox(), Inbox(), Inbox()
        a.subscribe(r, on_a)
        b.subscribe(r, on_b)
        b.subscribe(elsewhere, on_b_other)
        for n in range(200):
            a.publish(r, {"type": "tally", "n": n, "text": "同意"})
        await until(lambda: len(on_a.events) >= 200 and len(on_b.events) >= 200)
        await asyncio.sleep(0.3)  # room for a duplicate to show up
        await a.stop()
        await b.stop()
        # The publisher delivers only what comes back through Redis: once, not twice.
        assert on_a.numbers == list(range(200))
        assert on_b.numbers == list(range(200))
        assert on_b.events[0] == {"type": "tally", "n": 0, "text": "同意"}
        assert on_b_other.events == []

    run(scenario())


@services
def test_redis_workers_publishing_at_once_see_one_order(redis_url):
    async def scenario():
        a, b = await two_workers(redis_url)
        r = room()
        on_a, on_b = Inbox(), Inbox()
        a.subscribe(r, on_a)
        b.subscribe(r, on_b)
        # Publish from threads, as after-commit callbacks in the threadpool do.
        threads = [threading.Thread(target=lambda hub=hub, tag=tag: [
            hub.publish(r, {"n": f"{tag}{n}"}) for n in range(100)])
            for hub, tag in ((a, "a"), (b, "b"))]
        for t in threads:
            t.start()
        await until(lambda: len(on_a.events) >= 200 and len(on_b.events) >= 200)
        for t in threads:
            t.join()
        await asyncio.sleep(0.2)
        await a.stop()
        await b.stop()
        assert len(on_a.events) == 200
        assert on_a.numbers == on_b.numbers  # the same order on every worker
        for tag in "ab":  # and each publisher's own order kept
            assert [x for x in on_a.numbers if x[0] == tag] == [f"{tag}{n}" for n in range(100)]

    run(scenario())


@services
def test_redis_publish_from_a_non_loop_thread(redis_url):
    async def scenario():
        a, b = await two_workers(redis_url)
        r = room()
        on_b = Inbox()
        b.subscribe(r, on_b)
        errors: list[BaseException] = []

        def from_thread():
            try:
                for n in range(20):
                    a.publish(r, {"n": n})
            except BaseException as exc:  # noqa: BLE001 - the assertion below shows it
                errors.append(exc)

        worker = threading.Thread(target=from_thread)
        worker.start()
        worker.join()
        await until(lambda: len(on_b.events) == 20)
        await a.stop()
        await b.stop()
        assert errors == []
        assert on_b.numbers == list(range(20))

    run(scenario())


# ---------------------------------------------------------------------------- outage


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A throw-away redis-server on a fixed port, so it can be killed and brought back."""

    def __init__(self, tmp_path) -> None:
        self.port = free_port()
        self.dir = tmp_path
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def own_redis(tmp_path, redis_url):
    if not shutil.which("redis-server"):
        (pytest.fail if IN_CI else pytest.skip)("redis-server is not installed")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.kill()


@services
def test_redis_outage_logs_once_drops_events_and_resyncs_when_back(own_redis, caplog):
    caplog.set_level(logging.WARNING, logger="meetingroom.live")

    async def scenario():
        opts = {"backoff_min": 0.05, "backoff_max": 0.3, "ping_every": 1.0}
        a, b = RedisHub(own_redis.url, **opts), RedisHub(own_redis.url, **opts)
        await a.start()
        await b.start()
        r = room()
        on_a, on_b = Inbox(), Inbox()
        a.subscribe(r, on_a)
        b.subscribe(r, on_b)
        a.publish(r, {"n": "before"})
        await until(lambda: on_b.numbers == ["before"] and on_a.numbers == ["before"])

        own_redis.kill()
        # Publishing while Redis is away neither raises nor blocks, from the loop or a thread.
        t0 = time.monotonic()
        for n in range(30):
            a.publish(r, {"n": f"lost{n}"})
        threading.Thread(target=lambda: a.publish(r, {"n": "lost-thread"})).start()
        assert time.monotonic() - t0 < 0.1
        await until(lambda: not a.connected and not b.connected)
        await asyncio.sleep(1.0)  # several reconnect attempts fail meanwhile
        for n in range(30, 60):
            a.publish(r, {"n": f"lost{n}"})
        assert a._outbox.qsize() == 0  # dropped, not buffered
        errors = [rec for rec in caplog.records if rec.levelno == logging.ERROR]
        # Once per hub (each worker logs its own outage), not once per event or attempt.
        assert len(errors) == 2, [rec.getMessage() for rec in errors]
        assert all("unreachable" in rec.getMessage() and str(own_redis.port) in rec.getMessage()
                   and "resync" in rec.getMessage() for rec in errors)

        own_redis.start()
        await until(lambda: on_a.events[-1:] == [{"type": "resync"}]
                    and on_b.events[-1:] == [{"type": "resync"}], timeout=15)
        assert a.connected and b.connected
        for n in range(3):
            a.publish(r, {"n": f"after{n}"})
        await until(lambda: [n for n in on_b.numbers if n] == ["before", "after0", "after1",
                                                                "after2"])
        b.publish(r, {"n": "after-b"})  # B's publisher came back too
        expected = ["before", "after0", "after1", "after2", "after-b"]
        await until(lambda: [n for n in on_a.numbers if n] == expected
                    and [n for n in on_b.numbers if n] == expected)
        await asyncio.sleep(0.2)
        await a.stop()
        await b.stop()
        # None: a resync event, which has no "n"; every one comes before the events after it.
        assert on_a.numbers == ["before", None, *expected[1:]]  # A's own, not its control's
        # B: its own resync, and the one A asked for on the control channel (A dropped events
        # of this room) unless B's subscription was not back yet when A sent it (issue 9 §5).
        assert on_b.numbers in (["before", None, *expected[1:]],
                                ["before", None, None, *expected[1:]])
        back = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
        assert len(back) == 2 and all("is back" in m for m in back)

    run(scenario())


@services
def test_redis_down_at_start_the_worker_still_starts_and_catches_up(own_redis, caplog):
    caplog.set_level(logging.ERROR, logger="meetingroom.live")
    server = own_redis
    server.kill()  # the worker starts while Redis is away

    async def scenario():
        hub = RedisHub(server.url, backoff_min=0.05, backoff_max=0.3, start_timeout=2)
        t0 = time.monotonic()
        await hub.start()
        assert time.monotonic() - t0 < 2.5
        assert not hub.connected
        inbox, r = Inbox(), room()
        hub.subscribe(r, inbox)
        hub.publish(r, {"n": "lost"})
        server.start()
        try:
            await until(lambda: hub.connected, timeout=10)
            hub.publish(r, {"n": 1})
            await until(lambda: inbox.numbers[-1:] == [1])
        finally:
            await hub.stop()
            server.kill()
        assert inbox.events == [{"type": "resync"}, {"n": 1}]
        assert len(caplog.records) == 1

    run(scenario())


@services
def test_redis_that_stops_answering_is_detected_by_ping(own_redis, caplog):
    """A connection can hang without closing (a frozen server, a dropped NAT entry): the idle
    watchdog's PING notices, and the hub resyncs when the server answers again."""
    import os
    import signal

    caplog.set_level(logging.ERROR, logger="meetingroom.live")

    async def scenario():
        hub = RedisHub(own_redis.url, backoff_min=0.05, backoff_max=0.3, ping_every=0.2)
        await hub.start()
        inbox, r = Inbox(), room()
        hub.subscribe(r, inbox)
        await asyncio.sleep(1.0)  # idle, answered pings: still up, nothing logged
        assert hub.connected and caplog.records == []
        os.kill(own_redis.proc.pid, signal.SIGSTOP)
        try:
            await until(lambda: not hub.connected, timeout=5)
        finally:
            os.kill(own_redis.proc.pid, signal.SIGCONT)
        await until(lambda: inbox.events == [{"type": "resync"}], timeout=15)
        hub.publish(r, {"n": 1})
        await until(lambda: len(inbox.events) == 2)
        await hub.stop()
        assert len(caplog.records) == 1 and "unreachable" in caplog.records[0].getMessage()

    run(scenario())
