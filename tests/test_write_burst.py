"""A burst of writing requests must not freeze a worker (fastapi/fastapi#3205, docs/benchmarks.md
"Ballot burst"). A writing request's session takes SQLite's write lock when it is entered, in one
threadpool trip, and the endpoint runs in the next; with more requests at once than the 40
threads, every thread used to wait for the lock held by a request that could not get a thread,
until busy_timeout (30 s) failed them all. Anonymous POSTs are enough to do it (the session is
entered before the 401), so this was also a way for anyone to stop a server.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

import httpx

from tests.servers import ServerProcess

REQUESTS = 150  # well above the threadpool's 40


def test_a_burst_of_writing_requests_is_answered_not_frozen(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    try:
        async def burst() -> list[int]:
            limits = httpx.Limits(max_connections=REQUESTS)
            async with httpx.AsyncClient(base_url=server.url, timeout=60,
                                         limits=limits) as client:
                async def one() -> int:
                    r = await client.post("/api/v1/proposals", json={
                        "title": "t", "body": "b", "principle": "practical"})
                    return r.status_code

                return await asyncio.gather(*(one() for _ in range(REQUESTS)))

        started = time.monotonic()
        # In a thread of its own: Playwright's sync API (browser tests in the same run) leaves
        # an event loop running in the main thread, where asyncio.run() refuses to start.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            codes = pool.submit(asyncio.run, burst()).result()
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert codes == [401] * REQUESTS
    assert elapsed < 15, f"{REQUESTS} refused requests took {elapsed:.1f} s"
    assert "database is locked" not in server.log.read_text()
