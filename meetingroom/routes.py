"""Every router, in one place. Pages and API routes are thin: parse, call one service, render."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from meetingroom.deps import check_unsafe_request, load_page_context


def include_routers(app: FastAPI) -> None:
    from meetingroom import pages
    from meetingroom.auth import api as auth_api
    from meetingroom.auth import web as auth_web
    from meetingroom.community import api as community_api
    from meetingroom.community import web as community_web
    from meetingroom.proposals import api as proposals_api
    from meetingroom.proposals import web as proposals_web
    from meetingroom.suggestions import api as suggestions_api
    from meetingroom.suggestions import web as suggestions_web

    api = APIRouter(prefix="/api/v1", dependencies=[Depends(check_unsafe_request)])
    for module in (auth_api, community_api, suggestions_api, proposals_api):
        api.include_router(module.router)
    app.include_router(api)

    web = APIRouter(dependencies=[Depends(check_unsafe_request), Depends(load_page_context)],
                    include_in_schema=False)
    for module in (pages, auth_web, community_web, suggestions_web, proposals_web):
        web.include_router(module.router)
    app.include_router(web)
    app.include_router(pages.health_router)
