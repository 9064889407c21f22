"""Member units (R5): every rule and every write. Services never commit (STYLE habit 2).

Who may do what (permission checks live here, not in routes):
- the unit profile's contact details, the contacts log, the needs/resources/projects lists,
  annual reports and reminder talks are read by the secretary and committee members (R5.6);
- the secretary records anything; a committee member may log a contact or a need, and answer a
  need; a part-time member acts for his own unit (its contacts, resources, deeds, taking on a
  project) and hands in his own annual report;
- good deeds are public, and any logged-in person may thank one once (点赞).
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from meetingroom import audit, photos
from meetingroom.db import insert_once
from meetingroom.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound, TooLarge
from meetingroom.labels import N_
from meetingroom.models import (
    DeedThanks,
    MemberUnit,
    Photo,
    ProjectUnit,
    Suggestion,
    UnitContact,
    UnitDeed,
    UnitNeed,
    UnitProject,
    UnitReminder,
    UnitReport,
    UnitResource,
    User,
    utcnow,
)
from meetingroom.models.units import (
    CONTACT_DIRECTIONS,
    NEED_SOURCES,
    NEED_STATUSES,
    PROJECT_STATUSES,
    REMINDER_BY,
)
from meetingroom.private import private_dir, write_private
from meetingroom.settings import get_settings

EARLIEST = date(2000, 1, 1)  # no record of the committee's work is older than this
MAX_ATTACHMENT = 10 * 1024 * 1024
MAX_NEEDS_PER_CONTACT = 10
TOTAL_CAP = 10_000
ATTACHMENT_RE = re.compile(r"^[A-Za-z0-9_-]{22}\.(docx|pdf)$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

DIRECTIONS = {"report_in": N_("The unit reported in"), "visit": N_("The community visited")}
SOURCES = {"resident": N_("Residents' suggestion"), "committee": N_("The committee"),
           "unit": N_("A unit, in a contact")}
NEED_STATUS_LABELS = {"open": N_("Not answered"), "answered": N_("Answered"),
                      "matched": N_("Taken on by a project"), "done": N_("Met")}
PROJECT_STATUS_LABELS = {"planned": N_("Planned"), "in_progress": N_("Under way"),
                         "done": N_("Completed")}
REMINDER_BY_LABELS = {"committee": N_("The committee itself"),
                      "higher_org": N_("Through the unit's higher organisation"),
                      "authority": N_("Through the sector authority")}


# --- small shared checks -------------------------------------------------------------------------

def local_today() -> date:
    return utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()


def local_date(value: datetime) -> date:
    if value.tzinfo is None:  # SQLite hands back naive values; they are UTC by construction
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(get_settings().timezone)).date()


def half_year_start(day: date) -> date:
    """R5.1 counts contacts per half year: January–June and July–December."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def is_staff(user: User | None) -> bool:
    """The secretary and seated committee members: who may see contact details (R5.6)."""
    return user is not None and user.is_active and (user.is_secretary or user.seat is not None)


def require_staff(actor: User | None) -> User:
    if actor is None:
        raise NotAuthenticated()
    if not is_staff(actor):
        raise Forbidden("Only the secretary and committee members may see this.", rule="R5.6")
    return actor


def require_secretary(actor: User | None) -> User:
    if actor is None:
        raise NotAuthenticated()
    if not actor.is_secretary:
        raise Forbidden("Only the secretary may do this.")
    return actor


def acts_for_unit(actor: User, unit: MemberUnit) -> bool:
    """The secretary, or the unit's own part-time member."""
    return actor.is_secretary or (actor.seat == "part_time" and actor.unit_id == unit.id)


def require_for_unit(actor: User | None, unit: MemberUnit) -> User:
    if actor is None:
        raise NotAuthenticated()
    if not acts_for_unit(actor, unit):
        raise Forbidden("Only the secretary or this unit's part-time member may do this.")
    return actor


