"""Request context shared by pages and the API: who is asking, in which community, in which
language; CSRF and Origin checks for state-changing requests."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlmodel import Session

from meetingroom.auth import credentials
from meetingroom.auth.security import csrf_matches, new_csrf_token, origin_allowed, read_token
from meetingroom.db import Deferred, SessionDep, before_endpoint, read_committed
from meetingroom.errors import Forbidden, NotAuthenticated
from meetingroom.models import Community, User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def csrf_token(request: Request) -> str:
    session = request.scope.get("session")
    if session is None:
        return ""
    if "csrf" not in session:
        session["csrf"] = new_csrf_token()
    return session["csrf"]


def bearer_header(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header; None when there is no such header."""
    header = request.headers.get("authorization")
    if header is None or header[:6].lower() != "bearer":
        return None
    return header[6:].strip()


def load_user(session: Session, request: Request) -> User | None:
    """The bearer token's user, else the session cookie's; one indexed lookup, cached on the
    request. A bearer header that is not a live token is 401 — never the cookie instead (the
    cookie would then act without its CSRF check)."""
    if "user" in request.state._state:
        return request.state.user
    found = None
    token = bearer_header(request)
    if token is not None:
        found = credentials.resolve(session, read_token(token), "token")
        if found is None:
            raise NotAuthenticated("The access token is not valid (expired or signed out). "
                                   "Log in again.")
    else:
        cookie = request.scope.get("session")
        sid = (cookie or {}).get("sid")
        if isinstance(sid, str):
            found = credentials.resolve(session, sid, "session")
            if found is None and cookie is not None:
                cookie.clear()  # signed out elsewhere: drop the stale cookie
    user = None
    request.state.auth_session_id = None
    if found is not None:
        row, user = found
        request.state.auth_session_id = row.id
        credentials.touch(session, row)
    request.state.user = user
    return user


# The three dependencies below are looked up in the endpoint's own worker-thread trip
# (db.Deferred, resolved by db.in_one_trip), not each in a trip of its own (issue 11). They are
# endpoint parameters only: a dependency that needs the user calls load_user itself.

async def optional_user(request: Request, session: SessionDep) -> User | None:
    return Deferred(lambda: load_user(session, request))  # type: ignore[return-value]


def _required_user(request: Request, session: Session) -> User:
    user = load_user(session, request)
    if user is None:
        raise NotAuthenticated()
    return user


async def required_user(request: Request, session: SessionDep) -> User:
    return Deferred(lambda: _required_user(request, session))  # type: ignore[return-value]


def _community_of(request: Request, session: Session) -> Community:
    """The logged-in person's community; for anonymous visitors, the default community."""
    from meetingroom.community.service import default_community

    user = load_user(session, request)
    if user is not None:
        community = session.get(Community, user.community_id)
        assert community is not None  # every user belongs to a community (foreign key)
        return community
    return default_community(session)


async def community_of(request: Request, session: SessionDep) -> Community:
    return Deferred(lambda: _community_of(request, session))  # type: ignore[return-value]


async def check_unsafe_request(request: Request) -> None:
    """CSRF for cookie-authenticated state changes (bearer-token clients are not browsers and
    carry no ambient credentials), plus a same-origin check on the Origin header."""
    if request.method in SAFE_METHODS:
        return
    # the scope's scheme is what request.url.scheme reads, without building the URL
    if not origin_allowed(request.headers.get("origin"), request.headers.get("host"),
                          request.scope.get("scheme", "http")):
        raise Forbidden("This request came from another site and was refused.")
    token = bearer_header(request)
    if token is not None:
        if read_token(token) is None:  # never fall back to the cookie (load_user checks the rest)
            raise NotAuthenticated("The access token is not valid (expired or signed out). "
                                   "Log in again.")
        return
    session = request.scope.get("session") or {}
    if request.url.path.startswith("/api/") and "sid" not in session:
        # An API call that the cookie does not authenticate acts as nobody: forging it gains
        # nothing (the token endpoint sets no cookie), so API clients need no CSRF token.
        return
    expected = session.get("csrf")
    given = request.headers.get("x-csrf-token")
    if given is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # cached by Starlette; Form() params still work after
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
    if not csrf_matches(expected, given):
        raise Forbidden("Your form expired or came from elsewhere. Reload the page and try again.")


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(required_user)]
CurrentCommunity = Annotated[Community, Depends(community_of)]


