"""Group commit of ballots (issue 11): ballots that arrive together share one transaction.

`POST /api/v1/items/{id}/ballots` hands its ballot to this worker's `BallotBox` and awaits it.
One task drains the box: it takes every ballot waiting and writes them with
`service.cast_ballots` — one transaction, one lock of the meeting, one `seq` and one `tally`
event per item — in the threadpool. Each request gets its answer only after that transaction
has committed, so every ballot is durable before its 201, and `seq` still rises by one per
event. While one batch commits, the next gathers.

When it gathers: `BallotArrivals` (outermost ASGI middleware) counts every ballot request from
the moment its headers reach the app until it is in the box (or has been answered without it).
The box writes when every such request has reached it, when none has come for `GATHER_IDLE`,
or `GATHER_BOUND` after it began to wait, whichever comes first (and after `GATHER_SECONDS`
when it was idle, as before). A burst's requests reach the box one by one while the loop still
parses the others, so without the count a batch took only the few that came during the previous
commit (~3 ballots, issue 11); with it a batch takes what the loop parses meanwhile. A lone
ballot finds nothing on its way and is written at once; a client that never sends its body
holds one batch for at most `GATHER_IDLE` after the others stopped coming, and is then written
off (no later batch waits for it).

If a batch fails as a whole (a database error, not a refused ballot), its ballots are retried
one transaction each, so one bad ballot never costs the others theirs. Its events are
published only after its requests have their answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from meetingroom import compression, db
from meetingroom.compression import compress
from meetingroom.errors import DomainError, NotAuthenticated
from meetingroom.live.hub import Event, Publisher
from meetingroom.meetings.schemas import TallyOut
from meetingroom.meetings.state import TallyData
from meetingroom.models import User

log = logging.getLogger("meetingroom.meetings")

GATHER_SECONDS = 0.002  # how long an idle box waits for more ballots before it writes
# A batch waits for ballot requests still on their way (BallotArrivals) as long as they keep
# coming, GATHER_BOUND at most, and GATHER_IDLE at most when none comes.
GATHER_BOUND = 0.03
GATHER_IDLE = 0.004
ARRIVAL = "meetingroom.ballot_arrival"  # the scope key of a ballot request's _Arrival
MAX_BATCH = 500  # ballots per transaction at most (a transaction holds the meeting's lock)
STALE_TOKEN_MESSAGE = "The access token is not valid (expired or signed out). Log in again."  # noqa: S105



class Tallies(dict[str, TallyData]):
    """locale -> the item's tally (state.build_tally), shared by every ballot of one batch; its
    201's JSON body is made once per batch and locale (`body`), and compressed once per batch,
    locale and coding (`encoded`), not once per request: a tally names who voted, so 500
    answers of up to 500 ids each were O(members²) of validation, encoding and compression
    (issue 11)."""

    def __init__(self, tallies: Mapping[str, TallyData]) -> None:
        super().__init__(tallies)
        self._bodies: dict[str, bytes] = {}
        self._encoded: dict[tuple[str, str], bytes] = {}

    def body(self, locale: str) -> bytes:
        """The 201's body in this locale (else the first one): the tally as TallyOut."""
        tally = self.get(locale) or next(iter(self.values()))
        body = self._bodies.get(locale)
        if body is None:
            body = self._bodies[locale] = TallyOut.model_validate(tally).model_dump_json().encode()
        return body

    def encoded(self, locale: str, accept_encoding: str) -> tuple[bytes, str | None]:
        """The body as sent to a client that accepts these codings, and its Content-Encoding
        (None: as is): what app.py's CompressionMiddleware would have made of `body`, made once."""
        body = self.body(locale)
        coding = compression.coding_for(accept_encoding)
        if coding is None or len(body) < compression.MINIMUM_SIZE:
            return body, None
        done = self._encoded.get((locale, coding))
        if done is None:
            done = self._encoded[locale, coding] = compress(body, coding)
        return done, coding


Outcome = Tallies | BaseException  # what one ballot came to: its 201's tallies, or the error


@dataclass(frozen=True)
class Credential:
    """Who casts a ballot, as the request carried it: a token's or a session cookie's key
    (auth/credentials.py), resolved in the batch's transaction."""

    key: str
    kind: str  # "token" | "session"