def text(value: Any, *, field: str, max_len: int, required: bool = True,
         multiline: bool = True) -> str:
    """Stripped text without control characters, within its length."""
    value = "" if value is None else str(value)
    value = value.replace("\r\n", "\n").strip()
    if not multiline:
        value = value.replace("\n", " ")
    if CONTROL.search(value):
        raise Invalid("This field contains characters that are not allowed.", field=field)
    if required and not value:
        raise Invalid("This field is required.", field=field)
    if len(value) > max_len:
        raise Invalid("At most {n} characters.", field=field, n=max_len)
    return value


def a_date(value: Any, *, field: str = "date", future_ok: bool = False) -> date:
    """A day between 2000 and today (records are of things that happened)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise Invalid("Enter a date as YYYY-MM-DD.", field=field) from None
    if not isinstance(value, date):
        raise Invalid("Enter a date as YYYY-MM-DD.", field=field)
    latest = date(local_today().year + 1, 12, 31) if future_ok else local_today()
    if not EARLIEST <= value <= latest:
        raise Invalid("The date must lie between {start} and {end}.", field=field,
                      start=EARLIEST.isoformat(), end=latest.isoformat())
    return value


def a_year(value: Any, *, field: str = "year") -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Invalid("Enter a year.", field=field) from None
    if not EARLIEST.year <= year <= local_today().year + 1:
        raise Invalid("The year must lie between {start} and {end}.", field=field,
                      start=EARLIEST.year, end=local_today().year + 1)
    return year


def one_of(value: Any, choices: Sequence[str], *, field: str) -> str:
    if value not in choices:
        raise Invalid("Choose one of the offered values.", field=field)
    return value


def get_unit(session: Session, *, community_id: int, unit_id: int) -> MemberUnit:
    unit = session.get(MemberUnit, unit_id)
    if unit is None or unit.community_id != community_id:
        raise NotFound("No such member unit.")
    return unit


def _own(session: Session, model, row_id: int, community_id: int, message: str):
    row = session.get(model, row_id)
    if row is None or row.community_id != community_id:
        raise NotFound(message)
    return row


def paginate(session: Session, stmt, *, limit: int, offset: int) -> tuple[list, int]:
    """One page of `stmt` and the total, counted up to TOTAL_CAP (CONTRACT: lists)."""
    rows = list(session.exec(stmt.limit(limit).offset(offset)).all())
    capped = stmt.order_by(None).limit(TOTAL_CAP + 1).subquery()
    total = session.exec(select(func.count()).select_from(capped)).one()
    return rows, total


def _record(session: Session, actor: User, action: str, entity: str, entity_id: int | None,
            **detail) -> None:
    audit.record(session, community_id=actor.community_id, actor_id=actor.id, action=action,
                 entity=entity, entity_id=entity_id, **detail)


# --- units ---------------------------------------------------------------------------------------

def list_units(session: Session, *, community_id: int, limit: int = 50,
               offset: int = 0) -> tuple[list[MemberUnit], int]:
    stmt = (select(MemberUnit).where(MemberUnit.community_id == community_id)
            .order_by(MemberUnit.name, MemberUnit.id))
    return paginate(session, stmt, limit=limit, offset=offset)


def part_time_members(session: Session, *, community_id: int) -> dict[int, list[User]]:
    """Each unit's seated part-time members (兼职委员), by unit id."""
    rows = session.exec(select(User).where(User.community_id == community_id,
                                           User.seat == "part_time", User.is_active,
                                           col(User.unit_id).is_not(None))
                        .order_by(User.id)).all()
    out: dict[int, list[User]] = {}
    for user in rows:
        out.setdefault(user.unit_id, []).append(user)
    return out


# --- contacts (R5.1) -----------------------------------------------------------------------------

