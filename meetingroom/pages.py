"""Pages that belong to no single step: home, language and large-type switches, health."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from sqlalchemy import text

from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser, OptionalUser
from meetingroom.pagination import CursorQuery
from meetingroom.settings import LOCALES
from meetingroom.templating import page, visitor_page
from meetingroom.types import Id, Line

router = APIRouter()
health_router = APIRouter(include_in_schema=False)
YEAR = 365 * 24 * 3600
NOTICES_PAGE = 50


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect to another host after a form."""
    if not target:
        return default
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@router.get("/")
def home(request: Request, session: SessionDep, user: OptionalUser):
    """For a logged-in person: one call to action, then his matters in progress."""
    if user is None:  # a visitor: the same page for every visitor but the CSRF token
        return visitor_page(request, "home.html", mine=None)
    from meetingroom import residents

    return page(request, "home.html", mine=residents.my_page(session, user=user))


@router.get("/me")
def me(request: Request, session: SessionDep, user: CurrentUser):
    """我的: my suggestions, what I support, what I can rate; my account and logging out."""
    from meetingroom import residents

    return page(request, "me.html", mine=residents.my_page(session, user=user))


@health_router.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon, not a 404."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.post("/lang")
def switch_language(request: Request, lang: Line = Form(...), next: Line = Form("/")):
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LOCALES:
        response.set_cookie("mr_lang", lang, max_age=YEAR, samesite="lax", httponly=True)
    return response


@router.post("/large-type")
def toggle_large_type(request: Request, next: Line = Form("/")):
    """适老化: a larger type size for older eyes, remembered in a cookie."""
    response = RedirectResponse(safe_next(next), status_code=303)
    on = request.cookies.get("mr_large") != "1"
    response.set_cookie("mr_large", "1" if on else "0", max_age=YEAR, samesite="lax",
                        httponly=True)
    return response


@health_router.get("/healthz")
def healthz(session: SessionDep):
    """For the container HEALTHCHECK and load balancers: the app answers and the DB does too."""
    session.exec(text("SELECT 1")).one()
    return JSONResponse({"status": "ok"})


@router.get("/notifications")
def notifications_page(request: Request, session: SessionDep, user: CurrentUser,
                       cursor: CursorQuery = None):
    from meetingroom import notifications

    rows = notifications.list_for(session, user.id, limit=NOTICES_PAGE, cursor=cursor)
    # Named apart from `unread`, the menu badge's count every page gets.
    unread_ids = {n.id for n in rows.items if n.read_at is None}
    return page(request, "notifications.html", items=rows.items, rows=rows,
                unread_ids=unread_ids, page_size=NOTICES_PAGE)


@router.post("/notifications/read")
def notifications_read(session: SessionDep, user: CurrentUser):
    from meetingroom import notifications

    notifications.mark_all_read(session, user.id)
    return RedirectResponse("/notifications", status_code=303)


@router.get("/photos/{photo_id}/{name}")
def photo(photo_id: Id, name: Line, request: Request, session: SessionDep):
    """A stored photo: only files the Photo table names, always as JPEG, never sniffed."""
    from meetingroom import photos

    path, public = photos.visible_photo(session, photo_id=photo_id, name=name,
                                        viewer=request.state.user,
                                        community_id=request.state.community.id)
    # The name is random and the bytes never change; "private" keeps shared caches from
    # serving a photo after the secretary hides its suggestion.
    cache = "private, max-age=86400" if public else "private, no-store"
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})
