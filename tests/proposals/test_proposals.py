"""Step 2: the members' inbox, sponsoring (one, several or no suggestions), co-sponsoring and
declining; who may do it, and what happens on a second try."""

import pytest
from sqlmodel import func, select

from meetingroom.models import AuditLog, Cosponsor, Notification, Proposal, Suggestion
from tests.conftest import auth, login, words_of
from tests.suggestions.helpers import files, make, png


def propose(client, user, suggestion_ids=(), **fields):
    body = {"title": "Fix the lights", "body": "Three lights are broken.",
            "principle": "practical", "suggestion_ids": list(suggestion_ids), **fields}
    return client.post("/api/v1/proposals", json=body,
                       headers={**auth(user), "Accept-Language": "en"})


def count(session, model) -> int:
    session.commit()
    return session.exec(select(func.count()).select_from(model)).one()


def notices(session, user) -> list[Notification]:
    session.commit()
    return list(session.exec(select(Notification).where(Notification.user_id == user.id)
                             .order_by(Notification.id)).all())


def test_inbox_lists_new_suggestions_oldest_first_with_supports_and_photos(client, factory,
                                                                           session):
    member = factory.user(seat="part_time")
    resident = factory.user()
    first = make(client, resident, title="First", photos=files(png()))
    second = make(client, resident, title="Second")
    third = make(client, resident, title="Third")
    client.post(f"/api/v1/suggestions/{second['id']}/support", headers=auth(factory.user()))
    client.post(f"/api/v1/suggestions/{third['id']}/decline", json={"reason": "Done already"},
                headers=auth(member))
    r = client.get("/api/v1/inbox", headers=auth(member))
    assert r.status_code == 200
    assert [i["title"] for i in r.json()["items"]] == ["First", "Second"]
    assert r.json()["items"][1]["supporters"] == 1
    assert len(r.json()["items"][0]["photos"]) == 1
    login(client, member)
    page = client.get("/inbox").text
    assert page.index("First") < page.index("Second") and "Third" not in page
    assert first["photos"][0]["thumb_url"] in page
    assert f'name="s" value="{first["id"]}"' in page and "1 人附议" in page


@pytest.mark.parametrize("who", ["resident", "secretary", "party_member"])
def test_only_seated_members_see_the_inbox(client, factory, who):
    user = {"resident": lambda: factory.user(), "secretary": factory.secretary,
            "party_member": lambda: factory.user(party_member=True)}[who]()
    r = client.get("/api/v1/inbox", headers={**auth(user), "Accept-Language": "en"})
    assert r.status_code == 403 and r.json()["rule"] == "R4.1"
    login(client, user)
    assert client.get("/inbox").status_code == 403


def test_sponsor_one_suggestion(client, factory, session):
    resident = factory.user()
    fan = factory.user()
    member = factory.user("Zhang", seat="part_time")
    s = make(client, resident, title="Lights")
    client.post(f"/api/v1/suggestions/{s['id']}/support", headers=auth(fan))
    r = propose(client, member, [s["id"]], draft_resolution="The property company fixes them "
                                                             "by Friday.")
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "open" and p["principle"] == "practical"
    assert p["principle_label"] == "Practical matters done together"
    assert p["sponsor_id"] == member.id and p["suggestion_ids"] == [s["id"]]
    assert p["resolution_id"] is None and p["draft_resolution"].startswith("The property")
    got = client.get(f"/api/v1/suggestions/{s['id']}").json()
    assert got["status"] == "sponsored" and got["proposal_id"] == p["id"]
    assert session.exec(select(AuditLog).where(AuditLog.action == "proposal.create")).one()
    # The author and the supporter are told, each in his own words.
    [to_author] = notices(session, resident)
    assert to_author.message.startswith("Your suggestion") and to_author.params["title"] == \
        "Lights" and to_author.link == f"/suggestions/{s['id']}"
    [to_fan] = notices(session, fan)
    assert to_fan.message.startswith("A suggestion you support")
    assert notices(session, member) == []


def test_principle_is_shown_in_chinese(client, factory):
    member = factory.user(seat="chair")
    for principle, label in (("major", "大事共议"), ("practical", "实事共办"),
                             ("important", "要事共决"), ("urgent", "急事共商")):
        r = client.post("/api/v1/proposals", json={"title": label, "body": "b",
                                                   "principle": principle},
                        headers=auth(member))
        assert r.json()["principle_label"] == label
        assert label in client.get(f"/proposals/{r.json()['id']}").text


