"""Server-side sessions, API tokens and live-socket tickets (issue 12 "Accounts").

Every credential is a random key; the browser's cookie and the bearer token carry it signed
(itsdangerous), the `auth_session` table keeps only its SHA-256. Checking one is one indexed
lookup (joined with its user), cached on the request by `deps.load_user`. `last_seen_at` is
written at most every TOUCH_EVERY, after the request's own commit, never per request.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select
from starlette.requests import HTTPConnection

from meetingroom import db
from meetingroom.errors import NotAuthenticated
from meetingroom.models import AuthSession, User, utcnow

log = logging.getLogger("meetingroom.auth")

SESSION_MAX_AGE = timedelta(days=14)
TOKEN_MAX_AGE = timedelta(days=30)
TICKET_MAX_AGE = timedelta(seconds=60)
MAX_AGE = {"session": SESSION_MAX_AGE, "token": TOKEN_MAX_AGE, "ticket": TICKET_MAX_AGE}
TOUCH_EVERY = timedelta(minutes=5)


def _scope(*, write: bool) -> contextlib.AbstractContextManager[Session]:
    """db.session_scope as a `with` block: one transaction of its own."""
    return contextlib.contextmanager(db.session_scope)(write=write)


def _rowcount(result: object) -> int:
    """Rows an UPDATE/DELETE touched (a CursorResult's rowcount)."""
    count = getattr(result, "rowcount", 0)
    return count if isinstance(count, int) else 0


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def issue(session: Session, *, user_id: int, kind: str, user_agent: str = "") -> tuple[
        AuthSession, str]:
    """A new credential for this user: the row and the key (shown to the client once)."""
    key = secrets.token_urlsafe(32)
    row = AuthSession(key_hash=_hash(key), user_id=user_id, kind=kind,
                      user_agent=(user_agent or "")[:200])
    session.add(row)
    session.flush()
    return row, key


def resolve(session: Session, key: str | None, kind: str) -> tuple[AuthSession, User] | None:
    """The live credential of this kind with this key, and its (active) user; else None."""
    if not key:
        return None
    found = session.exec(select(AuthSession, User)
                         .join(User, col(User.id) == col(AuthSession.user_id))
                         .where(col(AuthSession.key_hash) == _hash(key))).first()
    return _live(found, kind)


RESOLVE_CHUNK = 500  # keys per query (SQLite allows 32,766 parameters; PostgreSQL 65,535)
# built once: a lone ballot resolves its credential with this (issue 11)
_RESOLVE_MANY = (select(AuthSession, User).join(User, col(User.id) == col(AuthSession.user_id))
                 .where(col(AuthSession.key_hash).in_(sa.bindparam("hashes", expanding=True))))


def resolve_many(session: Session, credentials: Sequence[tuple[str, str]]
                 ) -> list[tuple[AuthSession, User] | None]:
    """`resolve` for several (key, kind) at once, in one query per RESOLVE_CHUNK keys (a batch
    of ballots, issue 11): the same answer for each as `resolve` would give."""
    hashes = [_hash(key) for key, _kind in credentials]
    found: dict[str, tuple[AuthSession, User]] = {}
    wanted = sorted({h for (key, _kind), h in zip(credentials, hashes, strict=True) if key})
    for start in range(0, len(wanted), RESOLVE_CHUNK):
        rows = session.exec(_RESOLVE_MANY,
                            params={"hashes": wanted[start:start + RESOLVE_CHUNK]}).all()
        found.update((row.key_hash, (row, user)) for row, user in rows)
    return [_live(found.get(h), kind) if key else None
            for (key, kind), h in zip(credentials, hashes, strict=True)]


def _live(found: tuple[AuthSession, User] | None, kind: str) -> tuple[AuthSession, User] | None:
    if found is None:
        return None
    row, user = found
    if (row.kind != kind or row.revoked_at is not None or not user.is_active
            or utcnow() - _aware(row.created_at) > MAX_AGE[kind]):
        return None
    return row, user


def touch(session: Session, row: AuthSession) -> None:
    """Note that the device was seen, at most every TOUCH_EVERY, in a transaction of its own
    after the request's (a GET's transaction stays read-only)."""
    touch_many(session, [row])


def touch_many(session: Session, rows: Sequence[AuthSession]) -> None:
    """`touch` for several credentials (a batch of ballots): one UPDATE after the commit for
    all those due, not a transaction each."""
    now = utcnow()
    due = sorted({row.id for row in rows  # the loaded rows stay untouched: see touch
                  if row.id is not None  # pyright: ignore[reportUnnecessaryComparison] - None before the first flush
                  and now - _aware(row.last_seen_at) >= TOUCH_EVERY})
    if due:
        db.after_commit(session, _toucher(due, now))


def _toucher(row_ids: list[int], now: datetime) -> Callable[[], None]:
    def run() -> None:
        try:
            with _scope(write=True) as s:
                s.exec(sa.update(AuthSession).where(col(AuthSession.id).in_(row_ids))
                       .values(last_seen_at=now))
        except Exception:  # noqa: BLE001 - a missed "last seen" must never fail the request
            log.warning("could not update last_seen_at of sessions %s", row_ids, exc_info=True)
    return run


def revoke(session: Session, *, user_id: int, session_id: int | None = None,
           keep: int | None = None) -> int:
    """Revoke one of the user's credentials (session_id), or all of them except `keep`.
    Returns how many were revoked."""
    stmt = (sa.update(AuthSession)
            .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
            .values(revoked_at=utcnow()))
    if session_id is not None:
        stmt = stmt.where(col(AuthSession.id) == session_id)
    if keep is not None:
        stmt = stmt.where(col(AuthSession.id) != keep)
    return _rowcount(session.exec(stmt))


@dataclass(frozen=True)
class Device:
    id: int
    kind: str
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    label: str
    current: bool


def devices(session: Session, *, user_id: int, current_id: int | None) -> list[Device]:
    """The user's live sessions and tokens, most recently seen first."""
    now = utcnow()
    rows = session.exec(select(AuthSession).where(
        col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None),
        col(AuthSession.kind).in_(("session", "token")))
        .order_by(col(AuthSession.last_seen_at).desc(), col(AuthSession.id).desc())).all()
    return [Device(r.id or 0, r.kind, _aware(r.created_at), _aware(r.last_seen_at), r.user_agent,
                   device_label(r.user_agent), r.id == current_id)
            for r in rows if now - _aware(r.created_at) <= MAX_AGE[r.kind]]


