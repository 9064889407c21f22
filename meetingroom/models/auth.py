"""Server-side sessions, API tokens, socket tickets and password-reset codes (issue 12)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from meetingroom.models.base import community_fk, created_at_field, optional_time_field

# A browser's session cookie, an API bearer token, a single-use live-socket ticket.
AUTH_KINDS = ("session", "token", "ticket")


class AuthSession(SQLModel, table=True):
    """One logged-in device (or token, or socket ticket). The cookie/token carries a random key,
    signed; the table keeps only its SHA-256, so a copy of the database logs nobody in."""

    __tablename__ = "auth_session"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    key_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True, nullable=False)
    kind: str = Field(max_length=10)
    created_at: datetime = created_at_field()
    # Written at most every few minutes (auth.sessions.TOUCH_EVERY), never per request.
    last_seen_at: datetime = created_at_field()
    user_agent: str = Field(default="", max_length=200)
    revoked_at: datetime | None = optional_time_field()


class PasswordReset(SQLModel, table=True):
    """A one-time reset code the secretary issued at the desk; valid until `expires_at`."""

    __tablename__ = "password_reset"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.Index("ix_password_reset_user", "user_id", "used_at"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    code_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", nullable=False)
    issued_by_id: int = Field(foreign_key="user.id", nullable=False)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True), nullable=False)
    used_at: datetime | None = optional_time_field()
