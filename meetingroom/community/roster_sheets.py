"""The roster, member units and good deeds as spreadsheets, and the roster imported from one.

Import is two steps, as offices work: the upload is read and every row checked (nothing is
written); the preview shows each row's errors; the secretary then imports — all rows, only when
every row is valid, or the valid rows with the bad ones skipped. The checked rows wait between the
two steps in a small file under DATA_DIR/imports, bound to the secretary who uploaded them, and
are checked again when imported (the roster may have changed meanwhile). The writes go through the
same services as the roster form, in one transaction: one failure writes nothing."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from meetingroom import i18n, labels
from meetingroom.auth.service import (
    check_name,
    check_password,
    check_phone,
    create_user,
    list_users,
    require_secretary,
)
from meetingroom.community import notice
from meetingroom.community.spreadsheets import read_rows, workbook
from meetingroom.errors import DomainError, Forbidden, Invalid, NotFound
from meetingroom.i18n import gettext as _
from meetingroom.labels import N_
from meetingroom.models import AppointmentStep, MemberUnit, User
from meetingroom.settings import get_settings

PREVIEW_TTL = 3600  # seconds a checked upload waits for the secretary
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - letters, not a password

# The columns the import understands: each with the headers it recognises (zh, en, code).
COLUMNS = {
    "name": ("姓名", "name"),
    "phone": ("手机号", "手机号码", "手机", "电话", "mobile number", "mobile", "phone"),
    "address": ("地址", "住址", "address"),
    "seat": ("席位", "委员席位", "seat"),
    "unit": ("成员单位", "单位", "member unit", "unit"),
    "party_member": ("党员", "是否党员", "party member", "party_member"),
    "post": ("职务", "post"),
    "password": ("初始密码", "密码", "initial password", "password"),
}
# Short forms an office writes besides the labels the app shows.
SEAT_ALIASES = {"书记": "chair", "主任委员": "chair", "专职": "full_time", "兼职": "part_time"}
POST_ALIASES = {"书记": "party_secretary", "党组织书记": "party_secretary",
                "党委书记": "party_secretary", "副书记": "deputy_secretary",
                "党组织副书记": "deputy_secretary", "居委会主任": "director", "主任": "director"}
YES = {"是", "党员", "yes", "y", "true", "1", "✓", "√", "x"}
NO = {"否", "", "no", "n", "false", "0", "群众"}


def _key(text: str) -> str:
    return re.sub(r"[\s（）()：:*]", "", text or "").lower()


def _lookup(table: dict[str, str], aliases: dict[str, str] | None = None) -> dict[str, str]:
    """code → label(msgid) becomes every way of writing it → code (zh, en, code)."""
    out: dict[str, str] = {_key(k): v for k, v in (aliases or {}).items()}
    for code, msgid in table.items():
        out[_key(code)] = code
        out[_key(msgid)] = code
        token = i18n.set_locale("zh_CN")
        try:
            out[_key(i18n.gettext(msgid))] = code
        finally:
            i18n.reset_locale(token)
    return out


# ------------------------------------------------------------------------------------ export


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def roster_xlsx(session: Session, *, actor: User) -> bytes:
    """The secretary exports the roster: everyone registered, with seat, post, unit, roles and
    how far his R2.2 record has come."""
    require_secretary(actor)
    users = list_users(session, actor=actor, limit=100_000, offset=0, query="").items
    units = {u.id: u.name for u in session.exec(select(MemberUnit).where(
        MemberUnit.community_id == actor.community_id)).all()}
    records = notice.member_records(session, [u.id for u in users])
    steps: dict[int, int] = {}
    for uid in session.exec(select(AppointmentStep.user_id).where(
            AppointmentStep.community_id == actor.community_id)).all():
        steps[uid] = steps.get(uid, 0) + 1
    header = [_("Name"), _("Mobile number"), _("Address"), _("Seat on the committee"), _("Post"),
              _("Member unit"), _("Party member"), _("Secretary"), _("Appointment record"),
              _("Registered")]
    rows = []
    for u in users:
        record = records.get(u.id)
        if record and record.before_record:
            progress = _("Appointed before the record began")
        elif u.seat in (None, "part_time") and steps.get(u.id):
            progress = _("{n} of 5 steps", n=steps[u.id])
        else:
            progress = ""
        rows.append([u.name, u.phone, u.address,
                     _(labels.SEATS[u.seat]) if u.seat in labels.SEATS else "",
                     _(notice.POST_LABELS[record.post]) if record and record.post else "",
                     units.get(u.unit_id, ""), yes_no(u.is_party_member),
                     yes_no(u.is_secretary), progress,
                     u.created_at.strftime("%Y-%m-%d") if u.created_at else ""])
    return workbook([(_("Roster"), header, rows)], title=_("Roster"))


def units_xlsx(session: Session, *, actor: User) -> bytes:
    """The member units with their profile; contact details only for the secretary and
    committee members (R5.6), like every other view of them."""
    from meetingroom.units import service as units_service

    units_service.require_staff(actor)
    units = list(session.exec(select(MemberUnit).where(
        MemberUnit.community_id == actor.community_id).order_by(MemberUnit.name)).all())
    members = units_service.part_time_members(session, community_id=actor.community_id)
    header = [_("Unit name"), _("Kind"), _("Party organisation"), _("Higher organisation"),
              _("Address"), _("Head of its party organisation"), _("Contact person"),
              _("Contact phone"), _("Part-time members"), _("Reported in on")]
    rows = [[u.name, _(labels.UNIT_KINDS.get(u.kind, "Other")), u.party_org, u.higher_org,
             u.address, u.party_head, u.contact_name, u.contact_phone,
             "、".join(m.name for m in members.get(u.id, [])),
             u.reported_on.isoformat() if u.reported_on else ""] for u in units]
    return workbook([(_("Member units"), header, rows)], title=_("Member units"))


def deeds_xlsx(session: Session, *, community_id: int, year: int | None = None) -> bytes:
    """The good deeds (public, R5.2), newest first; one year or all."""
    from meetingroom.models import UnitDeed

    query = select(UnitDeed).where(UnitDeed.community_id == community_id)
    if year is not None:
        from datetime import date

        query = query.where(UnitDeed.done_on >= date(year, 1, 1),
                            UnitDeed.done_on <= date(year, 12, 31))
    deeds = session.exec(query.order_by(UnitDeed.done_on.desc(), col(UnitDeed.id).desc())
                         .limit(20_000)).all()
    units = {u.id: u.name for u in session.exec(select(MemberUnit).where(
        MemberUnit.community_id == community_id)).all()}
    header = [_("Date"), _("Member unit"), _("Good deed"), _("For whom"), _("What was done"),
              _("From a project"), _("Thanks")]
    rows = [[d.done_on.isoformat(), units.get(d.unit_id, ""), d.title, d.beneficiaries, d.detail,
             yes_no(d.project_id is not None), d.thanks] for d in deeds]
    return workbook([(_("Good deeds"), header, rows)], title=_("Good deeds"))


# ------------------------------------------------------------------------------------ import


@dataclass
class Row:
    line: int  # as the spreadsheet numbers it (the header is line 1)
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    token: str
    filename: str
    columns: list[str]  # the column codes found, in order
    rows: list[Row]
    unknown: list[str] = field(default_factory=list)  # headers not understood (ignored)

    @property
    def valid(self) -> list[Row]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]


def _folder() -> Path:
    folder = get_settings().data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _columns(header: list[str]) -> tuple[dict[int, str], list[str]]:
    known = {_key(alias): code for code, aliases in COLUMNS.items() for alias in aliases}
    # The template's own headers, in either language, whatever their translation says.
    for code, msgid in zip(TEMPLATE_CODES, TEMPLATE_HEADER, strict=True):
        known.update({k: code for k in _lookup({code: msgid})})
    found: dict[int, str] = {}
    unknown = []
    for i, text in enumerate(header):
        code = known.get(_key(text))
        if code and code not in found.values():
            found[i] = code
        elif text:
            unknown.append(text)
    return found, unknown


def check_rows(session: Session, actor: User, rows: list[Row]) -> list[Row]:
    """Check every row as the roster form would, plus duplicates within the file; no writes."""
    seats = _lookup(labels.SEATS, SEAT_ALIASES)
    posts = _lookup(notice.POST_LABELS, POST_ALIASES)
    units = {_key(u.name): u.id for u in session.exec(select(MemberUnit).where(
        MemberUnit.community_id == actor.community_id)).all()}
    phones_in_file: dict[str, int] = {}
    wanted = [r.values.get("phone", "").strip() for r in rows]
    taken = set(session.exec(select(User.phone).where(
        User.community_id == actor.community_id, col(User.phone).in_(wanted))).all()) if wanted \
        else set()
    for row in rows:
        v = row.values
        row.errors = []

        def check(fn, *args, row=row):
            try:
                return fn(*args)
            except DomainError as exc:
                row.errors.append(_(exc.message, **exc.params))
                return None

        check(check_name, v.get("name", ""))
        phone = check(check_phone, v.get("phone", "").strip())
        if phone:
            if phone in taken:
                row.errors.append(_("An account with this phone number already exists."))
            elif phone in phones_in_file:
                row.errors.append(_("The same phone number as line {n}.",
                                    n=phones_in_file[phone]))
            phones_in_file.setdefault(phone, row.line)
        if len(v.get("address", "")) > 200:
            row.errors.append(_("The address may have at most {n} characters.", n=200))
        if v.get("seat") and _key(v["seat"]) not in seats:
            row.errors.append(_("Unknown seat “{value}”.", value=v["seat"]))
        if v.get("unit") and _key(v["unit"]) not in units:
            row.errors.append(_("No member unit is called “{value}”; add it on the roster "
                                "first.", value=v["unit"]))
        party = _key(v.get("party_member", ""))
        if party not in YES and party not in NO:
            row.errors.append(_("Party member: write yes or no."))
        if v.get("post"):
            code = posts.get(_key(v["post"]))
            if code is None:
                row.errors.append(_("Unknown post “{value}”.", value=v["post"]))
            elif code == "director" and party not in YES:
                row.errors.append(_("The residents' committee director sits on the committee "
                                    "as a party member: mark him as one first."))
        if v.get("password"):
            check(check_password, v["password"], v.get("phone", ""))
    return rows


def preview_import(session: Session, *, actor: User, content: bytes,
                   filename: str) -> Preview:
    """The secretary uploads a roster: every row is read and checked; nothing is written."""
    require_secretary(actor)
    table = read_rows(content, filename)
    if not table:
        raise Invalid("The file has no rows.", field="file")
    columns, unknown = _columns(table[0])
    if "name" not in columns.values() or "phone" not in columns.values():
        raise Invalid("The first row must name the columns, as in the template: the name and "
                      "the mobile number are required.", field="file")
    rows = [Row(line=i + 2, values={code: (cells[i_col] if i_col < len(cells) else "")
                                    for i_col, code in columns.items()})
            for i, cells in enumerate(table[1:])]
    if not rows:
        raise Invalid("The file has no rows.", field="file")
    check_rows(session, actor, rows)
    token = secrets.token_urlsafe(18)
    preview = Preview(token, filename[:200], list(columns.values()), rows, unknown)
    _sweep()
    (_folder() / f"{token}.json").write_text(json.dumps({
        "owner": actor.id, "community": actor.community_id, "at": time.time(),
        "filename": preview.filename, "columns": preview.columns, "unknown": unknown,
        "rows": [asdict(r) for r in rows]}, ensure_ascii=False))
    return preview


def _sweep() -> None:
    """Old previews go: an upload waits an hour at most."""
    for path in _folder().glob("*.json"):
        try:
            if time.time() - path.stat().st_mtime > PREVIEW_TTL:
                path.unlink()
        except OSError:
            pass


def load_preview(session: Session, *, actor: User, token: str) -> Preview:
    """The checked upload, checked again against the roster as it is now."""
    require_secretary(actor)
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,40}", token or ""):
        raise NotFound("This upload has expired; upload the file again.")
    path = _folder() / f"{token}.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        raise NotFound("This upload has expired; upload the file again.") from None
    if data["owner"] != actor.id or data["community"] != actor.community_id:
        raise Forbidden()
    if time.time() - data["at"] > PREVIEW_TTL:
        raise NotFound("This upload has expired; upload the file again.")
    rows = [Row(line=r["line"], values=r["values"]) for r in data["rows"]]
    check_rows(session, actor, rows)
    return Preview(token, data["filename"], data["columns"], rows, data.get("unknown", []))


@dataclass
class Imported:
    user: User
    password: str  # generated when the file gave none; shown once to the secretary
    generated: bool


def run_import(session: Session, *, actor: User, token: str,
               skip_invalid: bool) -> tuple[Preview, list[Imported] | None]:
    """The secretary imports a checked upload: every row when all are valid, or only the valid
    rows when he chose to skip the bad ones. Returns (preview, None) when nothing was written."""
    preview = load_preview(session, actor=actor, token=token)
    if preview.invalid and not skip_invalid:
        return preview, None
    if not preview.valid:
        return preview, None
    seats = _lookup(labels.SEATS, SEAT_ALIASES)
    posts = _lookup(notice.POST_LABELS, POST_ALIASES)
    units = {_key(u.name): u.id for u in session.exec(select(MemberUnit).where(
        MemberUnit.community_id == actor.community_id)).all()}
    done = []
    for row in preview.valid:
        v = row.values
        password = v.get("password") or "".join(secrets.choice(PASSWORD_ALPHABET)
                                                for _i in range(10))
        user = create_user(session, actor=actor, name=v["name"], phone=v["phone"].strip(),
                           password=password, address=v.get("address", ""),
                           seat=seats.get(_key(v.get("seat", ""))) if v.get("seat") else None,
                           unit_id=units.get(_key(v.get("unit", ""))) if v.get("unit")
                           else None,
                           is_party_member=_key(v.get("party_member", "")) in YES,
                           is_secretary=False)
        if v.get("post"):
            notice.set_post(session, actor=actor, user_id=user.id,
                            post=posts[_key(v["post"])])
        done.append(Imported(user, password, not v.get("password")))
    from meetingroom.db import after_commit

    after_commit(session, lambda: (_folder() / f"{token}.json").unlink(missing_ok=True))
    return preview, done


TEMPLATE_HEADER = [N_("Name"), N_("Mobile number"), N_("Address"), N_("Seat on the committee"),
                   N_("Member unit"), N_("Party member"), N_("Post"), N_("Initial password")]
TEMPLATE_CODES = ["name", "phone", "address", "seat", "unit", "party_member", "post", "password"]


def template_xlsx() -> bytes:
    """An empty roster to fill in, with one example row."""
    header = [_(h) for h in TEMPLATE_HEADER]
    example = [_("Wang Fang"), "13900000000", "", _(labels.SEATS["part_time"]), "", _("Yes"),
               "", ""]
    return workbook([(_("Roster"), header, [example])], title=_("Roster"))