def log_contact(session: Session, *, actor: User, unit_id: int, direction: str, held_on: Any,
                who: str, note: str = "", needs: Sequence[str] = ()) -> UnitContact:
    """Record a contact (报到 or 走访); the needs raised in it join the needs list (R5.1, R5.5)."""
    unit = get_unit(session, community_id=actor.community_id, unit_id=unit_id)
    # The community side (chair, full-time members) visits any unit; a part-time member speaks
    # for his own unit only.
    if not (actor.is_secretary or actor.seat in ("chair", "full_time")
            or acts_for_unit(actor, unit)):
        raise Forbidden("Only the secretary, the community's members or this unit's part-time "
                        "member may log a contact.")
    direction = one_of(direction, CONTACT_DIRECTIONS, field="direction")
    held_on = a_date(held_on)
    who = text(who, field="who", max_len=200, multiline=False)
    note = text(note, field="note", max_len=2000, required=False)
    titles = [text(n, field="needs", max_len=100, multiline=False) for n in needs
              if str(n or "").strip()]
    if len(titles) > MAX_NEEDS_PER_CONTACT:
        raise Invalid("At most {n} needs per contact.", field="needs", n=MAX_NEEDS_PER_CONTACT)
    contact = UnitContact(community_id=actor.community_id, unit_id=unit.id, direction=direction,
                          held_on=held_on, who=who, note=note, recorded_by_id=actor.id)
    session.add(contact)
    session.flush()
    for title in titles:
        session.add(UnitNeed(community_id=actor.community_id, title=title, source="unit",
                             unit_id=unit.id, contact_id=contact.id, created_by_id=actor.id))
    if direction == "report_in" and (unit.reported_on is None or held_on < unit.reported_on):
        unit.reported_on = held_on  # the first report-in is the unit's 报到 date
        session.add(unit)
    _record(session, actor, "unit.contact", "unit_contact", contact.id, unit_id=unit.id,
            direction=direction, needs=len(titles))
    return contact


def list_contacts(session: Session, *, actor: User | None, unit_id: int | None = None,
                  limit: int = 20, offset: int = 0) -> tuple[list[UnitContact], int]:
    actor = require_staff(actor)
    stmt = select(UnitContact).where(UnitContact.community_id == actor.community_id)
    if unit_id is not None:
        get_unit(session, community_id=actor.community_id, unit_id=unit_id)
        stmt = stmt.where(UnitContact.unit_id == unit_id)
    stmt = stmt.order_by(col(UnitContact.held_on).desc(), col(UnitContact.id).desc())
    return paginate(session, stmt, limit=limit, offset=offset)


# --- needs, resources, projects (R5.5) -----------------------------------------------------------

def add_need(session: Session, *, actor: User, title: str, detail: str = "",
             source: str = "committee", unit_id: int | None = None,
             suggestion_id: int | None = None) -> UnitNeed:
    """Put a need on the needs list (需求清单)."""
    require_staff(actor)
    source = one_of(source, NEED_SOURCES, field="source")
    need = UnitNeed(community_id=actor.community_id,
                    title=text(title, field="title", max_len=100, multiline=False),
                    detail=text(detail, field="detail", max_len=2000, required=False),
                    source=source, created_by_id=actor.id)
    if unit_id is not None:
        need.unit_id = get_unit(session, community_id=actor.community_id, unit_id=unit_id).id
    elif source == "unit":
        raise Invalid("Say which unit raised this need.", field="unit_id")
    if suggestion_id is not None:
        suggestion = session.get(Suggestion, suggestion_id)
        if suggestion is None or suggestion.community_id != actor.community_id:
            raise Invalid("No such suggestion.", field="suggestion_id")
        need.suggestion_id = suggestion.id
    session.add(need)
    session.flush()
    _record(session, actor, "unit.need", "unit_need", need.id, source=source)
    return need


