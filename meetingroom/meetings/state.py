"""What every screen shows of one meeting, read in one go, and the two CONTRACT objects built
from it: `meeting_data()` (GET /meetings/{id}) and `tally_data()` (GET /items/{id}/tally).

The API, the live feed's snapshot and every live event use these two functions, so a screen
fed by the socket can never disagree with one that asked over HTTP. Reading (`load`) is
separate from building, so an event is read once and built for every locale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypedDict

from sqlmodel import Session, col, select

from meetingroom.meetings import rules
from meetingroom.models import (
    AgendaItem,
    Attendance,
    Community,
    Meeting,
    Observer,
    Proposal,
    User,
    VoteCast,
)

# Matches rules.rule_sentence's wording back to the setting that produced it, for closed items.
_SETTINGS = [(r, b) for r in rules.AdoptionRule for b in rules.AdoptionBase]


# The two CONTRACT objects as Python sees them (schemas.py's MeetingOut and TallyOut document
# them for the API; these type the dicts every screen and the live feed pass around).
class QuorumData(TypedDict):
    required: int
    met: bool
    rule: str


class WarningData(TypedDict):
    rule: str
    message: str


class AgendaEntry(TypedDict):
    id: int
    proposal_id: int
    title: str
    principle: str
    position: int
    vote_status: str
    method: str
    outcome: str


class MemberEntry(TypedDict):
    id: int
    name: str
    present: bool


class ObserverEntry(TypedDict):
    id: int
    name: str
    role: str


class AdoptionData(TypedDict):
    rule: str
    base: str
    frozen: bool


class MeetingData(TypedDict):
    id: int
    kind: str
    title: str
    starts_at: str | None
    location: str
    status: str
    seq: int
    seated: int
    present: int
    quorum: QuorumData
    warnings: list[WarningData]
    current_item_id: int | None
    open_item_id: int | None
    agenda: list[AgendaEntry]
    members: list[MemberEntry]
    without_vote: list[MemberEntry]
    adoption: AdoptionData
    observers: list[ObserverEntry]
    opened_at: str | None
    closed_at: str | None


class TallyData(TypedDict):
    item_id: int
    status: str
    method: str
    secret: bool
    agree: int | None
    oppose: int | None
    abstain: int | None
    cast: int
    not_voted: int
    eligible: int
    seated: int
    needed: int
    rule: str
    outcome: str
    voted_ids: list[int] | None
    opened_at: str | None
    closed_at: str | None


@dataclass
class ItemState:
    item: AgendaItem
    title: str
    principle: str
    # Who voted on an open (named) ballot; None for secret ballots and shows of hands (R7.6).
    voted_ids: list[int] | None = None


@dataclass
class MeetingState:
    meeting: Meeting
    community: Community
    seated_now: int
    members: list[tuple[int, str, bool]]  # members who count (S): (id, name, present)
    observers: list[Observer]
    items: list[ItemState] = field(default_factory=list[ItemState])
    # Seated after the meeting opened: they attend without a vote in it (R7.1, R7.5).
    without_vote: list[tuple[int, str, bool]] = field(
        default_factory=list[tuple[int, str, bool]])

    @property
    def adoption(self) -> tuple[rules.AdoptionRule, rules.AdoptionBase]:
        """R7.4 in force: frozen when the meeting opened, the community's settings before."""
        m = self.meeting
        if m.adoption_rule is not None and m.adoption_base is not None:
            return rules.AdoptionRule(m.adoption_rule), rules.AdoptionBase(m.adoption_base)
        return (rules.AdoptionRule(self.community.adoption_rule),
                rules.AdoptionBase(self.community.adoption_base))

    @property
    def seated(self) -> int:
        """S: frozen when the meeting opened (R7), the live count before that."""
        m = self.meeting
        return m.seated_at_open if m.seated_at_open is not None else self.seated_now

    @property
    def present(self) -> int:
        """P: members who count (seated when it opened, R7.1) checked in now."""
        return sum(1 for _, _, present in self.members if present)

    def item(self, item_id: int) -> ItemState:
        for it in self.items:
            if it.item.id == item_id:
                return it
        raise KeyError(item_id)

    @property
    def open_item(self) -> ItemState | None:
        return next((it for it in self.items if it.item.vote_status == "open"), None)

    @property
    def current_item(self) -> ItemState | None:
        """The item the room looks at: the one being voted on, else the one decided last
        (its outcome stays up until the next vote opens), else the next one pending."""
        if self.open_item:
            return self.open_item
        closed = [it for it in self.items if it.item.vote_status == "closed"]
        pending = [it for it in self.items if it.item.vote_status == "pending"]
        if closed and (self.meeting.status != "scheduled"):
            return max(closed, key=lambda it: (aware(it.item.closed_at), it.item.position))
        return pending[0] if pending else (closed[-1] if closed else None)


