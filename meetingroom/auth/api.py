"""/api/v1 accounts: token, register, me, users (CONTRACT.md)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from meetingroom.auth import credentials, service
from meetingroom.auth.schemas import (
    DeviceOut,
    RegisterRequest,
    ResetCodeOut,
    ResetRequest,
    TicketOut,
    TokenOut,
    TokenRequest,
    UserCreate,
    UserOut,
    UserPage,
    UserPatch,
)
from meetingroom.auth.security import limiter, sign_token
from meetingroom.auth.web import client_ip
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity, CurrentUser
from meetingroom.pagination import CursorQuery
from meetingroom.settings import get_settings
from meetingroom.types import Id, Line, Offset, Secret

router = APIRouter(tags=["accounts"])


@router.post("/auth/token", response_model=TokenOut, summary="Log in: phone and password → token")
def token(body: TokenRequest, request: Request, session: SessionDep, community: CurrentCommunity):
    user = service.authenticate(session, community_id=community.id, phone=body.phone,
                                password=body.password, address=client_ip(request))
    _, key = credentials.issue(session, user_id=user.id, kind="token",
                               user_agent=request.headers.get("user-agent", ""))
    return TokenOut(access_token=sign_token(key), user=UserOut.of(user))


@router.post("/auth/register", response_model=UserOut, status_code=201,
             summary="A resident registers (when self-registration is on)")
def register(body: RegisterRequest, request: Request, session: SessionDep,
             community: CurrentCommunity):
    service.check_registration(name=body.name, phone=body.phone, password=body.password,
                               address=body.address)
    limiter.hit(f"register:{client_ip(request)}", *get_settings().register_rate)
    user = service.register(session, community_id=community.id, name=body.name,
                            phone=body.phone, password=body.password, address=body.address,
                            self_registration=community.self_registration)
    return UserOut.of(user)


@router.get("/me", response_model=UserOut, summary="The logged-in person")
def me(user: CurrentUser):
    return UserOut.of(user)


@router.get("/users", response_model=UserPage, summary="The roster (secretary)")
def list_users(user: CurrentUser, session: SessionDep, limit: int = Query(50, ge=1, le=200),
               offset: Offset = Query(0), q: Line = Query("", max_length=50),
               cursor: CursorQuery = None):
    rows = service.list_users(session, actor=user, limit=limit, offset=offset, query=q,
                              cursor=cursor)
    return UserPage(items=[UserOut.of(u) for u in rows.items], **rows.meta())


@router.post("/users", response_model=UserOut, status_code=201,
             summary="Add a person (secretary)")
def create_user(body: UserCreate, user: CurrentUser, session: SessionDep):
    created = service.create_user(session, actor=user, name=body.name, phone=body.phone,
                                  password=body.password, address=body.address,
                                  is_secretary=body.is_secretary,
                                  is_party_member=body.is_party_member, seat=body.seat,
                                  unit_id=body.unit)
    return UserOut.of(created)


@router.patch("/users/{user_id}", response_model=UserOut,
              summary="Edit roles, seat and unit (secretary); seat null unseats")
def update_user(user_id: Id, body: UserPatch, user: CurrentUser, session: SessionDep):
    given = body.model_dump(exclude_unset=True)
    if "unit" in given:
        given["unit_id"] = given.pop("unit")
    updated = service.update_user(session, actor=user, user_id=user_id, **given)
    return UserOut.of(updated)


class PasswordChange(BaseModel):
    current: Secret = Field(max_length=200)
    new: Secret = Field(max_length=200)


@router.post("/me/password", status_code=204, summary="Change my password")
def change_password(body: PasswordChange, request: Request, user: CurrentUser,
                    session: SessionDep):
    service.change_password(session, actor=user, current=body.current, new=body.new,
                            address=client_ip(request),
                            keep_session_id=request.state.auth_session_id)


@router.post("/auth/logout", status_code=204,
             summary="Revoke the token (or cookie session) this request uses")
def logout(request: Request, user: CurrentUser, session: SessionDep):
    current = request.state.auth_session_id
    if current is not None:
        credentials.revoke(session, user_id=user.id, session_id=current)


@router.post("/auth/ticket", response_model=TicketOut,
             summary="A single-use ticket for one live socket (`?ticket=`), valid 60 s")
def ticket(user: CurrentUser, session: SessionDep):
    key = credentials.issue_ticket(session, user_id=user.id)
    return TicketOut(ticket=key, expires_in=int(credentials.TICKET_MAX_AGE.total_seconds()))


@router.get("/me/sessions", response_model=list[DeviceOut],
            summary="My signed-in devices and tokens")
def my_sessions(request: Request, user: CurrentUser, session: SessionDep):
    rows = credentials.devices(session, user_id=user.id,
                               current_id=request.state.auth_session_id)
    return [DeviceOut.of(d) for d in rows]


@router.delete("/me/sessions/{session_id}", status_code=204,
               summary="Sign out one of my devices or tokens")
def sign_out_device(session_id: Id, user: CurrentUser, session: SessionDep):
    service.sign_out_device(session, actor=user, device_id=session_id)


@router.post("/me/sessions/sign-out-others", status_code=204,
             summary="Sign out every device and token but this one")
def sign_out_others(request: Request, user: CurrentUser, session: SessionDep):
    service.sign_out_others(session, actor=user, current_id=request.state.auth_session_id)


@router.delete("/users/{user_id}/sessions", status_code=204,
               summary="Sign a person out on every device (secretary; a lost phone)")
def sign_out_everywhere(user_id: Id, user: CurrentUser, session: SessionDep):
    service.sign_out_everywhere(session, actor=user, user_id=user_id)


@router.post("/users/{user_id}/reset-code", response_model=ResetCodeOut, status_code=201,
             summary="Issue a one-time password-reset code, valid 24 h (secretary, at the desk)")
def reset_code(user_id: Id, request: Request, user: CurrentUser, session: SessionDep):
    from meetingroom.auth.web import reset_link

    reset, code = service.issue_reset_code(session, actor=user, user_id=user_id)
    return ResetCodeOut(code=code, url=reset_link(request, code), expires_at=reset.expires_at)


@router.post("/auth/reset", status_code=204,
             summary="Set a new password with a reset code; signs out every device")
def reset_password(body: ResetRequest, request: Request, session: SessionDep,
                   community: CurrentCommunity):
    service.reset_password(session, community_id=community.id, phone=body.phone,
                           code=body.code, new=body.new, address=client_ip(request))
