"""Login, registration, logout, my account and devices, password reset pages."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from meetingroom.auth import credentials, service
from meetingroom.auth.ratelimit import client_address
from meetingroom.auth.security import limiter, new_csrf_token
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser, load_user
from meetingroom.errors import DomainError, TooManyRequests
from meetingroom.i18n import gettext
from meetingroom.links import absolute
from meetingroom.models import User
from meetingroom.pages import safe_next
from meetingroom.settings import get_settings
from meetingroom.templating import flash, page
from meetingroom.types import Id, Line, Secret

router = APIRouter()


def client_ip(request: Request) -> str:
    """The client's address, behind trusted proxies only (ratelimit.TrustedProxyMiddleware)."""
    return client_address(request)


def log_in(request: Request, session: Session, user_id: int) -> None:
    """A new server-side session; the signed cookie carries its key. A fresh CSRF token at
    login: a token planted before login is worthless after it."""
    _, key = credentials.issue(session, user_id=user_id, kind="session",
                               user_agent=request.headers.get("user-agent", ""))
    request.scope["session"].clear()
    request.scope["session"].update({"sid": key, "csrf": new_csrf_token()})


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
    log_in(request, session, user.id)
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
    log_in(request, session, user.id)
    flash(request, "Welcome, {name}.", name=user.name)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep):
    """Revokes this browser's session on the server, not only its cookie."""
    user = load_user(session, request)
    current = getattr(request.state, "auth_session_id", None)
    if user is not None and current is not None:
        credentials.revoke(session, user_id=user.id, session_id=current)
    request.scope["session"].clear()
    return RedirectResponse("/", status_code=303)


def _account_page(request: Request, session: Session, user: User, *, status_code: int = 200,
                  errors: dict[str, str] | None = None) -> Response:
    current = getattr(request.state, "auth_session_id", None)
    return page(request, "auth/account.html", status_code=status_code, errors=errors or {},
                devices=credentials.devices(session, user_id=user.id, current_id=current))


@router.get("/account")
def account(request: Request, session: SessionDep, user: CurrentUser):
    return _account_page(request, session, user)


@router.post("/account/password")
def account_password(request: Request, session: SessionDep, user: CurrentUser,
                     current: Secret = Form(""), new: Secret = Form("")):
    try:
        service.change_password(session, actor=user, current=current, new=new,
                                address=client_ip(request),
                                keep_session_id=request.state.auth_session_id)
    except DomainError as exc:
        field = getattr(exc, "field", None) or "_"
        return _with_retry(exc, _account_page(request, session, user,
                                              status_code=exc.status_code,
                                              errors={field: gettext(exc.message, **exc.params)}))
    flash(request, "Your password was changed. Your other devices were signed out.")
    return RedirectResponse("/account", status_code=303)


@router.post("/account/devices/sign-out-others")
def account_sign_out_others(request: Request, session: SessionDep, user: CurrentUser):
    service.sign_out_others(session, actor=user, current_id=request.state.auth_session_id)
    flash(request, "Every other device was signed out.")
    return RedirectResponse("/account", status_code=303)


@router.post("/account/devices/{device_id}/sign-out")
def account_sign_out_device(device_id: Id, request: Request, session: SessionDep,
                            user: CurrentUser):
    service.sign_out_device(session, actor=user, device_id=device_id)
    if device_id == request.state.auth_session_id:
        request.scope["session"].clear()
        return RedirectResponse("/", status_code=303)
    flash(request, "That device was signed out.")
    return RedirectResponse("/account", status_code=303)


# -- the secretary: sign a person out everywhere, issue a reset code -------------------------


@router.post("/roster/users/{user_id}/sign-out")
def roster_sign_out(user_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    person = service.get_user(session, community_id=user.community_id, user_id=user_id)
    service.sign_out_everywhere(session, actor=user, user_id=user_id)
    flash(request, "{name} was signed out on every device.", name=person.name)
    return RedirectResponse(f"/roster/users/{user_id}", status_code=303)


def reset_link(request: Request, code: str) -> str:
    """The reset page with the code in the fragment: browsers never send a fragment, so the
    code stays out of every access log; a small script copies it into the form. The origin is
    MEETINGROOM_PUBLIC_URL when set (links.absolute), never a forged Host."""
    return absolute(request, f"/reset#{code}")


def qr_svg(url: str) -> str:
    import io

    import segno

    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buf, kind="svg", scale=6, border=3,
                                                 xmldecl=False, svgns=True,
                                                 title=gettext("Scan to reset the password"))
    return buf.getvalue().decode()


@router.post("/roster/users/{user_id}/reset-code")
def roster_reset_code(user_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    person = service.get_user(session, community_id=user.community_id, user_id=user_id)
    reset, code = service.issue_reset_code(session, actor=user, user_id=user_id)
    link = reset_link(request, code)
    response = page(request, "auth/reset_code.html", person=person, code=code, link=link,
                    qr=qr_svg(link), expires_at=reset.expires_at)
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the person: a new password with the code ------------------------------------------------


@router.get("/reset")
def reset_form(request: Request):
    return page(request, "auth/reset.html", form={}, errors={})


@router.post("/reset")
def reset(request: Request, session: SessionDep, phone: Line = Form(""), code: Line = Form(""),
          new: Secret = Form("")):
    form = {"phone": phone, "code": code}
    try:
        service.reset_password(session, community_id=request.state.community.id, phone=phone,
                               code=code, new=new, address=client_ip(request))
    except DomainError as exc:
        field = getattr(exc, "field", None) or "_"
        return _with_retry(exc, page(request, "auth/reset.html", status_code=exc.status_code,
                                     form=form,
                                     errors={field: gettext(exc.message, **exc.params)}))
    request.scope["session"].clear()
    flash(request, "Your new password is set. Every device was signed out; log in again.")
    return RedirectResponse("/login", status_code=303)
