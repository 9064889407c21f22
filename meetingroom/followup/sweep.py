"""Notices that wait for a clock, not a request: ratings that opened because a deadline passed
(R4.1 step 4, R4.2). Run by each server process every MEETINGROOM_NOTIFY_INTERVAL_SECONDS (the
app's lifespan) and by `meetingroom notify` (cron); claiming rows makes several at once safe."""

from __future__ import annotations

import asyncio
import logging

import anyio

from meetingroom import db
from meetingroom.followup import service

logger = logging.getLogger("meetingroom.sweep")


def sweep_once() -> service.Sweep:
    """One sweep in its own writing transaction."""
    for session in db.session_scope():
        result = service.notify_ratings_opened(session=session, now=service.now())
    return result


async def run_every(seconds: float) -> None:
    """Sweep every `seconds` until cancelled. An error is logged and the next round tries again:
    a database outage must never take the server down."""
    while True:
        await asyncio.sleep(seconds)
        try:
            # Not abandoned on cancel: shutdown waits for a sweep's transaction to finish.
            result = await anyio.to_thread.run_sync(sweep_once)
        except Exception:
            logger.exception("rating notices: sweep failed; trying again in %s s", seconds)
            continue
        if result.resolutions:
            logger.info("rating notices: %d resolution(s), %d notice(s)", result.resolutions,
                        result.notices)
