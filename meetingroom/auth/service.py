"""Accounts and roles: register, authenticate, create and edit users. Permission checks here."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from meetingroom import audit
from meetingroom.auth import credentials
from meetingroom.auth.ratelimit import limiter, login_rules
from meetingroom.auth.security import hash_password, verify_password
from meetingroom.db import insert_once
from meetingroom.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from meetingroom.models import SEATS, MemberUnit, PasswordReset, User, utcnow
from meetingroom.pagination import Order, Page, paginate

PHONE_RE = re.compile(r"^1\d{10}$")  # mainland mobile numbers: 11 digits starting with 1
MIN_PASSWORD = 8
# zxcvbn's score: 3 means "safely unguessable against online attacks" (about 10^8 guesses).
MIN_STRENGTH = 3
# Chinese habits zxcvbn's English dictionaries miss ("I love you", 520, 1314 "for life").
CHINESE_HABITS = ("woaini", "aini", "wodemima", "mima", "5201314", "1314520", "1314", "520",
                  "zhongguo", "nihao", "qq")


def check_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if not PHONE_RE.fullmatch(phone):
        raise Invalid("Enter an 11-digit mainland mobile number starting with 1.", field="phone")
    return phone


def check_password(password: str, phone: str = "", name: str = "") -> str:
    """Refuse guessable passwords: zxcvbn with the phone number (and its tails), the name and
    common Chinese patterns as context (issue 12). The message says what would pass."""
    from zxcvbn import zxcvbn

    if not password:
        raise Invalid("Enter a password.", field="password")
    if len(password) < MIN_PASSWORD:
        raise Invalid("The password must have at least {n} characters.", field="password",
                      n=MIN_PASSWORD)
    if len(password) > 128:
        raise Invalid("The password may have at most {n} characters.", field="password", n=128)
    digits = "".join(ch for ch in phone if ch.isdigit())
    context = [t for t in (digits, digits[-4:], digits[-6:], digits[-8:], name.strip(),
                           *name.split()) if t] + list(CHINESE_HABITS)
    if zxcvbn(password, user_inputs=context)["score"] < MIN_STRENGTH:
        raise Invalid("This password is too easy to guess. Use three or more words with a "
                      "number, such as lake-bright-2027, and not your phone number, name, "
                      "birthday or keyboard runs like qwerty.", field="password")
    return password


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid("Enter your name.", field="name")
    if len(name) > 50:
        raise Invalid("The name may have at most {n} characters.", field="name", n=50)
    return name


def check_seat(seat: str | None) -> str | None:
    if seat in (None, ""):
        return None
    if seat not in SEATS:
        raise Invalid("Unknown seat.", field="seat")
    return seat


def require_secretary(actor: User | None) -> User:
    if actor is None:
        raise NotAuthenticated()
    if not actor.is_secretary:
        raise Forbidden("Only the secretary may do this.")
    return actor


def check_registration(*, name: str, phone: str, password: str, address: str = "") -> None:
    """Validate a registration without touching the database (so typos never count against the
    rate limit, which guards the database and the phone-number check)."""
    phone = check_phone(phone)
    name = check_name(name)
    check_password(password, phone, name)
    if len((address or "").strip()) > 200:
        raise Invalid("The address may have at most {n} characters.", field="address", n=200)


def register(session: Session, *, community_id: int, name: str, phone: str, password: str,
             address: str = "", self_registration: bool = True) -> User:
    """A resident registers himself."""
    if not self_registration:
        raise Forbidden("Self-registration is switched off; ask the secretary for an account.")
    return _create(session, community_id=community_id, actor=None, name=name, phone=phone,
                   password=password, address=address)


def create_user(session: Session, *, actor: User, name: str, phone: str, password: str,
                address: str = "", is_secretary: bool = False, is_party_member: bool = False,
                seat: str | None = None, unit_id: int | None = None) -> User:
    """The secretary adds a person to the community's roster."""
    require_secretary(actor)
    return _create(session, community_id=actor.community_id, actor=actor, name=name, phone=phone,
                   password=password, address=address, is_secretary=is_secretary,
                   is_party_member=is_party_member, seat=seat, unit_id=unit_id)


