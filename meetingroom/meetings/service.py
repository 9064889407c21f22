"""Step 3 (大党委会议决议): meetings, agenda, attendance against the quorum, votes (R6, R7).

Every change to a meeting follows one pattern:

1. lock the meeting row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's writing transactions
   are serialised by `BEGIN IMMEDIATE`), so changes of one meeting happen one at a time;
2. check, in that locked state, that the change is allowed (rules.py decides);
3. write, bump `Meeting.seq` with one atomic `UPDATE … SET seq = seq + 1 RETURNING seq`, add
   the hash-chain entry and the audit row;
4. build the live event from the new state (state.py) and publish it after commit.

A refused change raises before anything is written, so the session dependency rolls back and
`seq` never moves without an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from meetingroom import audit, tracking, types
from meetingroom.auth.service import require_secretary
from meetingroom.db import insert_once
from meetingroom.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotAuthenticated,
    NotFound,
)
from meetingroom.i18n import get_locale
from meetingroom.meetings import chain, live, rules, state
from meetingroom.models import (
    AgendaItem,
    Attendance,
    AuditLog,
    Ballot,
    Community,
    Meeting,
    Observer,
    Proposal,
    Resolution,
    User,
    VoteCast,
    table_of,
    utcnow,
)
from meetingroom.pagination import Order, Page, paginate
from meetingroom.settings import LOCALES, get_settings

KINDS = ("work", "joint")
CHOICES = ("agree", "oppose", "abstain")


# ---------------------------------------------------------------------------------- reading


def get_meeting(session: Session, *, community_id: int, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.community_id != community_id:
        raise NotFound("No such meeting.")
    return meeting


def get_item(session: Session, *, community_id: int, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None or item.community_id != community_id:
        raise NotFound("No such agenda item.")
    return item


def meeting_version(session: Session, *, community_id: int,
                    meeting_id: int) -> tuple[int, datetime] | None:
    """The meeting's (seq, created_at), one indexed row; None if it is not this community's.
    seq moves with every change the live feed reports; created_at tells apart two meetings
    that had the same id (a database restored or recreated under a running worker)."""
    row = session.exec(select(col(Meeting.seq), col(Meeting.created_at)).where(
        col(Meeting.id) == meeting_id, col(Meeting.community_id) == community_id)).first()
    return None if row is None else (row[0], row[1])


def meeting_state(session: Session, *, community_id: int, meeting_id: int) -> state.MeetingState:
    """The meeting as every screen shows it (state.meeting_data builds the API object)."""
    get_meeting(session, community_id=community_id, meeting_id=meeting_id)
    return state.load(session, meeting_id)


MEETINGS_NEWEST = Order("newest", col(Meeting.starts_at).desc(), col(Meeting.id).desc())


def list_meetings(session: Session, *, community_id: int, limit: int = 20, offset: int = 0,
                  status: str | None = None, cursor: str | None = None) -> Page[Meeting]:
    """Meetings, newest first (upcoming ones included), paginated."""
    stmt = select(Meeting).where(Meeting.community_id == community_id)
    if status:
        stmt = stmt.where(Meeting.status == status)
    return paginate(session, stmt, MEETINGS_NEWEST, limit=limit, offset=offset, cursor=cursor)


def upcoming_meetings(session: Session, *, community_id: int, limit: int = 10) -> list[Meeting]:
    """Meetings not yet closed, soonest first: what members look for."""
    return list(session.exec(select(Meeting).where(
        Meeting.community_id == community_id, Meeting.status != "closed")
        .order_by(col(Meeting.starts_at), col(Meeting.id)).limit(limit)).all())


def open_proposals(session: Session, *, community_id: int) -> list[Proposal]:
    """Proposals waiting for an agenda (status open), oldest first."""
    return list(session.exec(select(Proposal).where(
        Proposal.community_id == community_id, Proposal.status == "open")
        .order_by(col(Proposal.created_at), col(Proposal.id))).all())


@dataclass
class MyVotes:
    """What one member did in a meeting: his choice on open ballots, `None` on secret ones
    (the choice is not stored anywhere, R7.6)."""

    choices: dict[int, str | None]


def my_votes(session: Session, *, meeting_id: int, user_id: int) -> MyVotes:
    item_ids = select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)
    voted = session.exec(select(VoteCast.item_id).where(
        VoteCast.voter_id == user_id, col(VoteCast.item_id).in_(item_ids))).all()
    named = dict(session.exec(select(Ballot.item_id, Ballot.choice).where(
        Ballot.voter_id == user_id, col(Ballot.item_id).in_(item_ids))).all())
    return MyVotes({item_id: named.get(item_id) for item_id in voted})


# ------------------------------------------------------------------------- shared internals


def _lock(session: Session, actor: User, meeting_id: int) -> Meeting:
    """Lock the meeting row for this change and return it fresh (see the module docstring)."""
    meeting = session.exec(select(Meeting).where(Meeting.id == meeting_id).with_for_update()
                           .execution_options(populate_existing=True)).first()
    if meeting is None or meeting.community_id != actor.community_id:
        raise NotFound("No such meeting.")
    return meeting


def _lock_item(session: Session, actor: User, item_id: int) -> tuple[Meeting, AgendaItem]:
    item = get_item(session, community_id=actor.community_id, item_id=item_id)
    meeting = _lock(session, actor, item.meeting_id)
    session.refresh(item)
    return meeting, item


_BUMP = (sa.update(table_of(Meeting)).where(table_of(Meeting).c.id == sa.bindparam("meeting_id"))
         .values(seq=table_of(Meeting).c.seq + 1).returning(table_of(Meeting).c.seq))


def _bump(session: Session, meeting: Meeting) -> int:
    """The meeting's next seq, assigned in this transaction (CONTRACT live feed)."""
    seq: int = session.exec(_BUMP, params={"meeting_id": meeting.id}).scalar_one()
    set_committed_value(meeting, "seq", seq)
    return seq


