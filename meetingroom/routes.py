"""Every router, in one place. Pages and API routes are thin: parse, call one service, render."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from meetingroom.deps import check_unsafe_request, load_page_context


def include_routers(app: FastAPI) -> None:
    from meetingroom import pages
    from meetingroom.auth import api as auth_api
    from meetingroom.auth import web as auth_web
    from meetingroom.community import api as community_api
    from meetingroom.community import appointment_api, appointment_web, settings_api, settings_web
    from meetingroom.community import web as community_web
    from meetingroom.followup import api as followup_api
    from meetingroom.followup import web as followup_web
    from meetingroom.meetings import record_api, record_web

    api = APIRouter(prefix="/api/v1", dependencies=[Depends(check_unsafe_request)])
    for module in (auth_api, community_api, followup_api):
        api.include_router(module.router)
    for module in (record_api, settings_api, appointment_api):  # issue 4: the record, settings
        api.include_router(module.router)
    app.include_router(api)

    web = APIRouter(dependencies=[Depends(check_unsafe_request), Depends(load_page_context)],
                    include_in_schema=False)
    for module in (pages, auth_web, community_web, followup_web):
        web.include_router(module.router)
    for module in (record_web, settings_web, appointment_web):  # issue 4: the record, settings
        web.include_router(module.router)
    app.include_router(web)
    app.include_router(pages.health_router)