def answer_need(session: Session, *, actor: User, need_id: int, answer: str) -> UnitNeed:
    """Answer a need raised (R5.1: the community learns the units' needs and responds)."""
    require_staff(actor)
    need = _own(session, UnitNeed, need_id, actor.community_id, "No such need.")
    need.answer = text(answer, field="answer", max_len=2000)
    need.answered_by_id = actor.id
    need.answered_on = local_today()
    if need.status == "open":
        need.status = "answered"
    session.add(need)
    _record(session, actor, "unit.need_answer", "unit_need", need.id)
    return need


def list_needs(session: Session, *, actor: User | None, status: str | None = None,
               unit_id: int | None = None, limit: int = 20,
               offset: int = 0) -> tuple[list[UnitNeed], int]:
    actor = require_staff(actor)
    stmt = select(UnitNeed).where(UnitNeed.community_id == actor.community_id)
    if status is not None:
        stmt = stmt.where(UnitNeed.status == one_of(status, NEED_STATUSES, field="status"))
    if unit_id is not None:
        stmt = stmt.where(UnitNeed.unit_id == unit_id)
    return paginate(session, stmt.order_by(col(UnitNeed.id).desc()), limit=limit, offset=offset)


def add_resource(session: Session, *, actor: User, unit_id: int, title: str, detail: str = "",
                 availability: str = "") -> UnitResource:
    """Put what a unit offers on the resources list (资源清单)."""
    unit = get_unit(session, community_id=actor.community_id, unit_id=unit_id)
    require_for_unit(actor, unit)
    resource = UnitResource(community_id=actor.community_id, unit_id=unit.id,
                            title=text(title, field="title", max_len=100, multiline=False),
                            detail=text(detail, field="detail", max_len=1000, required=False),
                            availability=text(availability, field="availability", max_len=100,
                                              required=False, multiline=False),
                            created_by_id=actor.id)
    session.add(resource)
    session.flush()
    _record(session, actor, "unit.resource", "unit_resource", resource.id, unit_id=unit.id)
    return resource


def list_resources(session: Session, *, actor: User | None, unit_id: int | None = None,
                   limit: int = 20, offset: int = 0) -> tuple[list[UnitResource], int]:
    actor = require_staff(actor)
    stmt = select(UnitResource).where(UnitResource.community_id == actor.community_id,
                                      UnitResource.active)
    if unit_id is not None:
        get_unit(session, community_id=actor.community_id, unit_id=unit_id)
        stmt = stmt.where(UnitResource.unit_id == unit_id)
    return paginate(session, stmt.order_by(UnitResource.unit_id, UnitResource.id), limit=limit,
                    offset=offset)


def _resource_for(session: Session, actor: User, resource_id: int | None,
                  unit_id: int) -> int | None:
    if resource_id is None:
        return None
    resource = session.get(UnitResource, resource_id)
    if resource is None or resource.community_id != actor.community_id \
            or resource.unit_id != unit_id:
        raise Invalid("That resource is not this unit's.", field="resource_id")
    return resource.id


def add_project(session: Session, *, actor: User, title: str, detail: str = "",
                need_id: int | None = None, unit_ids: Sequence[int] = (),
                started_on: Any = None) -> UnitProject:
    """Put a project on the projects list (项目清单), matching a need with units' resources."""
    require_secretary(actor)
    project = UnitProject(community_id=actor.community_id,
                          title=text(title, field="title", max_len=100, multiline=False),
                          detail=text(detail, field="detail", max_len=2000, required=False),
                          started_on=a_date(started_on or local_today(), field="started_on",
                                            future_ok=True),
                          created_by_id=actor.id)
    need = None
    if need_id is not None:
        need = session.get(UnitNeed, need_id)
        if need is None or need.community_id != actor.community_id:
            raise Invalid("No such need.", field="need_id")
        if need.status == "done":
            raise Conflict("This need has been met already.")
        project.need_id = need.id
    units = [get_unit(session, community_id=actor.community_id, unit_id=u)
             for u in dict.fromkeys(unit_ids)]
    session.add(project)
    session.flush()
    for unit in units:
        session.add(ProjectUnit(project_id=project.id, unit_id=unit.id))
    if need is not None:
        need.status = "matched"
        session.add(need)
    _record(session, actor, "unit.project", "unit_project", project.id, need_id=need_id,
            unit_ids=[u.id for u in units])
    return project


