"""Supports (附议) once per person; reports hide at three; the secretary hides and restores."""

from sqlmodel import func, select

from meetingroom.models import AuditLog, ContentReport, Notification, Support
from tests.conftest import auth, login
from tests.suggestions.helpers import files, make, png


def support(client, user, sid):
    return client.post(f"/api/v1/suggestions/{sid}/support", headers=auth(user))


def report(client, user, sid, reason="spam"):
    return client.post(f"/api/v1/suggestions/{sid}/report", json={"reason": reason},
                       headers=auth(user))


def test_support_once_second_time_is_a_no_op(client, factory, session):
    s = make(client, factory.user())
    fan = factory.user()
    r = support(client, fan, s["id"])
    assert r.status_code == 200 and r.json()["supporters"] == 1 and r.json()["supported"]
    r = support(client, fan, s["id"])
    assert r.status_code == 200 and r.json()["supporters"] == 1
    assert support(client, factory.user(), s["id"]).json()["supporters"] == 2
    assert session.exec(select(func.count()).select_from(Support)).one() == 2
    assert client.get(f"/api/v1/suggestions/{s['id']}").json()["supporters"] == 2
    assert client.get("/api/v1/suggestions").json()["items"][0]["supporters"] == 2


def test_the_author_does_not_support_his_own(client, factory):
    author = factory.user()
    s = make(client, author)
    r = support(client, author, s["id"])
    assert r.status_code == 200 and r.json()["supporters"] == 0


def test_support_needs_login(client, factory):
    s = make(client, factory.user())
    assert client.post(f"/api/v1/suggestions/{s['id']}/support").status_code == 401