def aware(value: datetime | None) -> datetime:
    if value is None:
        return datetime.min.replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def iso(value: datetime | None) -> str | None:
    return aware(value).isoformat() if value is not None else None


def load(session: Session, meeting_id: int) -> MeetingState:
    """Everything the screens need. The meeting row (and its seq) is read first, so on a
    database without a transaction-wide snapshot the rest is never older than the seq."""
    meeting = session.exec(select(Meeting).where(col(Meeting.id) == meeting_id)
                           .execution_options(populate_existing=True)).one()
    community = session.get(Community, meeting.community_id)
    assert community is not None  # a meeting's community (foreign key)
    present_ids = set(session.exec(select(col(Attendance.user_id)).where(
        col(Attendance.meeting_id) == meeting_id, col(Attendance.present))).all())
    seated = session.exec(select(col(User.id), col(User.name)).where(
        col(User.community_id) == meeting.community_id, col(User.seat).is_not(None),
        col(User.is_active))
        .order_by(col(User.id))).all()
    frozen = meeting.seated_member_ids
    without_vote: list[tuple[int, str, bool]] = []
    if frozen is None:  # not open yet: everyone seated now counts
        members = [(uid, name, uid in present_ids) for uid, name in seated]
    else:
        frozen_set = set(frozen)
        names = dict(session.exec(select(col(User.id), col(User.name)).where(
            col(User.id).in_(frozen or [-1]))).all())
        members = [(uid, names.get(uid, ""), uid in present_ids) for uid in sorted(frozen_set)]
        without_vote = [(uid, name, uid in present_ids) for uid, name in seated
                        if uid not in frozen_set]
    observers = list(session.exec(select(Observer).where(col(Observer.meeting_id) == meeting_id)
                                  .order_by(col(Observer.id))).all())
    rows = session.exec(select(AgendaItem, col(Proposal.title), col(Proposal.principle))
                        .join(Proposal, col(Proposal.id) == col(AgendaItem.proposal_id))
                        .where(col(AgendaItem.meeting_id) == meeting_id)
                        .order_by(col(AgendaItem.position), col(AgendaItem.id))
                        .execution_options(populate_existing=True)).all()
    state = MeetingState(meeting=meeting, community=community, seated_now=len(seated),
                         members=members, observers=observers, without_vote=without_vote)
    for item, title, principle in rows:
        it = ItemState(item=item, title=title, principle=principle)
        if item.method == "ballot" and item.vote_status != "pending":
            it.voted_ids = sorted(session.exec(select(col(VoteCast.voter_id)).where(
                col(VoteCast.item_id) == item.id)).all())
        state.items.append(it)
    return state


def _settings_of(state: MeetingState, it: ItemState) -> tuple[rules.AdoptionRule,
                                                              rules.AdoptionBase]:
    """R7.4: the settings frozen when the meeting opened. Meetings opened before they were
    frozen: for a closed item, the ones that decided it (read back from the rule sentence stored
    when it closed, so a later change of settings never rewrites history), else today's."""
    item = it.item
    m = state.meeting
    if m.adoption_rule is not None and m.adoption_base is not None:
        return state.adoption
    if item.vote_status == "closed" and item.rule_text:
        kind = rules.MeetingKind(state.meeting.kind)  # stored codes, checked when scheduled
        for rule, base in _SETTINGS:
            for locale in ("zh_CN", "en"):
                if item.rule_text == rules.rule_sentence(kind, rule, base, item.seated_at_open or 0,
                                                         item.present_at_open or 0, locale):
                    return rule, base
    return state.adoption


