"""create_app(): routers, static files, middleware, error handlers and the live hub's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from meetingroom import __version__, i18n, links
from meetingroom.auth.ratelimit import TrustedProxyMiddleware
from meetingroom.auth.sessions import SessionMiddleware
from meetingroom.compression import CompressionMiddleware
from meetingroom.errors import DomainError, TooManyRequests
from meetingroom.live.hub import make_hub
from meetingroom.meetings.ballot_box import BallotArrivals
from meetingroom.private import private_dir
from meetingroom.settings import Settings, get_settings, set_settings

log = logging.getLogger("meetingroom")
STATIC_DIR = Path(__file__).parent / "static"

API_DESCRIPTION = """
The JSON API of meetingroom (CONTRACT.md). Authenticate with `POST /api/v1/auth/token`, then send
`Authorization: Bearer <token>`. Errors are `{"detail": "...", "rule": "R7.1"?}`; messages follow
`Accept-Language` (`zh-CN` default, `en`). Lists take `?limit=&offset=` and return
`{"items": [...], "total": N, "total_capped": bool, "next_cursor", "prev_cursor"}`: `total` is
exact up to 10,000, then capped there (`total_capped: true`); pass a cursor back as `?cursor=`
for the next or previous page (deep pages cost what the first does). The live feed is
`WS /api/v1/meetings/{id}/live`.
"""


class LocaleMiddleware:
    """Sets the request's language: the `mr_lang` cookie, else (API only) Accept-Language, else
    MEETINGROOM_LOCALE."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            from starlette.requests import HTTPConnection

            conn = HTTPConnection(scope)
            is_api = scope["path"].startswith("/api/")
            locale = i18n.negotiate(conn.cookies.get("mr_lang"),
                                    conn.headers.get("accept-language") if is_api else None,
                                    get_settings().locale)
            token = i18n.set_locale(locale)
            try:
                await self.app(scope, receive, send)
            finally:
                i18n.reset_locale(token)
        else:
            await self.app(scope, receive, send)


def content_security_policy(scope: Scope) -> str:
    """Inline scripts are not allowed (every script is a static file), and pages may connect only
    to the app's own origin: its live sockets (ws/wss of the same host), never another host."""
    from starlette.datastructures import Headers

    host = links.own_host(Headers(scope=scope).get("host"))
    connect = "'self'" + (f" wss://{host} ws://{host}" if host else "")
    if host and get_settings().public_url.startswith("https://"):
        connect = f"'self' wss://{host}"
    return ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            f"script-src 'self'; connect-src {connect}; frame-ancestors 'none'; "
            "base-uri 'self'; form-action 'self'")


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(scope: Scope) -> list[str]:
    """Every method some route serves at this path (Starlette's own 405 names only the first
    route that matched the path, so a path with GET and PUT said `Allow: GET`)."""
    from starlette.routing import Match

    routes = scope["app"].router.routes
    found = [m for m in METHODS
             if any(r.matches({**scope, "method": m})[0] is Match.FULL for r in routes)]
    return [*found, "OPTIONS"] if found else []


