"""Step 1 (居民群众建议, R4.1): residents submit suggestions with photos, support and report them;
the secretary moderates them and enters suggestions for residents without a phone.

A suggestion's stored status is only `submitted | sponsored | declined`; what a resident follows
— submitted → sponsored (or declined) → on a meeting agenda → adopted (or not) → being carried
out → done — is derived from its proposal and that proposal's resolution by `timeline()`, the
one place every page and the API read it from (R4.2: every matter is traceable).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from meetingroom import audit, labels, photos
from meetingroom.auth.service import require_secretary
from meetingroom.db import insert_once
from meetingroom.errors import Conflict, Invalid, NotAuthenticated, NotFound
from meetingroom.labels import N_
from meetingroom.models import (
    AgendaItem,
    AuditLog,
    Category,
    ContentReport,
    Meeting,
    Photo,
    ProgressUpdate,
    Proposal,
    Resolution,
    Suggestion,
    Support,
    User,
)
from meetingroom.notifications import notify
from meetingroom.pagination import Order, Page, paginate

TITLE_MAX = 100
BODY_MAX = 5000
LOCATION_MAX = 100
REASON_MAX = 500
NAME_MAX = 50
ADDRESS_MAX = 200
HIDE_AFTER_REPORTS = 3
SORTS = ("newest", "supported")
STATUSES = tuple(labels.SUGGESTION_STATUSES)
REPORT_REASONS = tuple(labels.REPORT_REASONS)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# -- input --------------------------------------------------------------------------------------

def clean_text(value: str | None, *, field: str, max_len: int, required: bool = False,
               empty_message: str = N_("This field is required.")) -> str:
    """Trim, normalise line ends, drop control characters (PostgreSQL refuses NUL), check length.
    Text is stored as typed: templates escape it when shown, so markup is never run."""
    text = _CONTROL.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if required and not text:
        raise Invalid(empty_message, field=field)
    if len(text) > max_len:
        raise Invalid("At most {n} characters.", field=field, n=max_len)
    return text


_CATEGORY = select(Category).where(Category.community_id == sa.bindparam("community_id"),
                                   Category.code == sa.bindparam("code"), Category.active)


def _category(session: Session, community_id: int, code: str | None) -> Category | None:
    code = (code or "").strip()
    if not code:
        return None
    category = session.exec(_CATEGORY, params={"community_id": community_id,
                                               "code": code}).first()
    if category is None:
        raise Invalid("Unknown category.", field="category")
    return category


@functools.cache
def _categories_statement(active_only: bool):
    stmt = select(Category).where(Category.community_id == sa.bindparam("community_id"))
    if active_only:
        stmt = stmt.where(Category.active)
    return stmt.order_by(Category.position, Category.id)


def categories(session: Session, community_id: int, *, active_only: bool = True
               ) -> list[Category]:
    """The community's categories in the secretary's order."""
    return list(session.exec(_categories_statement(active_only),
                             params={"community_id": community_id}).all())


# -- submitting ---------------------------------------------------------------------------------

def submit_suggestion(session: Session, *, actor: User | None, title: str, body: str = "",
                      category: str | None = None, location: str = "",
                      uploads: list[photos.Upload] | None = None,
                      show_name: bool = False) -> Suggestion:
    """A resident submits a suggestion with up to three photos (R4.1 step 1)."""
    if actor is None:
        raise NotAuthenticated()
    return _create(session, actor=actor, title=title, body=body, category=category,
                   location=location, uploads=uploads, show_name=show_name)


def enter_suggestion(session: Session, *, actor: User | None, resident_name: str,
                     resident_address: str = "", title: str, body: str = "",
                     category: str | None = None, location: str = "",
                     uploads: list[photos.Upload] | None = None,
                     show_name: bool = False) -> Suggestion:
    """The secretary enters a suggestion for a resident who has no phone; marked as staff entry."""
    require_secretary(actor)
    name = clean_text(resident_name, field="resident_name", max_len=NAME_MAX, required=True,
                      empty_message=N_("Enter the resident's name."))
    address = clean_text(resident_address, field="resident_address", max_len=ADDRESS_MAX)
    return _create(session, actor=actor, title=title, body=body, category=category,
                   location=location, uploads=uploads, show_name=show_name,
                   on_behalf=(name, address))


def _create(session: Session, *, actor: User, title: str, body: str, category: str | None,
            location: str, uploads: list[photos.Upload] | None, show_name: bool,
            on_behalf: tuple[str, str] | None = None) -> Suggestion:
    title = clean_text(title, field="title", max_len=TITLE_MAX, required=True,
                       empty_message=N_("Give your suggestion a title."))
    body = clean_text(body, field="body", max_len=BODY_MAX)
    location = clean_text(location, field="location", max_len=LOCATION_MAX)
    cat = _category(session, actor.community_id, category)
    # Every photo is checked and re-encoded before any row or file is written.
    encoded = photos.prepare_photos(uploads or [])
    suggestion = Suggestion(
        community_id=actor.community_id, author_id=actor.id, title=title, body=body,
        category_id=cat.id if cat else None, location=location, show_name=bool(show_name),
        entered_by_id=actor.id if on_behalf else None,
        on_behalf_name=on_behalf[0] if on_behalf else "",
        on_behalf_address=on_behalf[1] if on_behalf else "")
    session.add(suggestion)
    session.flush()
    photos.store_photos(session, encoded, community_id=actor.community_id,
                        uploader_id=actor.id, suggestion_id=suggestion.id)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="suggestion.enter" if on_behalf else "suggestion.submit",
                 entity="suggestion", entity_id=suggestion.id, photos=len(encoded),
                 category=cat.code if cat else None)
    return suggestion


# -- reading ------------------------------------------------------------------------------------

def may_see_hidden(viewer: User | None, suggestion: Suggestion) -> bool:
    """A hidden suggestion stays visible to the secretary (who reviews it) and to its author."""
    return viewer is not None and (viewer.is_secretary or viewer.id == suggestion.author_id)


def get_suggestion(session: Session, *, viewer: User | None, community_id: int,
                   suggestion_id: int, for_update: bool = False) -> Suggestion:
    """One suggestion; 404 if it is in another community or hidden from this viewer."""
    stmt = select(Suggestion).where(Suggestion.id == suggestion_id)
    if for_update:
        stmt = stmt.with_for_update()
    suggestion = session.exec(stmt).first()
    if suggestion is None or suggestion.community_id != community_id:
        raise NotFound("No such suggestion.")
    if suggestion.hidden and not may_see_hidden(viewer, suggestion):
        raise NotFound("No such suggestion.")
    return suggestion


def _latest_resolution_status():
    return (select(Resolution.status).where(Resolution.proposal_id == Proposal.id)
            .order_by(Resolution.id.desc()).limit(1).scalar_subquery())


def _status_condition(status: str):
    """SQL for a derived status; must agree with `_build_timeline` (tests check both)."""
    if status in ("submitted", "declined"):
        return Suggestion.status == status
    res = _latest_resolution_status()
    conditions = {
        "sponsored": col(Proposal.status).in_(("open", "withdrawn")),
        "on_agenda": Proposal.status == "on_agenda",
        "rejected": Proposal.status == "rejected",
        "adopted": (Proposal.status == "adopted") & (res.is_(None) | (res == "not_started")),
        "in_progress": (Proposal.status == "adopted") & res.in_(("in_progress", "delayed")),
        "done": (Proposal.status == "adopted") & (res == "done"),
    }
    return (Suggestion.status == "sponsored") & conditions[status]


NEWEST = Order("newest", col(Suggestion.created_at).desc(), col(Suggestion.id).desc())
SUPPORTED = Order("supported", col(Suggestion.supporters).desc(), col(Suggestion.id).desc())


@functools.cache
def _list_statement(kind: str, by_category: bool, status: str | None):
    """The list's statement for one shape (public, hidden or one author's; by category; by
    status), built once, its values bound parameters: a statement built per request cost
    ~0.2-0.4 ms of Python a query in building and in SQLAlchemy's walk of it for its cache key
    (issue 11; pagination.paginate's `params`). 3 × 2 × (len(STATUSES) + 1) shapes at most."""
    stmt = select(Suggestion).where(Suggestion.community_id == sa.bindparam("community_id"))
    if kind == "hidden":
        stmt = stmt.where(Suggestion.hidden)
    elif kind == "author":
        stmt = stmt.where(Suggestion.author_id == sa.bindparam("author_id"))  # hidden or not
    else:
        stmt = stmt.where(Suggestion.hidden == sa.false())
    if by_category:
        stmt = stmt.where(Suggestion.category_id == sa.bindparam("category_id"))
    if status:
        if status not in ("submitted", "declined"):
            stmt = stmt.join(Proposal, Proposal.id == Suggestion.proposal_id)
        stmt = stmt.where(_status_condition(status))
    return stmt


def list_suggestions(session: Session, *, community_id: int, viewer: User | None,
                     status: str | None = None, category: str | None = None,
                     sort: str = "newest", hidden: bool = False, author_id: int | None = None,
                     limit: int = 20, offset: int = 0,
                     cursor: str | None = None) -> Page[Suggestion]:
    """The public list (hidden ones left out), a person's own, or the secretary's review queue."""
    if status and status not in STATUSES:
        raise Invalid("Unknown status.", field="status")
    if sort not in SORTS:
        raise Invalid("Unknown sort order.", field="sort")
    params: dict[str, int] = {"community_id": community_id}
    if hidden:
        require_secretary(viewer)
        kind = "hidden"
    elif author_id is not None:
        kind = "author"
        params["author_id"] = author_id
    else:
        kind = "public"
    if category:
        params["category_id"] = _category(session, community_id, category).id
    order = SUPPORTED if sort == "supported" else NEWEST
    return paginate(session, _list_statement(kind, bool(category), status or None), order,
                    limit=limit, offset=offset, cursor=cursor, params=params)


# -- the timeline -------------------------------------------------------------------------------

@dataclass
class Step:
    """One stop on a suggestion's way, like a parcel's tracking line."""

    key: str  # one of STATUSES
    label: str  # English msgid, translated when shown
    done: bool
    when: datetime | None = None
    link: str | None = None
    note: str = ""  # a msgid adding to the label, e.g. "The proposal was withdrawn."
    detail: str = ""  # a person's words (the reason for declining), shown as typed


def _build_timeline(s: Suggestion, *, proposal: Proposal | None = None,
                    item: AgendaItem | None = None, meeting: Meeting | None = None,
                    resolution: Resolution | None = None, declined_at: datetime | None = None,
                    started_at: datetime | None = None,
                    finished_at: datetime | None = None) -> list[Step]:
    L = labels.SUGGESTION_STATUSES  # noqa: N806
    steps = [Step("submitted", L["submitted"], True, s.created_at)]
    if s.status == "declined":
        steps.append(Step("declined", L["declined"], True, declined_at, detail=s.decline_reason))
        return steps
    p_status = proposal.status if proposal else None
    sponsored = Step("sponsored", L["sponsored"], proposal is not None,
                     proposal.created_at if proposal else None,
                     f"/proposals/{proposal.id}" if proposal else None)
    if p_status == "withdrawn":
        sponsored.note = N_("The proposal was withdrawn.")
    steps.append(sponsored)
    reached_agenda = p_status in ("on_agenda", "adopted", "rejected")
    steps.append(Step("on_agenda", L["on_agenda"], reached_agenda,
                      meeting.starts_at if meeting and reached_agenda else None,
                      f"/meetings/{meeting.id}" if meeting and reached_agenda else None))
    decided_at = item.closed_at if item and p_status in ("adopted", "rejected") else None
    if p_status == "rejected":
        steps.append(Step("rejected", L["rejected"], True, decided_at,
                          f"/meetings/{meeting.id}" if meeting else None))
        return steps
    res_link = f"/resolutions/{resolution.id}" if resolution else None
    steps.append(Step("adopted", L["adopted"], p_status == "adopted", decided_at, res_link))
    r_status = resolution.status if resolution and p_status == "adopted" else None
    carrying = Step("in_progress", L["in_progress"],
                    r_status in ("in_progress", "delayed", "done"),
                    started_at if r_status else None, res_link if r_status else None)
    if r_status == "delayed":
        carrying.note = N_("Delayed")
    steps.append(carrying)
    steps.append(Step("done", L["done"], r_status == "done",
                      finished_at if r_status == "done" else None,
                      res_link if r_status == "done" else None))
    return steps


def status_of(steps: list[Step]) -> str:
    """The derived status: the last step reached."""
    return [step.key for step in steps if step.done][-1]


def timelines(session: Session, suggestions: Iterable[Suggestion]) -> dict[int, list[Step]]:
    """Timelines for many suggestions in a fixed number of queries (list pages stay bounded)."""
    suggestions = list(suggestions)
    if not suggestions:
        return {}
    proposal_ids = {s.proposal_id for s in suggestions if s.proposal_id}
    proposals = _by_id(session, Proposal, proposal_ids)
    items: dict[int, AgendaItem] = {}
    resolutions: dict[int, Resolution] = {}
    if proposal_ids:
        # The latest agenda item and resolution of each proposal (a deferred item may come back).
        for item in session.exec(select(AgendaItem).where(AgendaItem.proposal_id.in_(
                proposal_ids)).order_by(AgendaItem.id)).all():
            items[item.proposal_id] = item
        for res in session.exec(select(Resolution).where(Resolution.proposal_id.in_(
                proposal_ids)).order_by(Resolution.id)).all():
            resolutions[res.proposal_id] = res
    meetings = _by_id(session, Meeting, {i.meeting_id for i in items.values()})
    started: dict[int, datetime] = {}
    finished: dict[int, datetime] = {}
    if resolutions:
        res_ids = [r.id for r in resolutions.values()]
        for rid, when in session.exec(
                select(ProgressUpdate.resolution_id, func.min(ProgressUpdate.created_at))
                .where(ProgressUpdate.resolution_id.in_(res_ids))
                .group_by(ProgressUpdate.resolution_id)).all():
            started[rid] = when
        for rid, when in session.exec(
                select(ProgressUpdate.resolution_id, func.max(ProgressUpdate.created_at))
                .where(ProgressUpdate.resolution_id.in_(res_ids),
                       ProgressUpdate.status == "done")
                .group_by(ProgressUpdate.resolution_id)).all():
            finished[rid] = when
    declined = [s.id for s in suggestions if s.status == "declined"]
    declined_at: dict[int, datetime] = {}
    if declined:
        for eid, when in session.exec(
                select(AuditLog.entity_id, func.max(AuditLog.created_at))
                .where(AuditLog.entity == "suggestion", col(AuditLog.entity_id).in_(declined),
                       AuditLog.action == "suggestion.decline")
                .group_by(AuditLog.entity_id)).all():
            declined_at[eid] = when
    result = {}
    for s in suggestions:
        proposal = proposals.get(s.proposal_id) if s.status == "sponsored" else None
        item = items.get(proposal.id) if proposal else None
        resolution = resolutions.get(proposal.id) if proposal else None
        result[s.id] = _build_timeline(
            s, proposal=proposal, item=item,
            meeting=meetings.get(item.meeting_id) if item else None, resolution=resolution,
            declined_at=declined_at.get(s.id),
            started_at=started.get(resolution.id) if resolution else None,
            finished_at=finished.get(resolution.id) if resolution else None)
    return result


def timeline(session: Session, suggestion: Suggestion) -> list[Step]:
    """The steps this suggestion has reached and the ones still ahead (pages and API share it)."""
    return timelines(session, [suggestion])[suggestion.id]


def _by_id(session: Session, model, ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in session.exec(_by_id_statement(model),
                                                params={"ids": sorted(ids)}).all()}


# Built once (see _list_statement); `ids` is expanded into the IN list when run.
@functools.cache
def _by_id_statement(model):
    return select(model).where(model.id.in_(sa.bindparam("ids", expanding=True)))


_PHOTOS = (select(Photo).where(col(Photo.suggestion_id).in_(sa.bindparam("ids", expanding=True)))
           .order_by(Photo.position, Photo.id))
_SUPPORTED = select(Support.suggestion_id).where(
    Support.user_id == sa.bindparam("user_id"),
    col(Support.suggestion_id).in_(sa.bindparam("ids", expanding=True)))


@dataclass
class SuggestionView:
    """What pages and the API show of a suggestion: never the author's phone, and his name only
    when he chose to show it."""

    suggestion: Suggestion
    steps: list[Step]
    status: str
    author_name: str | None
    category: Category | None
    photos: list[Photo] = field(default_factory=list)
    supported: bool = False  # by the viewer
    by_staff: bool = False

    @property
    def id(self) -> int:
        return self.suggestion.id


def views(session: Session, suggestions: Iterable[Suggestion], *,
          viewer: User | None = None) -> list[SuggestionView]:
    """Everything a list or detail page needs, in a fixed number of queries."""
    suggestions = list(suggestions)
    if not suggestions:
        return []
    ids = [s.id for s in suggestions]
    steps = timelines(session, suggestions)
    cats = _by_id(session, Category, {s.category_id for s in suggestions})
    names = {u.id: u.name for u in _by_id(
        session, User, {s.author_id for s in suggestions
                        if s.show_name and not s.entered_by_id}).values()}
    by_suggestion: dict[int, list[Photo]] = {}
    for photo in session.exec(_PHOTOS, params={"ids": ids}).all():
        by_suggestion.setdefault(photo.suggestion_id, []).append(photo)
    supported: set[int] = set()
    if viewer is not None:
        supported = set(session.exec(_SUPPORTED, params={"user_id": viewer.id,
                                                         "ids": ids}).all())
    out = []
    for s in suggestions:
        if not s.show_name:
            author = None
        elif s.entered_by_id:
            author = s.on_behalf_name
        else:
            author = names.get(s.author_id)
        out.append(SuggestionView(
            suggestion=s, steps=steps[s.id], status=status_of(steps[s.id]), author_name=author,
            category=cats.get(s.category_id), photos=by_suggestion.get(s.id, []),
            supported=s.id in supported or (viewer is not None and viewer.id == s.author_id
                                            and not s.entered_by_id),
            by_staff=s.entered_by_id is not None))
    return out


def view(session: Session, suggestion: Suggestion, *, viewer: User | None) -> SuggestionView:
    return views(session, [suggestion], viewer=viewer)[0]


# -- supporting and reporting -------------------------------------------------------------------

def support_suggestion(session: Session, *, actor: User | None,
                       suggestion_id: int) -> Suggestion:
    """附议: a person supports a suggestion once; again is a no-op (the database enforces it)."""
    if actor is None:
        raise NotAuthenticated()
    s = get_suggestion(session, viewer=actor, community_id=actor.community_id,
                       suggestion_id=suggestion_id)
    if s.author_id == actor.id and not s.entered_by_id:
        return s  # the author supports his own suggestion already
    if session.exec(select(Support.id).where(Support.suggestion_id == s.id,
                                             Support.user_id == actor.id)).first():
        return s
    if not insert_once(session, Support(suggestion_id=s.id, user_id=actor.id)):
        return s  # a second tap raced the first
    session.exec(update(Suggestion).where(Suggestion.id == s.id)
                 .values(supporters=Suggestion.supporters + 1))
    session.refresh(s)
    audit.record(session, community_id=s.community_id, actor_id=actor.id,
                 action="suggestion.support", entity="suggestion", entity_id=s.id)
    return s


def report_suggestion(session: Session, *, actor: User | None, suggestion_id: int,
                      reason: str) -> Suggestion:
    """Anyone logged in reports a suggestion; at three reports it is hidden until reviewed."""
    if actor is None:
        raise NotAuthenticated()
    if reason not in REPORT_REASONS:
        raise Invalid("Choose a reason for the report.", field="reason")
    s = get_suggestion(session, viewer=actor, community_id=actor.community_id,
                       suggestion_id=suggestion_id)
    if s.hidden or session.exec(select(ContentReport.id).where(
            ContentReport.target == "suggestion", ContentReport.target_id == s.id,
            ContentReport.user_id == actor.id)).first():
        return s
    if not insert_once(session, ContentReport(community_id=s.community_id, target="suggestion",
                                              target_id=s.id, user_id=actor.id, reason=reason)):
        return s
    session.exec(update(Suggestion).where(Suggestion.id == s.id)
                 .values(report_count=Suggestion.report_count + 1))
    session.refresh(s)
    audit.record(session, community_id=s.community_id, actor_id=actor.id,
                 action="suggestion.report", entity="suggestion", entity_id=s.id, reason=reason)
    # Exactly one request sees the count reach the threshold, whoever raced whom.
    hid = session.exec(update(Suggestion).where(
        Suggestion.id == s.id, Suggestion.hidden == sa.false(),
        Suggestion.report_count >= HIDE_AFTER_REPORTS).values(hidden=True, hidden_reason=""))
    if hid.rowcount:
        session.refresh(s)
        audit.record(session, community_id=s.community_id, actor_id=None,
                     action="suggestion.auto_hide", entity="suggestion", entity_id=s.id,
                     reports=s.report_count)
        secretaries = session.exec(select(User.id).where(
            User.community_id == s.community_id, User.is_secretary, User.is_active)).all()
        notify(session, community_id=s.community_id, user_ids=secretaries,
               message=N_("“{title}” was hidden after {n} reports; please review it."),
               link=f"/suggestions/{s.id}", title=s.title, n=s.report_count)
    return s


# -- moderation by the secretary ----------------------------------------------------------------

def hide_suggestion(session: Session, *, actor: User | None, suggestion_id: int,
                    reason: str) -> Suggestion:
    """The secretary hides a suggestion from the public, with a reason (audit log)."""
    require_secretary(actor)
    reason = clean_text(reason, field="reason", max_len=REASON_MAX, required=True,
                        empty_message=N_("Give a reason."))
    s = get_suggestion(session, viewer=actor, community_id=actor.community_id,
                       suggestion_id=suggestion_id, for_update=True)
    if s.hidden:
        raise Conflict("This suggestion is already hidden.")
    s.hidden, s.hidden_reason = True, reason
    session.add(s)
    audit.record(session, community_id=s.community_id, actor_id=actor.id,
                 action="suggestion.hide", entity="suggestion", entity_id=s.id, reason=reason)
    notify(session, community_id=s.community_id, user_ids=[s.author_id], exclude=actor.id,
           message=N_("Your suggestion “{title}” was hidden by the secretary. Reason: "
                      "{reason}"), link=f"/suggestions/{s.id}", title=s.title, reason=reason)
    return s


def restore_suggestion(session: Session, *, actor: User | None, suggestion_id: int,
                       reason: str) -> Suggestion:
    """The secretary shows a hidden suggestion again, with a reason; its report count restarts."""
    require_secretary(actor)
    reason = clean_text(reason, field="reason", max_len=REASON_MAX, required=True,
                        empty_message=N_("Give a reason."))
    s = get_suggestion(session, viewer=actor, community_id=actor.community_id,
                       suggestion_id=suggestion_id, for_update=True)
    if not s.hidden:
        raise Conflict("This suggestion is not hidden.")
    s.hidden, s.hidden_reason, s.report_count = False, "", 0
    session.add(s)
    audit.record(session, community_id=s.community_id, actor_id=actor.id,
                 action="suggestion.restore", entity="suggestion", entity_id=s.id,
                 reason=reason)
    notify(session, community_id=s.community_id, user_ids=[s.author_id], exclude=actor.id,
           message=N_("Your suggestion “{title}” can be seen by everyone again."),
           link=f"/suggestions/{s.id}", title=s.title)
    return s


# -- categories (the secretary keeps the short list) --------------------------------------------

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


def add_category(session: Session, *, actor: User | None, code: str, name_zh: str,
                 name_en: str) -> Category:
    """The secretary adds a suggestion category."""
    require_secretary(actor)
    code = (code or "").strip().lower()
    if not CODE_RE.fullmatch(code):
        raise Invalid("Use lower-case letters, digits and _ for the code.", field="code")
    name_zh = clean_text(name_zh, field="name_zh", max_len=30, required=True)
    name_en = clean_text(name_en, field="name_en", max_len=30, required=True)
    position = session.exec(select(func.coalesce(func.max(Category.position), 0)).where(
        Category.community_id == actor.community_id)).one() + 1
    category = Category(community_id=actor.community_id, code=code, name_zh=name_zh,
                        name_en=name_en, position=position)
    if not insert_once(session, category):
        raise Conflict("A category with this code already exists.")
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="category.create", entity="category", entity_id=category.id, code=code)
    return category


