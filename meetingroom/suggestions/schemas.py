"""API shapes for suggestions (CONTRACT.md). The author's phone is in none of them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from meetingroom import i18n, labels, photos
from meetingroom.labels import ReportReason, SuggestionStatus
from meetingroom.models import Category, User
from meetingroom.pagination import Page, PageMeta
from meetingroom.suggestions.service import Step, SuggestionView
from meetingroom.types import Line, Text


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they are UTC by construction (CONTRACT: ISO 8601
    with offset)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class StepOut(BaseModel):
    key: str
    label: str
    done: bool
    when: datetime | None
    link: str | None
    note: str | None = None
    detail: str | None = None

    @classmethod
    def of(cls, step: Step) -> StepOut:
        return cls.model_validate(cls.data(step))

    @staticmethod
    def data(step: Step) -> dict[str, Any]:
        return {"key": step.key, "label": i18n.gettext(step.label), "done": step.done,
                "when": aware(step.when), "link": step.link,
                "note": i18n.gettext(step.note) if step.note else None,
                "detail": step.detail or None}


class PhotoOut(BaseModel):
    url: str
    thumb_url: str
    width: int
    height: int


class CategoryOut(BaseModel):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    position: int
    active: bool

    @classmethod
    def of(cls, c: Category) -> CategoryOut:
        return cls(id=c.id, code=c.code, name=cls.name_of(c), name_zh=c.name_zh,
                   name_en=c.name_en, position=c.position, active=c.active)

    @staticmethod
    def name_of(c: Category) -> str:
        """The category's name in the request's language."""
        return c.name_zh if i18n.get_locale() == "zh_CN" else c.name_en


class SuggestionOut(BaseModel):
    id: int
    title: str
    body: str
    status: SuggestionStatus = Field(description="derived through the proposal and its "
                                                 "resolution")
    status_label: str
    supporters: int
    created_at: datetime
    proposal_id: int | None
    category: str | None
    category_name: str | None
    location: str
    author_name: str | None = Field(description="only when the author chose to show it")
    entered_by_staff: bool
    decline_reason: str | None
    photos: list[PhotoOut]
    supported: bool = Field(description="whether the person asking supports it")
    hidden: bool
    timeline: list[StepOut]

    @classmethod
    def of(cls, v: SuggestionView, viewer: User | None = None) -> SuggestionOut:
        return cls.model_validate(cls.data(v))

    @staticmethod
    def data(v: SuggestionView) -> dict[str, Any]:
        """The fields as plain values: a list validates all its items' in one call
        (SuggestionPage.of), not a model per item and per timeline step."""
        s = v.suggestion
        c = v.category
        return {
            "id": s.id, "title": s.title, "body": s.body, "status": v.status,
            "status_label": i18n.gettext(labels.SUGGESTION_STATUSES[v.status]),
            "supporters": s.supporters, "created_at": aware(s.created_at),
            "proposal_id": s.proposal_id, "category": c.code if c else None,
            "category_name": CategoryOut.name_of(c) if c else None,
            "location": s.location, "author_name": v.author_name,
            "entered_by_staff": v.by_staff, "decline_reason": s.decline_reason or None,
            "photos": [{"url": photos.url(p), "thumb_url": photos.url(p, thumb=True),
                        "width": p.width, "height": p.height} for p in v.photos],
            "supported": v.supported, "hidden": s.hidden,
            "timeline": [StepOut.data(st) for st in v.steps]}


class SuggestionPage(PageMeta):
    items: list[SuggestionOut]

    @classmethod
    def of(cls, page: Page[Any], views: list[SuggestionView]) -> SuggestionPage:
        """A page of the API's list, validated once as a whole: building a model per item and
        per timeline step was ~0.5 ms of a 20-item page's ~3.5 (issue 11)."""
        return cls.model_validate({"items": [SuggestionOut.data(v) for v in views],
                                   **page.meta()})


class ReasonIn(BaseModel):
    reason: Text = Field(max_length=2000)


class ReportIn(BaseModel):
    reason: ReportReason


class ReportOut(BaseModel):
    reported: bool = True


class CategoryIn(BaseModel):
    code: Line = Field(max_length=30)
    name_zh: Line = Field(max_length=100)
    name_en: Line = Field(max_length=100)


class CategoryPatch(BaseModel):
    name_zh: Line | None = Field(default=None, max_length=100)
    name_en: Line | None = Field(default=None, max_length=100)
    active: bool | None = None
    position: int | None = Field(default=None, ge=0, le=1000)