def _emit(session: Session, meeting: Meeting, seq: int, kind: str, *, item_id: int | None = None,
          meeting_too: bool = True, tallies: bool = False) -> None:
    """Build the event from the state as this transaction leaves it; publish after commit."""
    session.flush()
    st = state.load(session, meeting.id)
    locales: dict[str, live.LocaleBody] = {}
    for locale in LOCALES:
        body: live.LocaleBody = {}
        if meeting_too:
            body["meeting"] = state.meeting_data(st, locale)
        if item_id is not None:
            body["tally"] = state.tally_data(st, item_id, locale)
        if tallies:
            body["tallies"] = state.tallies_data(st, locale)
        locales[locale] = body
    event: live.LiveEvent = {"type": kind, "seq": seq, "meeting_id": meeting.id,
                             "locales": locales}
    live.publish_after_commit(session, meeting.id, event)


def _record(session: Session, actor: User, action: str, entity: str, entity_id: int | None,
            **detail: object) -> None:
    audit.record(session, community_id=actor.community_id, actor_id=actor.id, action=action,
                 entity=entity, entity_id=entity_id, **detail)


def _present_ids(session: Session, meeting: Meeting) -> set[int]:
    """P's members: those checked in now among the members who count (R7.1). Once the meeting
    is open that is `meeting.seated_member_ids`, frozen with S: a member seated later attends
    without a vote in this meeting, so he counts in neither S nor P (issue 9 §4). Before it
    opens, every member seated now counts."""
    frozen = meeting.seated_member_ids
    if frozen is not None:
        return set(session.exec(select(Attendance.user_id).where(
            Attendance.meeting_id == meeting.id, Attendance.present,
            col(Attendance.user_id).in_(frozen or [-1]))).all())
    return set(session.exec(select(Attendance.user_id)
                            .join(User, col(User.id) == col(Attendance.user_id))
                            .where(Attendance.meeting_id == meeting.id, Attendance.present,
                                   col(User.seat).is_not(None), User.is_active)).all())


def counts_in(meeting: Meeting, user_id: int) -> bool:
    """Does this member count towards S and P (and vote) in this meeting? Everyone seated
    before it opens; once open, only those seated when it opened (R7.1, R7.5)."""
    frozen = meeting.seated_member_ids
    return frozen is None or user_id in frozen


def _seated_now(session: Session, community_id: int) -> int:
    from meetingroom.community.service import seated_count

    return seated_count(session, community_id)


def _seated_ids_now(session: Session, community_id: int) -> list[int]:
    """The seated members now (the same people `seated_count` counts), by id."""
    return sorted(session.exec(select(User.id).where(
        User.community_id == community_id, col(User.seat).is_not(None), User.is_active)).all())


def _seated(session: Session, meeting: Meeting) -> int:
    """S: frozen when the meeting opened; the live count before."""
    if meeting.seated_at_open is not None:
        return meeting.seated_at_open
    return _seated_now(session, meeting.community_id)


def _items(session: Session, meeting: Meeting) -> list[AgendaItem]:
    return list(session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                             .order_by(col(AgendaItem.position), col(AgendaItem.id))
                             .execution_options(populate_existing=True)).all())


def _open_item(session: Session, meeting: Meeting) -> AgendaItem | None:
    return next((i for i in _items(session, meeting) if i.vote_status == "open"), None)


def _adoption(session: Session, meeting: Meeting) -> tuple[rules.AdoptionRule,
                                                          rules.AdoptionBase]:
    """The R7.4 settings in force for this meeting: frozen when it opened, the community's
    settings before that (and for meetings opened before the freeze existed)."""
    if meeting.adoption_rule is not None and meeting.adoption_base is not None:
        return rules.AdoptionRule(meeting.adoption_rule), rules.AdoptionBase(meeting.adoption_base)
    community = session.get_one(Community, meeting.community_id)
    return rules.AdoptionRule(community.adoption_rule), rules.AdoptionBase(community.adoption_base)


def _quorum_conflict(seated: int, present: int, *, opening: bool) -> Conflict:
    rule_text = rules.quorum_sentence(seated, present, get_locale())
    if opening:
        return Conflict("A work meeting cannot open below quorum. {rule_text}", rule="R7.1",
                        rule_text=rule_text)
    return Conflict("No new vote can open until the quorum is back. {rule_text}", rule="R7.1",
                    rule_text=rule_text)


