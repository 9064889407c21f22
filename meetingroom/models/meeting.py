"""Step 3 (大党委会议决议): meetings, agenda items, attendance, ballots and the hash chain."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from meetingroom.models.base import community_fk, created_at_field, optional_time_field


class Meeting(SQLModel, table=True):
    # The list (newest first) and the upcoming ones (soonest first), id last for the keyset.
    __table_args__ = (sa.Index("ix_meeting_when", "community_id", "starts_at", "id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    kind: str = Field(max_length=10)  # work (R6.1) | joint (R6.2)
    title: str = Field(max_length=100)
    starts_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    location: str = Field(default="", max_length=100)
    status: str = Field(default="scheduled", max_length=10)  # scheduled | open | closed
    # Live-feed sequence: bumped in the same transaction as every change (CONTRACT live feed).
    seq: int = 0
    # S frozen when the meeting opens (R7: "seated at the time the meeting opens").
    seated_at_open: int | None = None
    # Who those S members were, frozen with S (the minutes name them). NULL for meetings opened
    # before the column existed; the minutes then read the roster's history from the audit log.
    seated_member_ids: list[int] | None = Field(default=None,
                                                sa_column=Column(JSON, nullable=True))
    # The R7.4 settings (community.adoption_rule/base) frozen with S when the meeting opens: a
    # change of the community's settings mid-meeting changes nothing for this meeting. NULL
    # before it opens (the community's settings apply) and for meetings opened before 0004.
    adoption_rule: str | None = Field(default=None, max_length=20, nullable=True)
    adoption_base: str | None = Field(default=None, max_length=20, nullable=True)
    opened_at: datetime | None = optional_time_field()
    closed_at: datetime | None = optional_time_field()
    created_by_id: int | None = Field(default=None, foreign_key="user.id", nullable=True)
    created_at: datetime = created_at_field()


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("meeting_id", "proposal_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    community_id: int = community_fk()
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    position: int = 0
    vote_status: str = Field(default="pending", max_length=10)  # pending | open | closed
    method: str = Field(default="ballot", max_length=10)  # ballot | secret | hands (R7.6)
    # Running counts. For secret ballots these are the only record of the choices (R7.6).
    agree: int = 0
    oppose: int = 0
    abstain: int = 0
    # P and S when the vote opened: the tally's "eligible" and the base for R7.4.
    present_at_open: int | None = None
    seated_at_open: int | None = None
    outcome: str = Field(default="pending", max_length=10)  # pending | adopted | rejected
    rule_text: str = Field(default="", max_length=300)
    # The meeting's reason or remark on this item, recorded by the secretary at close or after
    # (e.g. why it was not adopted); residents following the matter read it.
    note: str = Field(default="", max_length=500)
    opened_at: datetime | None = optional_time_field()
    closed_at: datetime | None = optional_time_field()


class Attendance(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    present: bool = True
    checked_in_at: datetime = created_at_field()
    left_at: datetime | None = optional_time_field()
    marked_by_id: int | None = Field(default=None, foreign_key="user.id", nullable=True)


class Observer(SQLModel, table=True):
    """列席人员 at a joint meeting (R6.2): may speak, never votes."""

    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    name: str = Field(max_length=50)
    role: str = Field(max_length=50)
    # What he said (R6.2: observers speak fully), as the secretary noted it for the minutes.
    remarks: str = Field(default="", max_length=1000)


class Absence(SQLModel, table=True):
    """Why a seated member missed a meeting (缺席原因), when the secretary recorded one."""

    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    reason: str = Field(max_length=200)


class VoteCast(SQLModel, table=True):
    """That a member voted on an item: one row per member per item, enforced by the database
    (R7.5). Holds no choice, so it is safe for secret ballots too."""

    __tablename__ = "vote_cast"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("item_id", "voter_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    voter_id: int = Field(foreign_key="user.id")


class Ballot(SQLModel, table=True):
    """An open (named, 记名) ballot's choice. Secret ballots write no row here (R7.6)."""

    __table_args__ = (sa.UniqueConstraint("item_id", "voter_id"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    voter_id: int = Field(foreign_key="user.id")
    choice: str = Field(max_length=10)  # agree | oppose | abstain
    cast_at: datetime = created_at_field()


class ChainEntry(SQLModel, table=True):
    """Ballots and tally changes chained by hash; each entry hashes the previous one of its
    meeting, so the minutes' digest can be recomputed from the exported log."""

    __tablename__ = "chain_entry"  # pyright: ignore[reportAssignmentType] - SQLModel declares it as declared_attr
    __table_args__ = (sa.UniqueConstraint("meeting_id", "position"),)
    id: int = Field(default=None, primary_key=True)  # None until flushed; typed for use after
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    position: int
    payload: str  # canonical JSON, exactly as hashed
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