class _Arrival:
    """A ballot request on its way to the box (BallotArrivals); identity only."""

    __slots__ = ()


@dataclass
class _Ballot:
    item_id: int
    credential: Credential
    choice: str
    future: asyncio.Future[Tallies]


class BallotBox:
    """One per worker (`app.state.ballot_box`); `hub` is where the events are published."""

    def __init__(self, hub: Publisher) -> None:
        self.hub = hub
        self._waiting: list[_Ballot] = []
        self._task: asyncio.Task[None] | None = None
        self._arriving: set[_Arrival] = set()  # ballot requests in the app, not yet here
        self._all_in: asyncio.Future[None] | None = None  # set when they are (or MAX_BATCH)
        self._progress = 0  # requests that left _arriving (the gather's sign of progress)
        # for tests and benchmarks: batches written; gathers ended by GATHER_BOUND (requests
        # still coming in) and by GATHER_IDLE (requests that stopped coming: written off)
        self.batches = self.bounded = self.stalled = 0

    def arriving(self) -> _Arrival:
        """A ballot request has reached the app: batches wait for it (GATHER_BOUND at most)."""
        arrival = _Arrival()
        self._arriving.add(arrival)
        return arrival

    def left(self, arrival: _Arrival | None) -> None:
        """That request is in the box, or was answered without it (refused, failed, gone)."""
        if arrival is not None and arrival in self._arriving:
            self._arriving.remove(arrival)
            self._progress += 1
        all_in = self._all_in
        if all_in is not None and not all_in.done() and (
                not self._arriving or len(self._waiting) >= MAX_BATCH):
            all_in.set_result(None)

    async def cast(self, *, credential: Credential, item_id: int, choice: str,
                   arrival: _Arrival | None = None) -> Tallies:
        """The item's tally per locale after the batch that recorded this ballot committed;
        raises the DomainError that refused it. `arrival`: the request's from BallotArrivals."""
        loop = asyncio.get_running_loop()
        ballot = _Ballot(item_id, credential, choice, loop.create_future())
        self._waiting.append(ballot)
        self.left(arrival)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain(), name="meetingroom-ballot-box")
        # shield: a client that hangs up does not cancel a ballot that may be committing
        return await asyncio.shield(ballot.future)

    async def _gather(self) -> None:
        """Wait while ballot requests that have reached the app are on their way here and
        coming in: until every one is in the box (or answered), MAX_BATCH are waiting,
        GATHER_BOUND has passed, or none came for GATHER_IDLE. In that last case the ones
        still out are stalled (a client that never sends its body): they are written off, and
        no later batch waits for them."""
        if not self._arriving or len(self._waiting) >= MAX_BATCH:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_BOUND
        while True:
            progress = self._progress
            all_in = self._all_in = loop.create_future()
            timer = loop.call_later(min(GATHER_IDLE, max(0.0, deadline - loop.time())),
                                    _settle_none, all_in)
            try:
                await all_in
            finally:
                timer.cancel()
                self._all_in = None
            if not self._arriving or len(self._waiting) >= MAX_BATCH:
                return
            if self._progress == progress:  # none came in GATHER_IDLE: the rest are stalled
                self.stalled += 1
                self._arriving.clear()
                return
            if loop.time() >= deadline:
                self.bounded += 1
                return

    async def _drain(self) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        await self._gather()
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            held = _HeldEvents()
            outcomes: list[Outcome]
            try:
                outcomes = await run_in_threadpool(_write, held, [
                    (b.item_id, b.credential, b.choice) for b in batch])
            except BaseException as exc:  # noqa: BLE001 - every waiting request must hear it
                outcomes = [exc] * len(batch)
                if not isinstance(exc, Exception):
                    for ballot, outcome in zip(batch, outcomes, strict=True):
                        _settle(ballot.future, outcome)
                    raise
                log.exception("ballot batch failed")
            self.batches += 1
            for ballot, outcome in zip(batch, outcomes, strict=True):
                _settle(ballot.future, outcome)
            # Only now the events: the requests' answers are scheduled first, so a 201 never
            # waits behind the sends to every viewer (issue 11: the broadcast off its path).
            for room, event in held.events:
                self.hub.publish(room, event)
            await self._gather()  # the requests that arrived during the commit, and the rest