def _proposals_for_agenda(session: Session, actor: User, proposal_ids: list[int], *,
                          urgent_only: bool = False) -> list[Proposal]:
    seen: set[int] = set()
    proposals: list[Proposal] = []
    for pid in proposal_ids:
        if pid in seen:
            continue
        seen.add(pid)
        proposal = session.get(Proposal, pid)
        if proposal is None or proposal.community_id != actor.community_id:
            raise Invalid("Proposal {id} does not exist.", field="proposal_ids", id=pid)
        if proposal.status != "open":
            raise Invalid("Proposal “{title}” is not waiting for an agenda.",
                          field="proposal_ids", title=proposal.title)
        if urgent_only and proposal.principle != "urgent":
            raise Conflict("Only an urgent proposal can join a meeting that is already open.",
                           rule="R4.3")
        proposals.append(proposal)
    return proposals


def _require_scheduled(meeting: Meeting) -> None:
    if meeting.status != "scheduled":
        raise Conflict("The agenda can only be changed before the meeting opens.")


# ------------------------------------------------------------------------------ scheduling


def _check_meeting_fields(kind: str, title: str, starts_at: datetime,
                          location: str) -> tuple[str, str]:
    if kind not in KINDS:
        raise Invalid("Choose a work meeting or a joint meeting.", field="kind")
    title = (title or "").strip()
    if not title:
        raise Invalid("Enter a title.", field="title")
    if len(title) > 100:
        raise Invalid("The title may have at most {n} characters.", field="title", n=100)
    if starts_at.tzinfo is None:
        raise Invalid("Enter the date and time with a time zone.", field="starts_at")
    if not types.in_window(starts_at):  # year 9999 once made every meetings page a 500
        raise Invalid("Enter a date between {first} and {last}.", field="starts_at",
                      first=types.FIRST_YEAR, last=types.LAST_YEAR)
    location = (location or "").strip()
    if len(location) > 100:
        raise Invalid("The place may have at most {n} characters.", field="location", n=100)
    return title, location


def schedule_meeting(session: Session, *, actor: User, kind: str, title: str,
                     starts_at: datetime, location: str = "",
                     proposal_ids: list[int] | None = None) -> Meeting:
    """The secretary schedules a work or joint meeting (R6) with an agenda of open proposals."""
    require_secretary(actor)
    title, location = _check_meeting_fields(kind, title, starts_at, location)
    proposals = _proposals_for_agenda(session, actor, proposal_ids or [])
    meeting = Meeting(community_id=actor.community_id, kind=kind, title=title,
                      starts_at=starts_at.astimezone(UTC), location=location,
                      created_by_id=actor.id)
    session.add(meeting)
    session.flush()
    for position, proposal in enumerate(proposals, start=1):
        session.add(AgendaItem(community_id=actor.community_id, meeting_id=meeting.id,
                               proposal_id=proposal.id, position=position))
        proposal.status = "on_agenda"
        session.add(proposal)
    session.flush()
    _record(session, actor, "meeting.schedule", "meeting", meeting.id, kind=kind, title=title,
            starts_at=starts_at.isoformat(), proposal_ids=[p.id for p in proposals])
    tracking.put_on_agenda(session, meeting, proposals)  # R4.2
    return meeting


def add_agenda_item(session: Session, *, actor: User, meeting_id: int,
                    proposal_id: int) -> AgendaItem:
    """The secretary adds an open proposal to the agenda: before the meeting opens, or, for an
    urgent proposal (R4.3 急事共商), while it is open."""
    require_secretary(actor)
    meeting = _lock(session, actor, meeting_id)
    if meeting.status == "closed":
        raise Conflict("The meeting is closed.")
    [proposal] = _proposals_for_agenda(session, actor, [proposal_id],
                                       urgent_only=meeting.status == "open")
    last = session.exec(select(func.max(AgendaItem.position))
                        .where(AgendaItem.meeting_id == meeting.id)).one() or 0
    item = AgendaItem(community_id=actor.community_id, meeting_id=meeting.id,
                      proposal_id=proposal.id, position=last + 1)
    if not insert_once(session, item):
        raise Conflict("This proposal is already on the agenda.")
    proposal.status = "on_agenda"
    session.add(proposal)
    seq = _bump(session, meeting)
    _record(session, actor, "agenda.add", "agenda_item", item.id, meeting_id=meeting.id,
            proposal_id=proposal.id)
    tracking.put_on_agenda(session, meeting, [proposal])  # R4.2
    _emit(session, meeting, seq, "meeting", tallies=True)
    return item


def remove_agenda_item(session: Session, *, actor: User, meeting_id: int, item_id: int) -> None:
    """The secretary takes an item off the agenda before the meeting opens; its proposal
    waits for another agenda."""
    require_secretary(actor)
    meeting = _lock(session, actor, meeting_id)
    _require_scheduled(meeting)
    item = session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise NotFound("No such agenda item.")
    proposal = session.get_one(Proposal, item.proposal_id)
    proposal.status = "open"
    session.add(proposal)
    session.delete(item)
    session.flush()
    for position, other in enumerate(_items(session, meeting), start=1):
        other.position = position
        session.add(other)
    seq = _bump(session, meeting)
    _record(session, actor, "agenda.remove", "agenda_item", item_id, meeting_id=meeting.id,
            proposal_id=proposal.id)
    _emit(session, meeting, seq, "meeting", tallies=True)


