"""Helpers for meeting tests: proposals from a factory, and a driver that runs a meeting
through the JSON API like the secretary and the members would."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from meetingroom.models import Proposal
from tests.conftest import auth

STARTS = "2026-12-03T19:00:00+08:00"


@contextlib.contextmanager
def hand_clock(monkeypatch, cache: Any) -> Iterator[list[float]]:
    """A per-worker cache's clock (its `clock` attribute), moved by hand through the list it
    yields (no timed test); the cache is emptied before and after."""
    now = [1000.0]
    cache.clear()
    monkeypatch.setattr(cache, "clock", lambda: now[0])
    try:
        yield now
    finally:
        cache.clear()


@pytest.fixture
def make_proposal(session, community, factory):
    sponsor = None

    def make(title: str = "Lift for block 3", principle: str = "practical",
             draft: str = "Install a lift in block 3 before summer.") -> Proposal:
        nonlocal sponsor
        if sponsor is None:
            sponsor = factory.user("Sponsor")  # no seat: S stays what the test says
        p = Proposal(community_id=community.id, sponsor_id=sponsor.id, title=title,
                     body=f"Why: {title}", principle=principle, draft_resolution=draft)
        session.add(p)
        session.commit()
        return p

    return make


class Meet:
    """One meeting, driven through the API."""

    def __init__(self, client, secretary, members):
        self.client = client
        self.secretary = secretary
        self.members = members
        self.id: int | None = None
        self.items: list[int] = []

    def schedule(self, proposals, kind: str = "work", **extra) -> dict:
        r = self.client.post("/api/v1/meetings", headers=auth(self.secretary), json={
            "kind": kind, "title": "Monthly meeting", "starts_at": STARTS,
            "location": "Room 1", "proposal_ids": [p.id for p in proposals], **extra})
        assert r.status_code == 201, r.text
        self.id = r.json()["id"]
        self.items = [a["id"] for a in r.json()["agenda"]]
        return r.json()

    def check_in(self, *users) -> dict:
        body = None
        for u in users:
            r = self.client.post(f"/api/v1/meetings/{self.id}/attendance", headers=auth(u))
            assert r.status_code == 200, r.text
            body = r.json()
        return body

    def leave(self, *users) -> dict:
        body = None
        for u in users:
            r = self.client.request("DELETE", f"/api/v1/meetings/{self.id}/attendance",
                                    headers=auth(u))
            assert r.status_code == 200, r.text
            body = r.json()
        return body

    def open(self, expect: int = 200):
        r = self.client.post(f"/api/v1/meetings/{self.id}/open", headers=auth(self.secretary))
        assert r.status_code == expect, r.text
        return r.json()

    def close(self, expect: int = 200):
        r = self.client.post(f"/api/v1/meetings/{self.id}/close", headers=auth(self.secretary))
        assert r.status_code == expect, r.text
        return r.json()

    def open_vote(self, index: int = 0, secret: bool = False, expect: int = 200):
        r = self.client.post(f"/api/v1/items/{self.items[index]}/vote/open",
                             headers=auth(self.secretary), json={"secret": secret})
        assert r.status_code == expect, r.text
        return r.json()

    def vote(self, user, choice: str, index: int = 0, expect: int = 201):
        r = self.client.post(f"/api/v1/items/{self.items[index]}/ballots", headers=auth(user),
                             json={"choice": choice})
        assert r.status_code == expect, r.text
        return r.json()

    def close_vote(self, index: int = 0, expect: int = 200):
        r = self.client.post(f"/api/v1/items/{self.items[index]}/vote/close",
                             headers=auth(self.secretary))
        assert r.status_code == expect, r.text
        return r.json()

    def tally(self, index: int = 0) -> dict:
        return self.client.get(f"/api/v1/items/{self.items[index]}/tally").json()

    def get(self) -> dict:
        return self.client.get(f"/api/v1/meetings/{self.id}").json()


@pytest.fixture
def committee(factory):
    """Nine seated members and a secretary (who holds no seat)."""
    return factory.committee(9)


@pytest.fixture
def secretary(factory):
    return factory.secretary()


@pytest.fixture
def meet(client, secretary, committee):
    return Meet(client, secretary, committee)


@pytest.fixture
def opened(meet, committee, make_proposal):
    """A work meeting with two items, six of nine present, open (the live-feed tests)."""
    meet.schedule([make_proposal("Lift"), make_proposal("Bins")])
    meet.check_in(*committee[:6])
    meet.open()
    return meet