def _create(session: Session, *, community_id: int, actor: User | None, name: str, phone: str,
            password: str, address: str = "", is_secretary: bool = False,
            is_party_member: bool = False, seat: str | None = None,
            unit_id: int | None = None) -> User:
    name, phone = check_name(name), check_phone(phone)
    check_password(password, phone, name)
    address = (address or "").strip()
    if len(address) > 200:
        raise Invalid("The address may have at most {n} characters.", field="address", n=200)
    seat = check_seat(seat)
    if unit_id is not None:
        _unit(session, community_id, unit_id)
    if session.exec(select(User.id).where(User.community_id == community_id,
                                          User.phone == phone)).first():
        raise Conflict("An account with this phone number already exists.")
    user = User(community_id=community_id, name=name, phone=phone,
                password_hash=hash_password(password), address=address,
                is_secretary=is_secretary, is_party_member=is_party_member, seat=seat,
                unit_id=unit_id)
    # The unique constraint settles a race between two registrations of one phone.
    if not insert_once(session, user):
        raise Conflict("An account with this phone number already exists.")
    audit.record(session, community_id=community_id, actor_id=actor.id if actor else user.id,
                 action="user.create", entity="user", entity_id=user.id, seat=seat,
                 is_secretary=is_secretary, is_party_member=is_party_member)
    return user


def _unit(session: Session, community_id: int, unit_id: int) -> MemberUnit:
    unit = session.get(MemberUnit, unit_id)
    if unit is None or unit.community_id != community_id:
        raise Invalid("Unknown member unit.", field="unit")
    return unit


def normal_phone(phone: str) -> str:
    return (phone or "").strip().replace(" ", "").replace("-", "")[:20]


def authenticate(session: Session, *, community_id: int, phone: str, password: str,
                 address: str) -> User:
    """Log in by phone and password; the error never says whether the phone exists.

    Only failures count (per phone and per address, ratelimit.login_rules): once either is full
    the answer is 429 before the password is even checked, so guessing gains nothing."""
    phone = normal_phone(phone)
    rules = login_rules(phone, address, community_id)
    limiter.check(rules)
    user = session.exec(select(User).where(User.community_id == community_id,
                                           User.phone == phone)).first()
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        limiter.fail(rules)
        raise NotAuthenticated("Wrong phone number or password.")
    return user


UNSET = object()


def update_user(session: Session, *, actor: User, user_id: int, is_party_member: Any = UNSET,
                seat: Any = UNSET, unit_id: Any = UNSET, is_secretary: Any = UNSET,
                name: Any = UNSET, address: Any = UNSET) -> User:
    """The secretary edits a person's roles, seat and unit (a seat counts towards S at once)."""
    require_secretary(actor)
    user = get_user(session, community_id=actor.community_id, user_id=user_id)
    changes: dict[str, Any] = {}
    if name is not UNSET:
        changes["name"] = check_name(name)
    if address is not UNSET:
        changes["address"] = (address or "").strip()[:200]
    if is_party_member is not UNSET:
        changes["is_party_member"] = bool(is_party_member)
    if is_secretary is not UNSET:
        if not is_secretary and user.id == actor.id:
            raise Conflict("You cannot remove your own secretary role.")
        changes["is_secretary"] = bool(is_secretary)
    if seat is not UNSET:
        changes["seat"] = check_seat(seat)
    if unit_id is not UNSET:
        if unit_id is not None:
            _unit(session, actor.community_id, unit_id)
        changes["unit_id"] = unit_id
    for key, value in changes.items():
        setattr(user, key, value)
    session.add(user)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="user.update", entity="user", entity_id=user.id, **changes)
    return user


def get_user(session: Session, *, community_id: int, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.community_id != community_id:
        raise NotFound("No such person.")
    return user


# Everyone of the community, residents too: thousands of rows in a large one, so pages go by
# keyset cursor like every long list (meetingroom/pagination.py; index ix_user_roster).
ROSTER = Order("roster", col(User.id))


def list_users(session: Session, *, actor: User, limit: int = 50, offset: int = 0,
               query: str = "", cursor: str | None = None) -> Page[User]:
    """The roster for the secretary, one page (by offset or keyset cursor), in joining order."""
    from sqlalchemy import or_

    require_secretary(actor)
    stmt = select(User).where(User.community_id == actor.community_id)
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(or_(col(User.name).like(like), col(User.phone).like(like)))
    return paginate(session, stmt, ROSTER, limit=limit, offset=offset, cursor=cursor)


def change_password(session: Session, *, actor: User, current: str, new: str,
                    address: str, keep_session_id: int | None = None) -> None:
    """A person replaces his password (the secretary hands out initial ones). A wrong current
    password counts as a failed login, so a stolen session cannot guess it. Every other session
    and token of his is revoked; the one he used (`keep_session_id`) stays."""
    rules = login_rules(actor.phone, address, actor.community_id)
    limiter.check(rules)
    if not verify_password(actor.password_hash, current or ""):
        limiter.fail(rules)
        raise Invalid("The current password is wrong.", field="current")
    try:
        check_password(new, actor.phone, actor.name)
    except Invalid as exc:
        exc.field = "new"  # the form's field is "new", not "password"
        raise
    if new == current:
        raise Invalid("Choose a password different from the current one.", field="new")
    actor.password_hash = hash_password(new)
    session.add(actor)
    revoked = credentials.revoke(session, user_id=actor.id, keep=keep_session_id)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="user.password", entity="user", entity_id=actor.id, revoked=revoked)


