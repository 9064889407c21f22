"""Pages of a meeting's record: the printable minutes, the .docx, and the check-in QR code."""

from __future__ import annotations

import hashlib
import io
from typing import TypedDict
from urllib.parse import quote

import segno
from fastapi import APIRouter, Request
from fastapi.responses import Response

from meetingroom import links
from meetingroom.db import SessionDep
from meetingroom.i18n import gettext
from meetingroom.meetings import minutes
from meetingroom.templating import page
from meetingroom.types import Id

router = APIRouter()


class QrOptions(TypedDict):
    """segno.make's keywords, typed so each reaches its parameter with the right type."""

    error: str
    micro: bool


# Level M survives a smudged or glare-spotted projector image; never a Micro QR, which phone
# cameras do not all read.
QR_OPTIONS: QrOptions = {"error": "m", "micro": False}
# 10 px modules and the standard 4-module quiet zone: about 370-450 px before any scaling, crisp
# at any size (it is a vector), black on white as scanners expect.
SVG_OPTIONS = {"scale": 10, "border": 4, "dark": "#000000", "light": "#ffffff",
               "xmldecl": True}
QR_MAX_AGE = 24 * 3600


def checkin_url(request: Request, meeting_id: int) -> str:
    """The absolute URL of the meeting's check-in page, as the person's phone must reach it:
    from MEETINGROOM_PUBLIC_URL, or the served origin when that is not configured."""
    return links.absolute(request, f"/meetings/{meeting_id}/checkin")


def checkin_qr(url: str) -> segno.QRCode:
    return segno.make(url, **QR_OPTIONS)


def checkin_qr_svg(url: str) -> bytes:
    buf = io.BytesIO()
    checkin_qr(url).save(buf, kind="svg", title=gettext("Scan to check in"), **SVG_OPTIONS)
    return buf.getvalue()


@router.get("/meetings/{meeting_id}/checkin-qr.svg")
def checkin_qr_image(meeting_id: Id, request: Request, session: SessionDep):
    minutes.get_meeting(session, community_id=request.state.community.id, meeting_id=meeting_id)
    svg = checkin_qr_svg(checkin_url(request, meeting_id))
    etag = '"' + hashlib.sha256(svg).hexdigest()[:32] + '"'
    # Shared caches may keep it only when the link comes from the configured public URL: built
    # from the Host header, a forged Host would poison them (issue 12).
    scope = "public" if links.cacheable_publicly() else "private"
    headers = {"Cache-Control": f"{scope}, max-age={QR_MAX_AGE}", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)


@router.get("/meetings/{meeting_id}/minutes")
def minutes_page(meeting_id: Id, request: Request, session: SessionDep):
    m = minutes.gather(session, meeting_id, community_id=request.state.community.id)
    return page(request, "meetings/minutes.html", minutes=m, mt=minutes)


@router.get("/meetings/{meeting_id}/minutes.docx")
def minutes_docx(meeting_id: Id, request: Request, session: SessionDep):
    m = minutes.gather(session, meeting_id, community_id=request.state.community.id)
    name = gettext("minutes") + f"-{m.starts_at:%Y%m%d}-{meeting_id}.docx"
    disposition = (f'attachment; filename="minutes-{meeting_id}.docx"; '
                   f"filename*=UTF-8''{quote(name)}")
    return Response(minutes.render_docx(m), media_type=minutes.DOCX_TYPE,
                    headers={"Content-Disposition": disposition})
