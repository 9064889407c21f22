"""A busy evening, as Locust users (issue 11): residents browsing and suggesting, committee
members voting, the secretary running the votes, and a /healthz probe (the baseline of the same
run). Run it through `bench/busy_evening.py`, which starts the servers, prepares the meeting and
the people, adds the 2,000 live-feed viewers and reads the figures; it hands this file the
setup in the environment variable BUSY_EVENING (JSON).

Only loopback addresses: the host is the bench server on 127.0.0.1.

The users are Locust's `FastHttpUser` (geventhttpclient): the same requests (headers, form and
JSON bodies, names in the stats) at a fraction of `HttpUser`'s (requests') CPU each, so that on
a shared machine the load generator takes less of the CPU the server needs. BUSY_EVENING_CLIENT=
requests (busy_evening.py --locust-client requests) runs them as `HttpUser`, for comparison.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import random
import threading
import time

from locust import FastHttpUser, HttpUser, between, constant, events, task

SETUP = json.loads(os.environ.get("BUSY_EVENING", "{}"))
COUNTERS = os.environ.get("BUSY_EVENING_COUNTERS")
_local = {"residents": itertools.count(), "members": itertools.count()}


def take(kind: str, pool: list) -> object:
    """The next unused token of `pool` for a new user. With `--processes` Locust runs users in
    several processes: the counter is then a file under BUSY_EVENING_COUNTERS, locked, shared by
    all of them, so no two users share a token (two members on one token would get each other's
    409 "already voted"). More users than tokens is refused, not wrapped around."""
    if COUNTERS:
        with open(os.path.join(COUNTERS, kind), "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            n = int(fh.read() or 0)
            fh.seek(0)
            fh.truncate()
            fh.write(str(n + 1))
    else:
        n = next(_local[kind])
    if n >= len(pool):
        raise RuntimeError(f"more {kind} than tokens ({len(pool)})")
    return pool[n]


TRACE = os.environ.get("BUSY_EVENING_TRACE")
if TRACE:
    # busy_evening.py --trace: every request's start (wall clock), name, time and outcome, to
    # see when the slow ones happen (together, as a stall, or one page at a time).
    _trace: list[tuple[float, str, float, bool]] = []

    @events.request.add_listener
    def _record(name: str, response_time: float, exception: object = None,
                start_time: float = 0.0, **_: object) -> None:
        _trace.append((start_time, name, response_time, exception is None))

    @events.quitting.add_listener
    def _write(**_: object) -> None:
        with open(f"{TRACE}.{os.getpid()}", "w") as fh:
            for row in _trace:
                fh.write(json.dumps(row) + "\n")


CHOICES = ("agree", "agree", "agree", "oppose", "abstain")
PHOTO_FREE_BODY = "楼道的路灯坏了两个星期，晚上很黑，老人上下楼不方便，请尽快修理。"
# requests' default Accept-Encoding is "gzip, deflate, br", geventhttpclient's too.
BaseUser = HttpUser if os.environ.get("BUSY_EVENING_CLIENT") == "requests" else FastHttpUser
RESIDENT_HEADERS = {"Accept-Encoding": "br, gzip", "Accept-Language": "zh-CN,zh;q=0.9"}


class Resident(BaseUser):
    """Browses the public pages like a phone would; now and then suggests or supports."""

    weight = 300
    # 1-4.5 s since the second run (the first: 2-8 s). That was to stay under uvicorn's 5 s
    # keep-alive (a longer pause raced the server closing the idle connection: the first run's
    # 124 resets); `serve` keeps idle connections 75 s now, and the shorter pause stays as the
    # heavier load.
    wait_time = between(1, 4.5)
    default_headers = RESIDENT_HEADERS  # FastHttpUser's session headers

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {take('residents', SETUP['resident_tokens'])}"}
        if BaseUser is HttpUser:
            self.client.headers.update(RESIDENT_HEADERS)

    @task(6)
    def home(self) -> None:
        self.client.get("/", name="page /")

    @task(8)
    def suggestions(self) -> None:
        sort = random.choice(("newest", "supported"))
        r = self.client.get(f"/suggestions?sort={sort}", name="page /suggestions")
        if r.ok and random.random() < 0.5:
            self.client.get(f"/suggestions/{random.choice(SETUP['suggestion_ids'])}",
                            name="page /suggestions/{id}")

    @task(3)
    def next_page(self) -> None:
        page = self.client.get("/api/v1/suggestions?limit=20", name="api /suggestions").json()
        if page.get("next_cursor"):
            self.client.get(f"/api/v1/suggestions?limit=20&cursor={page['next_cursor']}",
                            name="api /suggestions?cursor")

    @task(3)
    def resolutions(self) -> None:
        self.client.get("/resolutions", name="page /resolutions")

    @task(2)
    def meeting(self) -> None:
        self.client.get(f"/meetings/{SETUP['meeting_id']}", name="page /meetings/{id}")

    @task(1)
    def suggest(self) -> None:
        n = random.randrange(10**9)
        self.client.post("/api/v1/suggestions", headers=self.auth, name="api POST /suggestions",
                         data={"title": f"晚上路灯不亮 {n}", "body": PHOTO_FREE_BODY})

    @task(2)
    def support(self) -> None:
        sid = random.choice(SETUP["suggestion_ids"])
        self.client.post(f"/api/v1/suggestions/{sid}/support", headers=self.auth,
                         name="api POST /suggestions/{id}/support")


class Member(BaseUser):
    """A committee member's phone: reads the meeting, votes on each item once it opens."""

    weight = 30
    wait_time = constant(2)

    def on_start(self) -> None:
        self.auth = take("members", SETUP["member_headers"])
        self.voted: set[int] = set()

    @task
    def follow_and_vote(self) -> None:
        meeting = self.client.get(f"/api/v1/meetings/{SETUP['meeting_id']}",
                                  name="api /meetings/{id}").json()
        for item in meeting.get("agenda", []):
            if item["vote_status"] == "open" and item["id"] not in self.voted:
                time.sleep(random.uniform(0, 1.5))  # reading the item, then the thumb
                with self.client.post(f"/api/v1/items/{item['id']}/ballots", headers=self.auth,
                                      json={"choice": random.choice(CHOICES)},
                                      name="api POST /items/{id}/ballots",
                                      catch_response=True) as r:
                    if r.status_code == 409:
                        # The rules refusing a ballot (the vote closed while the thumb moved,
                        # R7.5), in the member's language: the app working, not an error.
                        r.success()
                self.voted.add(item["id"])


class Secretary(BaseUser):
    """Opens a vote on the next item, lets it run, closes it: an item every ~12 s."""

    fixed_count = 1
    wait_time = constant(0)
    _lock = threading.Lock()

    def on_start(self) -> None:
        self.auth = SETUP["secretary_headers"]
        self.items = list(SETUP["item_ids"])

    @task
    def run_the_votes(self) -> None:
        if not self.items:
            time.sleep(5)
            return
        item = self.items.pop(0)
        self.client.post(f"/api/v1/items/{item}/vote/open", headers=self.auth,
                         json={"secret": False}, name="api POST /items/{id}/vote/open")
        time.sleep(10)
        self.client.post(f"/api/v1/items/{item}/vote/close", headers=self.auth,
                         name="api POST /items/{id}/vote/close")
        time.sleep(2)


class Probe(BaseUser):
    """The baseline of the same run: a trivial endpoint, under the same load."""

    fixed_count = 2
    wait_time = constant(0.5)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="baseline /healthz")
