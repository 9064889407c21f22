"""Step 2 (班子成员提议): proposals sponsored by committee members."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from meetingroom.models.base import community_fk, created_at_field

PRINCIPLES = ("major", "practical", "important", "urgent")  # R4.3


class Proposal(SQLModel, table=True):
    # The public list, newest first (meetingroom/pagination.py).
    __table_args__ = (sa.Index("ix_proposal_newest", "community_id", "created_at", "id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    sponsor_id: int = Field(foreign_key="user.id", index=True)
    title: str = Field(max_length=100)
    body: str = Field(max_length=5000)
    draft_resolution: str = Field(default="", max_length=5000)
    principle: str = Field(max_length=20)  # R4.3: major | practical | important | urgent
    # open (waiting for an agenda) | on_agenda | adopted | rejected | withdrawn
    status: str = Field(default="open", max_length=20, index=True)
    created_at: datetime = created_at_field()


class Cosponsor(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("proposal_id", "user_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