class BallotArrivals:
    """Outermost ASGI middleware: counts `POST /api/v1/items/{id}/ballots` requests from the
    moment their headers reach the app (the earliest point an ASGI app sees) until they are in
    the worker's ballot box or answered, so the box can wait for a burst's requests still
    being parsed instead of writing each few in a batch of their own (BallotBox._gather)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "POST"
                or not scope["path"].endswith("/ballots")
                or not scope["path"].startswith("/api/v1/items/")):
            await self.app(scope, receive, send)
            return
        box = box_of(scope["app"])
        arrival = scope[ARRIVAL] = box.arriving()
        try:
            await self.app(scope, receive, send)
        finally:
            box.left(arrival)


class _HeldEvents:
    """A stand-in hub for the batch's transaction: after commit, its events are kept here
    (from the threadpool) and published on the loop once the requests have their answers."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Event]] = []

    def publish(self, room: str, event: Event) -> None:
        self.events.append((room, event))


def _settle_none(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _settle(future: asyncio.Future[Tallies], outcome: Outcome) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _write(hub: Publisher, ballots: list[tuple[int, Credential, str]]) -> list[Outcome]:
    """In the threadpool: one transaction per item of the batch (usually one)."""
    outcomes: list[Outcome | None] = [None] * len(ballots)
    by_item: dict[int, list[int]] = {}
    for n, (item_id, _uid, _choice) in enumerate(ballots):
        by_item.setdefault(item_id, []).append(n)
    for item_id, indexes in by_item.items():
        group = [(ballots[n][1], ballots[n][2]) for n in indexes]
        results: list[Outcome]
        try:
            results = _commit(hub, item_id, group)
        except DomainError as exc:
            results = [exc] * len(group)
        except Exception:  # a database error for the whole batch: one transaction each
            log.warning("ballot batch of %d on item %s failed; retrying one by one",
                        len(group), item_id, exc_info=True)
            results = []
            for one in group:
                try:
                    results += _commit(hub, item_id, [one])
                except Exception as exc:  # noqa: BLE001 - its own request reports it
                    results.append(exc)
        for n, result in zip(indexes, results, strict=True):
            outcomes[n] = result
    return [o if o is not None else RuntimeError("ballot not written") for o in outcomes]


def _commit(hub: Publisher, item_id: int, group: list[tuple[Credential, str]]) -> list[Outcome]:
    from meetingroom.auth import credentials
    from meetingroom.meetings import service

    outcomes: list[Outcome | None] = [None] * len(group)
    with contextlib.contextmanager(db.session_scope)(write=True) as session:
        session.info["hub"] = hub
        ballots: list[tuple[User, str]] = []
        placed: list[int] = []
        found_all = credentials.resolve_many(  # one indexed query for the whole batch
            session, [(credential.key, credential.kind) for credential, _ in group])
        for n, ((credential, choice), found) in enumerate(zip(group, found_all, strict=True)):
            if found is None:
                stale = credential.kind == "token"  # a bad token says so, as deps.load_user
                outcomes[n] = NotAuthenticated(STALE_TOKEN_MESSAGE) if stale else NotAuthenticated()
                continue
            ballots.append((found[1], choice))
            placed.append(n)
        credentials.touch_many(session, [found[0] for found in found_all if found is not None])
        if ballots:
            batch = service.cast_ballots(session, item_id=item_id, ballots=ballots)
            answer = Tallies(batch.tallies)
            for n, error in zip(placed, batch.errors, strict=True):
                outcomes[n] = error if error is not None else answer
    # committed (session_scope raised otherwise); the events are held for _drain
    return [o if o is not None else RuntimeError("ballot not written") for o in outcomes]


def box_of(app: Starlette) -> BallotBox:
    box: BallotBox | None = getattr(app.state, "ballot_box", None)
    if box is None or box.hub is not app.state.hub:
        box = app.state.ballot_box = BallotBox(app.state.hub)
    return box
