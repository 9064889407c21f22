"""The review's result sheets (R5.4): per unit, for its higher organisation (抄报); the committee's,
for the street party working committee; as .docx (python-docx) and .xlsx (openpyxl), and every
score as one workbook."""

from __future__ import annotations

import io

from fastapi.responses import Response
from sqlmodel import Session

from meetingroom.community.spreadsheets import download, workbook
from meetingroom.errors import Conflict
from meetingroom.i18n import gettext as _
from meetingroom.labels import N_
from meetingroom.meetings.minutes import (
    BODY_FONT,
    DOCX_TYPE,
    HEADING_FONT,
    docx_table,
    paragraph_style,
    set_default_fonts,
    set_fonts,
)
from meetingroom.models import Community
from meetingroom.units import review as service

GRADES = {"excellent": N_("Excellent"), "good": N_("Good"), "pass": N_("Pass"),
          "fail": N_("Fail")}
SIDES = {"unit": N_("Member units"), "committee": N_("The committee")}
ROLES = {"member": N_("Committee member"), "resident_rep": N_("Residents' representative"),
         "party_rep": N_("Party members' representative"),
         "unit_rep": N_("Unit's representative")}


def num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


class Sheet:
    """What one result sheet says, in the reader's language."""

    def __init__(self, session: Session, b: service.Board, subject_id: int):
        if b.hidden or b.review.status != "closed":
            raise Conflict("The result sheets are printed once the review is closed.",
                           rule="R5.4")
        self.board = b
        self.result = r = b.result(subject_id)
        self.subject = s = r.subject
        review = b.review
        community = session.get(Community, review.community_id)
        self.community = community.name
        self.criteria = b.criteria[s.side]
        if s.side == "unit":
            unit = b.units_by_id.get(s.unit_id)
            # The unit's profile names its higher organisation (上级党组织); until it is filled
            # in, the sheet says "its higher party organisation".
            higher = unit.higher_org if unit else ""
            self.to = _("To (copy): {org}", org=higher or _("its higher party organisation"))
            self.title = _("Two-way review {year}: result of {name}", year=review.year,
                           name=s.name)
        else:
            self.to = _("To: the street party working committee")
            self.title = _("Two-way review {year}: result of the committee of {community}",
                           year=review.year, community=community.name)
        self.facts = [
            (_("Subject"), s.name),
            (_("Held on"), review.held_on.isoformat() if review.held_on else "—"),
            (_("Scoring"), _("Secret") if review.secret else _("Open (named)")),
            (_("Scorers"), _("{n} of {m}", n=r.sheets, m=r.expected)),
            (_("Weighted score"), num(r.score)),
            (_("Grade"), _(GRADES[r.grade]) if r.grade else "—"),
        ]
        if r.rank is not None:
            self.facts.append((_("Place among the units"),
                               _("{n} of {m}", n=r.rank, m=len(b.units))))
        self.header = [_("Criterion"), _("Weight (%)"), _("Average points (0–100)"),
                       _("Weighted points")]
        self.rows = []
        for c in self.criteria:
            avg = (r.averages or {}).get(c.id)
            self.rows.append([c.name, str(c.weight), num(avg),
                              num(None if avg is None else c.weight * avg / 100)])
        self.rows.append([_("Total"), "100", "", num(r.score)])
        self.signature = _("The joint party committee of {community}", community=self.community)
        self.date = review.closed_at.date().isoformat() if review.closed_at else ""


def render_docx(sheet: Sheet) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    set_default_fonts(doc)
    set_fonts(paragraph_style(doc, "Normal"), BODY_FONT)
    paragraph_style(doc, "Normal").font.size = Pt(12)
    for name in ("Title", "Heading 1"):
        set_fonts(paragraph_style(doc, name), HEADING_FONT)
    doc.core_properties.title = sheet.title
    heading = doc.add_heading(sheet.title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(sheet.to)
    for label, value in sheet.facts:
        p = doc.add_paragraph()
        p.add_run(_("{label}:", label=label) + " ").bold = True
        p.add_run(value)
    docx_table(doc, sheet.header, sheet.rows)
    doc.add_paragraph()
    for text in (sheet.signature, sheet.date):
        doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_xlsx(sheet: Sheet) -> bytes:
    facts = [[sheet.title], [sheet.to]] + [[label, value] for label, value in sheet.facts]
    return workbook([(_("Result"), sheet.header, sheet.rows),
                     (_("About"), [_("Item"), _("Value")], facts[2:] + [
                         [_("Title"), sheet.title], [_("Sent to"), sheet.to],
                         [_("Issued by"), sheet.signature], [_("Date"), sheet.date]])],
                    title=sheet.title)


def sheet_response(session: Session, b: service.Board, subject_id: int, fmt: str) -> Response:
    sheet = Sheet(session, b, subject_id)
    name = f"{sheet.title}.{fmt}"
    if fmt == "docx":
        return download(render_docx(sheet), name, DOCX_TYPE)
    return download(render_xlsx(sheet), name)


def scores_xlsx(session: Session, b: service.Board) -> bytes:
    """Every subject's count and (when shown) averages and weighted score; an open review's
    named sheets on a second sheet."""
    sheets = []
    for side in ("unit", "committee"):
        criteria = b.criteria[side]
        header = [_("Subject"), _("Scored by"), *[f"{c.name} ({c.weight}%)" for c in criteria],
                  _("Weighted score"), _("Grade"), _("Place")]
        rows = []
        for r in (b.units if side == "unit" else [b.committee] if b.committee else []):
            rows.append([r.subject.name, r.sheets,
                         *[(r.averages or {}).get(c.id) for c in criteria],
                         r.score, _(GRADES[r.grade]) if r.grade else "", r.rank])
        sheets.append((_(SIDES[side]), header, rows))
    named = service.named_sheets(session, b.review)
    if named and not b.hidden:
        by_id = {c.id: c for side in b.criteria.values() for c in side}
        header = [_("Subject"), _("Scorer"), _("Criterion"), _("Points")]
        rows = [[s.subject.name, s.scorer.name, by_id[cid].name, pts]
                for s in named for cid, pts in s.marks.items()]
        sheets.append((_("Every score"), header, rows))
    return workbook(sheets, title=_("Two-way review {year}", year=b.review.year))


def xlsx_response(content: bytes, filename: str) -> Response:
    return download(content, filename)
