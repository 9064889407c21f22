"""Jinja2 environment: gettext through meetingroom.i18n, local time, and page/fragment rendering
(a route returns the fragment for htmx requests, the whole page otherwise — STYLE habit 7)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from meetingroom import i18n
from meetingroom.settings import get_settings

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive values; they are UTC by construction
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime(fmt)


def _localdate(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _localtime(value, "%Y-%m-%d")
    return value.isoformat()


def _t(message: str, **params) -> str:
    return i18n.gettext(message, **params)


def _nt(singular: str, plural: str, n: int, **params) -> str:
    return i18n.ngettext(singular, plural, n, **params)


def build_env() -> Environment:
    # auto_reload=False: a template is read and compiled once per process. Jinja's default
    # stats every template a page uses (the page, base.html, each include and macro file) on
    # every render to see whether it changed on disk: ~4 % of a busy evening's server samples
    # (issue 11). Templates change only with a deploy, which restarts the workers.
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR),
                      autoescape=select_autoescape(["html", "xml"], default=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
                      auto_reload=False)
    # newstyle: {{ _("Hello {name}", name=x) }} formats with str.format and escapes params.
    env.install_gettext_callables(_t, _nt, newstyle=False)
    from meetingroom import labels
    from meetingroom.photos import url as photo_url

    env.globals.update(_=_t, ngettext=_nt, get_locale=i18n.get_locale, labels=labels,
                       photo_url=photo_url)
    env.filters["localtime"] = _localtime
    env.filters["localdate"] = _localdate
    return env


env = build_env()


def render(template: str, **context: Any) -> str:
    return env.get_template(template).render(**context)


# Page weight (issue 13: a resident's first load <= 30 KB compressed): app.css carries what
# residents' pages use; the other sheets load only on the pages that need them, chosen here by
# template so no page can forget its sheet. First matching prefix wins.
SHEETS: list[tuple[str, tuple[str, ...]]] = [
    ("meetings/minutes", ("record",)),
    ("meetings/notes", ("record",)),
    ("meetings/", ("meetings",)),
    ("community/request", ("record",)),
    ("community/settings", ("record",)),
    ("community/person", ("record", "staff")),
    ("community/", ("staff",)),
    ("units/review_", ("meetings", "staff", "record")),
    # Member units: the public pages (list, a unit's deeds, the year's deeds) are residents'
    # pages and need app.css only; the board, consoles, lists and reports are staff pages.
    ("units/list", ()), ("units/unit", ()), ("units/deeds", ()), ("units/_", ()),
    ("units/", ("staff",)),
    ("followup/dashboard", ("staff",)),
    ("proposals/", ("staff",)),
]


def sheets_for(template: str) -> tuple[str, ...]:
    """The stylesheets a page loads after app.css."""
    return next((sheets for prefix, sheets in SHEETS if template.startswith(prefix)), ())


def _context(request: Request, template: str, flash: str | None,
             context: dict[str, Any]) -> dict[str, Any]:
    """What every page's template is rendered with (page() and visitor_page())."""
    from meetingroom.deps import csrf_token

    return {
        "request": request,
        "user": getattr(request.state, "viewer", None),
        "community": getattr(request.state, "community", None),
        "csrf_token": csrf_token(request),
        "locale": i18n.get_locale(),
        "large_type": request.cookies.get("mr_large") == "1",
        "unread": getattr(request.state, "unread", 0),
        "flash": flash,
        "sheets": sheets_for(template),
        **context,
    }


def page(request: Request, template: str, *, fragment: str | None = None, status_code: int = 200,
         **context: Any) -> HTMLResponse:
    """Render `template` (or `fragment` when htmx asks) with the request's common context."""
    flash = (request.scope.get("session") or {}).pop("flash", None)
    ctx = _context(request, template, flash, context)
    name = fragment if fragment and request.headers.get("hx-request") else template
    return HTMLResponse(env.get_template(name).render(**ctx), status_code=status_code)


# Pages a visitor sees (nobody logged in), rendered once per worker for each set of what they
# show — template, language, large type, the layout's community as read for this request, the
# path, the page's own context — and kept, with a mark where the visitor's CSRF token goes
# (issue 11: rendering was ~0.2-0.3 ms of the home page's ~1 ms). The community is read on every
# request and is part of the key, so a renamed community or changed setting is a new entry at
# once, never a stale page. A page with a flash, or for a logged-in person, is always rendered.
VISITOR_PAGES_MAX = 64
_visitor_pages: dict[tuple[Any, ...], str] = {}
_CSRF_MARK = "csrf" + secrets.token_hex(16)  # per process; never leaves it (always replaced)


def visitor_page(request: Request, template: str, **context: Any) -> HTMLResponse:
    """page() for a page whose only per-visitor part, when nobody is logged in, is the CSRF
    token: the same bytes as page() would render, from the cache above when it can. `context`
    values must be hashable (they are part of the key) and decide everything else the template
    shows; a template that read anything more (the database, the clock) must not come here."""
    session = request.scope.get("session")
    flash = (session or {}).pop("flash", None)
    if session is None or flash is not None or getattr(request.state, "viewer", None) is not None:
        ctx = _context(request, template, flash, context)
        return HTMLResponse(env.get_template(template).render(**ctx))
    from meetingroom.deps import csrf_token

    key = (template, i18n.get_locale(), request.cookies.get("mr_large") == "1",
           getattr(request.state, "community", None), getattr(request.state, "unread", 0),
           request.url.path, tuple(sorted(context.items())))
    html = _visitor_pages.get(key)
    if html is None:
        ctx = {**_context(request, template, None, context), "csrf_token": _CSRF_MARK}
        html = env.get_template(template).render(**ctx)
        if len(_visitor_pages) >= VISITOR_PAGES_MAX:
            _visitor_pages.clear()
        _visitor_pages[key] = html
    # escaped as the template's autoescape would (a token is URL-safe base64: unchanged)
    return HTMLResponse(html.replace(_CSRF_MARK, str(escape(csrf_token(request)))))


class KeptFragment:
    """A fragment that a list renders once per item (a card), kept rendered per worker for each
    value of `key(item)`: the key must hold everything the fragment shows (and the language),
    so a changed item is a new entry, never a stale one. The fragment is rendered with `item`
    under `name` and nothing else of the page's context, so it can read nothing the key misses
    but the environment's globals (translations, labels, the time zone: fixed per process).
    Bounded: cleared when full (a new deploy, or a busy list's changing counts, refill it)."""

    def __init__(self, template: str, name: str, key: Callable[[Any], Hashable],
                 size: int = 1000) -> None:
        self.template, self.name, self.key, self.size = template, name, key, size
        self.kept: dict[Hashable, Markup] = {}

    def __call__(self, item: Any) -> Markup:
        key = self.key(item)
        html = self.kept.get(key)
        if html is None:
            # An autoescaped template's output: markup already, its values escaped.
            html = Markup(env.get_template(self.template).render({self.name: item}))  # noqa: S704
            if len(self.kept) >= self.size:
                self.kept.clear()
            self.kept[key] = html
        return html


def flash(request: Request, message: str, **params: Any) -> None:
    """A one-time notice shown on the next page (e.g. after a redirect)."""
    request.scope.setdefault("session", {})["flash"] = i18n.gettext(message, **params)
