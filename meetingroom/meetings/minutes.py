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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from meetingroom import i18n
from meetingroom.community.service import SEAT_ORDER
from meetingroom.errors import Conflict, NotFound
from meetingroom.i18n import gettext as _
from meetingroom.labels import N_
from meetingroom.meetings import chain, rules
from meetingroom.models import (
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


@dataclass
class MinutesObserver:
    name: str
    role: str


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

    agree: list[MinutesVoter] = field(default_factory=list)
    oppose: list[MinutesVoter] = field(default_factory=list)
    abstain: list[MinutesVoter] = field(default_factory=list)


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
    without_vote: list[MinutesMember] = field(default_factory=list)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive values; they are UTC by construction."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


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


def seated_at(session: Session, community_id: int,
              when: datetime) -> list[tuple[str | None, User]]:
    """Who held a committee seat at `when` (R7's S), and which, read back from the audit log's
    seat changes: the seat is what the last audited change at or before `when` set. For people
    whose seat was never audited before `when` (the demo loader, SQL): their current seat if it
    was never changed since; seated with the seat not on record (None) if a later change unseated
    them; not seated if a later change gave them a seat."""
    when = _aware(when).astimezone(UTC)
    current = session.exec(select(User).where(User.community_id == community_id,
                                              User.seat.is_not(None))).all()
    # Candidates: seated now, seated at some time by an audited change, or changed since.
    ever = session.exec(select(AuditLog.entity_id).where(
        AuditLog.community_id == community_id, AuditLog.entity == "user",
        AuditLog.action.in_(("user.create", "user.update")),
        AuditLog.detail["seat"].as_string().is_not(None))).all()
    since = session.exec(select(AuditLog.entity_id).where(
        AuditLog.community_id == community_id, AuditLog.entity == "user",
        AuditLog.action == "user.update", AuditLog.created_at > when)).all()
    ids = {u.id for u in current} | {i for i in (*ever, *since) if i is not None}
    if not ids:
        return []
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_(ids))).all()}
    events: dict[int, list[AuditLog]] = {}
    for row in session.exec(select(AuditLog).where(
            AuditLog.community_id == community_id, AuditLog.entity == "user",
            AuditLog.entity_id.in_(ids), AuditLog.action.in_(("user.create", "user.update")))
            .order_by(AuditLog.created_at, AuditLog.id)).all():
        if "seat" in row.detail:
            events.setdefault(row.entity_id, []).append(row)
    seated: list[tuple[str | None, User]] = []
    for uid, user in users.items():
        history = events.get(uid, [])
        before = [e for e in history if _aware(e.created_at) <= when]
        if before:
            if before[-1].detail["seat"]:
                seated.append((before[-1].detail["seat"], user))
        elif _aware(user.created_at) > when or (history and history[0].action == "user.create"):
            continue  # no account yet
        elif not history:
            if user.seat:
                seated.append((user.seat, user))
        elif history[0].detail["seat"] is None:
            seated.append((None, user))
    seated.sort(key=lambda su: (SEAT_ORDER.get(su[0], 9), su[1].id))
    return seated