def update_category(session: Session, *, actor: User | None, category_id: int,
                    name_zh: str | None = None, name_en: str | None = None,
                    active: bool | None = None, position: int | None = None) -> Category:
    """The secretary renames, reorders or switches off a category (old suggestions keep it)."""
    require_secretary(actor)
    category = session.get(Category, category_id)
    if category is None or category.community_id != actor.community_id:
        raise NotFound("No such category.")
    changes: dict = {}
    if name_zh is not None:
        changes["name_zh"] = clean_text(name_zh, field="name_zh", max_len=30, required=True)
    if name_en is not None:
        changes["name_en"] = clean_text(name_en, field="name_en", max_len=30, required=True)
    if active is not None:
        changes["active"] = bool(active)
    if position is not None:
        changes["position"] = int(position)
    for key, value in changes.items():
        setattr(category, key, value)
    session.add(category)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="category.update", entity="category", entity_id=category.id, **changes)
    return category


_COUNT_HIDDEN = select(func.count()).select_from(Suggestion).where(
    Suggestion.community_id == sa.bindparam("community_id"), Suggestion.hidden)


def counts_hidden(session: Session, community_id: int) -> int:
    """How many suggestions wait for the secretary's review."""
    return session.exec(_COUNT_HIDDEN, params={"community_id": community_id}).one()

