"""The committee's dashboard (R4.4, R4.5, R1.1): who sees it and that its numbers are right."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import auth, login

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(y, m, d, h=19):
    return datetime(y, m, d, h, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def june_2030(clock):
    """A year none of the factories' real-time rows fall into."""
    return clock(datetime(2030, 6, 15, 10, tzinfo=SHANGHAI))


def test_only_the_committee_and_the_secretary_see_it(client, chain, factory):
    assert client.get("/api/v1/dashboard").status_code == 401
    assert client.get("/api/v1/dashboard", headers=auth(factory.user())).status_code == 403
    assert client.get("/api/v1/dashboard",
                      headers=auth(factory.user(party_member=True))).status_code == 403
    assert client.get("/api/v1/dashboard", headers=auth(chain.members[5])).status_code == 200
    assert client.get("/api/v1/dashboard", headers=auth(factory.secretary())).status_code == 200
    res = client.get("/dashboard", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/login")
    login(client, factory.user())
    assert client.get("/dashboard").status_code == 403


def test_the_month_strip_flags_months_without_a_meeting(client, chain, june_2030):
    chain.meeting(starts_at=local(2030, 1, 10))
    # 17:30 UTC on 31 January is 01:30 on 1 February in Shanghai: a February meeting.
    chain.meeting(starts_at=datetime(2030, 1, 31, 17, 30, tzinfo=UTC), kind="joint")
    chain.meeting(starts_at=local(2030, 3, 5))
    chain.meeting(starts_at=local(2030, 3, 19), status="open")
    chain.meeting(starts_at=local(2030, 4, 20), status="scheduled")  # never held
    chain.meeting(starts_at=local(2030, 6, 28), status="scheduled")  # later this month
    chain.meeting(starts_at=local(2030, 8, 1), status="scheduled")
    chain.meeting(starts_at=local(2029, 5, 1))  # another year
    body = client.get("/api/v1/dashboard", headers=auth(chain.members[0])).json()
    assert body["year"] == 2030
    states = {m["month"]: (m["state"], m["held"], m["scheduled"]) for m in body["months"]}
    assert states == {
        1: ("held", 1, 0), 2: ("held", 1, 0), 3: ("held", 2, 0), 4: ("missing", 0, 0),
        5: ("missing", 0, 0), 6: ("scheduled", 0, 1), 7: ("future", 0, 0),
        8: ("scheduled", 0, 1), 9: ("future", 0, 0), 10: ("future", 0, 0),
        11: ("future", 0, 0), 12: ("future", 0, 0)}
    assert body["months_without_meeting"] == [4, 5]

    login(client, chain.members[0])
    html = client.get("/dashboard").text
    assert html.count('<li class="m-') == 12
    assert html.count('<li class="m-missing">') == 2
    assert "4月" in html and "R4.4" in html


def test_the_current_month_without_a_meeting_is_flagged(client, chain, june_2030):
    chain.meeting(starts_at=local(2030, 6, 2), status="scheduled")  # passed, never opened
    body = client.get("/api/v1/dashboard", headers=auth(chain.members[0])).json()
    assert body["months_without_meeting"] == [1, 2, 3, 4, 5, 6]


def test_waiting_proposals_overdue_and_lowest_rated(client, chain, factory, june_2030):
    chain.proposal(title="旧提议", status="open", created_at=local(2030, 6, 5, 9))
    chain.proposal(title="新提议", status="open", created_at=local(2030, 6, 12, 9))
    chain.proposal(title="已上会", status="on_agenda")
    late_a = chain.resolution(title="修路灯", status="in_progress", percent=30,
                              deadline=date(2030, 6, 10))
    late_b = chain.resolution(title="清理楼道", deadline=date(2030, 6, 1))
    chain.resolution(title="按时完成", status="done", percent=100, deadline=date(2030, 6, 1))
    chain.resolution(title="还没到期", status="in_progress", deadline=date(2030, 6, 15))
    low = chain.resolution(title="评分低", status="done", percent=100)
    high = chain.resolution(title="评分高", status="done", percent=100)
    few = chain.resolution(title="人数少", status="done", percent=100)
    for score in (1, 2, 3):
        chain.rating(low, factory.user(), score)
    for score in (4, 4, 4):
        chain.rating(high, factory.user(party_member=True), score)
    for score in (1, 1):
        chain.rating(few, factory.user(), score)

    body = client.get("/api/v1/dashboard", headers=auth(factory.secretary())).json()
    waiting = body["proposals_waiting"]
    assert waiting["total"] == 2
    assert [(p["title"], p["days_waiting"]) for p in waiting["items"]] == [("旧提议", 10),
                                                                           ("新提议", 3)]
    overdue = body["resolutions_overdue"]
    assert overdue["total"] == 2
    assert [(r["id"], r["days_overdue"]) for r in overdue["items"]] == [(late_b.id, 14),
                                                                        (late_a.id, 5)]
    assert [(r["id"], r["average"], r["count"]) for r in body["lowest_rated"]] == [
        (low.id, 2.0, 3), (high.id, 4.0, 3)]
    assert body["resolutions_by_status"] == {"not_started": 1, "in_progress": 2, "done": 4,
                                             "delayed": 0}

    login(client, chain.members[0])
    html = client.get("/dashboard").text
    assert "旧提议" in html and "清理楼道" in html and "评分低" in html
    assert "人数少" not in html
    assert "14 天" in html and 'class="status-stack"' in html


def test_roster_warnings_show_on_the_dashboard(client, chain, factory, june_2030):
    chair = chain.members[0]  # a committee of 9: within R1.1
    assert client.get("/api/v1/dashboard", headers=auth(chair)).json()["roster_warnings"] == []
    for _ in range(3):
        factory.user(seat="part_time", unit=factory.unit())
    body = client.get("/api/v1/dashboard", headers=auth(chain.members[0])).json()
    assert body["seated"] == 12
    # Three more part-time members: too many (R1.1), and seated without a public notice (R2.2).
    assert {w["rule"] for w in body["roster_warnings"]} == {"R1.1", "R2.2"}
    assert any("12" in w["message"] for w in body["roster_warnings"])
    login(client, chain.members[0])
    assert "班子现有 12 名委员" in client.get("/dashboard").text


def test_a_meeting_counts_in_the_month_it_was_held(client, chain, june_2030):
    """R4.4: planned for late February, opened on 3 March: March had a meeting, February not."""
    m = chain.meeting(starts_at=local(2030, 2, 27))
    m.opened_at = local(2030, 3, 3)
    chain._save(m)
    body = client.get("/api/v1/dashboard", headers=auth(chain.members[0])).json()
    states = {x["month"]: (x["state"], x["held"]) for x in body["months"]}
    assert states[2] == ("missing", 0) and states[3] == ("held", 1)


def test_an_empty_meeting_does_not_count(client, chain, june_2030):
    """Opened and closed with no member checked in and nothing decided: not a meeting (R4.4)."""
    chain.meeting(starts_at=local(2030, 5, 6), present=[])
    with_item = chain.meeting(starts_at=local(2030, 4, 6), present=[])
    chain.item(meeting=with_item, proposal=chain.proposal())
    body = client.get("/api/v1/dashboard", headers=auth(chain.members[0])).json()
    states = {x["month"]: x["state"] for x in body["months"]}
    assert states[5] == "missing" and states[4] == "held"


def test_january_shows_last_decembers_gap(client, chain, clock):
    clock(datetime(2031, 1, 10, 10, tzinfo=SHANGHAI))
    chain.community.created_at = local(2030, 3, 1)
    chain._save(chain.community)
    chain.meeting(starts_at=local(2030, 11, 5))
    body = client.get("/api/v1/dashboard", headers=auth(chain.members[0])).json()
    assert body["year"] == 2031
    assert (body["months"][0]["year"], body["months"][0]["month"],
            body["months"][0]["state"]) == (2030, 12, "missing")
    assert len(body["months"]) == 13 and body["months_without_meeting"] == [1]
    login(client, chain.members[0])
    html = client.get("/dashboard").text
    assert "去年12月" in html and html.count('<li class="m-missing">') == 2
    # A December with a meeting does not lead the strip.
    chain.meeting(starts_at=local(2030, 12, 5))
    body = client.get("/api/v1/dashboard", headers=auth(chain.members[0])).json()
    assert len(body["months"]) == 12 and body["months"][0]["month"] == 1


def test_no_gap_before_the_community_history_began(client, chain, june_2030):
    """A community that started using the app in May is not told it missed January to April."""
    chain.community.created_at = local(2030, 5, 20)
    chain._save(chain.community)
    body = client.get("/api/v1/dashboard", headers=auth(chain.members[0])).json()
    states = {x["month"]: x["state"] for x in body["months"]}
    assert [states[m] for m in range(1, 8)] == ["before"] * 4 + ["missing", "missing", "future"]
    assert body["months_without_meeting"] == [5, 6]
    login(client, chain.members[0])