def seated_when_opened(session: Session, meeting: Meeting,
                       opened: datetime) -> list[tuple[str | None, User]]:
    """Who was seated when the meeting opened: the ids frozen then (`seated_member_ids`); only
    for meetings opened before that column existed (NULL) the audit log's reconstruction. The
    seat printed next to a frozen id is his current one (none if he has been unseated since)."""
    if meeting.seated_member_ids is None:
        return seated_at(session, meeting.community_id, opened)
    users = session.exec(select(User).where(User.id.in_(meeting.seated_member_ids or [-1]))).all()
    seated = [(u.seat, u) for u in users]
    seated.sort(key=lambda su: (SEAT_ORDER.get(su[0], 9), su[1].id))
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
    locale = i18n.get_locale()
    units = {u.id: u for u in session.exec(select(MemberUnit).where(
        MemberUnit.community_id == community_id)).all()}
    opened = meeting.opened_at or meeting.starts_at

    seated_users = seated_when_opened(session, meeting, opened)
    attendance = {a.user_id: a for a in session.exec(select(Attendance).where(
        Attendance.meeting_id == meeting.id)).all()}
    seated_ids = {u.id for _s, u in seated_users}
    seated = [_member(u, units, attendance.get(u.id), seat) for seat, u in seated_users]
    present = [m for m in seated if m.id in attendance]
    absent = [m for m in seated if m.id not in attendance]
    # Someone seated after the meeting opened who checked in still attended.
    # P counts only members seated when it opened (R7.1): the late ones are not in it.
    big_p = len(present)
    late_ids = set(attendance) - seated_ids
    without_vote: list[MinutesMember] = []
    if late_ids:
        late = session.exec(select(User).where(User.id.in_(late_ids))).all()
        without_vote = [_member(u, units, attendance[u.id], u.seat)
                        for u in sorted(late, key=lambda u: (SEAT_ORDER.get(u.seat, 9), u.id))]
        present += without_vote

    big_s = meeting.seated_at_open if meeting.seated_at_open is not None else len(seated)
    q = rules.quorum(big_s, big_p)
    seated_note = ""
    if len(seated) != big_s:
        seated_note = _("{s} members were seated when the meeting opened; the roster's history "
                        "names {n} of them.", s=big_s, n=len(seated))

    observers = [MinutesObserver(name=o.name, role=o.role) for o in session.exec(
        select(Observer).where(Observer.meeting_id == meeting.id).order_by(Observer.id)).all()]

    items_rows = session.exec(select(AgendaItem, Proposal)
                              .join(Proposal, Proposal.id == AgendaItem.proposal_id)
                              .where(AgendaItem.meeting_id == meeting.id)
                              .order_by(AgendaItem.position, AgendaItem.id)).all()
    ballots: dict[int, MinutesVotes] = {}
    open_ids = [item.id for item, _p in items_rows if item.method == "ballot"]
    if open_ids:
        rows = session.exec(select(Ballot, User).join(User, User.id == Ballot.voter_id)
                            .where(Ballot.item_id.in_(open_ids))).all()
        for ballot, voter in sorted(rows, key=lambda bu: (SEAT_ORDER.get(bu[1].seat, 9),
                                                          bu[1].id)):
            votes = ballots.setdefault(ballot.item_id, MinutesVotes())
            getattr(votes, ballot.choice).append(MinutesVoter(id=voter.id, name=voter.name))

    items = []
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
                   else None)))

    position = {i.id: i.number for i in items}
    resolutions = sorted(
        (MinutesResolution(id=r.id, item_id=r.item_id, title=r.title, responsible=r.responsible,
                           deadline=r.deadline, status=r.status)
         for r in session.exec(select(Resolution).where(
             Resolution.item_id.in_(list(position) or [-1]))).all()),
        key=lambda r: position[r.item_id])

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
        adoption_rule=_adoption_in_force(meeting, community, locale), without_vote=without_vote)


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


# --- .docx -----------------------------------------------------------------------------------