def reorder_agenda(session: Session, *, actor: User, meeting_id: int,
                   item_ids: list[int]) -> None:
    """The secretary puts the agenda in a new order (every item exactly once)."""
    require_secretary(actor)
    meeting = _lock(session, actor, meeting_id)
    _require_scheduled(meeting)
    items = {i.id: i for i in _items(session, meeting)}
    if sorted(item_ids) != sorted(items):
        raise Invalid("List every agenda item exactly once.", field="item_ids")
    for position, item_id in enumerate(item_ids, start=1):
        items[item_id].position = position
        session.add(items[item_id])
    seq = _bump(session, meeting)
    _record(session, actor, "agenda.reorder", "meeting", meeting.id, item_ids=item_ids)
    _emit(session, meeting, seq, "meeting", tallies=True)


def move_agenda_item(session: Session, *, actor: User, meeting_id: int, item_id: int,
                     offset: int) -> None:
    """One step up (-1) or down (+1): the page's form of `reorder_agenda`."""
    ids = [i.id for i in _items(session, get_meeting(
        session, community_id=actor.community_id, meeting_id=meeting_id))]
    if item_id not in ids:
        raise NotFound("No such agenda item.")
    at = ids.index(item_id)
    to = min(max(at + offset, 0), len(ids) - 1)
    ids.insert(to, ids.pop(at))
    reorder_agenda(session, actor=actor, meeting_id=meeting_id, item_ids=ids)


# ------------------------------------------------------------------------- opening, closing


@dataclass
class Opened:
    meeting: Meeting
    warning: str | None  # "R7.2" when a joint meeting opened without two thirds present


def open_meeting(session: Session, *, actor: User, meeting_id: int) -> Opened:
    """The secretary opens the meeting: a work meeting needs P ≥ ⅔S (R7.1); a joint meeting
    opens anyway, with a warning (R7.2). S is frozen now (R7)."""
    require_secretary(actor)
    meeting = _lock(session, actor, meeting_id)
    if meeting.status != "scheduled":
        raise Conflict("The meeting is already open or closed.")
    seated_ids = _seated_ids_now(session, meeting.community_id)
    seated = len(seated_ids)
    present = len(_present_ids(session, meeting))
    allowed, rule = rules.may_open_meeting(rules.MeetingKind(meeting.kind), seated, present)
    if not allowed:
        raise _quorum_conflict(seated, present, opening=True)
    meeting.status = "open"
    meeting.seated_at_open = seated
    meeting.seated_member_ids = seated_ids  # who S is: P counts only them (R7.1)
    # R7.4 frozen like S: changing the community's settings mid-meeting changes nothing here.
    rule_in_force, base_in_force = _adoption(session, meeting)
    meeting.adoption_rule, meeting.adoption_base = rule_in_force.value, base_in_force.value
    meeting.opened_at = utcnow()
    session.add(meeting)
    seq = _bump(session, meeting)
    _record(session, actor, "meeting.open", "meeting", meeting.id, seated=seated,
            present=present, warning=rule, adoption_rule=meeting.adoption_rule,
            adoption_base=meeting.adoption_base)
    _emit(session, meeting, seq, "meeting", tallies=True)
    return Opened(meeting, rule)


def close_meeting(session: Session, *, actor: User, meeting_id: int) -> Meeting:
    """The secretary closes the meeting (never while a vote is open). Items never voted on
    stay in the record as not voted; their proposals wait for another agenda."""
    require_secretary(actor)
    meeting = _lock(session, actor, meeting_id)
    if meeting.status != "open":
        raise Conflict("Only an open meeting can be closed.")
    items = _items(session, meeting)
    if any(i.vote_status == "open" for i in items):
        raise Conflict("A vote is still open. Close the vote before closing the meeting.")
    for item in items:
        if item.vote_status == "pending":
            proposal = session.get_one(Proposal, item.proposal_id)
            proposal.status = "open"
            session.add(proposal)
    meeting.status = "closed"
    meeting.closed_at = utcnow()
    session.add(meeting)
    seq = _bump(session, meeting)
    _record(session, actor, "meeting.close", "meeting", meeting.id)
    tracking.decided(session, meeting, items)  # R4.2: with a link to the minutes
    _emit(session, meeting, seq, "meeting", tallies=True)
    return meeting


def convene_meeting(session: Session, *, actor: User, proposal_id: int, kind: str = "work",
                    title: str = "", location: str = "") -> Meeting:
    """R4.3 急事共商: an urgent proposal goes to a meeting called at once — scheduled for now
    and opened straight away where the rules allow (a joint meeting always; a work meeting when
    two thirds have checked in, which for a meeting just called is usually not yet: the
    console then opens it as members arrive)."""
    require_secretary(actor)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.community_id != actor.community_id:
        raise NotFound("No such proposal.")
    if proposal.principle != "urgent":
        raise Conflict("Only an urgent proposal can be put to a meeting called at once.",
                       rule="R4.3")
    meeting = schedule_meeting(session, actor=actor, kind=kind,
                               title=(title or "").strip() or proposal.title[:100],
                               starts_at=utcnow(), location=location, proposal_ids=[proposal_id])
    seated = _seated_now(session, meeting.community_id)
    allowed, _ = rules.may_open_meeting(rules.MeetingKind(kind), seated, 0)
    if allowed:
        open_meeting(session, actor=actor, meeting_id=meeting.id)
    return meeting


