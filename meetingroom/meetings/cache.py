"""What a meeting screen builds, kept per worker for a second (docs/decisions.md "The busy
evening"): the members' poll's body (api.MeetingBodies) and the public meeting page's context
(web.PageContexts). Each use says why its value may be served that late."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from sqlmodel import Session

from meetingroom.i18n import get_locale
from meetingroom.meetings import service, state

V = TypeVar("V")

Version = tuple[int, datetime]  # service.meeting_version: the meeting's (seq, created_at)


class VersionedCache(Generic[V]):
    """One value per meeting and locale, served while the meeting's version is the one it was
    built for and for at most TTL seconds after. The caller reads the version first (one row)
    and builds the value itself on a miss; a value is shared between requests, so never mutate
    it. Reads take no lock (a dict lookup of a whole entry is atomic); writes do."""

    TTL = 1.0
    MAX = 256  # meetings x locales held per worker; past that the cache starts over

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], tuple[Version, float, V]] = {}
        self._lock = threading.Lock()
        self.clock: Callable[[], float] = time.monotonic  # tests move it by hand

    def get(self, meeting_id: int, locale: str, version: Version) -> V | None:
        hit = self._entries.get((meeting_id, locale))
        if hit is not None and hit[0] == version and self.clock() < hit[1]:
            return hit[2]
        return None

    def put(self, meeting_id: int, locale: str, version: Version, value: V) -> None:
        with self._lock:
            if len(self._entries) >= self.MAX:
                self._entries.clear()
            self._entries[(meeting_id, locale)] = (version, self.clock() + self.TTL, value)

    def fetch(self, session: Session, community_id: int, meeting_id: int,
              build: Callable[[state.MeetingState, str], V]) -> V:
        """The value for this request's locale: read the meeting's version (one row), and on a
        miss build it from the meeting's state and keep it. A meeting of another community has
        no version here, so it is never served from the cache: meeting_state raises its 404."""
        locale = get_locale()
        version = service.meeting_version(session, community_id=community_id,
                                          meeting_id=meeting_id)
        value = self.get(meeting_id, locale, version) if version else None
        if value is None:
            st = service.meeting_state(session, community_id=community_id, meeting_id=meeting_id)
            value = build(st, locale)
            self.put(meeting_id, locale, (st.meeting.seq, st.meeting.created_at), value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
