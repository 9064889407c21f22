"""Community, roster (R1.1 warnings) and member units."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from meetingroom import audit
from meetingroom.auth.service import require_secretary
from meetingroom.db import insert_once
from meetingroom.errors import Conflict, Invalid, NotFound
from meetingroom.models import Category, Community, MemberUnit, User

DEFAULT_SLUG = "default"
UNIT_KINDS = ("school", "firm", "hospital", "police", "property", "owners_committee",
              "social_org", "party_org", "mosque", "other")
# The unit's profile (R5) besides name and kind: field -> longest length.
UNIT_PROFILE = {"contact_name": 50, "contact_phone": 20, "party_org": 100, "higher_org": 100,
                "address": 200, "party_head": 50}
DEFAULT_CATEGORIES = [
    ("environment", "环境卫生", "Environment"),
    ("safety", "治安安全", "Safety"),
    ("facilities", "公共设施", "Facilities"),
    ("parking", "停车交通", "Parking"),
    ("elderly", "养老助老", "Elderly care"),
    ("other", "其他", "Other"),
]


def ensure_default_community(session: Session, name: str = "幸福社区") -> Community:
    """The community every page uses until a deployment adds more; created on first start."""
    community = session.exec(select(Community).where(Community.slug == DEFAULT_SLUG)).first()
    if community is None:
        community = Community(name=name, slug=DEFAULT_SLUG)
        if not insert_once(session, community):  # another worker created it first
            community = session.exec(select(Community).where(Community.slug == DEFAULT_SLUG)).one()
    if not session.exec(select(Category.id).where(Category.community_id == community.id)).first():
        for position, (code, zh, en) in enumerate(DEFAULT_CATEGORIES):
            session.add(Category(community_id=community.id, code=code, name_zh=zh, name_en=en,
                                 position=position))
    return community


# Built once: every visitor's API request reads it (CurrentCommunity), and a statement built
# per call cost its building and SQLAlchemy's cache-key walk, ~0.1-0.2 ms (issue 11).
_DEFAULT = select(Community).where(Community.slug == DEFAULT_SLUG)


def default_community(session: Session) -> Community:
    community = session.exec(_DEFAULT).first()
    return community or ensure_default_community(session)


def get_community(session: Session, community_id: int) -> Community:
    community = session.get(Community, community_id)
    if community is None:
        raise NotFound("No such community.")
    return community


@dataclass
class Warning:
    rule: str
    message: str  # an English msgid; `params` fill it
    params: dict = field(default_factory=dict)


@dataclass
class Committee:
    members: list[User]
    units: dict[int, MemberUnit]
    warnings: list[Warning]

    @property
    def seated(self) -> int:
        return len(self.members)

    def by_seat(self, seat: str) -> list[User]:
        return [m for m in self.members if m.seat == seat]


SEAT_ORDER = {"chair": 0, "full_time": 1, "part_time": 2}


def roster_warnings(members: list[User]) -> list[Warning]:
    """R1.1: 9–11 members, 1–2 full-time, 7–9 part-time, one chair. Warnings, never blocks."""
    total = len(members)
    chairs = sum(1 for m in members if m.seat == "chair")
    full = sum(1 for m in members if m.seat == "full_time")
    part = sum(1 for m in members if m.seat == "part_time")
    warnings = []
    if not 9 <= total <= 11:
        warnings.append(Warning("R1.1", "The committee has {n} members; in principle it has 9 to "
                                "11.", {"n": total}))
    # The chair is usually also the community's party secretary, i.e. one of the full-time
    # members (R1.3); we count him with them for the 1–2 range.
    if not 1 <= full + chairs <= 3 or full > 2:
        warnings.append(Warning("R1.1", "There are {n} full-time members; in principle there are "
                                "1 to 2.", {"n": full}))
    if not 7 <= part <= 9:
        warnings.append(Warning("R1.1", "There are {n} part-time members; in principle there are "
                                "7 to 9.", {"n": part}))
    if chairs != 1:
        warnings.append(Warning("R1.1", "The committee should have exactly one chair; it has {n}.",
                                {"n": chairs}))
    no_unit = [m.name for m in members if m.seat == "part_time" and m.unit_id is None]
    if no_unit:
        warnings.append(Warning("R1.2", "Part-time members without a member unit: {names}.",
                                {"names": ", ".join(no_unit)}))
    return warnings


def committee(session: Session, community_id: int) -> Committee:
    """The seated members (S) by seat, their units and the R1 and R2.2 warnings."""
    members = session.exec(select(User).where(User.community_id == community_id,
                                              col(User.seat).is_not(None),
                                              User.is_active)).all()
    members = sorted(members, key=lambda m: (SEAT_ORDER.get(m.seat, 9), m.id))
    units = {u.id: u for u in session.exec(select(MemberUnit).where(
        MemberUnit.community_id == community_id)).all()}
    from meetingroom.community.appointment import notice_warnings
    from meetingroom.community.notice import post_warnings

    return Committee(members=members, units=units,
                     warnings=roster_warnings(members) + post_warnings(session, members)
                     + notice_warnings(session, members))


def seated_count(session: Session, community_id: int) -> int:
    from sqlalchemy import func

    return session.exec(select(func.count()).select_from(User).where(
        User.community_id == community_id, col(User.seat).is_not(None), User.is_active)).one()


def list_units(session: Session, community_id: int) -> list[MemberUnit]:
    return list(session.exec(select(MemberUnit).where(MemberUnit.community_id == community_id)
                             .order_by(MemberUnit.name)).all())


def _check_unit_fields(name: str, kind: str, profile: dict) -> tuple[str, str, dict]:
    from meetingroom.units.service import a_date, text

    name = (name or "").strip()
    if not name:
        raise Invalid("Enter the unit's name.", field="name")
    if len(name) > 100:
        raise Invalid("The name may have at most {n} characters.", field="name", n=100)
    if kind not in UNIT_KINDS:
        raise Invalid("Unknown kind of unit.", field="kind")
    unknown = set(profile) - set(UNIT_PROFILE) - {"reported_on"}
    if unknown:
        raise Invalid("Unknown field.", field=sorted(unknown)[0])
    checked: dict = {key: text(profile.get(key), field=key, max_len=n, required=False,
                               multiline=False) for key, n in UNIT_PROFILE.items()}
    reported_on = profile.get("reported_on")
    checked["reported_on"] = a_date(reported_on, field="reported_on") if reported_on else None
    return name, kind, checked


def add_unit(session: Session, *, actor: User, name: str, kind: str = "other",
             **profile) -> MemberUnit:
    """The secretary records a member unit (成员单位) and its profile (R5)."""
    require_secretary(actor)
    name, kind, checked = _check_unit_fields(name, kind, profile)
    unit = MemberUnit(community_id=actor.community_id, name=name, kind=kind, **checked)
    if not insert_once(session, unit):
        raise Conflict("A member unit with this name already exists.")
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="unit.create", entity="member_unit", entity_id=unit.id, name=name)
    return unit


def update_unit(session: Session, *, actor: User, unit_id: int, name: str, kind: str,
                **profile) -> MemberUnit:
    """The secretary edits a member unit and its profile (fields left out become empty)."""
    require_secretary(actor)
    unit = session.get(MemberUnit, unit_id)
    if unit is None or unit.community_id != actor.community_id:
        raise NotFound("No such member unit.")
    unit.name, unit.kind, checked = _check_unit_fields(name, kind, profile)
    for key, value in checked.items():
        setattr(unit, key, value)
    session.add(unit)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("A member unit with this name already exists.") from None
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="unit.update", entity="member_unit", entity_id=unit.id, name=unit.name)
    return unit
