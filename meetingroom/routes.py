"""Every router, in one place. Pages and API routes are thin: parse, call one service, render.

Each module named here has a `router`; API routers are mounted under /api/v1, page routers at the
root. Both get the Origin + CSRF check on unsafe requests; pages also load the viewer."""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from meetingroom.api_docs import ERROR_RESPONSES
from meetingroom.db import in_one_trip
from meetingroom.deps import check_unsafe_request, load_page_context

API_MODULES = [
    "meetingroom.auth.api",
    "meetingroom.community.api",
    "meetingroom.community.settings_api",
    "meetingroom.community.appointment_api",
    "meetingroom.community.notice_api",      # R1.3 posts, R2.2 public notices
    "meetingroom.community.sheets_api",      # spreadsheets: export, roster import
    "meetingroom.suggestions.api",       # step 1
    "meetingroom.proposals.api",         # step 2
    "meetingroom.meetings.api",          # step 3: meetings, attendance, votes, tallies
    "meetingroom.meetings.ballot_api",   # step 3: ballots, written in groups (ballot_box.py)
    "meetingroom.meetings.record_api",   # step 3: minutes, ballot log
    "meetingroom.followup.api",          # step 4
    "meetingroom.units.api",             # member units (R5)
    "meetingroom.units.review_api",      # R5.4 the year-end two-way review
]
WEB_MODULES = [
    "meetingroom.pages",
    "meetingroom.auth.web",
    "meetingroom.community.web",
    "meetingroom.community.settings_web",
    "meetingroom.community.appointment_web",
    "meetingroom.community.notice_web",
    "meetingroom.community.sheets_web",
    "meetingroom.suggestions.web",
    "meetingroom.proposals.web",
    "meetingroom.meetings.web",
    "meetingroom.meetings.record_web",
    "meetingroom.meetings.notes_web",
    "meetingroom.followup.web",
    "meetingroom.units.web",
    "meetingroom.units.review_web",
]


def one_trip(router: APIRouter) -> APIRouter:
    """Every endpoint of `router` runs with its session work in one worker-thread trip
    (db.in_one_trip); done before the router is included, which copies the endpoints."""
    for route in router.routes:
        if isinstance(route, APIRoute):
            route.endpoint = in_one_trip(route.endpoint)
    return router


def include_routers(app: FastAPI) -> None:
    api = APIRouter(prefix="/api/v1", dependencies=[Depends(check_unsafe_request)],
                    responses=ERROR_RESPONSES)
    for name in API_MODULES:
        api.include_router(one_trip(import_module(name).router))
    app.include_router(api)

    web = APIRouter(dependencies=[Depends(check_unsafe_request), Depends(load_page_context)],
                    include_in_schema=False)
    for name in WEB_MODULES:
        web.include_router(one_trip(import_module(name).router))
    app.include_router(web)
    # The live sockets: no CSRF or page dependencies (they check Origin themselves, and a
    # socket cannot change anything).
    app.include_router(import_module("meetingroom.meetings.live").ws_router)
    app.include_router(import_module("meetingroom.units.review_live").ws_router)
    app.include_router(one_trip(import_module("meetingroom.pages").health_router))
