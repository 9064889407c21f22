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
    NAMES,
    OBSERVERS,
    OPEN_VOTES,
    build_closed_meeting,
)


@pytest.fixture
def cm(session, factory):
    return build_closed_meeting(session, factory)


def _section(html: str, anchor: str) -> str:
    """The HTML of one <section id=…> (or the <dl>/<footer> with that id) of the minutes."""
    at = html.index(f'id="{anchor}"')
    tag = html[html.rindex("<", 0, at) + 1:at].split()[0]
    start = html.index(">", at) + 1
    return html[start:html.index(f"</{tag}>", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def _note(client, cm, session):
    """The secretary records an absence reason, an observer's remarks and an item's reason
    through the notes page (R6.2: observers speak fully)."""
    from sqlmodel import select

    from meetingroom.models import Observer
    from tests.conftest import csrf_of, login

    login(client, cm.secretary)
    observer = session.exec(select(Observer).where(Observer.meeting_id == cm.meeting.id)
                            .order_by(Observer.id)).first()
    data = {"csrf_token": csrf_of(client, f"/meetings/{cm.meeting.id}/notes"),
            f"absent-{cm.members['shop'].id}": "外出培训",
            f"observer-{observer.id}": "建议加装电梯时注意施工安全，夜间不要施工。",
            f"item-{cm.items['secret'].id}": "收费标准需先征求业主委员会意见，下次会议再议。"}
    r = client.post(f"/meetings/{cm.meeting.id}/notes", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    client.cookies.clear()


def test_page_reads_like_minutes_a_community_files(client, cm, session):
    _note(client, cm, session)
    r = client.get(f"/meetings/{cm.meeting.id}/minutes")  # anyone: the public record
    assert r.status_code == 200
    html = r.text
    assert "<h1>幸福社区“大党委”联席会议纪要</h1>" in html and cm.meeting.title in html
    head = _text(_section(html, "attendance"))
    assert "地点：社区党群服务中心二楼" in head
    assert f"主持人：{cm.members['chair'].name}" in head
    assert f"记录人：{cm.secretary.name}" in head
    assert "应到：9 人：" + "、".join(cm.names(*NAMES)) in head
    assert "实到：7 人：" + "、".join(cm.names(*cm.present_keys)) in head
    shop, power = cm.names(*ABSENT)
    assert f"缺席：{shop}（外出培训）、{power}" in head
    assert "列席人员：" + "、".join(f"{n}（{r}）" for n, r in OBSERVERS) in head

    items = html[html.index('id="items"'):html.index('id="ballot-log"')]
    assert "<h2>会议议定事项</h2>" in items
    numbers = re.findall(r'<strong class="num">([^<]+)</strong>', items)
    assert numbers == ["一、", "二、", "三、", "四、"]
    first = _text(_section(html, f"item-{cm.items['open'].id}"))
    assert first.startswith("一、为3号楼加装电梯（实事共办）。会议以记名投票方式表决："
                            "同意 4 票，反对 1 票，弃权 1 票，未投票 1 人（到会委员 7 人）。"
                            "表决规则：到会委员半数以上同意方可形成决议：需同意不少于 4 票。")
    assert "R7." not in first and "2A" not in first  # the rule in words
    assert "会议通过。由安居物业公司负责落实，2026年12月31日前完成。" in first
    assert "记名表决情况：同意：" + "、".join(cm.names(*OPEN_VOTES["agree"])) in first
    secret = _text(_section(html, f"item-{cm.items['secret'].id}"))
    assert "无记名投票" in secret and "会议未通过。说明：收费标准需先征求业主委员会意见" in secret
    for _seat, name, _unit in NAMES.values():
        assert name not in secret  # R7.6: a secret ballot names nobody
    hands = _text(_section(html, f"item-{cm.items['hands'].id}"))
    assert "举手表决" in hands and "同意 5 票，反对 0 票，弃权 1 票" in hands
    assert "本次会议未付表决" in _text(_section(html, f"item-{cm.items['pending'].id}"))

    remarks = _text(_section(html, "remarks"))
    assert f"{OBSERVERS[0][0]}（{OBSERVERS[0][1]}）：建议加装电梯时注意施工安全" in remarks
    assert "主持人（签字）" in html and "记录人（签字）" in html
    foot = _text(_section(html, "ballot-log"))
    assert chain.digest(_session(cm), cm.meeting.id) in foot and "投票记录摘要" in foot
    # The digest is the last thing in the document: after the signatures.
    assert html.index("记录人（签字）") < html.index('id="ballot-log"')


def _session(cm):
    from sqlmodel import Session

    from meetingroom.db import get_engine

    return Session(get_engine())


def _east_asia(run_or_style) -> str | None:
    rpr = run_or_style.element.rPr if hasattr(run_or_style, "element") else None
    if rpr is None or rpr.rFonts is None:
        return None
    return rpr.rFonts.get(qn("w:eastAsia"))


def test_docx_is_an_a4_official_document(client, cm, session):
    _note(client, cm, session)
    r = client.get(f"/meetings/{cm.meeting.id}/minutes.docx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    doc = Document(io.BytesIO(r.content))

    # A4, the official margins (GB/T 9704: 37/35/28/26 mm), 仿宋 三号 body, 黑体 二号 title.
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert [round(getattr(section, f"{s}_margin").cm, 1)
            for s in ("top", "bottom", "left", "right")] == [3.7, 3.5, 2.8, 2.6]
    normal = doc.styles["Normal"]
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    assert normal.element.rPr.rFonts.get(qn("w:eastAsiaTheme")) is None
    assert normal.font.size.pt == 16
    title = doc.paragraphs[0]
    assert title.text == "幸福社区“大党委”联席会议纪要"
    assert title.runs[0].font.size.pt == 22
    assert title.runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert title.alignment == 1  # centred

    texts = [p.text for p in doc.paragraphs]
    assert doc.tables == []  # prose, not a data sheet
    assert texts[1] == "十二月大党委联席会议"
    labels = [t.split("：", 1)[0] for t in texts[2:10]]
    assert labels == ["时间", "地点", "主持人", "记录人", "应到", "实到", "缺席", "列席人员"]
    shop = cm.members["shop"].name
    assert f"缺席：{shop}（外出培训）" in texts[8]

    heading = texts.index("会议议定事项")
    assert doc.paragraphs[heading].style.name == "Heading 1"
    points = [t for t in texts[heading:] if re.match(r"^[一二三四五六七八九十]+、", t)]
    assert [p.split("、", 1)[0] for p in points] == ["一", "二", "三", "四"]
    assert points[0].startswith("一、为3号楼加装电梯（实事共办）。会议以记名投票方式表决")
    first = doc.paragraphs[texts.index(points[0])]
    assert first.runs[0].text == "一、"
    assert first.runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert first.paragraph_format.first_line_indent.pt == 32  # two characters
    assert "会议通过。由安居物业公司负责落实，2026年12月31日前完成。" in texts
    secret_part = "\n".join(texts[texts.index(points[1]):texts.index(points[2])])
    assert "无记名投票" in secret_part and "会议未通过。说明：" in secret_part
    for _seat, name, _unit in NAMES.values():
        assert name not in secret_part

    assert "列席人员发言" in texts
    assert any(t.startswith(f"{OBSERVERS[0][0]}（{OBSERVERS[0][1]}）：建议加装电梯") for t in texts)
    assert texts[-1].startswith("主持人（签字）") and "记录人（签字）" in texts[-1]
    # The digest rides in the page footer: never alone on an almost empty last page.
    footer = section.footer.paragraphs[0].text
    assert chain.digest(session, cm.meeting.id) in footer
    assert f"共 {chain.count(session, cm.meeting.id)} 条" in footer
    assert not any(chain.digest(session, cm.meeting.id) in t for t in texts)


def test_chinese_numbers_for_the_points():
    from meetingroom.meetings.minutes import chinese_number

    assert [chinese_number(n) for n in (1, 2, 9, 10, 11, 19, 20, 21, 99)] == [
        "一", "二", "九", "十", "十一", "十九", "二十", "二十一", "九十九"]


def test_only_the_secretary_records_notes_and_only_for_this_meeting(client, cm, session):
    from tests.conftest import csrf_of, login

    url = f"/meetings/{cm.meeting.id}/notes"
    assert client.get(url, follow_redirects=False).status_code == 303  # to the login page
    login(client, cm.members["chair"])
    assert client.get(url).status_code == 403
    client.cookies.clear()
    login(client, cm.secretary)
    token = csrf_of(client, url)
    r = client.post(url, data={"csrf_token": token, "item-999999": "x"})
    assert r.status_code == 422 and "只能记录本次会议" in r.text
    r = client.post(url, data={"csrf_token": token,
                               f"item-{cm.items['open'].id}": "长" * 501})
    assert r.status_code == 422 and "500" in r.text
    session.expire_all()
    assert session.get(type(cm.items["open"]), cm.items["open"].id).note == ""


def test_json_minutes_match_the_record(client, cm, session):
    r = client.get(f"/api/v1/meetings/{cm.meeting.id}/minutes")
    assert r.status_code == 200
    m = r.json()
    assert m["kind"] == "joint" and m["community"] == "幸福社区"
    assert m["starts_at"].endswith("+08:00")
    assert m["seated_count"] == 9 and len(m["seated"]) == 9
    assert [p["name"] for p in m["present"]] == cm.names(*cm.present_keys)
    assert [p["name"] for p in m["absent"]] == cm.names(*ABSENT)
    assert [(o["name"], o["role"]) for o in m["observers"]] == list(OBSERVERS)
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
