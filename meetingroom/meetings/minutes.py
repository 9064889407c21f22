"""Minutes (会议纪要) of a closed meeting: one `gather()` shared by the page, the .docx and the API,
and the .docx rendering (python-docx).

The minutes are read back from the record, never stored: the meeting and its agenda, the
attendance, the ballots (named only for open ballots, R7.6), the resolutions and the ballot log's
digest (`chain.py`). They exist only once the meeting is closed (409 before): a live meeting has
its console and projector, and a half-written record should not circulate as "the minutes".
Anyone may read them: they are the public record of step 3 (R4.2).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Protocol, cast, overload
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from meetingroom import i18n
from meetingroom.community.service import SEAT_ORDER
from meetingroom.errors import Conflict, NotFound
from meetingroom.i18n import gettext as _
from meetingroom.labels import N_
from meetingroom.meetings import chain, rules
from meetingroom.models import (
    Absence,
    AgendaItem,
    Attendance,
    AuditLog,
    Ballot,
    Community,
    Meeting,
    MemberUnit,
    Observer,
    Proposal,
    Resolution,
    User,
)
from meetingroom.settings import get_settings

if TYPE_CHECKING:  # python-docx is imported when a document is made, not at start-up
    from docx.document import Document as DocxDocument
    from docx.oxml.text.font import CT_RPr
    from docx.styles.style import CharacterStyle, ParagraphStyle
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

KIND_RULES = {
    "work": N_("R6.1: a work meeting; only committee members attend."),
    "joint": N_("R6.2: a joint meeting; committee members vote, observers may attend and speak "
                "but never vote."),
}
VOTE_METHODS = {"ballot": N_("Open ballot"), "secret": N_("Secret ballot"),
                "hands": N_("Show of hands")}  # R7.6
BALLOT_LOG_HOWTO = N_("Anyone can check this digest: download the ballot log ({url}); each "
                      "line's hash is SHA-256 of the previous hash, a newline and the payload, "
                      "starting from 64 zeros; the last hash must equal the digest above.")


@dataclass
class MinutesMember:
    """A committee member as the minutes name him."""

    id: int
    name: str
    seat: str | None
    unit: str | None = None
    checked_in_at: datetime | None = None
    left_at: datetime | None = None
    reason: str = ""  # why he was absent (缺席原因), when the secretary recorded it


@dataclass
class MinutesObserver:
    name: str
    role: str
    id: int = 0
    remarks: str = ""  # what he said (R6.2), as the secretary noted it


@dataclass
class MinutesQuorum:
    """R7.1 with S seated when the meeting opened and P the members who attended (实到)."""

    seated: int
    present: int
    required: int
    met: bool
    rule: str
    sentence: str


@dataclass
class MinutesTally:
    agree: int
    oppose: int
    abstain: int
    eligible: int | None  # P when the vote opened (or the hands were counted)
    not_voted: int | None


@dataclass
class MinutesVoter:
    id: int
    name: str


@dataclass
class MinutesVotes:
    """Who chose what: open ballots (记名) only; secret ballots and shows of hands have none."""

    agree: list[MinutesVoter] = field(default_factory=list[MinutesVoter])
    oppose: list[MinutesVoter] = field(default_factory=list[MinutesVoter])
    abstain: list[MinutesVoter] = field(default_factory=list[MinutesVoter])

    def of(self, choice: str) -> list[MinutesVoter]:
        """The voters who chose `choice` (agree | oppose | abstain, as `Ballot.choice`)."""
        return {"agree": self.agree, "oppose": self.oppose, "abstain": self.abstain}[choice]


@dataclass
class MinutesItem:
    id: int
    number: int  # 1-based, in agenda order
    proposal_id: int
    title: str
    principle: str  # R4.3 code
    method: str  # ballot | secret | hands (R7.6)
    vote_status: str
    outcome: str  # pending (never put to a vote) | adopted | rejected
    rule: str  # the adoption rule applied, "R7.x: …"
    tally: MinutesTally | None
    votes: MinutesVotes | None
    note: str = ""  # the meeting's reason or remark (why not adopted, conditions…)
    responsible: str = ""  # for an adopted item, once the secretary has set them
    deadline: date | None = None


@dataclass
class MinutesResolution:
    id: int
    item_id: int
    title: str
    responsible: str
    deadline: date | None
    status: str


@dataclass
class MinutesBallotLog:
    digest: str
    entries: int
    url: str
    how_to_verify: str


@dataclass
class Minutes:
    meeting_id: int
    community: str
    kind: str  # work | joint (R6)
    kind_rule: str
    title: str
    starts_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    location: str
    seated_count: int  # S as frozen when the meeting opened
    seated: list[MinutesMember]
    present: list[MinutesMember]
    absent: list[MinutesMember]
    observers: list[MinutesObserver]
    quorum: MinutesQuorum
    items: list[MinutesItem]
    resolutions: list[MinutesResolution]
    ballot_log: MinutesBallotLog
    seated_note: str = ""  # set when the names do not add up to S (the roster changed)
    # The R7.4 rule in force, as frozen when the meeting opened ("R7.x: …", no numbers).
    adoption_rule: str = ""
    # Seated after the meeting opened and checked in: attended without a vote (R7.1, R7.5).
    without_vote: list[MinutesMember] = field(default_factory=list[MinutesMember])
    host: str = ""  # 主持人: the chair when present, else the first member present
    recorder: str = ""  # 记录人: the secretary who called the meeting


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: datetime | None) -> datetime | None: ...
def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive values; they are UTC by construction."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@overload
def _local(value: datetime) -> datetime: ...
@overload
def _local(value: datetime | None) -> datetime | None: ...
def _local(value: datetime | None) -> datetime | None:
    value = _aware(value)
    return value.astimezone(ZoneInfo(get_settings().timezone)) if value else None


def get_meeting(session: Session, *, community_id: int, meeting_id: int) -> Meeting:
    """The meeting, or 404 (also for another community's)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.community_id != community_id:
        raise NotFound("No such meeting.")
    return meeting


def get_closed_meeting(session: Session, *, community_id: int, meeting_id: int) -> Meeting:
    """The meeting if it is closed: the record is final only then."""
    meeting = get_meeting(session, community_id=community_id, meeting_id=meeting_id)
    if meeting.status != "closed":
        raise Conflict("The minutes and the ballot log are published once the meeting is closed.")
    return meeting


def _seat_rank(seat: str | None) -> int:
    """Chair, full-time, part-time, then anyone without a seat on record."""
    return SEAT_ORDER.get(seat, 9) if seat is not None else 9


def seated_at(session: Session, community_id: int,
              when: datetime) -> list[tuple[str | None, User]]:
    """Who held a committee seat at `when` (R7's S), and which, read back from the audit log's
    seat changes: the seat is what the last audited change at or before `when` set. For people
    whose seat was never audited before `when` (the demo loader, SQL): their current seat if it
    was never changed since; seated with the seat not on record (None) if a later change unseated
    them; not seated if a later change gave them a seat."""
    when = _aware(when).astimezone(UTC)
    current = session.exec(select(User).where(User.community_id == community_id,
                                              col(User.seat).is_not(None))).all()
    # Candidates: seated now, seated at some time by an audited change, or changed since.
    ever = session.exec(select(AuditLog.entity_id).where(
        AuditLog.community_id == community_id, AuditLog.entity == "user",
        col(AuditLog.action).in_(("user.create", "user.update")),
        col(AuditLog.detail)["seat"].as_string().is_not(None))).all()
    since = session.exec(select(AuditLog.entity_id).where(
        AuditLog.community_id == community_id, AuditLog.entity == "user",
        AuditLog.action == "user.update", AuditLog.created_at > when)).all()
    ids = {u.id for u in current} | {i for i in (*ever, *since) if i is not None}
    if not ids:
        return []
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}
    events: dict[int, list[AuditLog]] = {}
    for row in session.exec(select(AuditLog).where(
            AuditLog.community_id == community_id, AuditLog.entity == "user",
            col(AuditLog.entity_id).in_(ids),
            col(AuditLog.action).in_(("user.create", "user.update")))
            .order_by(col(AuditLog.created_at), col(AuditLog.id))).all():
        # entity_id is never None here (the query selects it in `ids`); the test narrows it.
        if row.entity_id is not None and "seat" in row.detail:
            events.setdefault(row.entity_id, []).append(row)
    seated: list[tuple[str | None, User]] = []
    for uid, user in users.items():
        history = events.get(uid, [])
        before = [e for e in history if _aware(e.created_at) <= when]
        if before:
            seat: str | None = before[-1].detail["seat"]  # user.create/update: a seat or None
            if seat:
                seated.append((seat, user))
        elif _aware(user.created_at) > when or (history and history[0].action == "user.create"):
            continue  # no account yet
        elif not history:
            if user.seat:
                seated.append((user.seat, user))
        elif history[0].detail["seat"] is None:
            seated.append((None, user))
    seated.sort(key=lambda su: (_seat_rank(su[0]), su[1].id))
    return seated


