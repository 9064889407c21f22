"""Lists, one page at a time, doing bounded work whatever the table size (issue 11, DESIGN
"Budgets"). Every list (suggestions, proposals, meetings, resolutions, notifications, and any new
one) goes through `paginate()`:

- **Capped total.** The count reads at most `TOTAL_CAP + 1` rows (`SELECT count(*) FROM (… LIMIT
  10001)`), so "how many" costs the same at 100,000 rows as at 10,001. `total` is exact up to
  10,000; beyond, `total == TOTAL_CAP` and `total_capped` is true (CONTRACT.md), and pages say
  "10,000+".
- **Keyset pages.** `?offset=` still works (CONTRACT.md), but an offset makes the database walk
  and throw away every row before it. The cursor a page hands out instead carries the sort key of
  its last (or first) row, so the next page is an index seek from there: page 5,000 costs what
  page 1 costs. Cursors are opaque to clients: base64url JSON `{"o": order name, "v": key values,
  "b": backwards?, "p": position of the page's first row (for "21–40" on pages only)}`.

A list declares its order once, the last key unique (the id), with an index in the same order;
`tests/test_pagination.py` checks with EXPLAIN on SQLite and PostgreSQL that each list's queries
use it, so a dropped index fails CI:

    NEWEST = Order("newest", col(Suggestion.created_at).desc(), col(Suggestion.id).desc())
    page = paginate(session, stmt, NEWEST, limit=limit, offset=offset, cursor=cursor)
    page.items, page.total, page.total_capped, page.next_cursor, page.prev_cursor

A busy list builds its statement once per shape, values as bound parameters, and passes them as
`params` (suggestions/service.py): paginate's own statements are then built once too, and
SQLAlchemy skips the per-request build and cache-key walk (~0.2-0.4 ms of Python a query).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

import sqlalchemy as sa
from fastapi import Query
from pydantic import BaseModel
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlmodel import Session, func, select

from meetingroom.errors import Invalid
from meetingroom.types import Line

T = TypeVar("T")

TOTAL_CAP = 10_000
# A cursor is a few dozen characters; the bound keeps a forged one from costing anything.
CURSOR_MAX = 300


@dataclass(frozen=True)
class Key:
    column: ColumnElement[Any]
    name: str  # the mapped attribute holding the row's value
    descending: bool


class Order:
    """A list's sort order: columns, ascending or `.desc()`, the last one unique (the id)."""

    def __init__(self, name: str, *keys: Any):
        self.name = name
        parsed: list[Key] = []
        for key in keys:
            descending = isinstance(key, UnaryExpression) and key.modifier is operators.desc_op
            column = key.element if isinstance(key, UnaryExpression) else key
            parsed.append(Key(column, column.key, descending))
        self.keys: tuple[Key, ...] = tuple(parsed)

    def clauses(self, *, backwards: bool = False) -> list[ColumnElement[Any]]:
        return [(k.column.desc() if k.descending != backwards else k.column.asc())
                for k in self.keys]

    def after(self, values: Sequence[Any], *, backwards: bool = False) -> ColumnElement[bool]:
        """Rows strictly after `values` in this order (strictly before them when `backwards`).

        Written as `k0 <= v0 AND (k0 < v0 OR (k1 <= v1 AND …))` rather than as an OR of
        equalities alone: the leading range on the first key is what lets SQLite and PostgreSQL
        seek the index instead of scanning it from the top."""

        def cond(i: int) -> ColumnElement[bool]:
            key, value = self.keys[i], values[i]
            smaller = key.descending != backwards  # walking towards smaller values?
            strict = key.column < value if smaller else key.column > value
            if i == len(self.keys) - 1:
                return strict
            loose = key.column <= value if smaller else key.column >= value
            return sa.and_(loose, sa.or_(strict, cond(i + 1)))

        return cond(0)

    def values_of(self, row: Any) -> list[Any]:
        return [getattr(row, k.name) for k in self.keys]

    # -- cursors ------------------------------------------------------------------------------

    def encode(self, row: Any, *, backwards: bool, position: int) -> str:
        values = [v.isoformat() if isinstance(v, (datetime, date)) else v
                  for v in self.values_of(row)]
        raw = json.dumps({"o": self.name, "v": values, "b": int(backwards), "p": position},
                         separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode(self, token: str) -> Cursor:
        """A cursor this order handed out; anything else is a 422 (never a 500)."""
        try:
            if len(token) > CURSOR_MAX:
                raise ValueError
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if raw["o"] != self.name or len(raw["v"]) != len(self.keys):
                raise ValueError
            values = [_parse(k, v) for k, v in zip(self.keys, raw["v"], strict=True)]
            position = int(raw.get("p", 0))
            return Cursor(values, bool(raw.get("b", 0)), max(position, 0))
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError,
                OverflowError):
            raise Invalid("This page link is not valid; start again from the first page.",
                          field="cursor") from None


