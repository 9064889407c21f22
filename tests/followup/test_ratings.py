"""Ratings (R4.1 step 4): who may rate and when, one per person, split by group, the window,
moderation of comments — through the API and the pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from meetingroom.models import AuditLog, ContentReport, Rating, Resolution, utcnow
from tests.conftest import auth, login
from tests.followup.conftest import fresh, today


def put(client, resolution, user, score, comment=None):
    body = {"score": score}
    if comment is not None:
        body["comment"] = comment
    return client.put(f"/api/v1/resolutions/{resolution.id}/rating", json=body,
                      headers=auth(user) if user else {})


def ratings_of(session, resolution):
    fresh(session)
    return session.exec(select(Rating).where(Rating.resolution_id == resolution.id)).all()


def test_a_resident_rates_a_done_resolution(client, session, chain, factory):
    r = chain.done()
    resident = factory.user("何小明")
    res = put(client, r, resident, 4, "电梯装得很好")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["residents"] == {"count": 1, "average": 4.0,
                                 "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}}
    assert body["party_members"]["count"] == 0
    assert body["party_members"]["average"] is None
    assert body["mine"]["score"] == 4 and body["mine"]["group"] == "resident"
    [row] = ratings_of(session, r)
    assert (row.score, row.comment, row.group) == (4, "电梯装得很好", "resident")


@pytest.mark.parametrize("score", [0, 6, -1, 10])
def test_a_score_outside_1_to_5_is_refused_and_nothing_is_saved(client, session, chain, factory,
                                                                score):
    r = chain.done()
    res = put(client, r, factory.user(), score)
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "score"
    assert ratings_of(session, r) == []


def test_a_score_that_is_not_a_number_is_refused(client, session, chain, factory):
    r = chain.done()
    assert put(client, r, factory.user(), "good").status_code == 422
    assert put(client, r, factory.user(), 3.5).status_code == 422
    res = client.put(f"/api/v1/resolutions/{r.id}/rating", json={},
                     headers=auth(factory.user()))
    assert res.status_code == 422
    assert ratings_of(session, r) == []


def test_a_comment_over_1000_characters_is_refused(client, session, chain, factory):
    r = chain.done()
    res = put(client, r, factory.user(), 3, "长" * 1001)
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "comment"
    assert ratings_of(session, r) == []


def test_rating_before_done_or_deadline_is_a_conflict(client, session, chain, factory):
    resident = factory.user()
    for r in (chain.resolution(status="in_progress", percent=50,
                               deadline=today() + timedelta(days=3)),
              chain.resolution(status="not_started"),  # no deadline at all
              chain.resolution(status="delayed", deadline=today())):  # the deadline is today
        res = put(client, r, resident, 5)
        assert res.status_code == 409, res.text
        assert res.json()["rule"] == "R4.1"
        assert "完成或超过期限" in res.json()["detail"]
        assert ratings_of(session, r) == []


def test_rating_opens_the_day_after_the_deadline_even_if_not_done(client, session, chain,
                                                                  factory):
    r = chain.resolution(status="in_progress", percent=40,
                         deadline=today() - timedelta(days=1))
    assert put(client, r, factory.user(), 2, "拖了很久").status_code == 200
    fresh(session)
    # The window is pinned at its opening: the start of the day after the deadline.
    assert session.get(Resolution, r.id).ratings_opened_at is not None


def test_rating_after_the_30_days_is_a_conflict(client, session, chain, factory):
    r = chain.done(ratings_opened_at=utcnow() - timedelta(days=30, minutes=1))
    res = put(client, r, factory.user(), 3)
    assert res.status_code == 409
    assert "已截止" in res.json()["detail"]
    # One day inside the window is fine.
    r2 = chain.done(ratings_opened_at=utcnow() - timedelta(days=29))
    assert put(client, r2, factory.user(), 3).status_code == 200


def test_a_window_opened_by_the_deadline_closes_30_days_later(client, chain, factory):
    r = chain.resolution(status="delayed", deadline=today() - timedelta(days=40))
    assert put(client, r, factory.user(), 1).status_code == 409


def test_rating_after_the_secretary_closed_ratings_is_a_conflict(client, session, chain,
                                                                 factory):
    r = chain.done()
    secretary = factory.secretary()
    res = client.post(f"/api/v1/resolutions/{r.id}/ratings/close", headers=auth(secretary))
    assert res.status_code == 200, res.text
    assert res.json()["ratings"]["state"] == "closed"
    assert put(client, r, factory.user(), 4).status_code == 409
    # Closing twice is a conflict too; reopening gives another 30 days.
    assert client.post(f"/api/v1/resolutions/{r.id}/ratings/close",
                       headers=auth(secretary)).status_code == 409
    res = client.post(f"/api/v1/resolutions/{r.id}/ratings/reopen", headers=auth(secretary))
    assert res.json()["ratings"]["state"] == "open"
    assert put(client, r, factory.user(), 4).status_code == 200


def test_only_the_secretary_closes_ratings(client, session, chain, factory):
    r = chain.done()
    assert client.post(f"/api/v1/resolutions/{r.id}/ratings/close").status_code == 401
    for who in (factory.user(), chain.members[0]):
        assert client.post(f"/api/v1/resolutions/{r.id}/ratings/close",
                           headers=auth(who)).status_code == 403
    fresh(session)
    assert session.get(Resolution, r.id).ratings_closed_at is None


def test_closing_ratings_that_have_not_opened_is_a_conflict(client, chain, factory):
    r = chain.resolution(status="in_progress", deadline=today() + timedelta(days=5))
    res = client.post(f"/api/v1/resolutions/{r.id}/ratings/close",
                      headers=auth(factory.secretary()))
    assert res.status_code == 409


def test_anonymous_rating_is_refused_with_401(client, session, chain):
    r = chain.done()
    res = put(client, r, None, 4)
    assert res.status_code == 401
    assert ratings_of(session, r) == []


def test_committee_members_do_not_rate_their_own_resolutions(client, session, chain, factory):
    r = chain.done()
    for member in chain.members:  # every seated member, party member or not
        res = put(client, r, member, 5)
        assert res.status_code == 403, member.seat
        assert res.json()["rule"] == "R4.1"
    assert ratings_of(session, r) == []


def test_the_secretary_does_not_rate_either(client, session, chain, factory):
    """He runs the meetings, reports progress and moderates the comments."""
    r = chain.done()
    res = put(client, r, factory.secretary(), 5)
    assert res.status_code == 403
    assert "会议秘书" in res.json()["detail"]
    assert ratings_of(session, r) == []


def test_people_behind_a_resolution_do_not_rate_it_even_without_a_seat(client, session, chain,
                                                                       factory):
    """Sponsor, co-sponsor, responsible member and those at the adopting meeting: "own"
    stays own after they leave the committee."""
    former_sponsor, former_cosponsor = factory.user(), factory.user()
    responsible, attendee = factory.user(), factory.user()
    proposal = chain.proposal(sponsor=former_sponsor, cosponsors=[former_cosponsor])
    r = chain.done(proposal=proposal, responsible_user=responsible)
    item_meeting = session.exec(select(Resolution).where(Resolution.id == r.id)).one()
    from meetingroom.models import AgendaItem, Attendance

    item = session.get(AgendaItem, item_meeting.item_id)
    session.add(Attendance(meeting_id=item.meeting_id, user_id=attendee.id))
    session.commit()
    for person in (former_sponsor, former_cosponsor, responsible, attendee):
        assert put(client, r, person, 5).status_code == 403
    # Someone uninvolved may.
    assert put(client, r, factory.user(), 5).status_code == 200


def test_rating_again_replaces_the_first_rating(client, session, chain, factory):
    r = chain.done()
    resident = factory.user()
    assert put(client, r, resident, 1, "太慢了").status_code == 200
    res = put(client, r, resident, 5, "后来很好")
    assert res.status_code == 200
    assert res.json()["residents"]["count"] == 1
    assert res.json()["residents"]["average"] == 5.0
    [row] = ratings_of(session, r)
    assert (row.score, row.comment) == (5, "后来很好")
    actions = session.exec(select(AuditLog.action).where(AuditLog.entity == "rating")).all()
    assert sorted(actions) == ["rating.create", "rating.replace"]


def test_the_group_is_the_raters_flag_when_he_rated(client, session, chain, factory):
    r = chain.done()
    person = factory.user()
    put(client, r, person, 3)
    person.is_party_member = True  # the secretary verifies him as a party member
    session.add(person)
    session.commit()
    res = put(client, r, person, 4)
    assert res.json()["party_members"]["count"] == 1
    assert res.json()["residents"]["count"] == 0


def test_averages_and_distributions_are_split_by_group(client, chain, factory):
    r = chain.done()
    for score in (5, 4, 4):
        assert put(client, r, factory.user(party_member=True), score).status_code == 200
    for score in (1, 2, 2, 5):
        assert put(client, r, factory.user(), score).status_code == 200
    rating = client.get(f"/api/v1/resolutions/{r.id}").json()["rating"]
    assert rating["party_members"] == {"count": 3, "average": 4.33,
                                       "distribution": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}}
    assert rating["residents"] == {"count": 4, "average": 2.5,
                                   "distribution": {"1": 1, "2": 2, "3": 0, "4": 0, "5": 1}}


def test_rating_a_resolution_of_another_community_is_not_found(client, session, chain, factory):
    from meetingroom.models import Community

    other = Community(name="别的社区", slug="other")
    session.add(other)
    session.commit()
    r = chain.done()
    r.community_id = other.id
    session.add(r)
    session.commit()
    assert put(client, r, factory.user(), 3).status_code == 404
    assert client.get(f"/api/v1/resolutions/{r.id}").status_code == 404


# --- moderation of comments -----------------------------------------------------------------

def report(client, rating, user, reason="abuse"):
    return client.post(f"/api/v1/ratings/{rating.id}/report", json={"reason": reason},
                       headers=auth(user))


def comments(client, r, user=None):
    return client.get(f"/api/v1/resolutions/{r.id}/ratings",
                      headers=auth(user) if user else {}).json()


def test_three_reports_hide_a_comment_until_the_secretary_restores_it(client, session, chain,
                                                                      factory):
    r = chain.done()
    rating = chain.rating(r, factory.user("钱多多"), 1, "骂人的话")
    first = factory.user()
    assert report(client, rating, first).json() == {"id": rating.id, "hidden": False,
                                                    "report_count": 1}
    # The same person reporting again changes nothing.
    assert report(client, rating, first).json()["report_count"] == 1
    report(client, rating, factory.user(), "spam")
    res = report(client, rating, factory.user(), "personal")
    assert res.json() == {"id": rating.id, "hidden": True, "report_count": 3}
    assert session.exec(select(ContentReport).where(ContentReport.target == "rating")).all()

    public = comments(client, r)
    assert public["total"] == 0
    # The score still counts: moderation hides words, not a person's score.
    assert client.get(f"/api/v1/resolutions/{r.id}").json()["rating"]["residents"]["count"] == 1
    secretary = factory.secretary()
    seen = comments(client, r, secretary)
    assert seen["items"][0]["hidden"] is True and seen["items"][0]["report_count"] == 3

    res = client.post(f"/api/v1/ratings/{rating.id}/restore", headers=auth(secretary))
    assert res.json() == {"id": rating.id, "hidden": False, "report_count": 0}
    public = comments(client, r)
    assert public["items"][0]["comment"] == "骂人的话"
    assert public["items"][0]["author"] == "钱**"  # never the full name
    assert "report_count" not in public["items"][0] or public["items"][0]["report_count"] is None


def test_a_report_needs_a_known_reason_and_a_login(client, chain, factory):
    r = chain.done()
    rating = chain.rating(r, factory.user(), 2, "一般")
    assert report(client, rating, factory.user(), "dislike").status_code == 422
    res = client.post(f"/api/v1/ratings/{rating.id}/report", json={"reason": "spam"})
    assert res.status_code == 401


def test_the_secretary_hides_a_comment_with_a_reason(client, session, chain, factory):
    r = chain.done()
    rating = chain.rating(r, factory.user(), 2, "电话 13912345678 找我")
    secretary = factory.secretary()
    assert client.post(f"/api/v1/ratings/{rating.id}/hide", json={"reason": ""},
                       headers=auth(secretary)).status_code == 422
    assert client.post(f"/api/v1/ratings/{rating.id}/hide", json={"reason": "含个人信息"},
                       headers=auth(factory.user())).status_code == 403
    res = client.post(f"/api/v1/ratings/{rating.id}/hide", json={"reason": "含个人信息"},
                      headers=auth(secretary))
    assert res.json()["hidden"] is True
    assert comments(client, r)["total"] == 0
    entry = session.exec(select(AuditLog).where(AuditLog.action == "rating.hide")).one()
    assert entry.detail == {"reason": "含个人信息"}


# --- the pages ---------------------------------------------------------------------------------

def test_the_rating_form_works_without_javascript(client, session, chain, factory):
    r = chain.done()
    resident = factory.user("何小明")
    token = login(client, resident)
    page = client.get(f"/resolutions/{r.id}")
    assert page.status_code == 200
    assert page.text.count('name="score"') == 5
    for word in ("不满意", "较不满意", "一般", "满意", "非常满意"):
        assert f'<span class="score-word">{word}</span>' in page.text
    res = client.post(f"/resolutions/{r.id}/rating", data={"score": "5", "comment": "很满意",
                                                           "csrf_token": token},
                      follow_redirects=False)
    assert res.status_code == 303
    page = client.get(res.headers["location"])
    assert "感谢您的评价" in page.text
    assert "更新我的评价" in page.text  # the form now offers to replace it
    [row] = ratings_of(session, r)
    assert row.score == 5


def test_a_bad_score_from_the_form_keeps_the_comment(client, session, chain, factory):
    r = chain.done()
    token = login(client, factory.user())
    res = client.post(f"/resolutions/{r.id}/rating",
                      data={"score": "", "comment": "我的意见", "csrf_token": token})
    assert res.status_code == 422
    assert "请选择 1" in res.text
    assert "我的意见</textarea>" in res.text
    assert ratings_of(session, r) == []


def test_htmx_gets_the_ratings_fragment_back(client, chain, factory):
    r = chain.done()
    token = login(client, factory.user())
    res = client.post(f"/resolutions/{r.id}/rating", data={"score": "3", "csrf_token": token},
                      headers={"HX-Request": "true"})
    assert res.status_code == 200
    assert res.text.lstrip().startswith("<section")
    assert 'id="ratings"' in res.text and "<html" not in res.text
    assert "感谢您的评价" in res.text


def test_the_page_tells_a_member_why_he_cannot_rate(client, chain):
    r = chain.done()
    login(client, chain.members[4])
    page = client.get(f"/resolutions/{r.id}").text
    assert 'name="score"' not in page
    assert "班子成员" in page


def test_an_anonymous_visitor_sees_results_and_a_login_link(client, chain, factory):
    r = chain.done()
    chain.rating(r, factory.user(party_member=True), 5, "好")
    chain.rating(r, factory.user(), 3)
    page = client.get(f"/resolutions/{r.id}").text
    assert 'name="score"' not in page
    assert f"/login?next=/resolutions/{r.id}" in page
    assert "党员" in page and "居民群众" in page


def test_reporting_from_the_page(client, session, chain, factory):
    r = chain.done()
    rating = chain.rating(r, factory.user(), 1, "广告")
    token = login(client, factory.user())
    assert f'action="/ratings/{rating.id}/report"' in client.get(f"/resolutions/{r.id}").text
    res = client.post(f"/ratings/{rating.id}/report", data={"reason": "spam",
                                                             "csrf_token": token},
                      follow_redirects=False)
    assert res.status_code == 303
    fresh(session)
    assert session.get(Rating, rating.id).report_count == 1
    assert "您已举报这条评论" in client.get(f"/resolutions/{r.id}").text


def test_two_requests_racing_to_rate_leave_one_rating(client, session, chain, factory,
                                                      monkeypatch):
    """The unique constraint settles a race: the loser replaces the winner's row."""
    from meetingroom.followup import service

    r = chain.done()
    resident = factory.user()
    chain.rating(r, resident, 1, "先到的")  # the other request won
    real = service._my_rating
    calls = []

    def not_yet_seen(session_, resolution_id, user_id):
        calls.append(1)
        return None if len(calls) == 1 else real(session_, resolution_id, user_id)

    monkeypatch.setattr(service, "_my_rating", not_yet_seen)
    res = put(client, r, resident, 4, "后到的")
    assert res.status_code == 200, res.text
    [row] = ratings_of(session, r)
    assert (row.score, row.comment) == (4, "后到的")