def seated_when_opened(session: Session, meeting: Meeting,
                       opened: datetime) -> list[tuple[str | None, User]]:
    """Who was seated when the meeting opened: the ids frozen then (`seated_member_ids`); only
    for meetings opened before that column existed (NULL) the audit log's reconstruction. The
    seat printed next to a frozen id is his current one (none if he has been unseated since)."""
    if meeting.seated_member_ids is None:
        return seated_at(session, meeting.community_id, opened)
    users = session.exec(select(User).where(
        col(User.id).in_(meeting.seated_member_ids or [-1]))).all()
    seated = [(u.seat, u) for u in users]
    seated.sort(key=lambda su: (_seat_rank(su[0]), su[1].id))
    return seated


def _member(user: User, units: dict[int, MemberUnit], att: Attendance | None,
            seat: str | None) -> MinutesMember:
    """`seat` is the seat held when the meeting opened, which the minutes print."""
    return MinutesMember(id=user.id, name=user.name, seat=seat,
                  unit=units[user.unit_id].name if user.unit_id in units else None,
                  checked_in_at=_local(att.checked_in_at) if att else None,
                  left_at=_local(att.left_at) if att and att.left_at else None)


def gather(session: Session, meeting_id: int, *, community_id: int | None = None) -> Minutes:
    """Everything the minutes of a closed meeting say, in the request's language. Routes pass
    the reader's `community_id`, so another community's meeting is "not found"."""
    if community_id is None:
        found = session.get(Meeting, meeting_id)
        community_id = found.community_id if found else -1
    meeting = get_closed_meeting(session, community_id=community_id, meeting_id=meeting_id)
    community = session.get(Community, meeting.community_id)
    assert community is not None  # a meeting's community (foreign key)
    locale = i18n.get_locale()
    units = {u.id: u for u in session.exec(select(MemberUnit).where(
        MemberUnit.community_id == community_id)).all()}
    opened = meeting.opened_at or meeting.starts_at

    seated_users = seated_when_opened(session, meeting, opened)
    attendance = {a.user_id: a for a in session.exec(select(Attendance).where(
        Attendance.meeting_id == meeting.id)).all()}
    seated_ids = {u.id for _s, u in seated_users}
    seated = [_member(u, units, attendance.get(u.id), seat) for seat, u in seated_users]
    reasons = dict(session.exec(select(Absence.user_id, Absence.reason).where(
        Absence.meeting_id == meeting.id)).all())
    for m in seated:
        if m.id not in attendance:
            m.reason = reasons.get(m.id, "")
    present = [m for m in seated if m.id in attendance]
    absent = [m for m in seated if m.id not in attendance]
    # Someone seated after the meeting opened who checked in still attended.
    # P counts only members seated when it opened (R7.1): the late ones are not in it.
    big_p = len(present)
    late_ids = set(attendance) - seated_ids
    without_vote: list[MinutesMember] = []
    if late_ids:
        late = session.exec(select(User).where(col(User.id).in_(late_ids))).all()
        without_vote = [_member(u, units, attendance[u.id], u.seat)
                        for u in sorted(late, key=lambda u: (_seat_rank(u.seat), u.id))]
        present += without_vote

    big_s = meeting.seated_at_open if meeting.seated_at_open is not None else len(seated)
    q = rules.quorum(big_s, big_p)
    seated_note = ""
    if len(seated) != big_s:
        seated_note = _("{s} members were seated when the meeting opened; the roster's history "
                        "names {n} of them.", s=big_s, n=len(seated))

    observers = [MinutesObserver(name=o.name, role=o.role, id=o.id or 0, remarks=o.remarks)
                 for o in session.exec(
        select(Observer).where(Observer.meeting_id == meeting.id).order_by(col(Observer.id))).all()]

    items_rows = session.exec(select(AgendaItem, Proposal)
                              .join(Proposal, col(Proposal.id) == col(AgendaItem.proposal_id))
                              .where(AgendaItem.meeting_id == meeting.id)
                              .order_by(col(AgendaItem.position), col(AgendaItem.id))).all()
    ballots: dict[int, MinutesVotes] = {}
    open_ids = [item.id for item, _p in items_rows if item.method == "ballot"]
    if open_ids:
        rows = session.exec(select(Ballot, User).join(User, col(User.id) == col(Ballot.voter_id))
                            .where(col(Ballot.item_id).in_(open_ids))).all()
        for ballot, voter in sorted(rows, key=lambda bu: (_seat_rank(bu[1].seat), bu[1].id)):
            votes = ballots.setdefault(ballot.item_id, MinutesVotes())
            votes.of(ballot.choice).append(MinutesVoter(id=voter.id, name=voter.name))

    items: list[MinutesItem] = []
    for number, (item, proposal) in enumerate(items_rows, start=1):
        voted = item.vote_status == "closed"
        tally = None
        if voted:
            eligible = item.present_at_open
            cast = item.agree + item.oppose + item.abstain
            tally = MinutesTally(
                agree=item.agree, oppose=item.oppose, abstain=item.abstain, eligible=eligible,
                not_voted=max(0, eligible - cast) if eligible is not None else None)
        rule = item.rule_text
        if voted and not rule:
            rule = rules.rule_sentence(
                rules.MeetingKind(meeting.kind), rules.AdoptionRule(community.adoption_rule),
                rules.AdoptionBase(community.adoption_base),
                item.seated_at_open if item.seated_at_open is not None else big_s,
                item.present_at_open if item.present_at_open is not None else big_p, locale)
        items.append(MinutesItem(
            id=item.id, number=number, proposal_id=proposal.id, title=proposal.title,
            principle=proposal.principle, method=item.method, vote_status=item.vote_status,
            outcome=item.outcome, rule=rule, tally=tally,
            votes=(ballots.get(item.id, MinutesVotes()) if voted and item.method == "ballot"
                   else None), note=item.note))

    position = {i.id: i.number for i in items}
    resolutions = sorted(
        (MinutesResolution(id=r.id, item_id=r.item_id, title=r.title, responsible=r.responsible,
                           deadline=r.deadline, status=r.status)
         for r in session.exec(select(Resolution).where(
             col(Resolution.item_id).in_(list(position) or [-1]))).all()),
        key=lambda r: position[r.item_id])
    by_item = {r.item_id: r for r in resolutions}
    for it in items:
        if it.id in by_item:
            it.responsible, it.deadline = by_item[it.id].responsible, by_item[it.id].deadline
    chair = next((m for m in present if m.seat == "chair"), present[0] if present else None)
    recorder = session.get(User, meeting.created_by_id) if meeting.created_by_id else None

    url = f"/api/v1/meetings/{meeting.id}/ballot-log"
    log = MinutesBallotLog(digest=chain.digest(session, meeting.id),
                           entries=chain.count(session, meeting.id), url=url,
                           how_to_verify=_(BALLOT_LOG_HOWTO, url=url))
    return Minutes(
        meeting_id=meeting.id, community=community.name, kind=meeting.kind,
        kind_rule=_(KIND_RULES.get(meeting.kind, "")), title=meeting.title,
        starts_at=_local(meeting.starts_at), opened_at=_local(meeting.opened_at),
        closed_at=_local(meeting.closed_at), location=meeting.location, seated_count=big_s,
        seated=seated, present=present, absent=absent, observers=observers,
        quorum=MinutesQuorum(seated=big_s, present=big_p, required=q.required, met=q.met,
                             rule=q.rule, sentence=rules.quorum_sentence(big_s, big_p, locale)),
        items=items, resolutions=resolutions, ballot_log=log, seated_note=seated_note,
        adoption_rule=_adoption_in_force(meeting, community, locale), without_vote=without_vote,
        host=chair.name if chair else "", recorder=recorder.name if recorder else "")