def test_several_duplicates_become_one_proposal(client, factory, session):
    member = factory.user(seat="full_time")
    a, b, c = (make(client, factory.user(), title=t) for t in ("Lift A", "Lift B", "Other"))
    r = propose(client, member, [b["id"], a["id"], a["id"]], title="A lift for building 3")
    assert r.status_code == 201
    assert r.json()["suggestion_ids"] == [a["id"], b["id"]]
    for sid in (a["id"], b["id"]):
        assert client.get(f"/api/v1/suggestions/{sid}").json()["proposal_id"] == r.json()["id"]
    assert client.get(f"/api/v1/suggestions/{c['id']}").json()["status"] == "submitted"
    page = client.get(f"/proposals/{r.json()['id']}").text
    assert "Lift A" in page and "Lift B" in page and "Other" not in page


def test_a_member_proposes_without_a_suggestion(client, factory):
    member = factory.user(seat="part_time")
    r = propose(client, member, title="Winter patrol", principle="urgent")
    assert r.status_code == 201 and r.json()["suggestion_ids"] == []
    assert "此议题由班子成员直接提出" in client.get(f"/proposals/{r.json()['id']}").text


@pytest.mark.parametrize("who", ["resident", "secretary"])
def test_residents_and_secretary_only_users_cannot_sponsor_or_decline(client, factory, session,
                                                                      who):
    user = factory.user() if who == "resident" else factory.secretary()
    s = make(client, factory.user())
    r = propose(client, user, [s["id"]])
    assert r.status_code == 403
    assert r.json() == {"detail": "Only seated committee members may do this.", "rule": "R4.1"}
    r = client.post(f"/api/v1/suggestions/{s['id']}/decline", json={"reason": "no"},
                    headers=auth(user))
    assert r.status_code == 403
    assert count(session, Proposal) == 0
    assert session.get(Suggestion, s["id"]).status == "submitted"
    csrf = login(client, user)
    r = client.post("/proposals", data={"csrf_token": csrf, "title": "t", "body": "b",
                                        "principle": "major", "s": str(s["id"])})
    assert r.status_code == 403 and "只有在任的班子成员" in r.text
    r = client.post(f"/suggestions/{s['id']}/decline", data={"csrf_token": csrf, "reason": "x"})
    assert r.status_code == 403
    assert client.get("/proposals/new").status_code == 403


def test_an_unseated_member_loses_the_right(client, factory, session):
    member = factory.user(seat="part_time")
    member.seat = None
    session.add(member)
    session.commit()
    assert propose(client, member).status_code == 403


def test_double_sponsoring_is_a_conflict_and_nothing_half_saved(client, factory, session):
    m1, m2 = factory.user(seat="chair"), factory.user(seat="part_time")
    a = make(client, factory.user(), title="Alpha")
    b = make(client, factory.user(), title="Beta")
    assert propose(client, m1, [a["id"]]).status_code == 201
    r = propose(client, m2, [b["id"], a["id"]])
    assert r.status_code == 409
    assert r.json()["detail"] == "“Alpha” was already sponsored or declined."
    assert count(session, Proposal) == 1
    assert session.get(Suggestion, b["id"]).status == "submitted"  # not half sponsored
    assert session.get(Suggestion, b["id"]).proposal_id is None


def test_sponsoring_a_declined_suggestion_is_a_conflict(client, factory, session):
    member = factory.user(seat="chair")
    s = make(client, factory.user())
    client.post(f"/api/v1/suggestions/{s['id']}/decline", json={"reason": "Not ours"},
                headers=auth(member))
    assert propose(client, member, [s["id"]]).status_code == 409
    r = client.post(f"/api/v1/suggestions/{s['id']}/decline", json={"reason": "again"},
                    headers={**auth(member), "Accept-Language": "en"})
    assert r.status_code == 409
    assert r.json()["detail"] == "This suggestion was already sponsored or declined."
    assert session.get(Suggestion, s["id"]).decline_reason == "Not ours"


