"""The ballot log, chained by hash (DESIGN: "ballots and tallies chained by hash").

Each entry of a meeting is a canonical JSON payload; its hash is

    hash_n = sha256( prev_hash + "\\n" + payload_n )      (hex; prev_hash of the first is 64 zeros)

where payload_n is the exact UTF-8 text stored (keys sorted, no spaces). The minutes print the last
hash (the digest). Anyone can recompute it from the exported log (`export()`, served as JSON
Lines) with `verify()` or ten lines of any language — docs/ballot-log.md shows how.

Secret ballots (R7.6) add an entry that says only that a ballot was cast on the item: no voter,
no choice, so the order of entries cannot link a person to a choice. Their choices appear only in
the closing entry's totals.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from meetingroom.models import ChainEntry, table_of

GENESIS = "0" * 64


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(prev_hash: str, payload_text: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{payload_text}".encode()).hexdigest()


def append(session: Session, *, meeting_id: int, payload: dict[str, Any]) -> ChainEntry:
    """Add one entry after the meeting's last. Call it after the meeting row is locked for this
    change (the seq bump), so entries of one meeting are appended one at a time; the unique
    (meeting_id, position) constraint catches any slip."""
    last = session.exec(select(ChainEntry).where(col(ChainEntry.meeting_id) == meeting_id)
                        .order_by(col(ChainEntry.position).desc()).limit(1)).first()
    prev_hash = last.hash if last else GENESIS
    position = (last.position + 1) if last else 1
    text = canonical(payload)
    entry = ChainEntry(meeting_id=meeting_id, position=position, payload=text,
                       prev_hash=prev_hash, hash=link(prev_hash, text))
    session.add(entry)
    session.flush()
    return entry


_INSERT = sa.insert(table_of(ChainEntry))


def last_entry(meeting_id: Mapped[int]
               ) -> tuple[sa.ScalarSelect[int | None], sa.ScalarSelect[str | None]]:
    """The position and hash of the last entry of the meeting `meeting_id` names, as two
    scalar subqueries (NULL when it has none): for a caller that reads them in a statement of
    its own, after the meeting's lock (service.cast_ballots), and hands them to `extend`."""
    last = (select(col(ChainEntry.position), col(ChainEntry.hash))
            .where(col(ChainEntry.meeting_id) == meeting_id)
            .order_by(col(ChainEntry.position).desc()).limit(1))
    # NULL when the meeting has no entry yet: the types say so, SQLAlchemy's would not
    return (cast("sa.ScalarSelect[int | None]",
                 last.with_only_columns(col(ChainEntry.position)).scalar_subquery()),
            cast("sa.ScalarSelect[str | None]",
                 last.with_only_columns(col(ChainEntry.hash)).scalar_subquery()))


def extend(session: Session, *, meeting_id: int, payloads: list[dict[str, Any]],
           last: tuple[int, str]) -> None:
    """Add several entries in order after the meeting's last (a batch of ballots), whose
    position and hash the caller read under the meeting's lock (`last_entry`; (0, GENESIS)
    for a meeting without entries); the links computed here. Same locking rule as `append`."""
    if not payloads:
        return
    position, prev_hash = last
    rows: list[dict[str, Any]] = []
    for payload in payloads:
        text = canonical(payload)
        position += 1
        entry_hash = link(prev_hash, text)
        rows.append({"meeting_id": meeting_id, "position": position, "payload": text,
                     "prev_hash": prev_hash, "hash": entry_hash})
        prev_hash = entry_hash
    # One multi-row INSERT, no ORM objects (a batch of 500 ballots: issue 11).
    session.exec(_INSERT, params=rows)


def entries(session: Session, meeting_id: int) -> list[ChainEntry]:
    return list(session.exec(select(ChainEntry).where(col(ChainEntry.meeting_id) == meeting_id)
                             .order_by(col(ChainEntry.position))).all())


def digest(session: Session, meeting_id: int) -> str:
    """The last hash of the meeting's log (64 zeros when nothing was recorded)."""
    last = session.exec(select(col(ChainEntry.hash)).where(col(ChainEntry.meeting_id) == meeting_id)
                        .order_by(col(ChainEntry.position).desc()).limit(1)).first()
    return last or GENESIS


def count(session: Session, meeting_id: int) -> int:
    return session.exec(select(func.count()).select_from(ChainEntry)
                        .where(col(ChainEntry.meeting_id) == meeting_id)).one()


def export(session: Session, meeting_id: int) -> Iterable[str]:
    """JSON Lines: one object per entry, `{"position","payload","prev_hash","hash"}`."""
    for entry in entries(session, meeting_id):
        yield json.dumps({"position": entry.position, "payload": entry.payload,
                          "prev_hash": entry.prev_hash, "hash": entry.hash},
                         ensure_ascii=False) + "\n"


def verify(lines: Iterable[str]) -> str:
    """Recompute the chain from exported lines; return the digest, or raise ValueError at the
    first entry that does not follow from the one before."""
    prev = GENESIS
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["prev_hash"] != prev or link(prev, row["payload"]) != row["hash"]:
            raise ValueError(f"entry {number} does not follow from the one before")
        prev = row["hash"]
    return prev