def _adoption_in_force(meeting: Meeting, community: Community, locale: str) -> str:
    """R7.4 as frozen when the meeting opened; today's settings only for meetings opened
    before the freeze existed (their items keep the sentence they were decided by)."""
    rule = meeting.adoption_rule or community.adoption_rule
    base = meeting.adoption_base or community.adoption_base
    return rules.adoption_sentence(rules.MeetingKind(meeting.kind), rules.AdoptionRule(rule),
                                   rules.AdoptionBase(base), locale)


def export_ballot_log(session: Session, *, community_id: int,
                      meeting_id: int) -> tuple[str, str]:
    """The closed meeting's ballot log as JSON Lines, and its digest. Not before it closes: the
    log names who chose what on open ballots, which nobody sees while a vote runs."""
    meeting = get_closed_meeting(session, community_id=community_id, meeting_id=meeting_id)
    return "".join(chain.export(session, meeting.id)), chain.digest(session, meeting.id)


# --- the wording shared by the page and the .docx ----------------------------------------------

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """一, 二 … 十, 十一 … 九十九: how official documents number their points (一、二、三、)."""
    if n < 1 or n > 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_DIGITS[ones]
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return head + "十" + (CHINESE_DIGITS[ones] if ones else "")


def ordinal(n: int) -> str:
    """The point's number with its mark: 一、 in Chinese, "1. " in English."""
    return f"{chinese_number(n)}、" if i18n.get_locale() == "zh_CN" else f"{n}. "