@dataclass(frozen=True)
class Viewer:
    """What the layout shows of the person asking: a plain copy, so an error page rendered after
    the request's transaction rolled back never touches an expired database row."""

    id: int
    name: str
    community_id: int
    is_secretary: bool
    is_party_member: bool
    seat: str | None

    @property
    def is_member(self) -> bool:
        return self.seat is not None


@dataclass(frozen=True)
class CommunityInfo:
    id: int
    name: str
    slug: str
    adoption_rule: str
    adoption_base: str
    self_registration: bool


# Built once: the columns of CommunityInfo, in its order.
_columns = Community.__table__.c  # pyright: ignore[reportAttributeAccessIssue] - SQLModel's table
_COMMUNITY = sa.select(*(_columns[f.name] for f in fields(CommunityInfo)))
_COMMUNITY_BY_ID = _COMMUNITY.where(_columns.id == sa.bindparam("id"))
_COMMUNITY_BY_SLUG = _COMMUNITY.where(_columns.slug == sa.bindparam("slug"))
# The same statement compiled once for SQLite (`?` placeholder), for db.read_committed.
_COMMUNITY_BY_SLUG_SQL = str(_COMMUNITY_BY_SLUG.compile(dialect=sqlite_dialect()))


async def load_page_context(request: Request, session: SessionDep) -> None:
    """Pages need the viewer and community for the base layout (plain copies, see Viewer).
    Loaded in the endpoint's own worker-thread trip, just before it, rather than in a trip of
    its own (db.before_endpoint; issue 11's page floor)."""
    before_endpoint(session, lambda: _load_page_context(request, session))


def _community_info(session: Session, user: User | None) -> CommunityInfo:
    """The layout's community in one Core query, its row straight into CommunityInfo: the ORM
    statement this replaced (built, compiled from cache, executed, loaded into an instance) was
    about a quarter of the home page's CPU (issue 11). Not cached across requests: the settings
    console changes these fields, and every worker must show a change at once. For anonymous
    visitors on SQLite it is read outside the request's session (db.read_committed): then a
    visitor's page needs no session connection at all, when that read was its only query."""
    from meetingroom.community.service import DEFAULT_SLUG, default_community

    if user is not None:
        row = session.execute(_COMMUNITY_BY_ID, {"id": user.community_id}).one()
    else:
        rows = read_committed(_COMMUNITY_BY_SLUG_SQL, (DEFAULT_SLUG,))
        if rows:
            c_id, name, slug, rule, base, self_registration = rows[0]
            # SQLite hands back the boolean as 0/1; the Core read converts it.
            return CommunityInfo(c_id, name, slug, rule, base, bool(self_registration))
        row = session.execute(_COMMUNITY_BY_SLUG, {"slug": DEFAULT_SLUG}).first()
        if row is None:  # first start: create it as default_community does
            c = default_community(session)
            return CommunityInfo(c.id, c.name, c.slug, c.adoption_rule, c.adoption_base,
                                 c.self_registration)
    return CommunityInfo(*row)


def _load_page_context(request: Request, session: Session) -> None:
    user = load_user(session, request)
    request.state.community = _community_info(session, user)
    if user is not None:
        from meetingroom.notifications import unread_count

        request.state.viewer = Viewer(user.id, user.name, user.community_id, user.is_secretary,
                                      user.is_party_member, user.seat)
        request.state.unread = unread_count(session, user.id)
