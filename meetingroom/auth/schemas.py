"""API shapes for accounts (CONTRACT.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel, Field

from meetingroom.auth.credentials import Device
from meetingroom.models import User
from meetingroom.pagination import PageMeta
from meetingroom.types import Id, Line, Secret

Seat = Literal["chair", "full_time", "part_time"]


class TokenRequest(BaseModel):
    phone: Line = Field(max_length=20)
    password: Secret = Field(max_length=200)


class RegisterRequest(BaseModel):
    name: Line = Field(max_length=100)
    phone: Line = Field(max_length=20)
    password: Secret = Field(max_length=200)
    address: Line = Field(default="", max_length=300)


class UserCreate(RegisterRequest):
    is_secretary: bool = False
    is_party_member: bool = False
    seat: Seat | None = None
    unit: Id | None = Field(default=None, description="member unit id (part-time members)")


class UserPatch(BaseModel):
    name: Line | None = Field(default=None, max_length=100)
    address: Line | None = Field(default=None, max_length=300)
    is_party_member: bool | None = None
    is_secretary: bool | None = None
    seat: Seat | None = Field(default=None, description="null unseats")
    unit: Id | None = Field(default=None, description="member unit id; null clears")


class UserOut(BaseModel):
    id: int
    name: str
    phone: str
    is_secretary: bool
    is_party_member: bool
    seat: Seat | None
    unit: int | None = None
    unit_name: str | None = None

    @classmethod
    def of(cls, user: User, unit_name: str | None = None) -> UserOut:
        return cls(id=user.id, name=user.name, phone=user.phone, is_secretary=user.is_secretary,
                   is_party_member=user.is_party_member,
                   seat=cast(Seat | None, user.seat),  # stored codes: check_seat wrote them
                   unit=user.unit_id,
                   unit_name=unit_name)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - not a secret
    user: UserOut


class UserPage(PageMeta):
    items: list[UserOut]


class TicketOut(BaseModel):
    ticket: str = Field(description="for `?ticket=` on one live socket; works once")
    expires_in: int = Field(description="seconds")


class DeviceOut(BaseModel):
    id: int
    kind: Literal["session", "token"]
    label: str = Field(description="system and browser, from the user agent")
    user_agent: str
    created_at: datetime
    last_seen_at: datetime = Field(description="updated at most every 5 minutes")
    current: bool = Field(description="the session or token of this request")

    @classmethod
    def of(cls, device: Device) -> DeviceOut:
        return cls(id=device.id, kind=device.kind,  # type: ignore[arg-type]
                   label=device.label, user_agent=device.user_agent,
                   created_at=device.created_at, last_seen_at=device.last_seen_at,
                   current=device.current)


class ResetCodeOut(BaseModel):
    code: str = Field(description="one-time code, e.g. ABCD-EF23; valid until expires_at")
    url: str = Field(description="the reset page with the code in its fragment (for a QR code)")
    expires_at: datetime


class ResetRequest(BaseModel):
    phone: Line = Field(max_length=20)
    code: Line = Field(max_length=20)
    new: Secret = Field(max_length=200)
