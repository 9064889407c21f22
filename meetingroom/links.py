"""Absolute links and the app's own origin (issue 12).

A link that leaves the page (the check-in QR code, a CSV export) is built from
MEETINGROOM_PUBLIC_URL, never from the request's Host header, which anyone can forge: a forged Host
once went into a QR code served `Cache-Control: public`, poisoning shared caches. Only when the
public URL is not configured does the served origin stand in, and then such responses are cached
privately only (`cacheable_publicly` is False)."""

from __future__ import annotations

import re

from starlette.requests import HTTPConnection

from meetingroom.settings import get_settings

# What a Host header may look like before it is echoed anywhere (a name or an IP, and a port).
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
                   r"(?::[0-9]{1,5})?$")


def public_origin(conn: HTTPConnection) -> str:
    """`https://host[:port]` people reach the app at: the configured public URL, else the origin
    this request was served at."""
    configured = get_settings().public_url
    if configured:
        return configured
    return str(conn.base_url).rstrip("/")


def absolute(conn: HTTPConnection, path: str) -> str:
    return public_origin(conn) + "/" + path.lstrip("/")


def cacheable_publicly() -> bool:
    """Whether a response holding an absolute link may be stored by shared caches."""
    return bool(get_settings().public_url)


def own_host(host_header: str | None) -> str | None:
    """The host[:port] of the app's own origin for the CSP: the public URL's, else the request's
    Host when it is a plain host name (never echo anything else into a header)."""
    configured = get_settings().public_url
    if configured:
        return configured.split("://", 1)[1]
    if host_header and _HOST.fullmatch(host_header):
        return host_header
    return None
