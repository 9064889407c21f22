"""API shapes for accounts (CONTRACT.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from meetingroom.models import User
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
                   is_party_member=user.is_party_member, seat=user.seat, unit=user.unit_id,
                   unit_name=unit_name)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - not a secret
    user: UserOut


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