def take_on_project(session: Session, *, actor: User, project_id: int, unit_id: int,
                    resource_id: int | None = None) -> ProjectUnit:
    """A unit takes on (承接) a project, once, with the resource it brings."""
    project = _own(session, UnitProject, project_id, actor.community_id, "No such project.")
    unit = get_unit(session, community_id=actor.community_id, unit_id=unit_id)
    require_for_unit(actor, unit)
    if project.status == "done":
        raise Conflict("This project is completed already.")
    row = ProjectUnit(project_id=project.id, unit_id=unit.id,
                      resource_id=_resource_for(session, actor, resource_id, unit.id))
    if not insert_once(session, row):
        raise Conflict("This unit has taken on this project already.")
    _record(session, actor, "unit.take_on", "unit_project", project.id, unit_id=unit.id)
    return row


def set_project_status(session: Session, *, actor: User, project_id: int, status: str,
                       done_on: Any = None) -> UnitProject:
    """Move a project on. Completing it records a good deed for each unit that took it on
    (R5.5: a project taken on and completed counts as the unit's good deed, R5.2)."""
    require_secretary(actor)
    project = _own(session, UnitProject, project_id, actor.community_id, "No such project.")
    status = one_of(status, PROJECT_STATUSES, field="status")
    if project.status == "done":
        raise Conflict("This project is completed already.")
    if status == "done":
        takers = session.exec(select(ProjectUnit).where(ProjectUnit.project_id == project.id)
                              .order_by(ProjectUnit.id)).all()
        if not takers:
            raise Conflict("No unit has taken on this project yet.")
        project.done_on = a_date(done_on or local_today(), field="done_on")
        need = session.get(UnitNeed, project.need_id) if project.need_id else None
        for taker in takers:
            insert_once(session, UnitDeed(
                community_id=actor.community_id, unit_id=taker.unit_id, title=project.title,
                detail=project.detail, done_on=project.done_on,
                beneficiaries=need.title if need else "", project_id=project.id,
                recorded_by_id=actor.id))
        if need is not None:
            need.status = "done"
            session.add(need)
    project.status = status
    session.add(project)
    _record(session, actor, "unit.project_status", "unit_project", project.id, status=status)
    return project


def list_projects(session: Session, *, actor: User | None, status: str | None = None,
                  limit: int = 20, offset: int = 0) -> tuple[list[UnitProject], int]:
    actor = require_staff(actor)
    stmt = select(UnitProject).where(UnitProject.community_id == actor.community_id)
    if status is not None:
        stmt = stmt.where(UnitProject.status == one_of(status, PROJECT_STATUSES, field="status"))
    return paginate(session, stmt.order_by(col(UnitProject.id).desc()), limit=limit,
                    offset=offset)


def get_project(session: Session, *, community_id: int, project_id: int) -> UnitProject:
    return _own(session, UnitProject, project_id, community_id, "No such project.")


def project_units(session: Session, project_ids: Sequence[int]) -> dict[int, list[ProjectUnit]]:
    out: dict[int, list[ProjectUnit]] = {pid: [] for pid in project_ids}
    if project_ids:
        for row in session.exec(select(ProjectUnit).where(
                col(ProjectUnit.project_id).in_(list(project_ids))).order_by(ProjectUnit.id)):
            out[row.project_id].append(row)
    return out


# --- good deeds (R5.2) ---------------------------------------------------------------------------