# ------------------------------------------------------------------------------ attendance


def check_in(session: Session, *, actor: User, meeting_id: int,
             user_id: int | None = None) -> Meeting:
    """A seated member checks himself in, or the secretary marks one present (R7)."""
    meeting = _lock(session, actor, meeting_id)
    person = _attendee(session, actor, user_id)
    if meeting.status == "closed":
        raise Conflict("The meeting is closed.")
    row = session.exec(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                Attendance.user_id == person.id)).first()
    if row is not None and row.present:
        return meeting  # already here: nothing changes, no event
    now = utcnow()
    open_item = _open_item(session, meeting)
    if open_item is not None and counts_in(meeting, person.id) \
            and not _counted_for(row, open_item):
        # P for an item is every seated member present at some moment while its vote is open:
        # he may vote (R7.5), so he counts towards the base (R7.2–R7.4) like everyone else.
        session.exec(sa.update(AgendaItem).where(col(AgendaItem.id) == open_item.id)
                     .values(present_at_open=col(AgendaItem.present_at_open) + 1)
                     .execution_options(synchronize_session=False))
    if row is None:
        row = Attendance(meeting_id=meeting.id, user_id=person.id, checked_in_at=now,
                         marked_by_id=actor.id if actor.id != person.id else None)
    else:
        row.present, row.checked_in_at, row.left_at = True, now, None
        row.marked_by_id = actor.id if actor.id != person.id else None
    session.add(row)
    session.flush()
    seq = _bump(session, meeting)
    _record(session, actor, "attendance.check_in", "meeting", meeting.id, user_id=person.id)
    _emit(session, meeting, seq, "attendance", tallies=True)
    return meeting


def _counted_for(row: Attendance | None, item: AgendaItem) -> bool:
    """Was this member already counted in the item's P? Yes if he was present at some moment
    since its vote opened, i.e. he left after it opened (he is not present now)."""
    if row is None or row.left_at is None or item.opened_at is None:
        return False
    return state.aware(row.left_at) > state.aware(item.opened_at)


def leave(session: Session, *, actor: User, meeting_id: int,
          user_id: int | None = None) -> Meeting:
    """A member leaves the meeting, or the secretary marks him absent. He stays counted in the
    P of a vote open now (his silence is not agreement), but cannot vote until he is back."""
    meeting = _lock(session, actor, meeting_id)
    person = _attendee(session, actor, user_id, leaving=True)
    if meeting.status == "closed":
        raise Conflict("The meeting is closed.")
    row = session.exec(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                Attendance.user_id == person.id)).first()
    if row is None or not row.present:
        return meeting
    row.present, row.left_at = False, utcnow()
    session.add(row)
    seq = _bump(session, meeting)
    _record(session, actor, "attendance.leave", "meeting", meeting.id, user_id=person.id)
    _emit(session, meeting, seq, "attendance", tallies=True)
    return meeting


def _attendee(session: Session, actor: User, user_id: int | None, leaving: bool = False) -> User:
    if user_id is None or user_id == actor.id:
        if actor.seat is None and not leaving:
            raise Forbidden("Only seated committee members check in; observers are recorded "
                            "by the secretary.", rule="R7.5")
        return actor
    require_secretary(actor)
    person = session.get(User, user_id)
    if person is None or person.community_id != actor.community_id:
        raise NotFound("No such person.")
    if person.seat is None and not leaving:
        raise Invalid("{name} holds no committee seat; only seated members count towards the "
                      "quorum.", field="user_id", rule="R7.5", name=person.name)
    return person


def add_observer(session: Session, *, actor: User, meeting_id: int, name: str,
                 role: str) -> Observer:
    """The secretary records an observer (列席) at a joint meeting; observers never vote
    (R6.2), and a work meeting has none (R6.1)."""
    require_secretary(actor)
    meeting = _lock(session, actor, meeting_id)
    name, role = (name or "").strip(), (role or "").strip()
    if not name:
        raise Invalid("Enter the observer's name.", field="name")
    if len(name) > 50:
        raise Invalid("The name may have at most {n} characters.", field="name", n=50)
    if not role or len(role) > 50:
        raise Invalid("Enter the observer's role (at most {n} characters).", field="role", n=50)
    if meeting.kind != "joint":
        raise Conflict("Only committee members attend a work meeting; observers attend joint "
                       "meetings.", rule="R6.1")
    if meeting.status == "closed":
        raise Conflict("The meeting is closed.")
    observer = Observer(meeting_id=meeting.id, name=name, role=role)
    session.add(observer)
    session.flush()
    seq = _bump(session, meeting)
    _record(session, actor, "observer.add", "meeting", meeting.id, observer_id=observer.id,
            name=name, role=role)
    _emit(session, meeting, seq, "meeting")
    return observer


# ---------------------------------------------------------------------------------- voting


def _check_vote_may_open(session: Session, meeting: Meeting, item: AgendaItem,
                         present: int) -> int:
    if meeting.status != "open":
        raise Conflict("The meeting is not open.")
    if item.vote_status == "open":
        raise Conflict("The vote on this item is already open.")
    if item.vote_status != "pending":
        raise Conflict("This item has already been voted on.")
    if _open_item(session, meeting) is not None:
        raise Conflict("Another vote is open. Close it first.")
    seated = _seated(session, meeting)
    if not rules.may_open_vote(rules.MeetingKind(meeting.kind), seated, present):
        raise _quorum_conflict(seated, present, opening=False)
    return seated


