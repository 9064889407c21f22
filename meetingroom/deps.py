"""Request context shared by pages and the API: who is asking, in which community, in which
language; CSRF and Origin checks for state-changing requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from meetingroom.auth.security import csrf_matches, new_csrf_token, origin_allowed, read_token
from meetingroom.db import SessionDep
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


def bearer_user_id(request: Request) -> int | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return read_token(auth[7:].strip())
    return None


def load_user(session: Session, request: Request) -> User | None:
    """The bearer token's user, else the session cookie's; cached on the request."""
    if "user" in request.state._state:
        return request.state.user
    uid = bearer_user_id(request)
    if uid is None:
        uid = (request.scope.get("session") or {}).get("uid")
    user = session.get(User, uid) if isinstance(uid, int) else None
    if user is not None and not user.is_active:
        user = None
    request.state.user = user
    return user


def optional_user(request: Request, session: SessionDep) -> User | None:
    return load_user(session, request)


def required_user(request: Request, session: SessionDep) -> User:
    user = load_user(session, request)
    if user is None:
        raise NotAuthenticated()
    return user


def community_of(request: Request, session: SessionDep) -> Community:
    """The logged-in person's community; for anonymous visitors, the default community."""
    from meetingroom.community.service import default_community

    user = load_user(session, request)
    if user is not None:
        return session.get(Community, user.community_id)
    return default_community(session)


async def check_unsafe_request(request: Request) -> None:
    """CSRF for cookie-authenticated state changes (bearer-token clients are not browsers and
    carry no ambient credentials), plus a same-origin check on the Origin header."""
    if request.method in SAFE_METHODS:
        return
    if not origin_allowed(request.headers.get("origin"), request.headers.get("host"),
                          request.url.scheme):
        raise Forbidden("This request came from another site and was refused.")
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    session = request.scope.get("session") or {}
    if request.url.path.startswith("/api/") and "uid" not in session:
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


def load_page_context(request: Request, session: SessionDep) -> None:
    """Pages need the viewer and community for the base layout (plain copies, see Viewer)."""
    user = load_user(session, request)
    c = community_of(request, session)
    request.state.community = CommunityInfo(c.id, c.name, c.slug, c.adoption_rule,
                                            c.adoption_base, c.self_registration)
    if user is not None:
        from meetingroom.notifications import unread_count

        request.state.viewer = Viewer(user.id, user.name, user.community_id, user.is_secretary,
                                      user.is_party_member, user.seat)
        request.state.unread = unread_count(session, user.id)
