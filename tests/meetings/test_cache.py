"""The per-worker meeting cache (meetings/cache.py) on its own, for what the two caches' HTTP
tests (test_meeting_body_cache, test_meeting_page_cache) cannot reach: the size cap, and the
exact moment an entry expires."""

from __future__ import annotations

from datetime import UTC, datetime

from meetingroom.meetings.cache import VersionedCache

V1 = (1, datetime(2026, 12, 3, 11, 0, tzinfo=UTC))


def test_past_max_entries_the_cache_starts_over():
    cache = VersionedCache[str]()
    cache.clock = lambda: 1000.0
    for meeting_id in range(cache.MAX):
        cache.put(meeting_id, "en", V1, f"m{meeting_id}")
    assert all(cache.get(i, "en", V1) == f"m{i}" for i in range(cache.MAX))  # all held
    cache.put(cache.MAX, "en", V1, "newest")
    assert cache.get(cache.MAX, "en", V1) == "newest"
    assert all(cache.get(i, "en", V1) is None for i in range(cache.MAX))  # the rest dropped


def test_an_entry_expires_ttl_seconds_after_it_was_put():
    now = [1000.0]
    cache = VersionedCache[str]()
    cache.clock = lambda: now[0]
    cache.put(7, "zh_CN", V1, "body")
    now[0] += cache.TTL - 0.001
    assert cache.get(7, "zh_CN", V1) == "body"
    now[0] = 1000.0 + cache.TTL
    assert cache.get(7, "zh_CN", V1) is None
