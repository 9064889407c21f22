"""Shared column helpers: aware UTC timestamps everywhere (STYLE habit 10)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_field():
    return Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False)


def optional_time_field(**kw):
    return Field(default=None, sa_type=sa.DateTime(timezone=True), nullable=True, **kw)


def community_fk():
    """Every row holding community data belongs to one community (DESIGN: many per deployment)."""
    return Field(foreign_key="community.id", index=True, nullable=False)
