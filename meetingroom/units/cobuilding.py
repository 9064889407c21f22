"""The committee's periodic co-building report (共建情况报告, R5.3) on one unit to its higher
organisation, drawn from the contacts, projects, deeds, annual reports and reminder talks of the
period, as a Word document in the same type as the minutes (宋体/黑体, A4)."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote

from sqlmodel import Session, col, select

from meetingroom import i18n
from meetingroom.errors import Invalid
from meetingroom.i18n import gettext as _
from meetingroom.labels import UNIT_KINDS
from meetingroom.meetings.minutes import (
    BODY_FONT,
    DOCX_TYPE,
    HEADING_FONT,
    docx_table,
    paragraph_style,
    set_default_fonts,
    set_fonts,
)
from meetingroom.models import (
    Community,
    ProjectUnit,
    UnitContact,
    UnitDeed,
    UnitProject,
    UnitReminder,
    UnitReport,
    User,
)
from meetingroom.units import service

DOCX = DOCX_TYPE
MAX_DAYS = 3 * 366 + 1  # a report covers at most three years


def check_period(start: date, end: date) -> tuple[date, date]:
    start = service.a_date(start, field="start")
    end = service.a_date(end, field="end", future_ok=True)
    if end < start:
        raise Invalid("The period ends before it starts.", field="end")
    if (end - start).days > MAX_DAYS:
        raise Invalid("A report covers at most three years.", field="end")
    return start, end


def gather(session: Session, *, actor: User | None, unit_id: int, start: date,
           end: date) -> dict:
    """What the unit and the committee did together between `start` and `end` (inclusive)."""
    actor = service.require_staff(actor)
    start, end = check_period(start, end)
    unit = service.get_unit(session, community_id=actor.community_id, unit_id=unit_id)
    contacts = session.exec(select(UnitContact).where(
        UnitContact.unit_id == unit.id, UnitContact.held_on >= start, UnitContact.held_on <= end)
        .order_by(UnitContact.held_on, UnitContact.id)).all()
    deeds = session.exec(select(UnitDeed).where(
        UnitDeed.unit_id == unit.id, UnitDeed.done_on >= start, UnitDeed.done_on <= end)
        .order_by(UnitDeed.done_on, UnitDeed.id)).all()
    taken = select(ProjectUnit.project_id).where(ProjectUnit.unit_id == unit.id)
    projects = [p for p in session.exec(select(UnitProject).where(
        col(UnitProject.id).in_(taken)).order_by(UnitProject.started_on, UnitProject.id)).all()
        if p.started_on <= end and (p.done_on is None or p.done_on >= start)]
    reports = session.exec(select(UnitReport).where(
        UnitReport.unit_id == unit.id, UnitReport.given_on >= start, UnitReport.given_on <= end)
        .order_by(UnitReport.given_on)).all()
    reminders = session.exec(select(UnitReminder).where(
        UnitReminder.unit_id == unit.id, UnitReminder.held_on >= start,
        UnitReminder.held_on <= end).order_by(UnitReminder.held_on)).all()
    return {"unit": unit, "community": session.get(Community, actor.community_id),
            "start": start, "end": end, "contacts": list(contacts), "deeds": list(deeds),
            "projects": projects, "reports": list(reports), "reminders": list(reminders),
            "names": service.user_names(session, [r.member_id for r in reports])}


def render(data: dict) -> bytes:
    """The report as a Word document."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    unit, community = data["unit"], data["community"]
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    set_default_fonts(doc)
    set_fonts(paragraph_style(doc, "Normal"), BODY_FONT)
    paragraph_style(doc, "Normal").font.size = Pt(12)
    for name in ("Title", "Heading 1", "Heading 2"):
        set_fonts(paragraph_style(doc, name), HEADING_FONT)
    title = _("Report on co-building with {unit}", unit=unit.name)
    doc.core_properties.title = title
    doc.core_properties.language = "zh-CN" if i18n.get_locale() == "zh_CN" else "en"
    doc.add_heading(title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    period = _("{start} to {end}", start=data["start"].isoformat(), end=data["end"].isoformat())
    doc.add_paragraph(period).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(_("To: {org}", org=unit.higher_org or _("its higher organisation")))
    doc.add_paragraph(_("From: the joint party committee of {community}",
                        community=community.name))
    facts = [(_("Unit"), unit.name), (_("Kind"), _(UNIT_KINDS.get(unit.kind, "Other"))),
             (_("Party organisation"), unit.party_org or "—"),
             (_("Head of its party organisation"), unit.party_head or "—"),
             (_("Reported in on"), unit.reported_on.isoformat() if unit.reported_on else "—")]
    for label, value in facts:
        p = doc.add_paragraph()
        p.add_run(_("{label}: ", label=label)).bold = True
        p.add_run(value)

    doc.add_heading(_("Summary"), level=1)
    doc.add_paragraph(_("In this period: {contacts} contacts, {projects} projects taken on, "
                        "{deeds} good deeds, {reports} annual reports, {reminders} reminder "
                        "talks.", contacts=len(data["contacts"]), projects=len(data["projects"]),
                        deeds=len(data["deeds"]), reports=len(data["reports"]),
                        reminders=len(data["reminders"])))
    sections = [
        (_("Contacts (R5.1)"), [_("Date"), _("Direction"), _("Who"), _("What was raised")],
         [[c.held_on.isoformat(), _(service.DIRECTIONS[c.direction]), c.who, c.note or "—"]
          for c in data["contacts"]]),
        (_("Projects taken on (R5.5)"), [_("Started"), _("Project"), _("Status"), _("Completed")],
         [[p.started_on.isoformat(), p.title, _(service.PROJECT_STATUS_LABELS[p.status]),
           p.done_on.isoformat() if p.done_on else "—"] for p in data["projects"]]),
        (_("Good deeds (R5.2)"), [_("Date"), _("Good deed"), _("For whom"), _("Thanks")],
         [[d.done_on.isoformat(), d.title, d.beneficiaries or "—", str(d.thanks)]
          for d in data["deeds"]]),
        (_("Annual reports (R5.3)"), [_("Given on"), _("Year"), _("Member")],
         [[r.given_on.isoformat(), str(r.year), data["names"].get(r.member_id, "")]
          for r in data["reports"]]),
        (_("Reminder talks (R5.3)"), [_("Date"), _("Held by"), _("Reason"), _("Outcome")],
         [[r.held_on.isoformat(), _(service.REMINDER_BY_LABELS[r.held_by]), r.reason,
           r.outcome or "—"] for r in data["reminders"]]),
    ]
    for heading, header, rows in sections:
        doc.add_heading(heading, level=1)
        if rows:
            docx_table(doc, header, rows)
        else:
            doc.add_paragraph(_("None in this period."))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def report_docx(session: Session, *, actor: User | None, unit_id: int, start: date,
                end: date) -> tuple[bytes, str]:
    """The report's bytes and its download name."""
    data = gather(session, actor=actor, unit_id=unit_id, start=start, end=end)
    name = _("co-building report") + f"-{data['unit'].name}-{start:%Y%m%d}-{end:%Y%m%d}.docx"
    return render(data), name


def disposition(filename: str) -> str:
    """An ASCII fallback name and the real (Chinese) one, per RFC 6266."""
    return f'attachment; filename="cobuilding-report.docx"; filename*=UTF-8\'\'{quote(filename)}'