BAD_PROPOSALS = [
    ({"title": ""}, "title", "Give the proposal a title."),
    ({"title": "x" * 101}, "title", "At most 100 characters."),
    ({"body": ""}, "body", "Describe the proposal."),
    ({"body": "x" * 5001}, "body", "At most 5000 characters."),
    ({"draft_resolution": "x" * 5001}, "draft_resolution", "At most 5000 characters."),
    ({"principle": "convenient"}, "principle", "Choose one of the four principles."),
]


@pytest.mark.parametrize(("fields", "field", "message"), BAD_PROPOSALS)
def test_bad_proposals_are_refused(client, factory, session, fields, field, message):
    member = factory.user(seat="chair")
    s = make(client, factory.user())
    r = propose(client, member, [s["id"]], **fields)
    assert r.status_code == 422
    assert r.json()["detail"] == message and r.json()["field"] == field
    assert count(session, Proposal) == 0
    assert session.get(Suggestion, s["id"]).status == "submitted"


def test_unknown_principle_names_the_rule(client, factory):
    r = propose(client, factory.user(seat="chair"), principle="whatever")
    assert r.json()["rule"] == "R4.3"


def test_unknown_or_hidden_suggestion_is_404(client, factory, session):
    member = factory.user(seat="chair")
    assert propose(client, member, [999]).status_code == 404
    s = make(client, factory.user())
    client.post(f"/api/v1/suggestions/{s['id']}/hide", json={"reason": "spam"},
                headers=auth(factory.secretary()))
    assert propose(client, member, [s["id"]]).status_code == 404
    assert count(session, Proposal) == 0


def test_html_in_a_proposal_is_shown_as_text(client, factory):
    member = factory.user(seat="chair")
    r = propose(client, member, title="<b>bold</b>", body="<script>alert(1)</script>",
                draft_resolution="<iframe src=x>")
    html = client.get(f"/proposals/{r.json()['id']}").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "<iframe" not in html
    assert "<b>bold</b>" not in client.get("/proposals").text