def minutes_title(minutes: Minutes) -> str:
    from meetingroom import labels

    return _("{community} “Joint party committee” {kind} minutes", community=minutes.community,
             kind=_(labels.MEETING_KINDS.get(minutes.kind, minutes.kind)))


def when_text(minutes: Minutes) -> str:
    """时间: the day and the hours the meeting sat (opened to closed)."""
    start = minutes.opened_at or minutes.starts_at
    text = _("{date} {time}", date=_day(start.date()), time=start.strftime("%H:%M"))
    if minutes.closed_at:
        text += "—" + minutes.closed_at.strftime("%H:%M")
    return text


def _day(value: date) -> str:
    if i18n.get_locale() == "zh_CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def names_with(people: list[tuple[str, str]]) -> str:
    """"王建国（出差）、李秀英": a name, and its note in brackets when there is one."""
    if not people:
        return _("none")
    if i18n.get_locale() == "zh_CN":
        return "、".join(f"{n}（{x}）" if x else n for n, x in people)
    return ", ".join(f"{n} ({x})" if x else n for n, x in people)


def attendance_lines(minutes: Minutes) -> list[tuple[str, str]]:
    """The head of the minutes: 时间, 地点, 主持人, 记录人, 应到, 实到, 缺席, 列席."""
    present = [m for m in minutes.present if m not in minutes.without_vote]
    lines = [
        (_("Time"), when_text(minutes)),
        (_("Place"), minutes.location or "—"),
        (_("Chaired by"), minutes.host or "—"),
        (_("Minutes taken by"), minutes.recorder or "—"),
        (_("Expected"), _("{n} members: {names}", n=minutes.seated_count,
                          names=names_with([(m.name, "") for m in minutes.seated]))),
        (_("Attended"), _("{n} members: {names}", n=minutes.quorum.present,
                         names=names_with([(m.name, "") for m in present]))),
        (_("Absent members"), names_with([(m.name, m.reason) for m in minutes.absent])),
    ]
    if minutes.without_vote:
        lines.append((_("Attended without a vote"),
                      names_with([(m.name, "") for m in minutes.without_vote])))
    if minutes.kind == "joint" or minutes.observers:
        lines.append((_("Observers"), names_with([(o.name, o.role) for o in minutes.observers])))
    return lines


