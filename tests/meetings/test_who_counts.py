"""Issue 9 §4 (R7.1, R7.4, R7.5): who counts in a meeting is frozen when it opens.

P counts only members present among those seated when the meeting opened
(`meeting.seated_member_ids`); a member seated later attends without a vote. The R7.4 adoption
settings are frozen at the same moment: changing the community's settings mid-meeting changes
nothing for that meeting, and its minutes state the rule that was in force.
"""

from __future__ import annotations

from tests.conftest import auth


def _seat_two_more(factory):
    return [factory.user("Late A", seat="part_time", party_member=True),
            factory.user("Late B", seat="part_time", party_member=True)]


def test_members_seated_after_opening_do_not_make_a_quorum(meet, committee, factory,
                                                           make_proposal, client):
    meet.schedule([make_proposal()])
    meet.check_in(*committee[:6])
    meet.open()
    meet.leave(*committee[4:6])  # S = 9 frozen, 4 of them present
    late = _seat_two_more(factory)
    m = meet.check_in(*late)  # the two newly seated members check in
    assert (m["seated"], m["present"]) == (9, 4)
    assert m["quorum"]["met"] is False
    assert [w["id"] for w in m["without_vote"]] == [u.id for u in late]
    assert all(w["present"] for w in m["without_vote"])
    assert {x["id"] for x in m["members"]} == {u.id for u in committee}
    r = meet.open_vote(expect=409)
    assert r["rule"] == "R7.1"
    # Boundary: 5 of the 9 still no quorum; the 6th (3P = 2S) makes it.
    assert meet.check_in(committee[4])["quorum"]["met"] is False
    assert meet.check_in(committee[5])["quorum"]["met"] is True
    opened = meet.open_vote()
    assert opened["eligible"] == 6 and opened["seated"] == 9


def test_a_member_seated_later_attends_without_a_vote(meet, committee, factory,
                                                     make_proposal, client):
    meet.schedule([make_proposal()])
    meet.check_in(*committee[:6])
    meet.open()
    [late, _] = _seat_two_more(factory)
    meet.open_vote()
    meet.check_in(late)  # while the vote is open: he does not join the item's P
    assert meet.tally()["eligible"] == 6
    r = meet.vote(late, "agree", expect=403)
    assert r["rule"] == "R7.5" and "不参加本次会议的表决" in r["detail"]
    en = client.post(f"/api/v1/items/{meet.items[0]}/ballots", json={"choice": "agree"},
                     headers={**auth(late), "Accept-Language": "en"})
    assert en.status_code == 403 and "seated after" in en.json()["detail"]
    assert meet.tally()["cast"] == 0
    meet.vote(committee[0], "agree")
    assert meet.tally()["cast"] == 1


def test_the_console_names_who_attends_without_a_vote(meet, committee, factory, make_proposal,
                                                      client, secretary):
    from tests.conftest import login

    meet.schedule([make_proposal()])
    meet.check_in(*committee[:6])
    meet.open()
    [late, _] = _seat_two_more(factory)
    meet.check_in(late)
    login(client, secretary)
    page = client.get(f"/meetings/{meet.id}/console", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    side = page.text.split('id="c-side"', 1)[1].split("</section>", 1)[0]
    assert "会议开始后才任职" in side and "Late A" in side
    assert "到会 6/9" in side or "6 / 9" in side


def test_adoption_settings_are_frozen_when_the_meeting_opens(meet, committee, make_proposal,
                                                              client, secretary):
    meet.schedule([make_proposal()])
    meet.check_in(*committee[:6])
    meet.open()  # in force: inclusive half of the members present (the default)
    assert meet.get()["adoption"] == {"rule": "inclusive_half", "base": "present",
                                      "frozen": True}
    r = client.patch("/api/v1/community/settings", headers=auth(secretary),
                     json={"adoption_rule": "strict_majority", "adoption_base": "seated"})
    assert r.status_code == 200, r.text
    meet.open_vote()
    tally = meet.tally()
    assert tally["needed"] == 3  # 2A ≥ P = 6, not 2A > S = 9 (which would need 5)
    for member, choice in zip(committee[:6], ["agree"] * 3 + ["oppose"] * 3, strict=True):
        meet.vote(member, choice)
    closed = meet.close_vote()
    assert closed["outcome"] == "adopted"
    assert "2A ≥ P" in closed["rule"]
    meet.close()
    minutes = client.get(f"/meetings/{meet.id}/minutes", headers={"Accept-Language": "zh-CN"})
    assert "本次会议适用的表决规则：R7.3: 到会委员半数以上同意方可形成决议（含半数，2A ≥ P）" \
        in minutes.text
    # A meeting scheduled now follows the new settings once it opens.
    assert client.get("/api/v1/community/settings",
                      headers=auth(secretary)).json()["adoption_rule"] == "strict_majority"


def test_minutes_count_p_among_the_members_seated_at_opening(meet, committee, factory,
                                                             make_proposal, client):
    meet.schedule([make_proposal()])
    meet.check_in(*committee[:6])
    meet.open()
    late = _seat_two_more(factory)
    meet.check_in(*late)
    meet.close()
    r = client.get(f"/api/v1/meetings/{meet.id}/minutes")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["quorum"]["seated"], body["quorum"]["present"]) == (9, 6)
    assert [m["name"] for m in body["without_vote"]] == ["Late A", "Late B"]
    assert body["adoption_rule"].startswith("R7.3: ")