def open_vote(session: Session, *, actor: User, item_id: int, secret: bool = False) -> AgendaItem:
    """The secretary opens the vote on an item: open ballot (记名) by default, or secret
    (无记名, R7.6). Refused while the meeting is not open, another vote is open, or a work
    meeting has lost its quorum (R7.1)."""
    require_secretary(actor)
    meeting, item = _lock_item(session, actor, item_id)
    present = len(_present_ids(session, meeting))
    seated = _check_vote_may_open(session, meeting, item, present)
    item.vote_status = "open"
    item.method = "secret" if secret else "ballot"
    item.present_at_open, item.seated_at_open = present, seated
    item.opened_at = utcnow()
    session.add(item)
    seq = _bump(session, meeting)
    chain.append(session, meeting_id=meeting.id, payload={
        "type": "vote_opened", "item_id": item.id, "secret": secret, "present": present,
        "seated": seated})
    _record(session, actor, "vote.open", "agenda_item", item.id, meeting_id=meeting.id,
            secret=secret, present=present, seated=seated)
    _emit(session, meeting, seq, "vote_opened", item_id=item.id)
    return item


@dataclass
class CastBatch:
    """What a batch of ballots on one item came to: per ballot, None (recorded) or the error
    that refused it; and the tally after the batch, per locale (what each 201 answers)."""

    item: AgendaItem | None
    errors: list[DomainError | None]
    tallies: dict[str, state.TallyData]  # locale -> the item's tally (state.build_tally)


def cast_ballot(session: Session, *, actor: User, item_id: int, choice: str) -> AgendaItem:
    """A seated member who is present casts his ballot: once, final (R7.5). A batch of one
    (`cast_ballots`); the page's form and the demo use it, the API groups ballots."""
    batch = cast_ballots(session, item_id=item_id, ballots=[(actor, choice)],
                         community_id=actor.community_id)
    if batch.errors[0] is not None:
        raise batch.errors[0]
    assert batch.item is not None
    return batch.item


# A ballot batch's statements, built once: a lone ballot (how members tap, one by one) built
# and cache-keyed a dozen statements per call, most of its CPU beside the round trips (issue 11).
# The values are bound per call.
_ITEM_ID = sa.bindparam("item_id", type_=sa.Integer)
# Locked only if it is of the voters' community: a ballot on another community's item id is
# refused without holding that meeting's lock for a moment.
_MEETING_OF_ITEM_LOCKED = (
    select(Meeting)
    .where(col(Meeting.id) == select(col(AgendaItem.meeting_id))
           .where(col(AgendaItem.id) == _ITEM_ID).scalar_subquery(),
           col(Meeting.community_id).in_(sa.bindparam("communities", expanding=True)))
    .with_for_update().execution_options(populate_existing=True))
# Read after the lock: the item as it is now, and the meeting's last chain entry (entries of a
# meeting are only added under its lock, so this read stays the last one).
_LAST_POSITION, _LAST_HASH = chain.last_entry(col(AgendaItem.meeting_id))
_ITEM_AND_LAST_ENTRY = (select(AgendaItem, _LAST_POSITION, _LAST_HASH)
                        .where(col(AgendaItem.id) == _ITEM_ID)
                        .execution_options(populate_existing=True))
# Who has voted on the item (all of them: the tally names them), and who of the batch is
# checked in, in one round trip.
_VOTED, _HERE = 0, 1
_VOTED_AND_HERE = sa.union_all(
    sa.select(sa.literal(_VOTED, sa.Integer), col(VoteCast.voter_id))
    .where(col(VoteCast.item_id) == _ITEM_ID),
    sa.select(sa.literal(_HERE, sa.Integer), col(Attendance.user_id))
    .where(col(Attendance.meeting_id) == sa.bindparam("meeting_id", type_=sa.Integer),
           col(Attendance.present),
           col(Attendance.user_id).in_(sa.bindparam("uids", expanding=True))))
_items_table = table_of(AgendaItem).c
_COUNT_BALLOTS = (
    sa.update(table_of(AgendaItem))
    .where(_items_table.id == _ITEM_ID, _items_table.vote_status == "open")
    .values({_items_table[c]: _items_table[c] + sa.bindparam(f"add_{c}", type_=sa.Integer)
             for c in CHOICES})
    .returning(*(_items_table[c] for c in CHOICES)))
_INSERT_VOTE_CAST = sa.insert(table_of(VoteCast))
_INSERT_BALLOT = sa.insert(table_of(Ballot))
_INSERT_AUDIT = sa.insert(table_of(AuditLog))