def _parse(key: Key, value: Any) -> Any:
    kind = key.column.type.python_type
    if kind is datetime:
        if not isinstance(value, str):
            raise ValueError
        return datetime.fromisoformat(value)
    if kind is date:
        if not isinstance(value, str):
            raise ValueError
        return date.fromisoformat(value)
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= 2**63:
            raise ValueError
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ValueError
        return value
    raise ValueError


@dataclass(frozen=True)
class Cursor:
    values: list[Any]
    backwards: bool
    position: int


class Total(int):
    """A list's total: an int for arithmetic and JSON, shown as "10,000+" (en) or "10000+"
    (zh_CN) when capped, wherever a template or a message formats it."""

    capped: bool

    def __new__(cls, n: int, capped: bool = False) -> Total:
        obj = super().__new__(cls, n)
        obj.capped = capped
        return obj

    def __str__(self) -> str:
        if not self.capped:
            return int.__str__(self)
        from meetingroom.i18n import get_locale

        return f"{int(self):,}+" if get_locale() == "en" else f"{int(self)}+"

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else int.__format__(self, spec)


@dataclass
class Page(Generic[T]):
    """One page of a list. `offset` is the position of the first item (0-based; after a cursor,
    as the cursor remembers it: for showing "21–40", never for querying)."""

    items: list[T]
    total: int
    total_capped: bool = False
    offset: int = 0
    next_cursor: str | None = None
    prev_cursor: str | None = None

    def meta(self) -> dict[str, Any]:
        """The API's fields besides `items` (CONTRACT.md: lists)."""
        return {"total": int(self.total), "total_capped": self.total_capped,
                "next_cursor": self.next_cursor, "prev_cursor": self.prev_cursor}


class PageMeta(BaseModel):
    """Base of every API list shape: `{"items": [...], "total": N, "total_capped": bool}` plus
    the cursors of the pages before and after (pass one back as `?cursor=`)."""

    total: int
    total_capped: bool = False
    next_cursor: str | None = None
    prev_cursor: str | None = None


def _count_stmt(stmt: Any, cap: int = TOTAL_CAP) -> Any:
    # Only a constant per row: the count can then be answered from an index alone.
    limited = (stmt.with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
               .order_by(None).limit(cap + 1).subquery())
    return select(func.count()).select_from(limited)


def count_capped(session: Session, stmt: Any, cap: int = TOTAL_CAP) -> tuple[int, bool]:
    """(min(count, cap), count > cap), reading at most cap + 1 rows."""
    n = session.exec(_count_stmt(stmt, cap)).one()
    return (cap, True) if n > cap else (n, False)


@dataclass(frozen=True)
class _Statements:
    """What paginate() runs for one list's statement in one order, the values left as bound
    parameters (`_limit`, `_offset`, `_k0`, `_k1`, … for the cursor's key). With `total`, each
    page statement carries the capped count as a last column, `_total` (one query, not two)."""

    count: Any
    first: Any  # by offset
    forwards: Any  # after a cursor
    backwards: Any  # before a cursor
    total: bool = False