def sign_out_everywhere(session: Session, *, actor: User, user_id: int) -> int:
    """The secretary signs a person out on every device and token (a lost phone)."""
    require_secretary(actor)
    person = get_user(session, community_id=actor.community_id, user_id=user_id)
    revoked = credentials.revoke(session, user_id=person.id)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="user.sign_out_everywhere", entity="user", entity_id=person.id,
                 revoked=revoked)
    return revoked


def sign_out_others(session: Session, *, actor: User, current_id: int | None) -> int:
    """"Sign out everywhere else" on the account page: every session and token but this one."""
    revoked = credentials.revoke(session, user_id=actor.id, keep=current_id)
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="user.sign_out_others", entity="user", entity_id=actor.id,
                 revoked=revoked)
    return revoked


def sign_out_device(session: Session, *, actor: User, device_id: int) -> None:
    """Sign out one of my own devices or tokens (someone else's is "not found")."""
    if not credentials.revoke(session, user_id=actor.id, session_id=device_id):
        raise NotFound("No such device.")


# -- password reset at the service desk (no SMS, no e-mail) ----------------------------------

RESET_VALID = timedelta(hours=24)
# No 0/O, 1/I/L: read aloud or typed from a slip without mistakes. 8 characters ≈ 40 bits, and
# wrong codes count as failed logins (5 per phone, 100 per address), so guessing is hopeless.
RESET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _code_hash(code: str) -> str:
    import hashlib

    return hashlib.sha256(normal_code(code).encode()).hexdigest()


def normal_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:16]


def issue_reset_code(session: Session, *, actor: User, user_id: int) -> tuple[
        PasswordReset, str]:
    """The secretary, having checked the person at the desk, issues a one-time code valid for
    24 hours; earlier unused codes of that person stop working. The audit log names the issuer."""
    import secrets

    require_secretary(actor)
    person = get_user(session, community_id=actor.community_id, user_id=user_id)
    now = utcnow()
    session.exec(sa.update(PasswordReset).where(
        PasswordReset.user_id == person.id, col(PasswordReset.used_at).is_(None))  # type: ignore[union-attr]
        .values(used_at=now))
    raw = "".join(secrets.choice(RESET_ALPHABET) for _ in range(8))
    code = f"{raw[:4]}-{raw[4:]}"
    reset = PasswordReset(community_id=actor.community_id, code_hash=_code_hash(code),
                          user_id=person.id, issued_by_id=actor.id, created_at=now,
                          expires_at=now + RESET_VALID)
    session.add(reset)
    session.flush()
    audit.record(session, community_id=actor.community_id, actor_id=actor.id,
                 action="user.reset_code", entity="user", entity_id=person.id,
                 expires_at=reset.expires_at.isoformat())
    return reset, code


def reset_password(session: Session, *, community_id: int, phone: str, code: str,
                   new: str, address: str) -> User:
    """The person sets a new password with the code. A wrong or expired code counts as a failed
    login; using it signs out every session and token of that person."""
    phone = normal_phone(phone)
    rules = login_rules(phone, address, community_id)
    limiter.check(rules)
    user = session.exec(select(User).where(User.community_id == community_id,
                                           User.phone == phone)).first()
    reset = None
    if user is not None and user.is_active:
        reset = session.exec(select(PasswordReset).where(
            PasswordReset.code_hash == _code_hash(code), PasswordReset.user_id == user.id,
            col(PasswordReset.used_at).is_(None))).first()  # type: ignore[union-attr]
    if reset is None or user is None or _aware(reset.expires_at) <= utcnow():
        limiter.fail(rules)
        raise Invalid("This code is wrong or has expired. Ask the secretary for a new one.",
                      field="code")
    try:
        check_password(new, user.phone, user.name)
    except Invalid as exc:
        exc.field = "new"
        raise
    # Spend the code with a conditional update: two phones racing with one code, one wins.
    spent = session.exec(sa.update(PasswordReset).where(
        PasswordReset.id == reset.id, col(PasswordReset.used_at).is_(None))  # type: ignore[union-attr]
        .values(used_at=utcnow()))
    if not spent.rowcount:  # type: ignore[attr-defined]
        raise Invalid("This code is wrong or has expired. Ask the secretary for a new one.",
                      field="code")
    user.password_hash = hash_password(new)
    session.add(user)
    revoked = credentials.revoke(session, user_id=user.id)
    audit.record(session, community_id=community_id, actor_id=user.id,
                 action="user.password_reset", entity="user", entity_id=user.id,
                 issued_by=reset.issued_by_id, revoked=revoked)
    return user


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
