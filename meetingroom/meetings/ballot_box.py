"""Group commit of ballots (issue 11): ballots that arrive together share one transaction.

`POST /api/v1/items/{id}/ballots` hands its ballot to this worker's `BallotBox` and awaits it.
One task drains the box: it takes every ballot waiting (after a pause of `GATHER_SECONDS` when
the box was idle, so a burst's first ballots are not each alone), and writes them with
`service.cast_ballots` — one transaction, one lock of the meeting, one `seq` and one `tally`
event per item — in the threadpool. Each request gets its answer only after that transaction
has committed, so every ballot is durable before its 201, and `seq` still rises by one per
event. While one batch commits, the next gathers: the busier the room, the larger the batches,
the fewer commits and events per ballot.

If a batch fails as a whole (a database error, not a refused ballot), its ballots are retried
one transaction each, so one bad ballot never costs the others theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from meetingroom import db
from meetingroom.errors import DomainError

log = logging.getLogger("meetingroom.meetings")

GATHER_SECONDS = 0.002  # how long an idle box waits for more ballots before it writes
MAX_BATCH = 500  # ballots per transaction at most (a transaction holds the meeting's lock)


@dataclass
class _Ballot:
    item_id: int
    user_id: int
    choice: str
    future: asyncio.Future[dict[str, dict]]


class BallotBox:
    """One per worker (`app.state.ballot_box`); `hub` is where the events are published."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self._waiting: list[_Ballot] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # batches written (for tests and benchmarks)

    async def cast(self, *, user_id: int, item_id: int, choice: str) -> dict[str, dict]:
        """The item's tally per locale after the batch that recorded this ballot committed;
        raises the DomainError that refused it."""
        loop = asyncio.get_running_loop()
        ballot = _Ballot(item_id, user_id, choice, loop.create_future())
        self._waiting.append(ballot)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain(), name="meetingroom-ballot-box")
        # shield: a client that hangs up does not cancel a ballot that may be committing
        return await asyncio.shield(ballot.future)

    async def _drain(self) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            held = _HeldEvents()
            try:
                outcomes = await run_in_threadpool(_write, held, [
                    (b.item_id, b.user_id, b.choice) for b in batch])
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


class _HeldEvents:
    """A stand-in hub for the batch's transaction: after commit, its events are kept here
    (from the threadpool) and published on the loop once the requests have their answers."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []

    def publish(self, room: str, event: dict) -> None:
        self.events.append((room, event))


def _settle(future: asyncio.Future[dict[str, dict]], outcome: object) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)  # type: ignore[arg-type]


Outcome = dict[str, dict] | BaseException


def _write(hub: Any, ballots: list[tuple[int, int, str]]) -> list[Outcome]:
    """In the threadpool: one transaction per item of the batch (usually one)."""
    outcomes: list[Outcome | None] = [None] * len(ballots)
    by_item: dict[int, list[int]] = {}
    for n, (item_id, _uid, _choice) in enumerate(ballots):
        by_item.setdefault(item_id, []).append(n)
    for item_id, indexes in by_item.items():
        group = [(ballots[n][1], ballots[n][2]) for n in indexes]
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


def _commit(hub: Any, item_id: int, group: list[tuple[int, str]]) -> list[Outcome]:
    from meetingroom.meetings import service

    with contextlib.contextmanager(db.session_scope)(write=True) as session:
        session.info["hub"] = hub
        batch = service.cast_ballots(session, item_id=item_id, ballots=group)
    # committed (session_scope raised otherwise); the event is published by now
    return [error if error is not None else batch.tallies for error in batch.errors]


def box_of(app: Any) -> BallotBox:
    box: BallotBox | None = getattr(app.state, "ballot_box", None)
    if box is None or box.hub is not app.state.hub:
        box = app.state.ballot_box = BallotBox(app.state.hub)
    return box