def record_deed(session: Session, *, actor: User, unit_id: int, title: str, done_on: Any,
                beneficiaries: str = "", detail: str = "",
                uploads: Sequence[photos.Upload] = ()) -> UnitDeed:
    """Record a unit's good deed (实事好事), with up to three photos, checked before any row."""
    unit = get_unit(session, community_id=actor.community_id, unit_id=unit_id)
    require_for_unit(actor, unit)
    deed = UnitDeed(community_id=actor.community_id, unit_id=unit.id,
                    title=text(title, field="title", max_len=100, multiline=False),
                    detail=text(detail, field="detail", max_len=2000, required=False),
                    done_on=a_date(done_on),
                    beneficiaries=text(beneficiaries, field="beneficiaries", max_len=200,
                                       required=False, multiline=False),
                    recorded_by_id=actor.id)
    encoded = photos.prepare_photos(list(uploads))
    session.add(deed)
    session.flush()
    photos.store_photos(session, encoded, community_id=actor.community_id, uploader_id=actor.id,
                        deed_id=deed.id)
    _record(session, actor, "unit.deed", "unit_deed", deed.id, unit_id=unit.id,
            photos=len(encoded))
    return deed


def list_deeds(session: Session, *, community_id: int, unit_id: int | None = None,
               year: int | None = None, limit: int = 20,
               offset: int = 0) -> tuple[list[UnitDeed], int]:
    """Good deeds, newest first: public (R5.2: residents see who helps)."""
    stmt = select(UnitDeed).where(UnitDeed.community_id == community_id)
    if unit_id is not None:
        get_unit(session, community_id=community_id, unit_id=unit_id)
        stmt = stmt.where(UnitDeed.unit_id == unit_id)
    if year is not None:
        stmt = stmt.where(UnitDeed.done_on >= date(year, 1, 1),
                          UnitDeed.done_on <= date(year, 12, 31))
    stmt = stmt.order_by(col(UnitDeed.done_on).desc(), col(UnitDeed.id).desc())
    return paginate(session, stmt, limit=limit, offset=offset)


def get_deed(session: Session, *, community_id: int, deed_id: int) -> UnitDeed:
    return _own(session, UnitDeed, deed_id, community_id, "No such good deed.")


def deed_photos(session: Session, deed_ids: Sequence[int]) -> dict[int, list[Photo]]:
    out: dict[int, list[Photo]] = {d: [] for d in deed_ids}
    if deed_ids:
        for photo in session.exec(select(Photo).where(col(Photo.deed_id).in_(list(deed_ids)))
                                  .order_by(Photo.position, Photo.id)):
            out[photo.deed_id].append(photo)
    return out


def thanked_by(session: Session, user: User | None, deed_ids: Sequence[int]) -> set[int]:
    if user is None or not deed_ids:
        return set()
    return set(session.exec(select(DeedThanks.deed_id).where(
        DeedThanks.user_id == user.id, col(DeedThanks.deed_id).in_(list(deed_ids)))).all())


def thank_deed(session: Session, *, actor: User | None, deed_id: int) -> UnitDeed:
    """A resident thanks (点赞) a deed; once each, a repeat changes nothing."""
    if actor is None:
        raise NotAuthenticated()
    deed = get_deed(session, community_id=actor.community_id, deed_id=deed_id)
    if insert_once(session, DeedThanks(deed_id=deed.id, user_id=actor.id)):
        # Count in SQL so two thanks at once both land (no lost update).
        session.exec(UnitDeed.__table__.update().where(UnitDeed.__table__.c.id == deed.id)
                     .values(thanks=UnitDeed.__table__.c.thanks + 1))
        session.refresh(deed)
    return deed


def deed_years(session: Session, *, community_id: int, unit_id: int | None = None) -> list[int]:
    """The years with at least one deed, newest first (the year picker of the public pages)."""
    stmt = select(UnitDeed.done_on).where(UnitDeed.community_id == community_id)
    if unit_id is not None:
        stmt = stmt.where(UnitDeed.unit_id == unit_id)
    return sorted({d.year for d in session.exec(stmt).all()}, reverse=True)


