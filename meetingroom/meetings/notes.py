"""What the minutes say beyond the votes, recorded by the secretary during or after the meeting:
the meeting's reason or remark on an item (why it was not adopted, a condition), what each
observer said (R6.2: observers speak fully, never vote), and why a seated member was absent.

Residents following a matter read an item's note on its page (R4.2: a matter not adopted shows
why); the minutes print all three."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from meetingroom import audit
from meetingroom.auth.service import require_secretary
from meetingroom.errors import Conflict, Invalid
from meetingroom.meetings import minutes
from meetingroom.models import Absence, AgendaItem, Attendance, Meeting, Observer, Proposal, User
from meetingroom.types import clean_text

ITEM_NOTE_MAX = 500
REMARKS_MAX = 1000
REASON_MAX = 200


@dataclass
class NotesForm:
    """What the notes page shows: the items, the observers and the absent seated members."""

    meeting: Meeting
    items: list[tuple[AgendaItem, str]]  # (item, its proposal's title)
    observers: list[Observer]
    absent: list[tuple[User, str]]  # (member, recorded reason)


def _meeting(session: Session, actor: User, meeting_id: int) -> Meeting:
    meeting = minutes.get_meeting(session, community_id=actor.community_id,
                                  meeting_id=meeting_id)
    if meeting.status == "scheduled":
        raise Conflict("Remarks and reasons are recorded once the meeting has opened.")
    return meeting


def _absent(session: Session, meeting: Meeting) -> list[User]:
    opened = meeting.opened_at or meeting.starts_at
    seated = minutes.seated_when_opened(session, meeting, opened)
    present = set(session.exec(select(col(Attendance.user_id))
                               .where(col(Attendance.meeting_id) == meeting.id)).all())
    return [u for _seat, u in seated if u.id not in present]


def notes_form(session: Session, *, actor: User | None, meeting_id: int) -> NotesForm:
    """The secretary's page of remarks and reasons for one meeting."""
    actor = require_secretary(actor)
    meeting = _meeting(session, actor, meeting_id)
    items = [(item, title) for item, title in session.exec(
        select(AgendaItem, col(Proposal.title))
        .join(Proposal, col(Proposal.id) == col(AgendaItem.proposal_id))
        .where(col(AgendaItem.meeting_id) == meeting.id)
        .order_by(col(AgendaItem.position), col(AgendaItem.id))).all()]
    observers = list(session.exec(select(Observer).where(col(Observer.meeting_id) == meeting.id)
                                  .order_by(col(Observer.id))).all())
    reasons = dict(session.exec(select(col(Absence.user_id), col(Absence.reason))
                                .where(col(Absence.meeting_id) == meeting.id)).all())
    absent = [(u, reasons.get(u.id or 0, "")) for u in _absent(session, meeting)]
    return NotesForm(meeting=meeting, items=items, observers=observers, absent=absent)


def _clean(value: str, *, field: str, limit: int) -> str:
    text = clean_text(value or "").strip()
    if len(text) > limit:
        raise Invalid("At most {n} characters.", field=field, n=limit)
    return text


def record_notes(session: Session, *, actor: User | None, meeting_id: int,
                 item_notes: dict[int, str], observer_remarks: dict[int, str],
                 absences: dict[int, str]) -> Meeting:
    """The secretary records items' notes, observers' remarks and absence reasons; ids that
    are not this meeting's are refused, and nothing is written unless all of it is valid."""
    actor = require_secretary(actor)
    meeting = _meeting(session, actor, meeting_id)
    items = {i.id: i for i in session.exec(select(AgendaItem)
                                           .where(col(AgendaItem.meeting_id) == meeting.id)).all()}
    observers = {o.id: o for o in session.exec(
        select(Observer).where(col(Observer.meeting_id) == meeting.id)).all()}
    absent_ids = {u.id for u in _absent(session, meeting)}
    if set(item_notes) - set(items) or set(observer_remarks) - set(observers) \
            or set(absences) - absent_ids:
        raise Invalid("Only this meeting's items, observers and absent members can be noted.")
    notes = {k: _clean(v, field=f"item-{k}", limit=ITEM_NOTE_MAX) for k, v in item_notes.items()}
    remarks = {k: _clean(v, field=f"observer-{k}", limit=REMARKS_MAX)
               for k, v in observer_remarks.items()}
    reasons = {k: _clean(v, field=f"absent-{k}", limit=REASON_MAX) for k, v in absences.items()}
    changed: dict[str, list[int]] = {"items": [], "observers": [], "absences": []}
    for item_id, note in notes.items():
        item = items[item_id]
        if item.note != note:
            item.note = note
            session.add(item)
            changed["items"].append(item_id)
    for observer_id, text in remarks.items():
        observer = observers[observer_id]
        if observer.remarks != text:
            observer.remarks = text
            session.add(observer)
            changed["observers"].append(observer_id)
    for user_id, reason in reasons.items():
        session.exec(delete(Absence).where(col(Absence.meeting_id) == meeting.id,  # type: ignore[arg-type]
                                           col(Absence.user_id) == user_id))  # type: ignore[arg-type]
        if reason:
            session.add(Absence(meeting_id=meeting.id or 0, user_id=user_id, reason=reason))
        changed["absences"].append(user_id)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="meeting.notes", entity="meeting", entity_id=meeting.id, **changed)
    return meeting
