"""Translations: gettext catalogues (.po) read with Babel, looked up per request.

Source strings are English msgids. Every `.po` file under translations/<locale>/LC_MESSAGES/ is
merged into one catalogue per locale (each domain of the app keeps its own file, so work on one
step never conflicts with another's). zh_CN is the default locale.
"""

from __future__ import annotations

import contextvars
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from babel.support import LazyProxy

from meetingroom.settings import LOCALES

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
_locale: contextvars.ContextVar[str] = contextvars.ContextVar("locale", default="zh_CN")


@cache
def catalogue(locale: str) -> dict[str | tuple[str, str], str | list[str]]:
    messages: dict = {}
    for po in sorted((TRANSLATIONS_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for msg in read_po(fh, locale=locale):
                if not msg.id or msg.fuzzy:
                    continue
                if isinstance(msg.id, tuple):
                    if any(msg.string):
                        messages[msg.id] = list(msg.string)
                elif msg.string:
                    messages[msg.id] = msg.string
    return messages


def set_locale(locale: str) -> contextvars.Token[str]:
    return _locale.set(locale if locale in LOCALES else "zh_CN")


def reset_locale(token: contextvars.Token[str]) -> None:
    """Back to the locale before `set_locale` returned `token`."""
    _locale.reset(token)


def get_locale() -> str:
    return _locale.get()


def gettext(message: str, **params: Any) -> str:
    found = catalogue(_locale.get()).get(message)
    text = found if isinstance(found, str) and found else message
    return text.format(**params) if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    forms = catalogue(_locale.get()).get((singular, plural))
    if forms:
        # Chinese has one plural form; English two.
        text = forms[0] if len(forms) == 1 or n == 1 else forms[1]
    else:
        text = singular if n == 1 else plural
    params.setdefault("n", n)
    return text.format(**params)


_ = gettext


def lazy_gettext(message: str) -> LazyProxy:
    """For module-level strings (choices, labels) translated when shown, not when imported."""
    return LazyProxy(gettext, message, enable_cache=False)


def negotiate(cookie: str | None, accept_language: str | None, default: str) -> str:
    """The language: the cookie set by the language switch, else (API clients only pass it)
    Accept-Language, else the deployment's default. Pages ignore the browser's language so a
    Chinese deployment shows Chinese on every phone until the person switches."""
    if cookie in LOCALES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return default
