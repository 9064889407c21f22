"""Minutes (会议纪要) of a closed meeting: the page, the .docx read back with python-docx, the JSON;
secret ballots name nobody; nothing before the meeting closes."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from docx import Document
from docx.oxml.ns import qn

from meetingroom.meetings import chain, rules
from meetingroom.models import Attendance, Community, Meeting
from tests.conftest import auth
from tests.meetings.record_data import (
    ABSENT,
    HANDS,
    LEFT_EARLY,
    NAMES,
    OBSERVERS,
    OPEN_VOTES,
    SECRET,
    build_closed_meeting,
)


@pytest.fixture
def cm(session, factory):
    return build_closed_meeting(session, factory)


def _section(html: str, anchor: str) -> str:
    """The HTML of one <section id=…> of the minutes."""
    start = html.index(f'id="{anchor}"')
    return html[start:html.index("</section>", start)]


def test_page_names_who_attended_and_how_each_item_went(client, cm, session):
    r = client.get(f"/meetings/{cm.meeting.id}/minutes")  # anyone: the public record
    assert r.status_code == 200
    html = r.text
    assert "幸福社区" in html and "联席会议" in html and cm.meeting.title in html
    assert "社区党群服务中心二楼" in html and "R6.2" in html
    attendance = _section(html, "attendance")
    assert "应到 9 人，实到 7 人，缺席 2 人" in attendance
    absent = re.search(r"缺席人员：([^<]*)", attendance).group(1)
    assert absent == "、".join(cm.names(*ABSENT))
    present = re.search(r"出席人员：([^<]*)", attendance).group(1)
    assert present == "、".join(cm.names(*cm.present_keys))
    assert f"{cm.members[LEFT_EARLY].name}</td>" in attendance and "中途离会" in attendance
    for name, role in OBSERVERS:
        assert f"<td>{name}</td><td>{role}</td>" in attendance
    assert rules.quorum_sentence(9, 7, "zh_CN") in attendance

    item = _section(html, f"item-{cm.items['open'].id}")
    assert "为3号楼加装电梯" in item and "实事共办" in item and "记名投票" in item
    assert "<td>4</td><td>1</td><td>1</td><td>1</td><td>7</td>" in item
    assert "通过" in item and cm.items["open"].rule_text in item
    assert f"同意 (4)</dt>\n        <dd>{'、'.join(cm.names(*OPEN_VOTES['agree']))}</dd>" in item
    assert f"<dd>{cm.members['police'].name}</dd>" in item

    secret = _section(html, f"item-{cm.items['secret'].id}")
    assert "<td>2</td><td>4</td><td>1</td><td>0</td><td>7</td>" in secret
    assert "未通过" in secret and "无记名投票" in secret
    for _seat, name, _unit in NAMES.values():
        assert name not in secret  # R7.6: a secret ballot names nobody

    hands = _section(html, f"item-{cm.items['hands'].id}")
    assert "<td>5</td><td>0</td><td>1</td><td>0</td><td>6</td>" in hands and "举手表决" in hands
    assert "未付表决" in _section(html, f"item-{cm.items['pending'].id}")

    resolutions = _section(html, "resolutions")
    assert "<td>安居物业公司</td><td>2026-12-31</td>" in resolutions
    assert "<td>张伟</td><td>2027-01-15</td><td>进行中</td>" in resolutions
    log = _section(html, "ballot-log")
    assert chain.digest(client.app_session if False else _session(cm), cm.meeting.id) in log


def _session(cm):
    from sqlmodel import Session

    from meetingroom.db import get_engine

    return Session(get_engine())


def test_docx_opens_with_the_right_names_and_numbers(client, cm, session):
    r = client.get(f"/meetings/{cm.meeting.id}/minutes.docx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert "attachment" in r.headers["content-disposition"]
    doc = Document(io.BytesIO(r.content))

    # Chinese text gets a Chinese font in Word: w:eastAsia on the Normal style.
    rfonts = doc.styles["Normal"].element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == "宋体"
    assert rfonts.get(qn("w:eastAsiaTheme")) is None

    texts = [p.text for p in doc.paragraphs]
    assert "十二月大党委联席会议" in texts
    assert any("幸福社区" in t and "联席会议纪要" in t for t in texts)

    attendance = doc.tables[0]
    rows = [[c.text for c in row.cells] for row in attendance.rows]
    assert rows[0] == ["姓名", "职务", "成员单位", "出席情况"]
    by_name = {row[0]: row for row in rows[1:]}
    assert len(by_name) == 9
    assert by_name["王建国"][1:] == ["书记", "", "出席"]
    assert by_name["张伟"][1:] == ["兼职委员", "幸福路小学党支部", "出席"]
    for key in ABSENT:
        assert by_name[cm.members[key].name][3] == "缺席"
    assert by_name[cm.members[LEFT_EARLY].name][3].startswith("出席，")
    observers = [[c.text for c in row.cells] for row in doc.tables[1].rows]
    assert observers[1:] == [list(o) for o in OBSERVERS]

    tallies = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables[2:5]]
    assert tallies[0] == [["同意", "反对", "弃权", "未投票", "到会"], ["4", "1", "1", "1", "7"]]
    assert tallies[1][1] == [str(SECRET["agree"]), str(SECRET["oppose"]),
                             str(SECRET["abstain"]), "0", "7"]
    assert tallies[2][1] == [str(HANDS["agree"]), "0", str(HANDS["abstain"]), "0", "6"]
    assert f"同意 (4): {'、'.join(cm.names(*OPEN_VOTES['agree']))}" in texts
    assert f"反对 (1): {cm.members['police'].name}" in texts

    # Between the secret item's heading and the next item: counts, no names.
    start = next(i for i, t in enumerate(texts) if "调整小区停车收费标准" in t)
    end = next(i for i, t in enumerate(texts) if "垃圾分类亭选址" in t and i > start)
    secret_part = "\n".join(texts[start:end])
    assert "无记名投票" in secret_part and "未通过" in secret_part
    for _seat, name, _unit in NAMES.values():
        assert name not in secret_part

    resolutions = [[c.text for c in row.cells] for row in doc.tables[5].rows]
    assert resolutions[1:] == [["为3号楼加装电梯", "安居物业公司", "2026-12-31", "未开始"],
                               ["垃圾分类亭选址", "张伟", "2027-01-15", "进行中"]]
    digest = chain.digest(session, cm.meeting.id)
    assert any(digest in t for t in texts)
    assert f"记录条数：{chain.count(session, cm.meeting.id)}" in texts


def test_json_minutes_match_the_record(client, cm, session):
    r = client.get(f"/api/v1/meetings/{cm.meeting.id}/minutes")
    assert r.status_code == 200
    m = r.json()
    assert m["kind"] == "joint" and m["community"] == "幸福社区"
    assert m["starts_at"].endswith("+08:00")
    assert m["seated_count"] == 9 and len(m["seated"]) == 9
    assert [p["name"] for p in m["present"]] == cm.names(*cm.present_keys)
    assert [p["name"] for p in m["absent"]] == cm.names(*ABSENT)
    assert m["observers"] == [{"name": n, "role": r} for n, r in OBSERVERS]
    assert m["quorum"] == {"seated": 9, "present": 7, "required": 6, "met": True,
                           "rule": "R7.1", "sentence": rules.quorum_sentence(9, 7, "zh_CN")}
    items = {i["id"]: i for i in m["items"]}
    opened = items[cm.items["open"].id]
    assert opened["tally"] == {"agree": 4, "oppose": 1, "abstain": 1, "eligible": 7,
                               "not_voted": 1}
    assert {c: [v["name"] for v in opened["votes"][c]] for c in OPEN_VOTES} == {
        c: cm.names(*keys) for c, keys in OPEN_VOTES.items()}
    secret = items[cm.items["secret"].id]
    assert secret["votes"] is None and secret["method"] == "secret"
    assert secret["outcome"] == "rejected"
    # No rule text was stored on this item: the minutes state the community's R7.4 rule.
    assert secret["rule"] == rules.rule_sentence(
        rules.MeetingKind.JOINT, rules.AdoptionRule.INCLUSIVE_HALF, rules.AdoptionBase.PRESENT,
        9, 7, "zh_CN")
    assert items[cm.items["hands"].id]["votes"] is None
    pending = items[cm.items["pending"].id]
    assert pending["tally"] is None and pending["outcome"] == "pending"
    assert [i["number"] for i in m["items"]] == [1, 2, 3, 4]
    assert [(x["responsible"], x["deadline"]) for x in m["resolutions"]] == [
        ("安居物业公司", "2026-12-31"), ("张伟", "2027-01-15")]
    assert m["ballot_log"]["digest"] == chain.digest(session, cm.meeting.id)
    assert m["ballot_log"]["entries"] == chain.count(session, cm.meeting.id) == 20
    # Messages follow Accept-Language for API clients.
    en = client.get(f"/api/v1/meetings/{cm.meeting.id}/minutes",
                    headers={"Accept-Language": "en"}).json()
    assert en["kind_rule"].startswith("R6.2: a joint meeting")
    assert en["quorum"]["sentence"] == rules.quorum_sentence(9, 7, "en")


@pytest.mark.parametrize("status", ["open", "scheduled"])
def test_no_minutes_before_the_meeting_closes(client, session, factory, status):
    cm = build_closed_meeting(session, factory, status=status)
    mid = cm.meeting.id
    r = client.get(f"/api/v1/meetings/{mid}/minutes", headers=auth(cm.secretary))
    assert r.status_code == 409
    assert "closed" in client.get(f"/api/v1/meetings/{mid}/minutes",
                                  headers={"Accept-Language": "en"}).json()["detail"]
    assert client.get(f"/api/v1/meetings/{mid}/ballot-log").status_code == 409
    page = client.get(f"/meetings/{mid}/minutes")
    assert page.status_code == 409 and "会议结束后" in page.text
    assert client.get(f"/meetings/{mid}/minutes.docx").status_code == 409


def test_unknown_or_foreign_meeting_is_not_found(client, session, cm):
    other = Community(name="和平社区", slug="heping")
    session.add(other)
    session.flush()
    foreign = Meeting(community_id=other.id, kind="work", title="别处", status="closed",
                      starts_at=datetime.now(UTC))
    session.add(foreign)
    session.commit()
    for mid in (foreign.id, 999999):
        assert client.get(f"/api/v1/meetings/{mid}/minutes").status_code == 404
        assert client.get(f"/meetings/{mid}/minutes").status_code == 404
        assert client.get(f"/meetings/{mid}/minutes.docx").status_code == 404
        assert client.get(f"/api/v1/meetings/{mid}/ballot-log").status_code == 404


def test_minutes_name_exactly_the_members_seated_at_opening(client, session, factory, meet,
                                                           make_proposal):
    """The names are frozen when the meeting opens (meeting.seated_member_ids): a member unseated
    afterwards stays, one seated afterwards is not there, even when no audit record says so."""
    committee, secretary = meet.members, meet.secretary
    resident = factory.user("后来的委员")  # a resident, seated after the opening without an
    meet.schedule([make_proposal()])     # audited change (as SQL or a loader would do it)
    meet.check_in(*committee[:7])
    meet.open()
    resident.seat = "part_time"
    session.add(resident)
    session.commit()
    r = client.patch(f"/api/v1/users/{committee[2].id}", headers=auth(secretary),
                     json={"seat": None})
    assert r.status_code == 200
    meet.close()
    meeting = session.get(Meeting, meet.id)
    session.refresh(meeting)
    assert sorted(meeting.seated_member_ids) == sorted(u.id for u in committee)

    m = client.get(f"/api/v1/meetings/{meet.id}/minutes").json()
    assert sorted(p["id"] for p in m["seated"]) == sorted(u.id for u in committee)
    assert m["seated_note"] == "" and m["quorum"]["seated"] == 9
    assert {p["id"] for p in m["present"]} == {u.id for u in committee[:7]}
    assert {p["id"] for p in m["absent"]} == {u.id for u in committee[7:]}
    page = client.get(f"/meetings/{meet.id}/minutes").text
    assert "后来的委员" not in page and committee[2].name in page


def test_seated_members_are_those_of_the_day_the_meeting_opened(client, session, factory):
    """A meeting opened before seated_member_ids existed (NULL): the names come from the
    roster's audited history, not from today's roster."""
    secretary = factory.user("秘书", secretary=True)

    def add(name, phone):
        r = client.post("/api/v1/users", headers=auth(secretary), json={
            "name": name, "phone": phone, "password": "correct-horse-9", "seat": "part_time"})
        assert r.status_code == 201
        return r.json()["id"]

    leaver, mover = add("甲委员", "13700000001"), add("乙委员", "13700000002")
    cm = build_closed_meeting(session, factory)
    cm.meeting.seated_at_open = 11
    session.add(cm.meeting)
    session.commit()
    # After the meeting: one leaves the committee, one becomes full-time, one joins; a member
    # loaded without any audit record (as the demo loads them) is unseated too.
    for uid, seat in ((leaver, None), (mover, "full_time"), (cm.members["shop"].id, None)):
        r = client.patch(f"/api/v1/users/{uid}", headers=auth(secretary), json={"seat": seat})
        assert r.status_code == 200
    newcomer = add("丙委员", "13700000003")

    m = client.get(f"/api/v1/meetings/{cm.meeting.id}/minutes").json()
    seated = {p["id"]: p["seat"] for p in m["seated"]}
    assert newcomer not in seated
    assert seated[leaver] == "part_time" and seated[mover] == "part_time"
    assert cm.members["shop"].id in seated  # seated that day, the seat itself not on record
    assert len(seated) == 11 and m["seated_note"] == ""
    # Seat order, then roster order; a seat not on record sorts last.
    assert [p["name"] for p in m["absent"]] == ["甲委员", "乙委员", *cm.names("power", "shop")]

    # Seated after the meeting opened and checked in anyway: attended, not counted in S.
    session.add(Attendance(meeting_id=cm.meeting.id, user_id=newcomer))
    session.commit()
    m = client.get(f"/api/v1/meetings/{cm.meeting.id}/minutes").json()
    assert [p["name"] for p in m["present"]][-1] == "丙委员"
    assert newcomer not in {p["id"] for p in m["seated"]}

    # When the history cannot name everyone counted in S, the minutes say so.
    cm.meeting.seated_at_open = 12
    session.add(cm.meeting)
    session.commit()
    note = client.get(f"/api/v1/meetings/{cm.meeting.id}/minutes").json()["seated_note"]
    assert "12" in note and "11" in note
