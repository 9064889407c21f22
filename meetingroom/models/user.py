"""People: residents, party members, committee members (seats) and secretaries."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from meetingroom.models.base import created_at_field

SEATS = ("chair", "full_time", "part_time")


class User(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("community_id", "phone"),
                      # The roster in joining order, by keyset (meetingroom/pagination.py);
                      # it serves every lookup by community too (PostgreSQL's index on
                      # community_id alone could not give the id order: it replaced that one).
                      sa.Index("ix_user_roster", "community_id", "id"))
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = Field(foreign_key="community.id", nullable=False)  # ix_user_roster
    name: str = Field(max_length=50)
    phone: str = Field(max_length=11)
    password_hash: str = Field(max_length=200)
    address: str = Field(default="", max_length=200)
    is_secretary: bool = False
    is_party_member: bool = False
    # None, or a committee seat (R1): chair | full_time | part_time. A seat counts towards S.
    seat: str | None = Field(default=None, max_length=20, index=True)
    unit_id: int | None = Field(default=None, foreign_key="member_unit.id", nullable=True)
    is_active: bool = True
    created_at: datetime = created_at_field()

    @property
    def is_member(self) -> bool:
        return self.seat is not None