def tally_data(state: MeetingState, item_id: int, locale: str) -> TallyData:
    """GET /items/{id}/tally. `eligible` is P for the item; `needed` the agree votes that adopt.
    While a secret ballot is open its split is withheld (null) and only `cast` rises: a running
    split would let anyone watching the room match a tap on a phone to a choice (R7.6)."""
    it = state.item(item_id)
    item = it.item
    pending = item.vote_status == "pending"
    seated = state.seated if pending or item.seated_at_open is None else item.seated_at_open
    eligible = state.present if pending or item.present_at_open is None else item.present_at_open
    rule, base = _settings_of(state, it)
    return build_tally(state.meeting.kind, item, rule, base, seated, eligible, it.voted_ids,
                       locale)


def build_tally(kind: str, item: AgendaItem, rule: rules.AdoptionRule, base: rules.AdoptionBase,
                seated: int, eligible: int, voted_ids: list[int] | None,
                locale: str) -> TallyData:
    """The tally object from the item's row and the numbers that decide it. A ballot builds its
    event with this alone (the counters, and S, P and R7.4 frozen when the vote opened), never
    from a rebuilt meeting state, so its cost does not grow with the committee (issue 11)."""
    cast = item.agree + item.oppose + item.abstain
    hidden = item.method == "secret" and item.vote_status == "open"
    return {
        "item_id": item.id,
        "status": item.vote_status,
        "method": item.method,
        "secret": item.method == "secret",
        "agree": None if hidden else item.agree,
        "oppose": None if hidden else item.oppose,
        "abstain": None if hidden else item.abstain,
        "cast": cast,
        "not_voted": max(0, eligible - cast),
        "eligible": eligible,
        "seated": seated,
        "needed": rules.votes_needed(rule, base, seated, eligible),
        "rule": rules.rule_sentence(rules.MeetingKind(kind), rule, base, seated, eligible,
                                    locale),
        "outcome": item.outcome,
        "voted_ids": voted_ids,
        "opened_at": iso(item.opened_at),
        "closed_at": iso(item.closed_at),
    }


def tallies_data(state: MeetingState, locale: str) -> list[TallyData]:
    return [tally_data(state, it.item.id, locale) for it in state.items]


def meeting_data(state: MeetingState, locale: str) -> MeetingData:
    """GET /meetings/{id}: the meeting, S and P, the quorum with its rule's text, the agenda."""
    m = state.meeting
    seated, present = state.seated, state.present
    q = rules.quorum(seated, present)
    warnings: list[WarningData] = []
    if m.kind == "joint" and not q.met and m.status != "closed":
        # R7.2: a joint meeting has no opening quorum; the app warns and lets it go on.
        warnings.append({"rule": "R7.2", "message": rules.quorum_sentence(seated, present, locale)})
    current = state.current_item
    return {
        "id": m.id,
        "kind": m.kind,
        "title": m.title,
        "starts_at": iso(m.starts_at),
        "location": m.location,
        "status": m.status,
        "seq": m.seq,
        "seated": seated,
        "present": present,
        "quorum": {"required": q.required, "met": q.met,
                   "rule": rules.quorum_sentence(seated, present, locale)},
        "warnings": warnings,
        "current_item_id": current.item.id if current else None,
        "open_item_id": state.open_item.item.id if state.open_item else None,
        "agenda": [{
            "id": it.item.id, "proposal_id": it.item.proposal_id, "title": it.title,
            "principle": it.principle, "position": it.item.position,
            "vote_status": it.item.vote_status, "method": it.item.method,
            "outcome": it.item.outcome,
        } for it in state.items],
        "members": [{"id": uid, "name": name, "present": p} for uid, name, p in state.members],
        # Seated after the meeting opened: they may attend, but neither count nor vote (R7.5).
        "without_vote": [{"id": uid, "name": name, "present": p}
                         for uid, name, p in state.without_vote],
        "adoption": {"rule": state.adoption[0].value, "base": state.adoption[1].value,
                     "frozen": m.adoption_rule is not None},
        "observers": [{"id": o.id, "name": o.name, "role": o.role} for o in state.observers],
        "opened_at": iso(m.opened_at),
        "closed_at": iso(m.closed_at),
    }