def deed_counts(session: Session, *, community_id: int, year: int) -> dict[int, int]:
    """Good deeds per unit in `year`."""
    return dict(session.exec(select(UnitDeed.unit_id, func.count()).where(
        UnitDeed.community_id == community_id, UnitDeed.done_on >= date(year, 1, 1),
        UnitDeed.done_on <= date(year, 12, 31)).group_by(UnitDeed.unit_id)).all())


# --- annual reports (述职, R5.3) -----------------------------------------------------------------

@dataclass
class Attachment:
    data: bytes
    filename: str = ""


def attachment_kind(data: bytes) -> str:
    """What the bytes are, whatever the file is called: a Word document (.docx, a zip holding
    word/document.xml) or a PDF (%PDF- header and an %%EOF trailer); anything else is refused."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            names = set()
        if {"[Content_Types].xml", "word/document.xml"} <= names:
            return "docx"
    raise Invalid("Attach a Word document (.docx) or a PDF.", field="attachment")


def hand_in_report(session: Session, *, actor: User, member_id: int, year: Any, text_: str,
                   given_on: Any, attachment: Attachment | None = None,
                   unit_id: int | None = None) -> UnitReport:
    """A part-time member's yearly report (述职) to his unit and the committee; one per year.
    He hands in his own; the secretary may enter it for him."""
    if actor.id != member_id and not actor.is_secretary:
        raise Forbidden("Only the member himself or the secretary may hand in his report.")
    member = session.get(User, member_id)
    if member is None or member.community_id != actor.community_id:
        raise NotFound("No such person.")
    if member.seat != "part_time" or member.unit_id is None:
        raise Conflict("Annual reports are for part-time members with a member unit.",
                       rule="R5.3")
    if unit_id is not None and member.unit_id != unit_id:
        raise Invalid("This member does not sit for this unit.", field="member_id")
    report = UnitReport(community_id=actor.community_id, unit_id=member.unit_id,
                        member_id=member.id, year=a_year(year),
                        text=text(text_, field="text", max_len=20000),
                        given_on=a_date(given_on, field="given_on"), recorded_by_id=actor.id)
    if report.given_on.year < report.year:
        raise Invalid("A report on a year is given during or after that year.", field="given_on")
    path = None
    if attachment is not None and attachment.data:
        if len(attachment.data) > MAX_ATTACHMENT:
            raise TooLarge("The attachment may be at most {mb} MB.",
                           mb=MAX_ATTACHMENT // (1024 * 1024))
        kind = attachment_kind(attachment.data)
        folder = private_dir(get_settings().upload_dir)
        path = folder / f"{secrets.token_urlsafe(16)}.{kind}"
        report.attachment, report.attachment_kind = path.name, kind
        name = CONTROL.sub("", Path(attachment.filename or "").name)[:200]
        report.attachment_name = name or f"report.{kind}"
    if not insert_once(session, report):
        raise Conflict("This member's report for {year} is in already.", year=report.year)
    if path is not None:
        photos._forget_on_rollback(session, path)  # same no-orphans rule as photos
        write_private(path, attachment.data)
    _record(session, actor, "unit.report", "unit_report", report.id, member_id=member.id,
            year=report.year)
    return report


def list_reports(session: Session, *, actor: User | None, year: int | None = None,
                 unit_id: int | None = None, limit: int = 20,
                 offset: int = 0) -> tuple[list[UnitReport], int]:
    actor = require_staff(actor)
    stmt = select(UnitReport).where(UnitReport.community_id == actor.community_id)
    if year is not None:
        stmt = stmt.where(UnitReport.year == year)
    if unit_id is not None:
        get_unit(session, community_id=actor.community_id, unit_id=unit_id)
        stmt = stmt.where(UnitReport.unit_id == unit_id)
    return paginate(session, stmt.order_by(col(UnitReport.year).desc(), UnitReport.id),
                    limit=limit, offset=offset)


def missing_reports(session: Session, *, community_id: int, year: int) -> list[User]:
    """Seated part-time members with a unit and no report for `year` (R5.3)."""
    done = set(session.exec(select(UnitReport.member_id).where(
        UnitReport.community_id == community_id, UnitReport.year == year)).all())
    members = [m for ms in part_time_members(session, community_id=community_id).values()
               for m in ms]
    return sorted((m for m in members if m.id not in done), key=lambda m: m.id)


def report_file(session: Session, *, actor: User | None, report_id: int) -> tuple[Path, str,
                                                                                    str]:
    """The attachment of a report: its path, media type and download name."""
    if actor is None:
        raise NotAuthenticated()
    report = _own(session, UnitReport, report_id, actor.community_id, "No such report.")
    if actor.id != report.member_id:
        require_staff(actor)
    if not report.attachment or not ATTACHMENT_RE.fullmatch(report.attachment):
        raise NotFound("This report has no attachment.")
    folder = get_settings().upload_dir.resolve()
    path = (folder / report.attachment).resolve()
    if path.parent != folder or not path.is_file():
        raise NotFound("This report has no attachment.")
    media = ("application/pdf" if report.attachment_kind == "pdf" else
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return path, media, report.attachment_name


# --- reminder talks (提醒谈话, R5.3) ------------------------------------------------------------

def record_reminder(session: Session, *, actor: User, unit_id: int, held_on: Any, who: str,
                    reason: str, outcome: str = "", held_by: str = "committee") -> UnitReminder:
    """Record a reminder talk with the head of a unit's party organisation that falls short."""
    require_secretary(actor)
    unit = get_unit(session, community_id=actor.community_id, unit_id=unit_id)
    reminder = UnitReminder(community_id=actor.community_id, unit_id=unit.id,
                            held_on=a_date(held_on),
                            held_by=one_of(held_by, REMINDER_BY, field="held_by"),
                            who=text(who, field="who", max_len=200, multiline=False),
                            reason=text(reason, field="reason", max_len=1000),
                            outcome=text(outcome, field="outcome", max_len=2000, required=False),
                            recorded_by_id=actor.id)
    session.add(reminder)
    session.flush()
    _record(session, actor, "unit.reminder", "unit_reminder", reminder.id, unit_id=unit.id)
    return reminder