def device_label(user_agent: str) -> str:
    """A short name a person recognises ("Android · WeChat"); the raw string is shown too."""
    ua = user_agent or ""
    system = next((name for needle, name in (
        ("iPhone", "iPhone"), ("iPad", "iPad"), ("HarmonyOS", "HarmonyOS"),
        ("Android", "Android"), ("Windows", "Windows"), ("Mac OS", "Mac"),
        ("Linux", "Linux")) if needle in ua), "")
    browser = next((name for needle, name in (
        ("MicroMessenger", "WeChat"), ("Edg/", "Edge"), ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("python-httpx", "httpx"),
        ("curl/", "curl")) if needle in ua), "")
    return " · ".join(p for p in (system, browser) if p) or (ua[:40] if ua else "?")


# -- live sockets ------------------------------------------------------------------------------


def consume_ticket(session: Session, key: str) -> int | None:
    """A socket ticket works once, within TICKET_MAX_AGE: the update that spends it is
    conditional, so two sockets racing with one ticket cannot both get in."""
    oldest = utcnow() - TICKET_MAX_AGE
    spent = session.exec(
        sa.update(AuthSession)
        .where(col(AuthSession.key_hash) == _hash(key), col(AuthSession.kind) == "ticket",
               col(AuthSession.revoked_at).is_(None), col(AuthSession.created_at) >= oldest)
        .values(revoked_at=utcnow()))
    if not _rowcount(spent):
        return None
    user = session.exec(select(User).join(AuthSession,
                                          col(AuthSession.user_id) == col(User.id))
                        .where(col(AuthSession.key_hash) == _hash(key))).first()
    return user.id if user is not None and user.is_active else None


def issue_ticket(session: Session, *, user_id: int) -> str:
    # Spent and stale tickets are of no use to anyone: clear this user's as we go.
    session.exec(sa.delete(AuthSession).where(
        col(AuthSession.user_id) == user_id, col(AuthSession.kind) == "ticket",
        col(AuthSession.created_at) < utcnow() - timedelta(hours=1)))
    _, key = issue(session, user_id=user_id, kind="ticket")
    return key


def socket_user_id(ws: HTTPConnection) -> int | None:
    """Who opens this live socket (the ASGI route's WebSocket, or the live listener's handshake
    read as an HTTPConnection): `?ticket=` (single use, from POST /api/v1/auth/ticket), an
    `Authorization: Bearer` header, else the session cookie; None for an anonymous viewer.
    A credential that is present but not valid raises NotAuthenticated (never "anonymous").
    `?token=` is refused: a reusable credential in the URL ends up in access logs.
    Runs in a worker thread (it reads and, for a ticket, writes the database)."""
    from meetingroom.auth.security import read_token

    if ws.query_params.get("token"):
        raise NotAuthenticated()
    ticket = ws.query_params.get("ticket") or None  # an empty parameter carries nothing
    header = ws.headers.get("authorization")
    with _scope(write=ticket is not None) as session:
        if ticket is not None:
            uid = consume_ticket(session, ticket)
            if uid is None:
                raise NotAuthenticated()
            return uid
        if header is not None and header[:6].lower() == "bearer":
            found = resolve(session, read_token(header[6:].strip()), "token")
            if found is None:
                raise NotAuthenticated()
            return found[1].id
        cookie: dict[str, object] = ws.scope.get("session") or {}
        sid = cookie.get("sid")
        found = resolve(session, sid if isinstance(sid, str) else None, "session")
        return found[1].id if found else None
