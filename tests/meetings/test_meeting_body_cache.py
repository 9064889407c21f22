"""GET /meetings/{id} is built once per meeting version and locale (meetings/api.py,
MeetingBodies): every change the live feed reports is served at once, what is not in the feed
is served after the cache's TTL, and the cached body is the one the uncached path builds."""

from __future__ import annotations

import pytest

from meetingroom.meetings import api, state
from meetingroom.meetings.schemas import MeetingOut
from meetingroom.models import User
from tests.conftest import auth
from tests.meetings.conftest import hand_clock


@pytest.fixture
def clock(monkeypatch):
    with hand_clock(monkeypatch, api.meeting_bodies) as now:
        yield now


def test_every_feed_change_is_served_at_once(clock, meet, committee, make_proposal):
    meet.schedule([make_proposal("Lift"), make_proposal("Bins")])
    assert meet.get()["present"] == 0
    meet.check_in(*committee[:6])          # each bumps seq: no waiting for the TTL
    assert meet.get()["present"] == 6
    meet.open()
    assert meet.get()["status"] == "open"
    meet.open_vote(1)
    body = meet.get()
    assert [i["vote_status"] for i in body["agenda"]] == ["pending", "open"]
    meet.vote(committee[0], "agree", index=1)
    assert meet.get()["seq"] > body["seq"]


def test_the_cached_body_is_the_uncached_one_per_locale(clock, client, meet, make_proposal,
                                                        session):
    meet.schedule([make_proposal("Lift")])
    for lang in ("zh-CN", "en"):
        headers = {"Accept-Language": lang}
        first = client.get(f"/api/v1/meetings/{meet.id}", headers=headers)
        again = client.get(f"/api/v1/meetings/{meet.id}", headers=headers)
        assert first.status_code == again.status_code == 200
        assert first.headers["content-type"] == "application/json"
        assert again.content == first.content
        session.expire_all()
        built = MeetingOut.model_validate(state.meeting_data(state.load(session, meet.id),
                                                             "en" if lang == "en" else "zh_CN"))
        assert first.json() == built.model_dump(mode="json")
    zh, en = (client.get(f"/api/v1/meetings/{meet.id}", headers={"Accept-Language": lang})
              .json()["quorum"]["rule"] for lang in ("zh-CN", "en"))
    assert zh != en  # each locale its own body


def test_what_the_feed_does_not_carry_is_served_after_the_ttl(clock, meet, committee,
                                                              make_proposal, session):
    meet.schedule([make_proposal("Lift")])
    meet.check_in(committee[0])
    assert meet.get()["members"][0]["name"] == committee[0].name
    user = session.get(User, committee[0].id)
    user.name = "Renamed member"  # no seq bump: not a meeting change
    session.add(user)
    session.commit()
    clock[0] += api.MeetingBodies.TTL + 0.01
    assert meet.get()["members"][0]["name"] == "Renamed member"


def test_another_communitys_meeting_is_404_even_when_cached(clock, client, meet, make_proposal,
                                                            stranger):
    meet.schedule([make_proposal("Lift")])
    assert client.get(f"/api/v1/meetings/{meet.id}").status_code == 200  # now cached
    r = client.get(f"/api/v1/meetings/{meet.id}", headers=auth(stranger))
    assert r.status_code == 404