def cast_ballots(session: Session, *, item_id: int, ballots: list[tuple[User, str]],
                 community_id: int | None = None) -> CastBatch:
    """Ballots of several members on one item in one transaction (group commit, issue 11): one
    lock of the meeting, each ballot checked as if alone (seated, present, seated when the
    meeting opened, once, R7.5), the accepted ones written, one `seq` and one `tally` event for
    all of them. "Once" is the database's unique (item, voter) constraint; the counts are one
    atomic `+ n`. A secret ballot (R7.6) records that he voted and adds to the count, nothing
    that links him to the choice (a batch only blurs the order further).

    `ballots`: (voter, choice), the voter as this transaction read him (the credential's
    lookup, ballot_box; the page's own user, cast_ballot). The work does not grow with the
    committee beyond the item's voter ids (the tally names them): the batch's attendance is
    read by id, the tally is built from the item's counters and what was frozen when the vote
    opened (state.build_tally), never from the whole meeting's state. A lone ballot is nine
    statements here, each built once (above); ballot_box adds its credential's lookup."""
    communities = [community_id] if community_id is not None else sorted(
        {user.community_id for user, _ in ballots})
    meeting = session.exec(_MEETING_OF_ITEM_LOCKED,
                           params={"item_id": item_id, "communities": communities}).first()
    found = None if meeting is None else session.exec(
        _ITEM_AND_LAST_ENTRY, params={"item_id": item_id}).one()
    if found is None:
        return CastBatch(None, [NotFound("No such agenda item.") for _ in ballots], {})
    assert meeting is not None
    item, last_position, last_hash = found
    last = (0, chain.GENESIS) if last_position is None or last_hash is None else (
        last_position, last_hash)
    voted: set[int] = set()
    here: set[int] = set()
    for kind, uid in session.connection().execute(_VOTED_AND_HERE, {
            "item_id": item.id, "meeting_id": meeting.id,
            "uids": sorted({user.id for user, _ in ballots})}).all():
        (voted if kind == _VOTED else here).add(uid)
    errors: list[DomainError | None] = [None] * len(ballots)
    accepted: list[tuple[User, str]] = []
    for n, (user, choice) in enumerate(ballots):
        uid = user.id
        if choice not in CHOICES:
            errors[n] = Invalid("Choose agree, oppose or abstain.", field="choice")
        elif not user.is_active:
            errors[n] = NotAuthenticated()
        elif user.community_id != item.community_id:
            errors[n] = NotFound("No such agenda item.")
        elif user.seat is None:
            errors[n] = Forbidden("Only seated committee members vote; observers and residents "
                                  "do not.", rule="R7.5")
        elif meeting.status != "open" or item.vote_status == "pending":
            errors[n] = Conflict("No vote is open on this item.")
        elif item.vote_status == "closed":
            errors[n] = Conflict("The vote on this item is closed.")
        elif not counts_in(meeting, uid):
            errors[n] = Forbidden("You were seated after this meeting opened: you attend it "
                                  "without a vote.", rule="R7.5")
        elif uid not in here:
            errors[n] = Forbidden("Check in to the meeting before you vote.", rule="R7.5")
        elif uid in voted:
            errors[n] = Conflict("You have already voted on this item; a ballot is final.",
                                 rule="R7.5")
        else:
            voted.add(uid)
            accepted.append((user, choice))
    if accepted:
        _write_ballots(session, meeting, item, accepted, last=last)
    tallies = _item_tallies(session, meeting, item, sorted(voted))
    if accepted:
        seq = _bump(session, meeting)
        secret = item.method == "secret"
        event: live.LiveEvent = {
            "type": "tally", "seq": seq, "meeting_id": meeting.id,
            "locales": {locale: {"tally": tally} for locale, tally in tallies.items()},
            # internal: lets each voter's own page know; never sent as JSON
            "ballots": [{"voter_id": user.id, "item_id": item.id,
                         "choice": None if secret else choice}
                        for user, choice in accepted]}
        live.publish_after_commit(session, meeting.id, event)
    return CastBatch(item, errors, tallies)


def _write_ballots(session: Session, meeting: Meeting, item: AgendaItem,
                   accepted: list[tuple[User, str]], *, last: tuple[int, str]) -> None:
    """The rows of accepted ballots (under the meeting's lock): who voted (the unique
    constraint), the counts, open ballots' choices, the audit rows and the chain entries after
    `last`, the meeting's last entry (position, hash; (0, GENESIS) when it has none). Each kind
    of row in one multi-row INSERT (Core, no ORM objects: issue 11, a burst of 500 ballots
    spent most of its CPU building and flushing 2,000 ORM objects)."""
    now = utcnow()
    # A duplicate fails here: the batch rolls back, ballots go one by one (ballot_box).
    session.exec(_INSERT_VOTE_CAST,
                 params=[{"item_id": item.id, "voter_id": user.id} for user, _ in accepted])
    counts = {f"add_{c}": sum(1 for _, choice in accepted if choice == c) for c in CHOICES}
    row = session.connection().execute(_COUNT_BALLOTS, {"item_id": item.id, **counts}).first()
    if row is None:  # cannot happen under the meeting lock; refuse rather than miscount
        raise Conflict("The vote on this item is closed.")
    for name, value in zip(CHOICES, row, strict=True):
        set_committed_value(item, name, value)
    secret = item.method == "secret"
    payloads: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    for user, choice in accepted:
        if secret:
            payloads.append({"type": "ballot", "item_id": item.id, "secret": True})
            detail = {"secret": True}
        else:
            payloads.append({"type": "ballot", "item_id": item.id, "voter_id": user.id,
                             "choice": choice})
            detail = {"choice": choice}
        # what audit.record writes (via _record), for the batch in one statement
        audit_rows.append({"community_id": user.community_id, "actor_id": user.id,
                           "action": "ballot.cast", "entity": "agenda_item",
                           "entity_id": item.id, "detail": detail, "created_at": now})
    if not secret:
        session.exec(_INSERT_BALLOT,
                     params=[{"item_id": item.id, "voter_id": user.id, "choice": choice,
                              "cast_at": now} for user, choice in accepted])
    session.exec(_INSERT_AUDIT, params=audit_rows)
    chain.extend(session, meeting_id=meeting.id, payloads=payloads, last=last)