def test_the_secretary_closes_and_reopens_ratings_from_the_page(client, session, chain,
                                                                factory):
    r = chain.done()
    token = login(client, factory.secretary())
    page = client.get(f"/resolutions/{r.id}").text
    assert f'action="/resolutions/{r.id}/ratings/close"' in page
    res = client.post(f"/resolutions/{r.id}/ratings/close", data={"csrf_token": token},
                      follow_redirects=False)
    assert res.status_code == 303
    page = client.get(f"/resolutions/{r.id}").text
    assert "评议已截止" in page and f'action="/resolutions/{r.id}/ratings/reopen"' in page
    client.post(f"/resolutions/{r.id}/ratings/reopen", data={"csrf_token": token})
    assert "评议开放至" in client.get(f"/resolutions/{r.id}").text
    # Closing again from a stale page is a clear conflict, not a crash.
    client.post(f"/resolutions/{r.id}/ratings/close", data={"csrf_token": token})
    res = client.post(f"/resolutions/{r.id}/ratings/close", data={"csrf_token": token})
    assert res.status_code == 409 and "评议已截止" in res.text


def test_the_secretary_hides_and_restores_from_the_page(client, session, chain, factory):
    r = chain.done()
    rating = chain.rating(r, factory.user(), 1, "不当言论")
    token = login(client, factory.secretary())
    client.post(f"/ratings/{rating.id}/hide", data={"reason": "辱骂", "csrf_token": token})
    fresh(session)
    assert session.get(Rating, rating.id).hidden is True
    page = client.get(f"/resolutions/{r.id}").text
    assert "已隐藏，等待会议秘书审核" in page  # the secretary still sees it, marked
    res = client.post(f"/ratings/{rating.id}/restore", data={"csrf_token": token},
                      follow_redirects=False)
    assert res.status_code == 303, res.text
    fresh(session)
    assert session.get(Rating, rating.id).hidden is False
    login(client, factory.user())
    assert "不当言论" in client.get(f"/resolutions/{r.id}").text


