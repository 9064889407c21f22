"""Progress (R4.5): who may report it, what it accepts, photos, the followers' notifications,
and that a refused update leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from meetingroom.models import AuditLog, Notification, Photo, ProgressUpdate, Resolution
from tests.conftest import auth, login
from tests.followup.conftest import fresh, png, today


def post(client, r, user, **body):
    return client.post(f"/api/v1/resolutions/{r.id}/progress", json=body,
                       headers=auth(user) if user else {})


def updates(session, r):
    fresh(session)
    return session.exec(select(ProgressUpdate).where(ProgressUpdate.resolution_id == r.id)).all()


def notices(session):
    fresh(session)
    return session.exec(select(Notification).order_by(Notification.user_id)).all()


def test_the_responsible_member_reports_progress(client, session, chain):
    m = chain.matter()
    responsible = m.members[1]
    res = post(client, m.resolution, responsible, status="in_progress", percent=40,
               note="已完成地基勘测")
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["status"] == "in_progress" and body["percent"] == 40
    assert body["note"] == "已完成地基勘测" and body["author_name"] == responsible.name
    assert body["created_at"].endswith("+00:00") or body["created_at"].endswith("Z")
    fresh(session)
    r = session.get(Resolution, m.resolution.id)
    assert (r.status, r.percent) == ("in_progress", 40)
    detail = client.get(f"/api/v1/resolutions/{r.id}").json()
    assert [p["note"] for p in detail["progress"]] == ["已完成地基勘测"]
    assert session.exec(select(AuditLog).where(AuditLog.action == "resolution.progress")).one()


def test_the_secretary_reports_progress_too(client, chain, factory):
    m = chain.matter()
    res = post(client, m.resolution, factory.secretary(), status="delayed", percent=10,
               note="等待审批")
    assert res.status_code == 201


def test_anyone_else_is_refused_with_403_and_nothing_is_saved(client, session, chain, factory):
    m = chain.matter()
    for someone in (m.members[0], m.members[5], m.author, factory.user(party_member=True)):
        res = post(client, m.resolution, someone, status="done", percent=100)
        assert res.status_code == 403
        assert res.json()["rule"] == "R4.5"
    assert updates(session, m.resolution) == []
    assert session.get(Resolution, m.resolution.id).status == "not_started"
    assert notices(session) == []


def test_anonymous_progress_is_refused_with_401(client, session, chain):
    m = chain.matter()
    assert post(client, m.resolution, None, status="done", percent=100).status_code == 401
    assert updates(session, m.resolution) == []


@pytest.mark.parametrize("percent", [-1, 101, 1000])
def test_percent_outside_0_to_100_is_refused(client, session, chain, percent):
    m = chain.matter()
    res = post(client, m.resolution, m.members[1], status="in_progress", percent=percent)
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "percent"
    assert updates(session, m.resolution) == []
    assert notices(session) == []


def test_an_unknown_status_or_a_missing_field_is_refused(client, session, chain):
    m = chain.matter()
    responsible = m.members[1]
    assert post(client, m.resolution, responsible, status="finished",
                percent=50).status_code == 422
    assert post(client, m.resolution, responsible, percent=50).status_code == 422
    assert post(client, m.resolution, responsible, status="done").status_code == 422
    assert post(client, m.resolution, responsible, status="done", percent=100,
                note="长" * 2001).status_code == 422
    res = client.post(f"/api/v1/resolutions/{m.resolution.id}/progress", content=b"{not json",
                      headers={**auth(responsible), "Content-Type": "application/json"})
    assert res.status_code == 400
    assert updates(session, m.resolution) == []


def test_progress_on_an_unknown_resolution_is_404(client, chain):
    m = chain.matter()
    assert post(client, m.resolution, m.members[1], status="done",
                percent=100).status_code == 201
    res = client.post("/api/v1/resolutions/9999/progress", json={"status": "done",
                                                                  "percent": 100},
                      headers=auth(m.members[1]))
    assert res.status_code == 404


def test_done_means_100_percent_and_opens_ratings(client, session, chain):
    m = chain.matter()
    res = post(client, m.resolution, m.members[1], status="done", percent=80, note="已投入使用")
    assert res.json()["percent"] == 100
    detail = client.get(f"/api/v1/resolutions/{m.resolution.id}").json()
    assert detail["status"] == "done" and detail["percent"] == 100
    assert detail["ratings"]["state"] == "open"
    assert detail["ratings"]["opens_at"] is not None
    assert detail["ratings"]["closes_at"] is not None


def test_followers_are_notified_of_each_update(client, session, chain, factory):
    """Authors and supporters of the suggestions behind the resolution, once each, never the
    person who posted the update."""
    m = chain.matter()
    both = factory.user("既提建议又附议")
    second = chain.suggestion(author=both, proposal=m.proposal, supporters=[m.supporters[0]])
    assert second.proposal_id == m.proposal.id
    chain.suggestion(author=factory.user("无关的人"))  # another matter: not told
    post(client, m.resolution, m.members[1], status="in_progress", percent=30)
    got = notices(session)
    expected = sorted([m.author.id, m.supporters[0].id, m.supporters[1].id, both.id])
    assert sorted(n.user_id for n in got) == expected
    assert all(n.link == f"/resolutions/{m.resolution.id}" for n in got)
    assert got[0].params == {"title": m.resolution.title, "percent": 30}

    # Shown in the reader's language, with the resolution's title.
    login(client, m.author)
    page = client.get("/notifications").text
    assert f"“{m.resolution.title}”正在落实，已完成 30%。" in page

    # A supporter who reports progress himself (as secretary) is not told of his own update.
    m.supporters[0].is_secretary = True
    session.add(m.supporters[0])
    session.commit()
    post(client, m.resolution, m.supporters[0], status="done", percent=100)
    latest = [n for n in notices(session) if n.params.get("percent") == 100]
    assert m.supporters[0].id not in {n.user_id for n in latest}
    assert len(latest) == 3


def test_photos_come_with_a_multipart_update(client, session, chain, settings):
    m = chain.matter()
    files = [("photos", (f"p{i}.png", png(), "image/png")) for i in range(3)]
    res = client.post(f"/api/v1/resolutions/{m.resolution.id}/progress",
                      data={"status": "in_progress", "percent": "60", "note": "电梯井完工"},
                      files=files, headers=auth(m.members[1]))
    assert res.status_code == 201, res.text
    photos = res.json()["photos"]
    assert len(photos) == 3
    full = client.get(photos[0]["url"])
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert full.content[:2] == b"\xff\xd8"  # re-encoded as JPEG whatever was sent
    assert client.get(photos[0]["thumb_url"]).status_code == 200
    page = client.get(f"/resolutions/{m.resolution.id}").text
    assert f'src="{photos[0]["thumb_url"]}"' in page


def test_a_fourth_photo_or_a_fake_one_rejects_the_whole_update(client, session, chain,
                                                               settings):
    m = chain.matter()
    four = [("photos", (f"p{i}.png", png(), "image/png")) for i in range(4)]
    res = client.post(f"/api/v1/resolutions/{m.resolution.id}/progress",
                      data={"status": "in_progress", "percent": "60"}, files=four,
                      headers=auth(m.members[1]))
    assert res.status_code == 422
    fake = [("photos", ("ok.png", png(), "image/png")),
            ("photos", ("evil.png", b"<script>alert(1)</script>", "image/png"))]
    res = client.post(f"/api/v1/resolutions/{m.resolution.id}/progress",
                      data={"status": "done", "percent": "100"}, files=fake,
                      headers=auth(m.members[1]))
    assert res.status_code == 422
    assert res.json()["field"] == "photos"
    assert updates(session, m.resolution) == []
    assert session.exec(select(Photo)).all() == []
    assert notices(session) == []
    fresh(session)
    assert session.get(Resolution, m.resolution.id).status == "not_started"


def test_a_photo_over_the_size_cap_is_413(client, session, chain, settings):
    settings.max_photo_bytes = 1000
    m = chain.matter()
    big = [("photos", ("big.png", png((400, 400)) + b"\0" * 2000, "image/png"))]
    res = client.post(f"/api/v1/resolutions/{m.resolution.id}/progress",
                      data={"status": "in_progress", "percent": "5"}, files=big,
                      headers=auth(m.members[1]))
    assert res.status_code == 413
    assert updates(session, m.resolution) == []


def test_the_progress_form_for_the_responsible_member(client, session, chain):
    m = chain.matter()
    token = login(client, m.members[1])
    page = client.get(f"/resolutions/{m.resolution.id}").text
    assert f'href="/resolutions/{m.resolution.id}/progress"' in page
    form = client.get(f"/resolutions/{m.resolution.id}/progress")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    res = client.post(f"/resolutions/{m.resolution.id}/progress",
                      data={"status": "in_progress", "percent": "55", "note": "正在安装",
                            "csrf_token": token},
                      files=[("photos", ("a.png", png(), "image/png"))],
                      follow_redirects=False)
    assert res.status_code == 303, res.text
    page = client.get(f"/resolutions/{m.resolution.id}").text
    assert "正在安装" in page and "55%" in page
    assert len(session.exec(select(Photo)).all()) == 1


def test_the_progress_form_keeps_what_was_typed_on_error(client, session, chain):
    m = chain.matter()
    token = login(client, m.members[1])
    res = client.post(f"/resolutions/{m.resolution.id}/progress",
                      data={"status": "in_progress", "percent": "150", "note": "写了很多字",
                            "csrf_token": token})
    assert res.status_code == 422
    assert "0 到 100" in res.text and "写了很多字</textarea>" in res.text
    assert updates(session, m.resolution) == []


def test_others_do_not_get_the_progress_form(client, chain, factory):
    m = chain.matter()
    login(client, factory.user())
    assert client.get(f"/resolutions/{m.resolution.id}/progress").status_code == 403
    assert "/progress\"" not in client.get(f"/resolutions/{m.resolution.id}").text


def test_overdue_resolutions_are_marked(client, chain):
    late = chain.resolution(status="in_progress", percent=20,
                            deadline=today() - timedelta(days=3))
    done_late = chain.resolution(status="done", percent=100,
                                 deadline=today() - timedelta(days=3))
    on_time = chain.resolution(status="in_progress", deadline=today())
    assert client.get(f"/api/v1/resolutions/{late.id}").json()["overdue"] is True
    assert client.get(f"/api/v1/resolutions/{done_late.id}").json()["overdue"] is False
    assert client.get(f"/api/v1/resolutions/{on_time.id}").json()["overdue"] is False
    assert "逾期 3 天" in client.get(f"/resolutions/{late.id}").text
    assert 'class="tag overdue"' not in client.get(f"/resolutions/{on_time.id}").text