_RULE_ID = re.compile(r"^R\d+(?:\.\d+)*:\s*")
_FORMULA = re.compile(r"\s*[（(][^（）()]*[≥>=][^（）()]*[）)]")
_AT_LEAST = re.compile(r"\s*≥\s*(\d+)")


def rule_in_words(rule: str) -> str:
    """The adoption rule as a sentence: no rule id, no formula ("R7.2: … （含半数，2A ≥ P）：需同意
    ≥ 4 票" → "… ：需同意不少于 4 票")."""
    text = _FORMULA.sub("", _RULE_ID.sub("", rule.strip()))
    words = "不少于 \\1" if i18n.get_locale() == "zh_CN" else " at least \\1"
    return _AT_LEAST.sub(words, text).rstrip("。.")


def item_paragraphs(item: MinutesItem) -> list[str]:
    """A decided point in words: the matter and its principle, how it was voted, the counts,
    the rule applied, the outcome, and who carries it out by when."""
    from meetingroom import labels

    principle = _(labels.PRINCIPLES.get(item.principle, item.principle))
    head = _("{title} ({principle}).", title=item.title, principle=principle)
    if item.tally is None:
        return [head + _("Not put to a vote at this meeting.")]
    t = item.tally
    method = _(VOTE_METHODS.get(item.method, item.method))
    text = _("Voted by {method}: {agree} for, {oppose} against, {abstain} abstaining",
             method=method, agree=t.agree, oppose=t.oppose, abstain=t.abstain)
    if t.not_voted:
        text += _(", {n} not voting", n=t.not_voted)
    if t.eligible is not None:
        text += _(" ({n} members present)", n=t.eligible)
    text += _(". ")
    paragraphs = [head + text + _("Rule applied: {rule}.", rule=rule_in_words(item.rule))]
    outcome = _("Adopted.") if item.outcome == "adopted" else _("Not adopted.")
    if item.outcome == "adopted" and item.responsible and item.deadline:
        outcome += _("Carried out by {who}, to be done by {date}.", who=item.responsible,
                     date=_day(item.deadline))
    elif item.outcome == "adopted" and item.responsible:
        outcome += _("Carried out by {who}.", who=item.responsible)
    if item.note:
        outcome += _("Remarks: {note}", note=item.note)
    paragraphs.append(outcome)
    return paragraphs


