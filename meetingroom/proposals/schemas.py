"""API shapes for proposals (CONTRACT.md)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from meetingroom import i18n, labels
from meetingroom.labels import Principle, ProposalStatus
from meetingroom.pagination import PageMeta
from meetingroom.proposals.service import ProposalView
from meetingroom.suggestions.schemas import aware
from meetingroom.types import Id, Line, Text


class ProposalIn(BaseModel):
    title: Line = Field(max_length=1000)
    body: Text = Field(max_length=20000)
    draft_resolution: Text = Field(default="", max_length=20000)
    # An enum in the document; checked by the service, which names the rule (R4.3) when wrong.
    principle: Line = Field(max_length=30, description="R4.3: the principle it is put under",
                            json_schema_extra={"enum": ["major", "practical", "important",
                                                        "urgent"]})
    suggestion_ids: list[Id] = Field(default_factory=list, max_length=100)


class PersonOut(BaseModel):
    id: int
    name: str


class ProposalOut(BaseModel):
    id: int
    title: str
    body: str
    draft_resolution: str
    principle: Principle
    principle_label: str
    status: ProposalStatus
    status_label: str
    sponsor_id: int
    sponsor_name: str
    cosponsors: list[PersonOut]
    suggestion_ids: list[int]
    resolution_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, v: ProposalView) -> ProposalOut:
        p = v.proposal
        return cls(
            id=p.id, title=p.title, body=p.body, draft_resolution=p.draft_resolution,
            principle=p.principle,
            principle_label=i18n.gettext(labels.PRINCIPLES.get(p.principle, p.principle)),
            status=p.status,
            status_label=i18n.gettext(labels.PROPOSAL_STATUSES.get(p.status, p.status)),
            sponsor_id=p.sponsor_id, sponsor_name=v.sponsor_name,
            cosponsors=[PersonOut(id=u.id, name=u.name) for u in v.cosponsors],
            suggestion_ids=[s.id for s in v.suggestions], resolution_id=v.resolution_id,
            created_at=aware(p.created_at))


class ProposalPage(PageMeta):
    items: list[ProposalOut]
