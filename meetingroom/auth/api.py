"""/api/v1 accounts: token, register, me, users (CONTRACT.md)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from meetingroom.auth import service
from meetingroom.auth.schemas import (
    RegisterRequest,
    TokenOut,
    TokenRequest,
    UserCreate,
    UserOut,
    UserPage,
    UserPatch,
)
from meetingroom.auth.security import limiter, make_token
from meetingroom.auth.web import client_ip
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentCommunity, CurrentUser
from meetingroom.settings import get_settings
from meetingroom.types import Id, Line, Offset, Secret

router = APIRouter(tags=["accounts"])


@router.post("/auth/token", response_model=TokenOut, summary="Log in: phone and password → token")
def token(body: TokenRequest, request: Request, session: SessionDep, community: CurrentCommunity):
    user = service.authenticate(session, community_id=community.id, phone=body.phone,
                                password=body.password, address=client_ip(request))
    return TokenOut(access_token=make_token(user.id), user=UserOut.of(user))


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
               offset: Offset = Query(0), q: Line = Query("", max_length=50)):
    users, total = service.list_users(session, actor=user, limit=limit, offset=offset, query=q)
    return UserPage(items=[UserOut.of(u) for u in users], total=total)


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
                            address=client_ip(request))