def named_votes(item: MinutesItem) -> str:
    """Who chose what, for an open ballot (记名) only."""
    if item.votes is None:
        return ""
    sep = "；" if i18n.get_locale() == "zh_CN" else "; "
    return sep.join(f"{_(labels_choice(c))}{_(': ')}{_names(item.votes.of(c))}"
                    for c in ("agree", "oppose", "abstain"))


def signature_line(minutes: Minutes) -> str:
    day = _day((minutes.closed_at or minutes.starts_at).date())
    return _("Chair (signature): ________    Minutes taker (signature): ________    "
             "Date: {date}", date=day)


def digest_line(minutes: Minutes) -> str:
    return _("Ballot log digest (SHA-256, {n} entries): {digest}", n=minutes.ballot_log.entries,
             digest=minutes.ballot_log.digest)


# --- .docx -----------------------------------------------------------------------------------

# GB/T 9704 (党政机关公文格式): body in 仿宋 三号 (16 pt) on A4 with 37/35/28/26 mm margins, the
# title in 小标宋 二号 (22 pt); first-level points in 黑体. 方正小标宋 is not on most
# machines, so the title uses 黑体 (SimHei), which every Chinese Windows, WPS and LibreOffice
# install has; 仿宋 (FangSong) likewise.
MINUTES_FONT = "仿宋"
TITLE_FONT = "黑体"
# Shared with the units' documents (cobuilding.py, review_sheets.py), which keep 宋体.
BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
SMALL_PT = 10.5  # 五号, for the footer
LINE_PT = 28  # fixed line pitch: 22 lines on a page, as the standard asks
MARGINS_CM = {"top_margin": 3.7, "bottom_margin": 3.5, "left_margin": 2.8,
              "right_margin": 2.6}
# A w:rFonts's theme attributes, which would override its named fonts.
THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def paragraph_style(doc: DocxDocument, name: str) -> ParagraphStyle:
    """A paragraph style of the document by its name ("Normal", "Title", "Heading 1"…)."""
    from docx.styles.style import ParagraphStyle

    style = doc.styles[name]
    assert isinstance(style, ParagraphStyle), name  # the template's built-in paragraph styles
    return style


class _RunPropertiesOwner(Protocol):
    """A `w:style` element as python-docx's `Font` uses it: like `w:r`, it has a `w:rPr`."""

    def get_or_add_rPr(self) -> CT_RPr: ...


