"""Community settings (R7.4, name, self-registration): secretary only, validated, audited; the
page explains each option with a worked example computed from rules.votes_needed."""

from __future__ import annotations

import re
from html import escape

import pytest
from sqlmodel import select

from meetingroom.meetings import rules
from meetingroom.models import AuditLog, Community
from tests.conftest import PASSWORD, auth, login

API = "/api/v1/community/settings"


@pytest.fixture
def secretary(factory):
    return factory.secretary()


def _community(session, community) -> Community:
    session.rollback()  # end the read transaction: SQLite's WAL snapshot would show old rows
    session.expire_all()
    return session.get(Community, community.id)


def test_defaults_follow_rules_md(client, secretary):
    r = client.get(API, headers=auth(secretary))
    assert r.status_code == 200
    assert r.json() == {"name": "幸福社区", "self_registration": True,
                        "adoption_rule": "inclusive_half", "adoption_base": "present",
                        "notice_days": 5}
    assert (rules.DEFAULT_ADOPTION_RULE, rules.DEFAULT_ADOPTION_BASE) == (
        "inclusive_half", "present")


def test_only_the_secretary(client, factory, session, community):
    member = factory.user("委员", seat="part_time")
    assert client.get(API).status_code == 401
    assert client.get(API, headers=auth(member)).status_code == 403
    r = client.patch(API, headers=auth(member), json={"adoption_rule": "strict_majority"})
    assert r.status_code == 403
    assert _community(session, community).adoption_rule == "inclusive_half"
    assert client.patch(API, json={"name": "X"}).status_code == 401
    login(client, member)
    assert client.get("/settings").status_code == 403
    assert 'href="/settings"' not in client.get("/").text


@pytest.mark.parametrize("body", [
    {"adoption_rule": "two_thirds"}, {"adoption_base": "everyone"}, {"adoption_rule": None},
    {"name": ""}, {"name": "x" * 101}, {"self_registration": "maybe"}, {"quorum": "half"},
])
def test_unknown_values_are_refused(client, secretary, session, community, body):
    r = client.patch(API, headers=auth(secretary), json=body)
    assert r.status_code == 422, r.text
    c = _community(session, community)
    assert (c.name, c.adoption_rule, c.adoption_base, c.self_registration) == (
        "幸福社区", "inclusive_half", "present", True)
    assert not session.exec(select(AuditLog).where(AuditLog.action == "community.settings")).all()


def test_changes_are_saved_and_audited(client, secretary, session, community):
    r = client.patch(API, headers=auth(secretary),
                     json={"adoption_rule": "strict_majority", "adoption_base": "seated",
                           "name": "幸福社区（东区）"})
    assert r.status_code == 200
    assert r.json() == {"name": "幸福社区（东区）", "self_registration": True,
                        "adoption_rule": "strict_majority", "adoption_base": "seated",
                        "notice_days": 5}
    assert client.get(API, headers=auth(secretary)).json()["adoption_base"] == "seated"
    rows = session.exec(select(AuditLog).where(AuditLog.action == "community.settings")).all()
    assert len(rows) == 1 and rows[0].actor_id == secretary.id
    assert rows[0].detail == {"adoption_rule": ["inclusive_half", "strict_majority"],
                              "adoption_base": ["present", "seated"],
                              "name": ["幸福社区", "幸福社区（东区）"]}
    # Saving what is already there changes nothing and records nothing.
    client.patch(API, headers=auth(secretary), json={"adoption_base": "seated"})
    assert len(session.exec(select(AuditLog).where(
        AuditLog.action == "community.settings")).all()) == 1


def test_self_registration_off_closes_registration(client, secretary):
    assert client.patch(API, headers=auth(secretary),
                        json={"self_registration": False}).status_code == 200
    r = client.post("/api/v1/auth/register", json={"name": "居民", "phone": "13600000001",
                                                   "password": PASSWORD})
    assert r.status_code == 403


def _needed(html: str) -> list[str]:
    return re.findall(r'<strong class="needed">(\d+)</strong>', html)


def test_page_explains_the_options_with_a_worked_example(client, secretary):
    login(client, secretary)
    r = client.get("/settings")
    assert r.status_code == 200
    html = r.text
    assert 'href="/settings"' in html  # the secretary's nav link
    assert "在任 11 人、到会 8 人时" in html
    # Rows: at least half, more than half; columns: present, seated (S=11, P=8).
    assert _needed(html) == [str(rules.votes_needed(r_, b, 11, 8))
                             for r_ in rules.AdoptionRule for b in rules.AdoptionBase]
    assert _needed(html) == ["4", "6", "5", "6"]
    assert "需同意 4 票" in html  # "4 agree votes needed" next to the default option
    assert rules.rule_sentence(rules.MeetingKind.WORK, rules.AdoptionRule.INCLUSIVE_HALF,
                               rules.AdoptionBase.PRESENT, 11, 8, "zh_CN") in html
    other = client.get("/settings?seated=9&present=6").text
    assert _needed(other) == ["3", "5", "4", "5"]


def test_page_form_saves_and_shows_errors(client, secretary, session, community):
    token = login(client, secretary)
    form = {"csrf_token": token, "name": "幸福社区", "adoption_rule": "strict_majority",
            "adoption_base": "present", "self_registration": "true"}
    r = client.post("/settings", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert _community(session, community).adoption_rule == "strict_majority"
    page = client.get("/settings").text
    assert "设置已保存" in page
    assert escape(rules.rule_sentence(rules.MeetingKind.WORK, rules.AdoptionRule.STRICT_MAJORITY,
                                      rules.AdoptionBase.PRESENT, 11, 8, "zh_CN")) in page

    r = client.post("/settings", data={**form, "adoption_base": "everyone", "name": "新名称"})
    assert r.status_code == 422
    assert "未知的计算基数" in r.text and 'value="新名称"' in r.text
    c = _community(session, community)
    assert (c.name, c.adoption_base) == ("幸福社区", "present")
    # Unticking the box switches self-registration off.
    form.pop("self_registration")
    assert client.post("/settings", data=form, follow_redirects=False).status_code == 303
    assert _community(session, community).self_registration is False
