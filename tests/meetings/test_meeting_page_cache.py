"""The public meeting page /meetings/{id} reuses its context per meeting version and locale
(meetings/web.py, PageContexts; the members' poll's rule, docs/decisions.md "The busy
evening"): every change the live feed reports shows at once, what the feed does not carry
after the TTL, the secretary always sees the database, and the page is the uncached one."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from meetingroom.meetings import web
from meetingroom.models import Proposal
from tests.conftest import auth
from tests.meetings.conftest import hand_clock


@pytest.fixture
def clock(monkeypatch):
    with hand_clock(monkeypatch, web.page_contexts) as now:
        yield now


def _page(client, meet, **kw) -> str:
    r = client.get(f"/meetings/{meet.id}", **kw)
    assert r.status_code == 200
    # the CSRF token differs per visitor; everything else must not
    return re.sub(r'[A-Za-z0-9_-]{43}', "TOKEN", r.text)


def test_every_feed_change_shows_at_once(clock, client, meet, committee, make_proposal):
    meet.schedule([make_proposal("Lift"), make_proposal("Bins")])
    before = _page(client, meet)
    meet.check_in(*committee[:6])  # bumps seq: no waiting for the TTL
    meet.open()
    meet.open_vote(1)
    after = _page(client, meet)
    assert after != before
    web.page_contexts.clear()
    assert _page(client, meet) == after  # the cached page is the one built from the database


def test_what_the_feed_does_not_carry_shows_after_the_ttl(clock, client, meet, make_proposal,
                                                          session):
    meet.schedule([make_proposal("Lift")])
    assert "Lift" in _page(client, meet)
    title = "Lift for building 3"
    proposal = session.exec(select(Proposal)).one()
    proposal.title = title  # no seq bump: not a meeting change
    session.add(proposal)
    session.commit()
    assert title not in _page(client, meet)  # within the TTL: the cached context
    assert title in _page(client, meet, headers=auth(meet.secretary))  # the secretary: fresh
    clock[0] += web.PageContexts.TTL + 0.01
    assert title in _page(client, meet)


def test_each_locale_has_its_own_context(clock, client, meet, make_proposal):
    meet.schedule([make_proposal("Lift")])
    zh = _page(client, meet)
    client.cookies.set("mr_lang", "en")
    en = _page(client, meet)
    assert zh != en
    web.page_contexts.clear()
    assert _page(client, meet) == en


def test_another_communitys_meeting_is_404_even_when_cached(clock, client, meet, make_proposal,
                                                            stranger):
    meet.schedule([make_proposal("Lift")])
    assert client.get(f"/meetings/{meet.id}").status_code == 200  # now cached
    assert client.get(f"/meetings/{meet.id}", headers=auth(stranger)).status_code == 404