def list_reminders(session: Session, *, actor: User | None, unit_id: int | None = None,
                   limit: int = 20, offset: int = 0) -> tuple[list[UnitReminder], int]:
    actor = require_staff(actor)
    stmt = select(UnitReminder).where(UnitReminder.community_id == actor.community_id)
    if unit_id is not None:
        get_unit(session, community_id=actor.community_id, unit_id=unit_id)
        stmt = stmt.where(UnitReminder.unit_id == unit_id)
    stmt = stmt.order_by(col(UnitReminder.held_on).desc(), col(UnitReminder.id).desc())
    return paginate(session, stmt, limit=limit, offset=offset)


# --- names for display ---------------------------------------------------------------------------

def unit_names(session: Session, *, community_id: int) -> dict[int, str]:
    return dict(session.exec(select(MemberUnit.id, MemberUnit.name).where(
        MemberUnit.community_id == community_id)).all())


def user_names(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = [i for i in set(ids) if i is not None]
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.name).where(col(User.id).in_(wanted))).all())


@dataclass
class UnitYear:
    """What one unit did with the committee over a period: for the board and the report."""

    unit: MemberUnit
    contacts: list[UnitContact] = field(default_factory=list)
    deeds: list[UnitDeed] = field(default_factory=list)
    projects: list[UnitProject] = field(default_factory=list)
    reminders: list[UnitReminder] = field(default_factory=list)