def test_a_hidden_comment_is_not_shown_to_the_public(client, chain, factory):
    r = chain.done()
    rating = chain.rating(r, factory.user(), 1, "不当言论")
    rating.hidden = True
    chain._save(rating)
    assert "不当言论" not in client.get(f"/resolutions/{r.id}").text
    assert "不当言论" not in client.get(f"/matters/{r.proposal_id}").text


def _progress(client, r, secretary, status, percent):
    res = client.post(f"/api/v1/resolutions/{r.id}/progress", headers=auth(secretary),
                      json={"status": status, "percent": percent})
    assert res.status_code in (200, 201), res.text


def test_done_then_back_in_progress_then_overdue_is_rateable_again(client, session, chain,
                                                                  factory):
    """The window opened by "done" 60 days ago must not keep an overdue resolution closed."""
    r = chain.resolution(status="in_progress", deadline=today() - timedelta(days=90))
    secretary, first, second = factory.secretary(), factory.user(), factory.user()
    _progress(client, r, secretary, "done", 100)
    fresh(session)
    r = session.get(Resolution, r.id)
    r.ratings_opened_at = utcnow() - timedelta(days=60)  # done long ago; that window ran out
    chain._save(r)
    assert put(client, r, first, 3).status_code == 409
    _progress(client, r, secretary, "in_progress", 70)  # not done after all: overdue again
    assert put(client, r, second, 2).status_code == 200


