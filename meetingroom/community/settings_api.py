"""/api/v1/community/settings: the community's name, self-registration and R7.4 rule
(secretary)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from meetingroom.community import settings_service as service
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.meetings.rules import AdoptionBase, AdoptionRule
from meetingroom.types import Line

router = APIRouter(tags=["committee"])


class SettingsOut(BaseModel):
    name: str
    self_registration: bool
    adoption_rule: AdoptionRule = Field(description="R7.4: inclusive_half (2A ≥ N) or "
                                                    "strict_majority (2A > N)")
    adoption_base: AdoptionBase = Field(description="R7.4: N is the members present or seated")
    notice_days: int = Field(description="R2.2: working days a public notice takes objections")


class SettingsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Line | None = Field(default=None, min_length=1, max_length=100)
    self_registration: bool | None = None
    adoption_rule: AdoptionRule | None = None
    adoption_base: AdoptionBase | None = None
    notice_days: int | None = Field(default=None, ge=1, le=30)


def _out(community) -> SettingsOut:
    return SettingsOut(name=community.name, self_registration=community.self_registration,
                       adoption_rule=community.adoption_rule,
                       adoption_base=community.adoption_base,
                       notice_days=community.notice_days)


@router.get("/community/settings", response_model=SettingsOut,
            summary="The community's settings, including the R7.4 adoption rule (secretary)")
def get_settings(user: CurrentUser, session: SessionDep):
    return _out(service.community_settings(session, actor=user))


@router.patch("/community/settings", response_model=SettingsOut,
              summary="Change the name, self-registration or R7.4 adoption rule (secretary)")
def patch_settings(body: SettingsPatch, user: CurrentUser, session: SessionDep):
    given = {k: (v.value if hasattr(v, "value") else v)
             for k, v in body.model_dump(exclude_unset=True).items()}
    return _out(service.update_settings(session, actor=user, **given))