def test_support_button_on_the_page_with_and_without_htmx(client, factory):
    s = make(client, factory.user())
    csrf = login(client, factory.user())
    page = client.get(f"/suggestions/{s['id']}").text
    assert f'hx-post="/suggestions/{s["id"]}/support"' in page and "0 人附议" in page
    r = client.post(f"/suggestions/{s['id']}/support", data={"csrf_token": csrf},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div class="support" id="support">')
    assert "1 人附议" in r.text and "您已附议" in r.text and "<html" not in r.text
    csrf = login(client, factory.user())
    r = client.post(f"/suggestions/{s['id']}/support", data={"csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "2 人附议" in client.get(f"/suggestions/{s['id']}").text
    client.cookies.clear()
    assert "登录后附议" in client.get(f"/suggestions/{s['id']}").text


def test_three_reports_hide_until_the_secretary_reviews(client, factory, session):
    author = factory.user()
    secretary = factory.secretary()
    s = make(client, author, photos=files(png()))
    photo = s["photos"][0]["url"]
    reporters = [factory.user() for _ in range(3)]
    assert report(client, reporters[0], s["id"]).status_code == 200
    assert report(client, reporters[0], s["id"]).status_code == 200  # once per person
    assert report(client, reporters[1], s["id"], "abuse").status_code == 200
    assert client.get(f"/api/v1/suggestions/{s['id']}").status_code == 200  # two: still shown
    assert report(client, reporters[2], s["id"], "privacy").status_code == 200
    # Hidden: gone from the public list, detail and photo, for everyone but the secretary and
    # the author.
    assert client.get(f"/api/v1/suggestions/{s['id']}").status_code == 404
    assert client.get(f"/suggestions/{s['id']}").status_code == 404
    assert client.get("/api/v1/suggestions").json()["total"] == 0
    assert client.get(photo).status_code == 404
    assert client.get(f"/api/v1/suggestions/{s['id']}",
                      headers=auth(reporters[0])).status_code == 404
    assert client.get(f"/api/v1/suggestions/{s['id']}", headers=auth(author)).json()["hidden"]
    assert client.get(f"/api/v1/suggestions/{s['id']}", headers=auth(secretary)).json()["hidden"]
    assert session.exec(select(func.count()).select_from(ContentReport)).one() == 3
    assert session.exec(select(AuditLog).where(AuditLog.action == "suggestion.auto_hide")).one()
    notice = session.exec(select(Notification).where(
        Notification.user_id == secretary.id)).one()
    assert notice.params["n"] == 3 and notice.link == f"/suggestions/{s['id']}"
    # The secretary sees it with a banner, and photos, in the review queue.
    login(client, secretary)
    assert client.get(photo).status_code == 200
    assert client.get(photo).headers["cache-control"] == "private, no-store"
    page = client.get(f"/suggestions/{s['id']}").text
    assert 'class="banner"' in page and "被举报 3 次后隐藏" in page
    queue = client.get("/api/v1/suggestions?hidden=true", headers=auth(secretary)).json()
    assert queue["total"] == 1
    assert client.get("/api/v1/suggestions?hidden=true",
                      headers=auth(author)).status_code == 403


def test_report_needs_a_known_reason(client, factory, session):
    s = make(client, factory.user())
    r = client.post(f"/api/v1/suggestions/{s['id']}/report", json={"reason": "boring"},
                    headers={**auth(factory.user()), "Accept-Language": "en"})
    assert r.status_code == 422
    detail = r.json()["detail"]  # the field and what it accepts, from the documented enum
    assert detail.startswith("reason: Choose one of:") and "'spam'" in detail, detail
    assert session.exec(select(func.count()).select_from(ContentReport)).one() == 0


def test_report_from_the_page(client, factory):
    s = make(client, factory.user())
    csrf = login(client, factory.user())
    r = client.post(f"/suggestions/{s['id']}/report", data={"csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 422 and "请选择举报理由" in r.text
    r = client.post(f"/suggestions/{s['id']}/report",
                    data={"csrf_token": csrf, "reason": "false"}, follow_redirects=False)
    assert r.status_code == 303


def test_secretary_hides_and_restores_with_a_reason(client, factory, session):
    author = factory.user()
    secretary = factory.secretary()
    s = make(client, author)
    for _ in range(2):
        report(client, factory.user(), s["id"])
    r = client.post(f"/api/v1/suggestions/{s['id']}/hide", json={"reason": ""},
                    headers={**auth(secretary), "Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["detail"] == "Give a reason."
    r = client.post(f"/api/v1/suggestions/{s['id']}/hide",
                    json={"reason": "Contains a neighbour's phone number"},
                    headers=auth(secretary))
    assert r.status_code == 200 and r.json()["hidden"]
    assert client.get(f"/api/v1/suggestions/{s['id']}").status_code == 404
    again = client.post(f"/api/v1/suggestions/{s['id']}/hide", json={"reason": "x"},
                        headers=auth(secretary))
    assert again.status_code == 409
    r = client.post(f"/api/v1/suggestions/{s['id']}/restore",
                    json={"reason": "Number removed"}, headers=auth(secretary))
    assert r.status_code == 200 and not r.json()["hidden"]
    assert client.get(f"/api/v1/suggestions/{s['id']}").status_code == 200
    actions = session.exec(select(AuditLog.action, AuditLog.detail).where(
        AuditLog.entity == "suggestion", AuditLog.action.in_(
            ("suggestion.hide", "suggestion.restore"))).order_by(AuditLog.id)).all()
    assert actions == [("suggestion.hide", {"reason": "Contains a neighbour's phone number"}),
                       ("suggestion.restore", {"reason": "Number removed"})]
    # Restoring starts the count afresh: two earlier reports do not hide it at the next one.
    report(client, factory.user(), s["id"])
    assert client.get(f"/api/v1/suggestions/{s['id']}").status_code == 200
    messages = session.exec(select(Notification.message).where(
        Notification.user_id == author.id).order_by(Notification.id)).all()
    assert len(messages) == 2 and "hidden by the secretary" in messages[0]


def test_only_the_secretary_moderates(client, factory):
    s = make(client, factory.user())
    for user in (factory.user(), factory.user(seat="chair")):
        r = client.post(f"/api/v1/suggestions/{s['id']}/hide", json={"reason": "x"},
                        headers=auth(user))
        assert r.status_code == 403


def test_hide_and_restore_from_the_page(client, factory):
    s = make(client, factory.user(), title="Noisy")
    csrf = login(client, factory.secretary())
    r = client.post(f"/suggestions/{s['id']}/hide", data={"csrf_token": csrf, "reason": ""})
    assert r.status_code == 422 and "请填写理由" in r.text
    r = client.post(f"/suggestions/{s['id']}/hide",
                    data={"csrf_token": csrf, "reason": "广告"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/suggestions/{s['id']}").text
    assert "已对公众隐藏" in page and "广告" in page and "恢复公开" in page
    assert "Noisy" in client.get("/suggestions?hidden=1").text
    assert "Noisy" not in client.get("/suggestions").text
    r = client.post(f"/suggestions/{s['id']}/restore",
                    data={"csrf_token": csrf, "reason": "误判"}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    assert "Noisy" in client.get("/suggestions").text


def test_non_secretary_sees_a_403_page_not_a_crash(client, factory):
    login(client, factory.user())
    r = client.get("/suggestions?hidden=1")
    assert r.status_code == 403 and "只有会议秘书" in r.text
    r = client.get("/suggestions/categories")
    assert r.status_code == 403
