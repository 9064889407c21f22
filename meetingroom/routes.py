"""Every router, in one place. Pages and API routes are thin: parse, call one service, render.

Each module named here has a `router`; API routers are mounted under /api/v1, page routers at the
root. Both get the Origin + CSRF check on unsafe requests; pages also load the viewer."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute, _IncludedRouter  # pyright: ignore[reportPrivateUsage]
from starlette import routing
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

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


class GuardedInclude(_IncludedRouter):
    """An included router that says "no match" at once for a path none of its routes can match.

    FastAPI (0.16x) matches an included router by walking every route in it, setting and
    restoring scope keys around each, and walks again to handle the one it found: with ~270
    routes, /healthz (the last) cost ~540 route matches, about a third of its CPU (issue 11 §4,
    docs/benchmarks.md). Each module's router is included on its own and guarded by the literal
    part of its routes' paths (an exact path, or the text before the first `{param}`), so a
    request walks only the routers that can hold its path. The guard only ever skips routers
    whose every route's regex would fail; anything it cannot reason about (a mount, a host)
    turns it off for that router."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] in ("http", "websocket"):
            guard = self._guard()
            if guard is not None:
                exact, prefixes = guard
                path = get_route_path(scope)
                if path not in exact and not path.startswith(prefixes):
                    return Match.NONE, {}
        return super().matches(scope)

    def _guard(self) -> tuple[frozenset[str], tuple[str, ...]] | None:
        # Made at the first request and again if a route is added to the router later (FastAPI's
        # own version counter walks every route on each call: too dear for every request).
        count = len(self.original_router.routes)
        cached: tuple[int, Any] | None = self.__dict__.get("_guard_cache")
        if cached is None or cached[0] != count:
            cached = (count, path_guard(self))
            self.__dict__["_guard_cache"] = cached
        return cached[1]


def path_guard(included: _IncludedRouter) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """(exact paths, literal prefixes) covering every route of `included`; None if unsure."""
    exact: set[str] = set()
    prefixes: set[str] = set()
    for context in included.effective_route_contexts():
        route = context.starlette_route
        if route is None and isinstance(context.original_route, APIRoute):
            path = context.path
        elif isinstance(route, (APIWebSocketRoute, routing.Route, routing.WebSocketRoute)):
            path = route.path
        else:  # a mount, a host, a frontend group: match it the slow way
            return None
        if "{" in path:
            prefixes.add(path.split("{", 1)[0])
        else:
            exact.add(path)
    return frozenset(exact), tuple(sorted(prefixes))


def include_guarded(app: FastAPI, router: APIRouter, **options: Any) -> None:
    """app.include_router, with the inclusion's path guard (GuardedInclude)."""
    app.include_router(router, **options)
    plain = app.router.routes[-1]
    assert isinstance(plain, _IncludedRouter) and plain.original_router is router
    app.router.routes[-1] = GuardedInclude(original_router=plain.original_router,
                                           include_context=plain.include_context)


def include_routers(app: FastAPI) -> None:
    # Each module's router is included on its own (not through one /api/v1 router holding them
    # all), so that each has a path guard; prefix, dependencies and responses are what the one
    # enclosing router gave them (tests/test_routing_guard.py compares the OpenAPI document).
    for name in API_MODULES:
        include_guarded(app, one_trip(import_module(name).router), prefix="/api/v1",
                        dependencies=[Depends(check_unsafe_request)], responses=ERROR_RESPONSES)
    for name in WEB_MODULES:
        include_guarded(app, one_trip(import_module(name).router),
                        dependencies=[Depends(check_unsafe_request), Depends(load_page_context)],
                        include_in_schema=False)
    # The live sockets: no CSRF or page dependencies (they check Origin themselves, and a
    # socket cannot change anything).
    include_guarded(app, import_module("meetingroom.meetings.live").ws_router)
    include_guarded(app, import_module("meetingroom.units.review_live").ws_router)
    include_guarded(app, one_trip(import_module("meetingroom.pages").health_router))
