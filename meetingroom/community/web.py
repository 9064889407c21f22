"""The committee page (public) and the roster pages (secretary)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from meetingroom import types
from meetingroom.auth import service as auth_service
from meetingroom.community import notice, service
from meetingroom.community.appointment import appointment_record
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError
from meetingroom.i18n import gettext
from meetingroom.templating import flash, page
from meetingroom.types import Id, Line, Secret, parse_id

router = APIRouter()


def _int_or_none(value: str) -> int | None:
    return parse_id(value)


def record_context(session, person) -> dict:
    """What the person page shows of his R1.3 post, R2.2 notice and before-record mark."""
    return {"record": notice.member_record(session, person.id),
            "member_notice": notice.notice_of(session, person.id),
            "post_labels": notice.POST_LABELS}


@router.get("/committee")
def committee_page(request: Request, session: SessionDep):
    c = service.committee(session, request.state.community.id)
    return page(request, "community/committee.html", committee=c)


ROSTER_PAGE = 50


def _roster(request: Request, session: SessionDep, user, *, status_code: int = 200, **ctx):
    q = request.query_params.get("q", "")
    try:
        offset = min(max(0, int(request.query_params.get("offset", "0"))), types.MAX_INT)
    except ValueError:
        offset = 0
    # Next/Previous carry a keyset cursor (the page's pager); ?offset= still works.
    cursor = request.query_params.get("cursor") or None
    rows = auth_service.list_users(session, actor=user, limit=ROSTER_PAGE, offset=offset,
                                   query=q, cursor=cursor)
    ctx.setdefault("form", {})
    ctx.setdefault("errors", {})
    cid = user.community_id
    return page(request, "community/roster.html", status_code=status_code, users=rows.items,
                ready_to_seat=notice.ready_to_seat(session, cid), rows=rows,
                page_size=ROSTER_PAGE, total=rows.total, q=q,
                units=service.list_units(session, cid),
                unit_kinds=service.UNIT_KINDS, committee=service.committee(session, cid), **ctx)


@router.get("/roster")
def roster(request: Request, session: SessionDep, user: CurrentUser):
    auth_service.require_secretary(user)
    return _roster(request, session, user)


@router.post("/roster/users")
def roster_add_user(request: Request, session: SessionDep, user: CurrentUser,
                    name: Line = Form(""), phone: Line = Form(""), password: Secret = Form(""),
                    address: Line = Form(""), seat: Line = Form(""), unit: Line = Form(""),
                    is_party_member: bool = Form(False), is_secretary: bool = Form(False)):
    form = {"name": name, "phone": phone, "address": address, "seat": seat, "unit": unit,
            "is_party_member": is_party_member, "is_secretary": is_secretary}
    try:
        created = auth_service.create_user(
            session, actor=user, name=name, phone=phone, password=password, address=address,
            seat=seat or None, unit_id=_int_or_none(unit), is_party_member=is_party_member,
            is_secretary=is_secretary)
    except DomainError as exc:
        session.rollback()
        auth_service.require_secretary(user)
        message = gettext(exc.message, **exc.params)
        field = getattr(exc, "field", None)
        return _roster(request, session, user, status_code=exc.status_code, form=form,
                       errors={field or "_": message})
    flash(request, "{name} was added.", name=created.name)
    return RedirectResponse("/roster", status_code=303)


@router.get("/roster/users/{user_id}")
def roster_edit_form(user_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    auth_service.require_secretary(user)
    person = auth_service.get_user(session, community_id=user.community_id, user_id=user_id)
    return page(request, "community/person.html", person=person,
                units=service.list_units(session, user.community_id), errors={},
                appointment=appointment_record(session, actor=user, user_id=user_id),
                **record_context(session, person))


@router.post("/roster/users/{user_id}")
def roster_edit(user_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                name: Line = Form(""), address: Line = Form(""), seat: Line = Form(""),
                unit: Line = Form(""), is_party_member: bool = Form(False),
                is_secretary: bool = Form(False)):
    try:
        auth_service.update_user(session, actor=user, user_id=user_id, name=name,
                                 address=address, seat=seat or None, unit_id=_int_or_none(unit),
                                 is_party_member=is_party_member, is_secretary=is_secretary)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()
        person = auth_service.get_user(session, community_id=user.community_id, user_id=user_id)
        return page(request, "community/person.html", status_code=exc.status_code, person=person,
                    units=service.list_units(session, user.community_id),
                    appointment=appointment_record(session, actor=user, user_id=user_id),
                    **record_context(session, person),
                    errors={getattr(exc, "field", None) or "_": gettext(exc.message, **exc.params)})
    flash(request, "Saved.")
    return RedirectResponse("/roster", status_code=303)


@router.post("/roster/units")
def roster_add_unit(request: Request, session: SessionDep, user: CurrentUser,
                    name: Line = Form(""), kind: Line = Form("other"),
                    contact_name: Line = Form(""), contact_phone: Line = Form("")):
    try:
        unit = service.add_unit(session, actor=user, name=name, kind=kind,
                                contact_name=contact_name, contact_phone=contact_phone)
    except DomainError as exc:
        if exc.status_code in (401, 403):
            raise
        session.rollback()
        return _roster(request, session, user, status_code=exc.status_code,
                       unit_form={"name": name, "kind": kind, "contact_name": contact_name,
                                  "contact_phone": contact_phone},
                       unit_error=gettext(exc.message, **exc.params))
    flash(request, "{name} was added.", name=unit.name)
    return RedirectResponse("/roster#units", status_code=303)
