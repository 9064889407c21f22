"""/settings: the community's name, self-registration and R7.4 adoption rule (secretary)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from meetingroom.community import settings_service as service
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError
from meetingroom.i18n import gettext
from meetingroom.templating import flash, page
from meetingroom.types import Line

router = APIRouter()


def _example_numbers(request: Request) -> tuple[int, int]:
    """S and P for the worked example; the page lets the secretary try his own numbers."""
    def number(key: str, default: int) -> int:
        value = request.query_params.get(key, "")
        return int(value) if value.isdigit() and 0 < int(value) <= 99 else default

    seated = number("seated", service.EXAMPLE_SEATED)
    return seated, min(number("present", service.EXAMPLE_PRESENT), seated)


def _page(request: Request, community, *, status_code: int = 200, form=None, errors=None):
    seated, present = _example_numbers(request)
    examples = service.adoption_examples(seated, present)
    current = next(e for e in examples if e.rule == community.adoption_rule
                   and e.base == community.adoption_base)
    return page(request, "community/settings.html", status_code=status_code,
                settings=community, form=form or {}, errors=errors or {}, examples=examples,
                current=current, seated=seated, present=present)


@router.get("/settings")
def settings_page(request: Request, session: SessionDep, user: CurrentUser):
    return _page(request, service.community_settings(session, actor=user))


@router.post("/settings")
def settings_save(request: Request, session: SessionDep, user: CurrentUser,
                  name: Line = Form(""), adoption_rule: Line = Form(""),
                  adoption_base: Line = Form(""), self_registration: bool = Form(False),
                  notice_days: Line = Form("5")):
    form = {"name": name, "adoption_rule": adoption_rule, "adoption_base": adoption_base,
            "self_registration": self_registration}
    try:
        days = int(notice_days) if notice_days.isdigit() and len(notice_days) < 4 else -1
        form["notice_days"] = notice_days
        service.update_settings(session, actor=user, **{**form, "notice_days": days})
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        community = service.community_settings(session, actor=user)
        return _page(request, community, status_code=exc.status_code, form=form,
                     errors={getattr(exc, "field", None) or "_":
                             gettext(exc.message, **exc.params)})
    flash(request, "Settings saved.")
    return RedirectResponse("/settings", status_code=303)