def test_becoming_done_opens_a_fresh_window_after_an_early_close(client, session, chain,
                                                                 factory):
    r = chain.resolution(status="in_progress", deadline=today() - timedelta(days=3))
    secretary, first, second = factory.secretary(), factory.user(), factory.user()
    assert client.post(f"/api/v1/resolutions/{r.id}/ratings/close",
                       headers=auth(secretary)).status_code == 200
    assert put(client, r, first, 3).status_code == 409
    _progress(client, r, secretary, "done", 100)
    assert put(client, r, second, 5).status_code == 200
    fresh(session)
    assert session.get(Resolution, r.id).ratings_closed_at is None


def test_comments_go_by_cursor_newest_first_hidden_ones_for_the_secretary(client, session,
                                                                          chain, factory):
    """One comment per person who rated: as many as the community's people, so the list pages
    by keyset (ix_rating_comments), ties on updated_at broken by id, as by offset."""
    r = chain.done()
    now = utcnow()
    ratings = [chain.rating(r, factory.user(), 1 + i % 5, f"意见 {i}") for i in range(13)]
    chain.rating(r, factory.user(), 4)  # no comment: not listed
    for i, rating in enumerate(ratings):
        rating.updated_at = now - timedelta(minutes=i // 3)  # runs of three equal times
        rating.hidden = i == 4
        session.add(rating)
    session.commit()
    secretary = factory.secretary()
    for user, expected in ((None, 12), (secretary, 13)):
        headers = auth(user) if user else {}
        path = f"/api/v1/resolutions/{r.id}/ratings"
        by_offset = [c["id"] for c in client.get(path, headers=headers).json()["items"]]
        assert len(by_offset) == expected
        pages = [client.get(path, headers=headers, params={"limit": 5}).json()]
        while pages[-1]["next_cursor"]:
            pages.append(client.get(path, headers=headers, params={
                "limit": 5, "cursor": pages[-1]["next_cursor"]}).json())
        assert [c["id"] for p in pages for c in p["items"]] == by_offset
        assert pages[0]["total"] == expected and pages[0]["prev_cursor"] is None
    assert ratings[4].id not in [c["id"] for c in client.get(
        f"/api/v1/resolutions/{r.id}/ratings").json()["items"]]
    newest_first = sorted(ratings, key=lambda x: (x.updated_at, x.id), reverse=True)
    assert by_offset == [x.id for x in newest_first]
    # The page shows 50 and links the next 50 by cursor.
    many = [chain.rating(r, factory.user(), 3, f"更多 {i}") for i in range(40)]
    assert many
    page = client.get(f"/resolutions/{r.id}").text
    found = re.search(rf'href="/resolutions/{r.id}\?cursor=([^"]+)"', page)
    assert found, page[-2000:]
    rest = client.get(f"/resolutions/{r.id}", params={"cursor": found.group(1)}).text
    assert "意见 12" in rest and "更多 0" not in rest