def _derive(stmt: Any, order: Order, *, total: bool = False) -> _Statements:
    keys = [sa.bindparam(f"_k{i}") for i in range(len(order.keys))]
    limit = sa.bindparam("_limit", type_=sa.Integer)
    count = _count_stmt(stmt)
    # The count as a scalar subquery of the page's own statement: run once (it does not depend
    # on the row), in the same snapshot, for one statement's Python and round trip less.
    page = stmt.add_columns(count.scalar_subquery().label("_total")) if total else stmt
    return _Statements(
        count=count,
        first=page.order_by(*order.clauses()).limit(limit).offset(
            sa.bindparam("_offset", type_=sa.Integer)),
        forwards=page.where(order.after(keys)).order_by(*order.clauses()).limit(limit),
        backwards=page.where(order.after(keys, backwards=True))
        .order_by(*order.clauses(backwards=True)).limit(limit),
        total=total)


# A statement built once per list shape (the caller's, with its values as bound parameters)
# keeps its derived statements here: SQLAlchemy then finds their compiled SQL by the cache key
# it worked out once, where a statement built per request costs its building and a walk of
# its whole tree for the key (~0.2-0.4 ms a query on PostgreSQL, issue 11).
_derived_cache: dict[tuple[int, str, bool], tuple[Any, _Statements]] = {}
_DERIVED_MAX = 256


def _derived(stmt: Any, order: Order, *, total: bool) -> _Statements:
    key = (id(stmt), order.name, total)
    hit = _derived_cache.get(key)
    if hit is not None and hit[0] is stmt:
        return hit[1]
    if len(_derived_cache) >= _DERIVED_MAX:
        _derived_cache.clear()
    statements = _derive(stmt, order, total=total)
    _derived_cache[key] = (stmt, statements)  # the statement kept alive: its id stays its own
    return statements


def paginate(session: Session, stmt: Any, order: Order, *, limit: int, offset: int = 0,
             cursor: str | None = None, count: bool = True,
             params: dict[str, Any] | None = None) -> Page[Any]:
    """One page of `stmt` (a select of one entity, not yet ordered) in `order`: by `cursor` when
    given (keyset), else by `offset`; with the capped total unless `count` is false.

    With `params`, `stmt` is a statement the caller built once for this list's shape, its
    values left as bound parameters (`sa.bindparam`) that `params` fills: what paginate derives
    from it is then built once too (`_derived`), and the capped count rides in the page's own
    query (a separate count only for an empty page). Without, `stmt` is built per request."""
    if cursor and offset:
        raise Invalid("Give either offset or cursor, not both.", field="offset")
    statements = (_derived(stmt, order, total=count) if params is not None
                  else _derive(stmt, order))
    values = dict(params or {})
    n: int | None = None
    if count and not statements.total:
        n = session.exec(statements.count, params=values).one()
    values["_limit"] = limit + 1
    if cursor:
        at = order.decode(cursor)
        values.update((f"_k{i}", v) for i, v in enumerate(at.values))
        query = statements.backwards if at.backwards else statements.forwards
    else:
        values["_offset"] = offset
        query = statements.first
    if statements.total:
        # execute(), not exec(): SQLModel's exec() would keep the entity and drop `_total`.
        pairs = session.execute(query, values).all()
        rows = [row[0] for row in pairs]
        # No row to carry it (past the end, or an empty list): the count on its own.
        n = pairs[0][-1] if pairs else session.exec(statements.count, params=values).one()
    else:
        rows = list(session.exec(query, params=values).all())
    more = len(rows) > limit
    rows = rows[:limit]
    if cursor:
        if at.backwards:
            rows.reverse()
            has_prev, has_next = more, True
            start = max(at.position - len(rows), 0) if more else 0
        else:
            has_prev, has_next = True, more
            start = at.position
    else:
        has_next = more
        has_prev = offset > 0
        start = offset
    if n is None:
        total, capped = 0, False
    else:
        total, capped = (TOTAL_CAP, True) if n > TOTAL_CAP else (n, False)
    page: Page[Any] = Page(rows, Total(total, capped), capped, start)
    if rows and has_next:
        page.next_cursor = order.encode(rows[-1], backwards=False, position=start + len(rows))
    if rows and has_prev:
        page.prev_cursor = order.encode(rows[0], backwards=True, position=start)
    return page


CursorQuery = Annotated[Line | None, Query(
    max_length=CURSOR_MAX, description="A `next_cursor` or `prev_cursor` from an earlier page "
    "(keyset pagination: deep pages cost what the first does). Not together with `offset`.")]
