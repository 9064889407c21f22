"""R4.2: the author and every supporter of a suggestion hear of each later step once, in their
own language — agenda (date, place), decision (counts, minutes), responsible and deadline,
progress, done — and the notifications page lists them one line each."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from meetingroom.models import Notification, Resolution, utcnow
from tests.conftest import auth, csrf_of, login, words_of
from tests.followup.conftest import fresh, today


def _notices(session, user):
    fresh(session)
    return [n.message for n in session.exec(select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.id)).all()]


def _run_meeting(client, chain, factory, proposals, *, location="社区党群服务中心"):
    secretary = factory.secretary()
    body = {"kind": "work", "title": "十二月工作会议", "location": location,
            "starts_at": (utcnow() + timedelta(days=2)).isoformat(),
            "proposal_ids": [p.id for p in proposals]}
    res = client.post("/api/v1/meetings", json=body, headers=auth(secretary))
    assert res.status_code == 201, res.text
    meeting = res.json()
    return secretary, meeting


def test_followers_hear_of_every_step_once(client, session, chain, factory):
    author, fan, both = factory.user("何阿姨"), factory.user("赵大爷"), factory.user("钱师傅")
    proposal = chain.proposal(status="open")
    chain.suggestion(author=author, proposal=proposal, supporters=[fan, both])
    chain.suggestion(author=both, proposal=proposal, title="电梯的事")
    rejected = chain.proposal(status="open", title="拆除自行车棚")
    chain.suggestion(author=author, proposal=rejected, title="车棚太旧")
    outsider = factory.user()

    secretary, meeting = _run_meeting(client, chain, factory, [proposal, rejected])
    for person in (author, fan, both):
        assert _notices(session, person)[-1].startswith("“{title}” is on the agenda of the "
                                                        "meeting on {when} at {place}.")
    assert len(_notices(session, both)) == 1  # author of one, supporter of the other: once

    mid = meeting["id"]
    for member in chain.members[:7]:
        assert client.post(f"/api/v1/meetings/{mid}/attendance", headers=auth(secretary),
                           json={"user_id": member.id}).status_code == 200
    assert client.post(f"/api/v1/meetings/{mid}/open", headers=auth(secretary)).status_code == 200
    items = {i["proposal_id"]: i["id"] for i in client.get(
        f"/api/v1/meetings/{mid}", headers=auth(secretary)).json()["agenda"]}
    for pid, counts in ((proposal.id, (6, 1, 0)), (rejected.id, (1, 5, 1))):
        res = client.post(f"/api/v1/items/{items[pid]}/hands", headers=auth(secretary),
                          json=dict(zip(("agree", "oppose", "abstain"), counts, strict=True)))
        assert res.status_code == 200, res.text
    assert len(_notices(session, author)) == 2  # decisions are told with the minutes
    assert client.post(f"/api/v1/meetings/{mid}/close",
                       headers=auth(secretary)).status_code == 200
    told = _notices(session, author)
    assert told[-2].startswith("The committee adopted “{title}”")
    assert told[-1].startswith("“{title}” was not adopted")
    assert len(_notices(session, fan)) == 2 and _notices(session, outsider) == []

    fresh(session)
    resolution = session.exec(select(Resolution).where(
        Resolution.proposal_id == proposal.id)).one()
    patch = {"responsible": "安居物业", "deadline": (today() + timedelta(days=30)).isoformat()}
    res = client.patch(f"/api/v1/resolutions/{resolution.id}", headers=auth(secretary),
                       json=patch)
    assert res.status_code == 200, res.text
    assert _notices(session, fan)[-1].startswith("“{title}” will be carried out by")
    # Editing the deadline again is not news.
    client.patch(f"/api/v1/resolutions/{resolution.id}", headers=auth(secretary),
                 json={"deadline": (today() + timedelta(days=40)).isoformat()})
    assert len(_notices(session, fan)) == 3
    for status, percent in (("in_progress", 40), ("done", 100)):
        assert client.post(f"/api/v1/resolutions/{resolution.id}/progress",
                           headers=auth(secretary),
                           json={"status": status, "percent": percent}).status_code in (200, 201)
    assert _notices(session, fan)[-1].startswith("“{title}” is done. You can now rate")
    assert len(_notices(session, fan)) == 5

    # Read in the reader's language, one line each, with the place and the counts.
    login(client, author)
    html = client.get("/notifications").text
    assert "“为3号楼加装电梯”已列入" in html and "社区党群服务中心" in html
    assert "同意 6 票" in html and f'href="/meetings/{mid}/minutes"' in html
    client.cookies.set("mr_lang", "en")
    html = client.get("/notifications").text
    assert "The committee adopted “为3号楼加装电梯”: 6 for, 1 against, 0 abstaining" in html


def test_the_notifications_page_counts_and_marks_read(client, session, chain, factory):
    author = factory.user("何阿姨")
    proposal = chain.proposal(status="open")
    chain.suggestion(author=author, proposal=proposal)
    _run_meeting(client, chain, factory, [proposal], location="")
    login(client, author)
    html = client.get("/notifications").text
    badge = re.search(r'<span class="badge"[^>]*>([^<]*)</span>', html).group(1)
    assert badge == "1"  # a count, not the Python set of unread ids
    assert html.count('<li class="unread">') == 1 and "全部标为已读" in html
    assert re.search(r"<time datetime=[^>]+>\d{4}-\d\d-\d\d</time>", html)
    res = client.post("/notifications/read", data={"csrf_token": csrf_of(client, "/notifications")},
                      follow_redirects=True)
    assert res.status_code == 200
    html = client.get("/notifications").text
    assert 'class="unread"' not in html and 'class="badge"' not in html


def test_a_matter_not_adopted_shows_residents_why(client, session, chain, factory):
    author = factory.user("何阿姨")
    proposal = chain.proposal(status="open", title="拆除自行车棚")
    chain.suggestion(author=author, proposal=proposal, title="车棚太旧")
    secretary, meeting = _run_meeting(client, chain, factory, [proposal])
    mid = meeting["id"]
    for member in chain.members[:7]:
        client.post(f"/api/v1/meetings/{mid}/attendance", headers=auth(secretary),
                    json={"user_id": member.id})
    client.post(f"/api/v1/meetings/{mid}/open", headers=auth(secretary))
    [item] = client.get(f"/api/v1/meetings/{mid}", headers=auth(secretary)).json()["agenda"]
    client.post(f"/api/v1/items/{item['id']}/hands", headers=auth(secretary),
                json={"agree": 2, "oppose": 4, "abstain": 1})
    client.post(f"/api/v1/meetings/{mid}/close", headers=auth(secretary))
    login(client, secretary)
    r = client.post(f"/meetings/{mid}/notes", follow_redirects=False, data={
        "csrf_token": csrf_of(client, f"/meetings/{mid}/notes"),
        f"item-{item['id']}": "车棚还能用，先维修，明年再议。"})
    assert r.status_code == 303
    client.cookies.clear()
    login(client, author)
    html = client.get(f"/matters/{proposal.id}").text
    assert "未通过的原因：车棚还能用，先维修，明年再议。" in html
    assert "到会委员 7 人，同意 2 人，反对 4 人，弃权 1 人。" in html
    assert f'href="/meetings/{mid}/minutes"' in html
    # Plain words: a rule id or formula only in small print.
    words = words_of(re.sub(r'<p class="fine">.*?</p>', "", html, flags=re.S))
    assert "2A" not in words and "R7." not in words