BODY_FONT = "宋体"  # SimSun: on every Chinese Windows and Office; LibreOffice maps it too
HEADING_FONT = "黑体"  # SimHei, the usual heading face of official documents
LATIN_FONT = "Times New Roman"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _set_fonts(style, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Word picks the font per script: w:eastAsia for Chinese, w:ascii/w:hAnsi for Latin. The
    theme attributes would override the names, so they go."""
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    style.font.name = latin
    style.font.color.rgb = RGBColor(0, 0, 0)
    rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asia)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)


def _set_default_fonts(doc) -> None:
    """The template's document defaults name theme fonts (a Latin face for Chinese text on
    many machines) and English as the East Asian language: name 宋体 and zh-CN there too, so
    tables and every style inherit them."""
    from docx.oxml.ns import qn

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if rpr is None:
        return
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is not None:
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        rfonts.set(qn("w:ascii"), LATIN_FONT)
        rfonts.set(qn("w:hAnsi"), LATIN_FONT)
        rfonts.set(qn("w:eastAsia"), BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _table(doc, header: list[str], rows: list[list[str]]):
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


def _names(members) -> str:
    return "、".join(m.name for m in members) if members else _("none")


def render_docx(minutes: Minutes) -> bytes:
    """The minutes as a Word document: headings, attendance and per-item tally tables, fonts
    that show Chinese properly in Word and WPS."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from meetingroom import labels

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    _set_default_fonts(doc)
    normal = doc.styles["Normal"]
    _set_fonts(normal, BODY_FONT)
    normal.font.size = Pt(12)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        _set_fonts(doc.styles[name], HEADING_FONT)
    doc.core_properties.title = _("Minutes: {title}", title=minutes.title)
    doc.core_properties.language = "zh-CN" if i18n.get_locale() == "zh_CN" else "en"

    heading = doc.add_heading(_("Minutes of the {kind} of {community}",
                                kind=_(labels.MEETING_KINDS.get(minutes.kind, minutes.kind)),
                                community=minutes.community), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(minutes.title).alignment = WD_ALIGN_PARAGRAPH.CENTER

    facts = [(_("Time"), _time(minutes.starts_at)),
             (_("Opened"), _time(minutes.opened_at)), (_("Closed"), _time(minutes.closed_at)),
             (_("Place"), minutes.location or "—"),
             (_("Kind"), _(labels.MEETING_KINDS.get(minutes.kind, minutes.kind))),
             (_("Rule"), minutes.kind_rule)]
    for label, value in facts:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value)

    doc.add_heading(_("Attendance"), level=1)
    doc.add_paragraph(_("Seated {s}, present {p}, absent {a}.", s=minutes.seated_count,
                        p=minutes.quorum.present, a=len(minutes.absent)))
    rows = []
    present_ids = {m.id for m in minutes.present}
    seated_ids = {m.id for m in minutes.seated}
    for m in minutes.seated + [m for m in minutes.present if m.id not in seated_ids]:
        if m.id in present_ids:
            state = _("present")
            if m.left_at:
                state = _("present, left at {time}", time=m.left_at.strftime("%H:%M"))
        else:
            state = _("absent")
        rows.append([m.name, _(labels.SEATS[m.seat]) if m.seat in labels.SEATS else "",
                     m.unit or "", state])
    _table(doc, [_("Name"), _("Seat"), _("Member unit"), _("Attendance")], rows)
    if minutes.seated_note:
        doc.add_paragraph(minutes.seated_note)
    doc.add_paragraph(_("Present: {names}", names=_names(minutes.present)))
    doc.add_paragraph(_("Absent: {names}", names=_names(minutes.absent)))
    doc.add_paragraph(minutes.quorum.sentence)
    if minutes.without_vote:
        doc.add_paragraph(_("Seated after the meeting opened, attended without a vote: {names}",
                            names=_names(minutes.without_vote)))
    doc.add_paragraph(_("Adoption rule in force: {rule}", rule=minutes.adoption_rule))
    if minutes.observers:
        doc.add_heading(_("Observers"), level=2)
        _table(doc, [_("Name"), _("Role")], [[o.name, o.role] for o in minutes.observers])

    doc.add_heading(_("Agenda and decisions"), level=1)
    for item in minutes.items:
        doc.add_heading(_("Item {n}: {title}", n=item.number, title=item.title), level=2)
        p = doc.add_paragraph()
        p.add_run(_(labels.PRINCIPLES.get(item.principle, item.principle)))
        p.add_run(" · " + _(VOTE_METHODS.get(item.method, item.method)))
        if item.tally is None:
            doc.add_paragraph(_("Not put to a vote."))
            continue
        t = item.tally
        _table(doc, [_("Agree"), _("Oppose"), _("Abstain"), _("Not voted"), _("Present")],
               [[t.agree, t.oppose, t.abstain, "—" if t.not_voted is None else t.not_voted,
                 "—" if t.eligible is None else t.eligible]])
        p = doc.add_paragraph()
        p.add_run(_("Outcome") + ": ").bold = True
        p.add_run(_(labels.OUTCOMES.get(item.outcome, item.outcome)))
        doc.add_paragraph(item.rule)
        if item.votes is not None:
            for choice in ("agree", "oppose", "abstain"):
                voters = getattr(item.votes, choice)
                doc.add_paragraph(f"{_(labels.CHOICES[choice])} ({len(voters)}): "
                                  f"{_names(voters)}")
        elif item.method == "secret":
            doc.add_paragraph(_("Secret ballot: only the counts are recorded (R7.6)."))
        elif item.method == "hands":
            doc.add_paragraph(_("Show of hands: the counts were entered by the secretary (R7.6)."))

    doc.add_heading(_("Resolutions"), level=1)
    if minutes.resolutions:
        _table(doc, [_("Resolution"), _("Responsible"), _("Deadline"), _("Status")],
               [[r.title, r.responsible or "—", r.deadline.isoformat() if r.deadline else "—",
                 _(labels.RESOLUTION_STATUSES.get(r.status, r.status))]
                for r in minutes.resolutions])
    else:
        doc.add_paragraph(_("No resolution was adopted."))

    doc.add_heading(_("Ballot log"), level=1)
    doc.add_paragraph(f"{_('Digest (SHA-256)')}: {minutes.ballot_log.digest}")
    doc.add_paragraph(_("Entries: {n}", n=minutes.ballot_log.entries))
    doc.add_paragraph(minutes.ballot_log.how_to_verify)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