def set_fonts(style: CharacterStyle, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Word picks the font per script: w:eastAsia for Chinese, w:ascii/w:hAnsi for Latin. The
    theme attributes would override the names, so they go."""
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    style.font.name = latin
    style.font.color.rgb = RGBColor(0, 0, 0)
    # CT_Style's get_or_add_rPr() is made by python-docx's metaclass (ZeroOrOne("w:rPr")) and
    # not declared in its annotations; CT_R declares the same method.
    element = cast(_RunPropertiesOwner, style.element)
    rfonts = element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asia)
    for attr in THEME_FONT_ATTRS:
        if qn(attr) in rfonts.attrib:
            del rfonts.attrib[qn(attr)]


def set_default_fonts(doc: DocxDocument) -> None:
    """The template's document defaults name theme fonts (a Latin face for Chinese text on
    many machines) and English as the East Asian language: name the body font and zh-CN
    there too, so every style inherits them."""
    from docx.oxml.ns import qn

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    rpr = rpr_default.find(qn("w:rPr")) if rpr_default is not None else None
    if rpr is None:
        return
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is not None:
        for attr in THEME_FONT_ATTRS:
            if qn(attr) in rfonts.attrib:
                del rfonts.attrib[qn(attr)]
        rfonts.set(qn("w:ascii"), LATIN_FONT)
        rfonts.set(qn("w:hAnsi"), LATIN_FONT)
        rfonts.set(qn("w:eastAsia"), BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def docx_table(doc: DocxDocument, header: list[str], rows: list[list[str]]) -> Table:
    """A bordered table with a bold header row (the units' documents use it)."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)
    return table


def _names(members: list[MinutesVoter]) -> str:
    return "、".join(m.name for m in members) if members else _("none")


def _run(paragraph: Paragraph, text: str, *, font: str | None = None,
         size: float | None = None, bold: bool = False) -> Run:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if font:
        run.font.name = LATIN_FONT
        run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def render_docx(minutes: Minutes) -> bytes:
    """The minutes as a community office files them (会议纪要): title, the head (time, place,
    chair, minutes taker, expected/present/absent, observers), the points decided numbered
    一、二、三、, what observers said, signature lines and date; the ballot log's digest in the
    page footer, so it never lands alone on a last page."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    for side, cm in MARGINS_CM.items():
        setattr(section, side, Cm(cm))
    set_default_fonts(doc)
    normal = paragraph_style(doc, "Normal")
    set_fonts(normal, MINUTES_FONT)
    normal.font.size = Pt(BODY_PT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    for name in ("Title", "Heading 1", "Heading 2"):
        style = paragraph_style(doc, name)
        set_fonts(style, HEADING_FONT)
        style.font.size = Pt(TITLE_PT if name == "Title" else BODY_PT)
        style.font.bold = False
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
    doc.core_properties.title = minutes_title(minutes)
    doc.core_properties.language = "zh-CN" if i18n.get_locale() == "zh_CN" else "en"

    title = doc.add_paragraph(style="Title")
    _run(title, minutes_title(minutes), font=TITLE_FONT, size=TITLE_PT)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(TITLE_PT * 1.5)
    sub = doc.add_paragraph(minutes.title)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    for label, value in attendance_lines(minutes):
        p = doc.add_paragraph()
        _run(p, f"{label}{_(': ')}", font=HEADING_FONT)
        p.add_run(value)

    def heading(text: str) -> None:
        h = doc.add_paragraph(style="Heading 1")
        _run(h, text, font=HEADING_FONT, size=BODY_PT)

    heading(_("Matters decided"))
    if minutes.adoption_rule:
        rule = doc.add_paragraph(_("Adoption rule in force: {rule}", rule=minutes.adoption_rule))
        rule.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    for item in minutes.items:
        first, *rest = item_paragraphs(item)
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        _run(p, ordinal(item.number), font=HEADING_FONT)
        p.add_run(first)
        for text in rest:
            q = doc.add_paragraph(text)
            q.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        if item.votes is not None:
            q = doc.add_paragraph(_("Named ballot: {votes}", votes=named_votes(item)))
            q.paragraph_format.first_line_indent = Pt(BODY_PT * 2)

    remarks = [o for o in minutes.observers if o.remarks]
    if remarks:
        heading(_("What the observers said"))
        for o in remarks:
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
            _run(p, names_with([(o.name, o.role)]) + _(": "), font=HEADING_FONT)
            p.add_run(o.remarks)

    doc.add_paragraph()
    sign = doc.add_paragraph(signature_line(minutes))
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    footer = section.footer.paragraphs[0]
    _run(footer, digest_line(minutes), size=SMALL_PT)
    footer.paragraph_format.line_spacing = Pt(SMALL_PT * 1.3)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def labels_choice(choice: str) -> str:
    from meetingroom import labels

    return labels.CHOICES[choice]
