"""Login, registration and logout pages."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from meetingroom.auth import service
from meetingroom.auth.ratelimit import client_address
from meetingroom.auth.security import limiter, new_csrf_token
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError, TooManyRequests
from meetingroom.i18n import gettext
from meetingroom.pages import safe_next
from meetingroom.settings import get_settings
from meetingroom.templating import flash, page
from meetingroom.types import Id, Line, Secret

router = APIRouter()


def client_ip(request: Request) -> str:
    """The client's address, behind trusted proxies only (ratelimit.TrustedProxyMiddleware)."""
    return client_address(request)


def log_in(request: Request, user_id: Id) -> None:
    # A fresh CSRF token at login: a token planted before login is worthless after it.
    request.scope["session"].clear()
    request.scope["session"].update({"uid": user_id, "csrf": new_csrf_token()})


def _with_retry(exc: DomainError, response: Response) -> Response:
    """A 429 page says when to come back, in words and in Retry-After."""
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.get("/login")
def login_form(request: Request, next: Line = "/"):
    return page(request, "auth/login.html", next=safe_next(next), form={}, error=None)


@router.post("/login")
def login(request: Request, session: SessionDep, phone: Line = Form(""),
          password: Secret = Form(""), next: Line = Form("/")):
    try:
        user = service.authenticate(session, community_id=request.state.community.id,
                                    phone=phone, password=password, address=client_ip(request))
    except DomainError as exc:
        return _with_retry(exc, page(request, "auth/login.html", status_code=exc.status_code,
                                     next=safe_next(next), form={"phone": phone},
                                     error=gettext(exc.message, **exc.params)))
    log_in(request, user.id)
    flash(request, "Welcome, {name}.", name=user.name)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/register")
def register_form(request: Request):
    return page(request, "auth/register.html", form={}, errors={}, error=None)


@router.post("/register")
def register(request: Request, session: SessionDep, name: Line = Form(""), phone: Line = Form(""),
             password: Secret = Form(""), address: Line = Form("")):
    settings = get_settings()
    community = request.state.community
    form = {"name": name, "phone": phone, "address": address}
    try:
        service.check_registration(name=name, phone=phone, password=password, address=address)
        limiter.hit(f"register:{client_ip(request)}", *settings.register_rate)
        user = service.register(session, community_id=community.id, name=name, phone=phone,
                                password=password, address=address,
                                self_registration=community.self_registration)
    except DomainError as exc:
        message = gettext(exc.message, **exc.params)
        field = getattr(exc, "field", None)
        return _with_retry(exc, page(request, "auth/register.html", status_code=exc.status_code,
                                     form=form, errors={field: message} if field else {},
                                     error=None if field else message))
    log_in(request, user.id)
    flash(request, "Welcome, {name}.", name=user.name)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request):
    request.scope["session"].clear()
    return RedirectResponse("/", status_code=303)


@router.get("/account")
def account(request: Request, user: CurrentUser):
    return page(request, "auth/account.html", errors={})


@router.post("/account/password")
def account_password(request: Request, session: SessionDep, user: CurrentUser,
                     current: Secret = Form(""), new: Secret = Form("")):
    try:
        service.change_password(session, actor=user, current=current, new=new,
                                address=client_ip(request))
    except DomainError as exc:
        field = getattr(exc, "field", None) or "_"
        return _with_retry(exc, page(request, "auth/account.html", status_code=exc.status_code,
                                     errors={field: gettext(exc.message, **exc.params)}))
    flash(request, "Your password was changed.")
    return RedirectResponse("/account", status_code=303)