def test_decline_with_a_reason_the_resident_sees(client, factory, session):
    resident = factory.user()
    member = factory.user(seat="part_time")
    s = make(client, resident, title="Paint the fence pink")
    r = client.post(f"/api/v1/suggestions/{s['id']}/decline", json={"reason": ""},
                    headers={**auth(member), "Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["detail"] == "Tell the resident why."
    r = client.post(f"/api/v1/suggestions/{s['id']}/decline",
                    json={"reason": "The owners' committee decides colours <b>not us</b>."},
                    headers=auth(member))
    assert r.status_code == 200 and r.json()["status"] == "declined"
    [notice] = notices(session, resident)
    assert notice.params["reason"].startswith("The owners'")
    login(client, resident)
    mine = client.get("/suggestions/mine").text
    assert "未予采纳" in mine and "The owners&#39; committee decides colours &lt;b&gt;" in mine
    assert "<b>not us</b>" not in mine
    # The badge counts the notice, and the list shows it translated, safely.
    home = client.get("/").text
    assert '<span class="badge"' in home
    listing = client.get("/notifications").text
    assert "您的建议“Paint the fence pink”未予采纳" in listing and "&lt;b&gt;not us" in listing


def test_decline_and_sponsor_from_the_pages(client, factory, session):
    resident = factory.user()
    member = factory.user(seat="part_time")
    a = make(client, resident, title="Alpha")
    b = make(client, resident, title="Beta")
    csrf = login(client, member)
    page = client.get(f"/suggestions/{a['id']}").text
    assert f'href="/proposals/new?s={a["id"]}"' in page and "不予采纳" in page
    r = client.post(f"/suggestions/{a['id']}/decline", data={"csrf_token": csrf, "reason": ""})
    assert r.status_code == 422 and "请告诉居民不予采纳的原因" in r.text
    r = client.post(f"/suggestions/{a['id']}/decline",
                    data={"csrf_token": csrf, "reason": "已修好"}, follow_redirects=False)
    assert r.status_code == 303
    form = client.get(f"/proposals/new?s={a['id']}&s={b['id']}").text
    assert "有些选中的建议刚刚被提议或不予采纳" in form  # Alpha was just declined
    assert f'value="{b["id"]}" checked' in form and "Alpha" not in form
    assert 'value="Beta"' in form  # one suggestion: its title is offered
    for key in ("大事共议", "实事共办", "要事共决", "急事共商"):
        assert key in form
    r = client.post("/proposals", data={"csrf_token": csrf, "title": "Beta", "body": "",
                                        "principle": "practical", "s": str(b["id"])})
    assert r.status_code == 422 and "请写明议题内容" in r.text and 'value="Beta"' in r.text
    r = client.post("/proposals", data={"csrf_token": csrf, "title": "Beta", "body": "Do it",
                                        "principle": "nonsense", "s": str(b["id"])})
    assert r.status_code == 422 and "请从四项原则中选择一项" in r.text
    r = client.post("/proposals", data={"csrf_token": csrf, "title": "Beta", "body": "Do it",
                                        "draft_resolution": "Now", "principle": "practical",
                                        "s": str(b["id"])}, follow_redirects=False)
    assert r.status_code == 303
    proposal = client.get(r.headers["location"]).text
    assert "Beta" in proposal and "实事共办" in proposal and "决议草案" in proposal
    r = client.post("/proposals", data={"csrf_token": csrf, "title": "Beta again",
                                        "body": "Do it", "principle": "practical",
                                        "s": str(b["id"])})
    assert r.status_code == 409 and "“Beta”已被提议或已不予采纳" in r.text


def test_cosponsor_once_and_not_ones_own(client, factory, session):
    sponsor_ = factory.user("Sponsor", seat="chair")
    other = factory.user("Other", seat="part_time")
    p = propose(client, sponsor_).json()
    r = client.post(f"/api/v1/proposals/{p['id']}/cosponsors", headers=auth(other))
    assert r.status_code == 200 and r.json()["cosponsors"] == [{"id": other.id, "name": "Other"}]
    r = client.post(f"/api/v1/proposals/{p['id']}/cosponsors", headers=auth(other))
    assert r.status_code == 200 and len(r.json()["cosponsors"]) == 1
    assert count(session, Cosponsor) == 1
    assert client.post(f"/api/v1/proposals/{p['id']}/cosponsors",
                       headers=auth(sponsor_)).status_code == 409
    assert client.post(f"/api/v1/proposals/{p['id']}/cosponsors",
                       headers=auth(factory.user())).status_code == 403
    [notice] = notices(session, sponsor_)
    assert notice.params == {"name": "Other", "title": "Fix the lights"}
    proposal = session.get(Proposal, p["id"])
    proposal.status = "adopted"
    session.add(proposal)
    session.commit()
    third = factory.user(seat="part_time")
    assert client.post(f"/api/v1/proposals/{p['id']}/cosponsors",
                       headers=auth(third)).status_code == 409


def test_cosponsor_from_the_page(client, factory):
    p = propose(client, factory.user(seat="chair")).json()
    csrf = login(client, factory.user("Li", seat="part_time"))
    assert "联名附议" in client.get(f"/proposals/{p['id']}").text
    r = client.post(f"/proposals/{p['id']}/cosponsor", data={"csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/proposals/{p['id']}").text
    assert "联名附议：Li" in page and "您已联名附议这个议题" in page


def test_proposal_list_filters_and_pages(client, factory):
    member = factory.user(seat="chair")
    for i in range(5):
        propose(client, member, title=f"P{i}", principle="urgent" if i % 2 else "major")
    r = client.get("/api/v1/proposals", params={"limit": 2})
    assert r.json()["total"] == 5 and [p["title"] for p in r.json()["items"]] == ["P4", "P3"]
    r = client.get("/api/v1/proposals", params={"principle": "urgent"})
    assert [p["title"] for p in r.json()["items"]] == ["P3", "P1"]
    assert client.get("/api/v1/proposals", params={"status": "adopted"}).json()["total"] == 0
    assert client.get("/api/v1/proposals", params={"principle": "x"}).status_code == 422
    assert client.get("/api/v1/proposals/999").status_code == 404
    page = words_of(client.get("/proposals?principle=urgent").text)
    assert "共 2 个议题" in page and "P3" in page and "P4" not in page


def test_a_hidden_suggestion_is_left_out_of_its_proposal_page(client, factory):
    member = factory.user(seat="chair")
    s = make(client, factory.user(), title="Secret matter")
    p = propose(client, member, [s["id"]]).json()
    client.post(f"/api/v1/suggestions/{s['id']}/hide", json={"reason": "privacy"},
                headers=auth(factory.secretary()))
    assert client.get(f"/api/v1/proposals/{p['id']}").json()["suggestion_ids"] == []
    assert "Secret matter" not in client.get(f"/proposals/{p['id']}").text