def _item_tallies(session: Session, meeting: Meeting, item: AgendaItem,
                  voted_ids: list[int]) -> dict[str, state.TallyData]:
    """An open item's tally, per locale, from its row (state.build_tally): S and P frozen when
    its vote opened, R7.4 frozen when the meeting opened; `voted_ids`, who has voted, named
    for open ballots only (the screens name who has not voted yet)."""
    rule, base = _adoption(session, meeting)
    named = voted_ids if item.method == "ballot" else None
    return {locale: state.build_tally(meeting.kind, item, rule, base, item.seated_at_open or 0,
                                      item.present_at_open or 0, named, locale)
            for locale in LOCALES}


def _decide(session: Session, meeting: Meeting, item: AgendaItem) -> rules.Outcome:
    """Outcome by the R7.4 settings in force; the rule's sentence is kept with the item."""
    rule, base = _adoption(session, meeting)
    seated, present = item.seated_at_open or 0, item.present_at_open or 0
    outcome = rules.outcome(item.agree, rule, base, seated, present)
    item.outcome = outcome.value
    item.rule_text = rules.rule_sentence(rules.MeetingKind(meeting.kind), rule, base, seated,
                                         present, get_settings().locale)
    item.vote_status = "closed"
    item.closed_at = utcnow()
    proposal = session.get_one(Proposal, item.proposal_id)
    proposal.status = "adopted" if outcome == rules.Outcome.ADOPTED else "rejected"
    session.add_all([item, proposal])
    if outcome == rules.Outcome.ADOPTED:
        # An adopted item becomes a resolution at once (status not_started); the secretary
        # then sets who is responsible and the deadline.
        session.add(Resolution(community_id=meeting.community_id, item_id=item.id,
                               proposal_id=proposal.id, title=proposal.title,
                               text=proposal.draft_resolution or proposal.body))
    return outcome


def _closing_entry(kind: str, item: AgendaItem, meeting: Meeting, rule: rules.AdoptionRule,
                   base: rules.AdoptionBase) -> dict[str, Any]:
    return {"type": kind, "item_id": item.id, "agree": item.agree, "oppose": item.oppose,
            "abstain": item.abstain, "present": item.present_at_open,
            "seated": item.seated_at_open, "outcome": item.outcome,
            "rule": rules.rule_id_for(rules.MeetingKind(meeting.kind)),
            "adoption_rule": rule.value, "adoption_base": base.value,
            "needed": rules.votes_needed(rule, base, item.seated_at_open or 0,
                                         item.present_at_open or 0)}


def close_vote(session: Session, *, actor: User, item_id: int) -> AgendaItem:
    """The secretary closes the vote; the outcome follows R7.2–R7.4, and an adopted item
    becomes a resolution."""
    require_secretary(actor)
    meeting, item = _lock_item(session, actor, item_id)
    if item.vote_status != "open":
        raise Conflict("No vote is open on this item.")
    outcome = _decide(session, meeting, item)
    rule, base = _adoption(session, meeting)
    seq = _bump(session, meeting)
    chain.append(session, meeting_id=meeting.id,
                 payload=_closing_entry("vote_closed", item, meeting, rule, base))
    _record(session, actor, "vote.close", "agenda_item", item.id, meeting_id=meeting.id,
            agree=item.agree, oppose=item.oppose, abstain=item.abstain, outcome=outcome.value)
    _emit(session, meeting, seq, "vote_closed", item_id=item.id)
    return item


def record_hands(session: Session, *, actor: User, item_id: int, agree: int, oppose: int,
                 abstain: int) -> AgendaItem:
    """The secretary enters a show-of-hands count (举手表决, R7.6) instead of ballots, for an
    item with no vote open; it is recorded as such and decides the item at once."""
    require_secretary(actor)
    meeting, item = _lock_item(session, actor, item_id)
    present = len(_present_ids(session, meeting))
    seated = _check_vote_may_open(session, meeting, item, present)
    if rules.validate_hands(agree, oppose, abstain, present):
        raise Invalid("The counts add up to more than the {present} members present.",
                      field="agree", rule="R7.6", present=present)
    item.method = "hands"
    item.agree, item.oppose, item.abstain = agree, oppose, abstain
    item.present_at_open, item.seated_at_open = present, seated
    item.opened_at = utcnow()
    outcome = _decide(session, meeting, item)
    rule, base = _adoption(session, meeting)
    seq = _bump(session, meeting)
    chain.append(session, meeting_id=meeting.id,
                 payload=_closing_entry("hands", item, meeting, rule, base))
    _record(session, actor, "vote.hands", "agenda_item", item.id, meeting_id=meeting.id,
            agree=agree, oppose=oppose, abstain=abstain, outcome=outcome.value)
    _emit(session, meeting, seq, "vote_closed", item_id=item.id)
    return item
