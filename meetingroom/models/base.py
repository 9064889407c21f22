"""Shared column helpers: aware UTC timestamps everywhere (STYLE habit 10)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Field

_clock: ContextVar[datetime | None] = ContextVar("meetingroom_clock", default=None)


def utcnow() -> datetime:
    return _clock.get() or datetime.now(UTC)


@contextmanager
def clock_at(at: datetime) -> Iterator[None]:
    """Inside the block, utcnow() is `at`: the demo loader plays a story that took weeks through
    the real services, so every stamp (rows, audit log, rating windows) agrees with it."""
    token = _clock.set(at.astimezone(UTC))
    try:
        yield
    finally:
        _clock.reset(token)


def table_of(model: type) -> sa.Table:
    """A table model's Core table, for multi-row INSERTs without ORM objects (SQLModel does
    not declare `__table__` to the type checker)."""
    table = getattr(model, "__table__")  # noqa: B009
    assert isinstance(table, sa.Table)
    return table


def created_at_field():
    return Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False)


def optional_time_field(**kw):
    return Field(default=None, sa_type=sa.DateTime(timezone=True), nullable=True, **kw)


def community_fk():
    """Every row holding community data belongs to one community (DESIGN: many per deployment)."""
    return Field(foreign_key="community.id", index=True, nullable=False)
