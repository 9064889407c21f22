"""A signed session cookie (HttpOnly, SameSite=Lax, Secure when served over HTTPS).

Starlette's SessionMiddleware fixes the Secure flag at start-up; here it follows each request's
scheme, so one deployment works both behind an HTTPS proxy and on plain http://127.0.0.1.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from typing import Any

from itsdangerous import BadSignature, TimestampSigner
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meetingroom.settings import get_settings

COOKIE = "mr_session"
MAX_AGE = 14 * 24 * 3600


class SessionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        signer = TimestampSigner(get_settings().key, salt="session")
        conn = HTTPConnection(scope)
        raw = conn.cookies.get(COOKIE)
        data: dict[str, Any] = {}
        if raw:
            try:
                data = json.loads(b64decode(signer.unsign(raw.encode(), max_age=MAX_AGE)))
            except (BadSignature, ValueError):
                data = {}
        scope["session"] = data
        initial = json.dumps(data, sort_keys=True)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if json.dumps(current, sort_keys=True) != initial:
                    headers = MutableHeaders(scope=message)
                    secure = "; Secure" if scope.get("scheme") == "https" else ""
                    if current:
                        value = signer.sign(b64encode(json.dumps(current).encode())).decode()
                        cookie = f"{COOKIE}={value}; Path=/; Max-Age={MAX_AGE}"
                    else:
                        cookie = f"{COOKIE}=; Path=/; Max-Age=0"
                    headers.append("Set-Cookie", f"{cookie}; HttpOnly; SameSite=Lax{secure}")
            await send(message)

        await self.app(scope, receive, send_wrapper)