class OptionsMiddleware:
    """`OPTIONS` on a path that exists answers 204 with `Allow` listing every method there."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            allowed = allowed_methods(scope)
            if allowed:
                await send({"type": "http.response.start", "status": 204,
                            "headers": [(b"allow", ", ".join(allowed).encode())]})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"x-frame-options": b"DENY",
                }
                if not scope["path"].startswith(("/docs", "/redoc")):
                    extra[b"content-security-policy"] = content_security_policy(scope).encode()
                if scope.get("scheme") == "https":
                    # Served over HTTPS (directly, or behind a trusted proxy that says so):
                    # browsers keep to HTTPS for a year. No includeSubDomains: the community's
                    # site is often one name under a larger domain that is not ours to bind.
                    extra[b"strict-transport-security"] = b"max-age=31536000"
                for key, value in extra.items():
                    if key not in names:
                        headers.append((key, value))
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, status: int, message: str, rule: str | None = None,
                    headers: dict | None = None, **extra):
    if _is_api(request):
        body = {"detail": message, **extra}
        if rule:
            body["rule"] = rule
        return JSONResponse(body, status_code=status, headers=headers)
    from meetingroom.templating import page

    if status == 401:
        from urllib.parse import quote

        from fastapi.responses import RedirectResponse

        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    response = page(request, "error.html", status_code=status, message=message, rule=rule,
                    status=status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        message = i18n.gettext(exc.message, **exc.params)
        headers = None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        extra = {"field": exc.field} if getattr(exc, "field", None) and _is_api(request) else {}
        return _error_response(request, exc.status_code, message, exc.rule, headers, **extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
            field = "" if err.get("type") == "json_invalid" else ".".join(loc)
            errors.append({"field": field, "message": _validation_message(err)})
        summary = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                            for e in errors)
        if not _is_api(request):
            return _error_response(request, 400, summary)
        malformed = any(e.get("type") == "json_invalid" for e in exc.errors())
        return JSONResponse({"detail": summary, "errors": errors},
                            status_code=400 if malformed else 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = {404: i18n.gettext("Not found."),
                   405: i18n.gettext("This action is not available here.")}.get(
            exc.status_code, str(exc.detail))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request.scope))
        return _error_response(request, exc.status_code, message, headers=headers or None)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error_response(request, 500, i18n.gettext(
            "Something went wrong on our side. Nothing was saved; please try again."))


def _validation_message(err: dict) -> str:
    """Pydantic's English messages, mapped to translated ones for the common cases."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return i18n.gettext("This field is required.")
    if kind == "json_invalid":
        return i18n.gettext("The request body is not valid JSON.")
    if kind == "string_too_long":
        return i18n.gettext("At most {n} characters.", n=ctx.get("max_length", "?"))
    if kind == "string_too_short":
        return i18n.gettext("At least {n} characters.", n=ctx.get("min_length", "?"))
    if kind in ("int_parsing", "int_type", "float_parsing"):
        return i18n.gettext("Enter a whole number.")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return i18n.gettext("The number is out of range.")
    if kind in ("literal_error", "enum"):
        return i18n.gettext("Choose one of: {choices}.", choices=ctx.get("expected", ""))
    if kind == "date_window":
        return i18n.gettext("Enter a date between {first} and {last}.",
                            first=ctx.get("first", ""), last=ctx.get("last", ""))
    if kind.startswith("date") or kind.startswith("datetime"):
        return i18n.gettext("Enter a valid date.")
    if kind in ("bool_parsing", "bool_type"):
        return i18n.gettext("Enter true or false.")
    return i18n.gettext("This value is not valid.")


def install_api_docs(app: FastAPI) -> None:
    """/docs with Swagger UI served from this site (the swagger-ui-bundle-v2 package), never from
    a CDN: deployments in China often cannot reach one, and nothing else here uses one."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/static/swagger", StaticFiles(directory=str(swagger_ui_path)), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def api_docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="meetingroom API",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css",
                                   swagger_favicon_url="/static/swagger/favicon-32x32.png")


def socket_scope_middleware(inner: ASGIApp) -> ASGIApp:
    """What create_app's middleware does to a WebSocket's scope before a route sees it: the
    client's address and scheme from trusted proxies, the session cookie, the language. The live
    listener (meetings/live_listener.py) runs its handshakes through it, so its sockets are
    admitted on exactly what the ASGI routes see. Keep it in step with create_app's list
    (compression and security headers touch only HTTP responses; OPTIONS only HTTP)."""
    return TrustedProxyMiddleware(SessionMiddleware(LocaleMiddleware(inner)))


def create_app(settings: Settings | None = None) -> FastAPI:
    if settings is not None:
        set_settings(settings)
    settings = get_settings()
    private_dir(settings.data_dir)  # 0700 (issue 12): the database, key and uploads live in it

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await app.state.hub.start()
        sweeper = None
        if settings.notify_interval_seconds > 0:
            from meetingroom.followup.sweep import run_every

            sweeper = asyncio.create_task(run_every(settings.notify_interval_seconds),
                                          name="rating-notices")
        listener = None
        if settings.live_port is not None:
            from meetingroom.meetings.live_listener import LiveListener

            listener = app.state.live_listener = LiveListener(app)
            await listener.start(settings.live_host, settings.live_port)
        try:
            yield
        finally:
            if listener is not None:
                await listener.stop()
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            await app.state.hub.stop()

    app = FastAPI(title="meetingroom", version=__version__, description=API_DESCRIPTION,
                  lifespan=lifespan, openapi_url="/openapi.json", docs_url=None,
                  redoc_url=None)
    install_api_docs(app)
    app.state.hub = make_hub(settings.broadcast_url)
    app.state.settings = settings

    install_error_handlers(app)
    # Outermost first in the list below is innermost at run time: sessions and locale wrap
    # every route; compression wraps the whole response.
    app.add_middleware(OptionsMiddleware)
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(SessionMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    # Photos are JPEG already: compressing them again costs CPU and saves nothing.
    app.add_middleware(CompressionMiddleware, excluded_paths=r"^/photos/")
    # Outermost: the client's address and scheme are settled before anything reads them.
    app.add_middleware(TrustedProxyMiddleware)
    # Outside even that: a ballot request is counted the moment it reaches the app, so the
    # ballot box can wait for a burst's requests still being parsed (ballot_box.py).
    app.add_middleware(BallotArrivals)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    from meetingroom.routes import include_routers

    include_routers(app)
    return app
