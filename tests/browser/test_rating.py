"""Step 4 at phone size: a resident and a party member (separate browsers) rate a done
resolution and see the results split by group; the matter page and the dashboard render."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from PIL import Image
from sqlmodel import Session, select

from meetingroom.models import (
    AgendaItem,
    Attendance,
    Meeting,
    Proposal,
    Rating,
    Resolution,
    Suggestion,
    Support,
    User,
)
from tests.browser.conftest import (
    DEMO,
    DEMO_PASSWORD,
    PHONE,
    SMALL_PHONE,
    login,
    no_horizontal_scroll,
    screenshot,
)

LAPTOP = {"width": 1280, "height": 800}


def photo(color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(out, "JPEG")
    return out.getvalue()


def make_matter(live_server) -> tuple[int, int]:
    """Suggestion → proposal → adopted item → resolution, written straight into the server's
    SQLite file (the meeting service that creates resolutions lives on another branch)."""
    db = Path(live_server.env["MEETINGROOM_DATA_DIR"]) / "meetingroom.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    now = datetime.now(UTC)
    with Session(engine) as s:
        users = {u.phone: u for u in s.exec(select(User)).all()}
        cid = users[DEMO["chair"]].community_id
        members = [u for u in users.values() if u.seat]
        proposal = Proposal(community_id=cid, sponsor_id=users[DEMO["member"]].id,
                            title="幸福苑3号楼加装电梯", body="3号楼老人多,上下楼困难。",
                            principle="practical", status="adopted",
                            created_at=now - timedelta(days=30))
        s.add(proposal)
        s.flush()
        suggestion = Suggestion(community_id=cid, author_id=users["13800000015"].id,
                                title="3号楼能不能装电梯", body="我家老人82岁,上下楼太难。",
                                status="sponsored", proposal_id=proposal.id, supporters=1,
                                show_name=True, created_at=now - timedelta(days=40))
        s.add(suggestion)
        s.flush()
        s.add(Support(suggestion_id=suggestion.id, user_id=users["13800000016"].id))
        meeting = Meeting(community_id=cid, kind="joint", title="十月联席会议",
                          starts_at=now - timedelta(days=25), status="closed",
                          seated_at_open=len(members), opened_at=now - timedelta(days=25),
                          closed_at=now - timedelta(days=25))
        s.add(meeting)
        s.flush()
        for member in members[:9]:
            s.add(Attendance(meeting_id=meeting.id, user_id=member.id))
        item = AgendaItem(community_id=cid, meeting_id=meeting.id, proposal_id=proposal.id,
                          vote_status="closed", agree=8, oppose=0, abstain=1,
                          present_at_open=9, seated_at_open=len(members), outcome="adopted",
                          rule_text="R7.2: 到会委员半数以上同意(需 5 票)")
        s.add(item)
        s.flush()
        resolution = Resolution(community_id=cid, item_id=item.id, proposal_id=proposal.id,
                                title=proposal.title, text="由物业公司牵头,年底前完成加装。",
                                responsible="李秀英(专职委员)",
                                responsible_user_id=users[DEMO["full_time"]].id,
                                deadline=(now + timedelta(days=20)).date())
        s.add(resolution)
        s.commit()
        return resolution.id, proposal.id


def add_work_to_watch(live_server) -> None:
    """Two proposals waiting, two overdue resolutions, one poorly rated: bars to draw."""
    db = Path(live_server.env["MEETINGROOM_DATA_DIR"]) / "meetingroom.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    now = datetime.now(UTC)
    with Session(engine) as s:
        users = {u.phone: u for u in s.exec(select(User)).all()}
        cid = users[DEMO["chair"]].community_id
        for title, days in (("幸福路夜间路灯不亮", 12), ("小区北门增设非机动车棚", 3)):
            s.add(Proposal(community_id=cid, sponsor_id=users[DEMO["member"]].id, title=title,
                           body="…", principle="urgent" if days > 10 else "practical",
                           status="open", created_at=now - timedelta(days=days)))
        meeting = Meeting(community_id=cid, kind="work", title="工作会议",
                          starts_at=now - timedelta(days=60), status="closed")
        s.add(meeting)
        s.flush()
        for title, late, percent in (("整治楼道堆物", 9, 30), ("修缮2号楼雨棚", 3, 70),
                                     ("增设健身器材", -5, 100)):
            proposal = Proposal(community_id=cid, sponsor_id=users[DEMO["chair"]].id,
                                title=title, body="…", principle="practical",
                                status="adopted")
            s.add(proposal)
            s.flush()
            item = AgendaItem(community_id=cid, meeting_id=meeting.id, proposal_id=proposal.id,
                              vote_status="closed", agree=7, outcome="adopted")
            s.add(item)
            s.flush()
            resolution = Resolution(
                community_id=cid, item_id=item.id, proposal_id=proposal.id, title=title,
                responsible="安居物业公司", deadline=(now - timedelta(days=late)).date(),
                status="done" if percent == 100 else "in_progress", percent=percent,
                ratings_opened_at=now - timedelta(days=1) if percent == 100 else None)
            s.add(resolution)
            s.flush()
            if percent == 100:
                for phone, score in (("13800000014", 2), ("13800000015", 1),
                                     ("13800000016", 3)):
                    s.add(Rating(community_id=cid, resolution_id=resolution.id,
                                 user_id=users[phone].id, group="resident", score=score))
        s.commit()


def report_progress(base_url: str, resolution_id: int) -> None:
    """The responsible member reports through the API, photos and all: then it is done."""
    token = httpx.post(f"{base_url}/api/v1/auth/token",
                       json={"phone": DEMO["full_time"], "password": DEMO_PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    for status, percent, note, color in (
            ("in_progress", 40, "电梯井道开挖完成,正在浇筑底坑。", (120, 140, 160)),
            ("done", 100, "电梯通过验收,已投入使用。", (90, 160, 110))):
        res = httpx.post(f"{base_url}/api/v1/resolutions/{resolution_id}/progress",
                         data={"status": status, "percent": str(percent), "note": note},
                         files=[("photos", ("site.jpg", photo(color), "image/jpeg"))],
                         headers=headers)
        assert res.status_code == 201, res.text


def rate(page, base_url, resolution_id, score, comment):
    page.goto(f"{base_url}/resolutions/{resolution_id}")
    choice = page.locator(f".score-choice.s{score}")
    box = choice.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 120  # a thumb-sized target
    if page.viewport_size["width"] < 720:
        assert box["width"] >= 300  # full width on a phone
    choice.click()
    assert page.is_checked(f"input[name=score][value='{score}']")
    page.fill("#f-comment", comment)
    page.click(".rate-form button[type=submit]")
    page.wait_for_selector("#ratings .notice")
    assert "感谢您的评价" in page.locator("#ratings .notice").inner_text()


def group_numbers(page, group):
    card = page.locator(f".rating-group.g-{group}")
    return card.locator(".avg strong").inner_text(), card.locator(".n").inner_text()


def test_a_resident_and_a_party_member_rate_and_see_split_results(live_server, new_page):
    resolution_id, proposal_id = make_matter(live_server)
    report_progress(live_server.url, resolution_id)

    resident = new_page(SMALL_PHONE)
    login(resident, live_server.url, DEMO["resident"])
    resident.goto(f"{live_server.url}/resolutions/{resolution_id}")
    assert resident.locator("h1").inner_text() == "幸福苑3号楼加装电梯"
    assert resident.locator(".timeline > li").count() == 2
    assert resident.locator(".timeline img").count() == 2
    assert resident.locator(".score-choice").count() == 5
    assert no_horizontal_scroll(resident)
    screenshot(resident, "resolution-before-rating-360")
    rate(resident, live_server.url, resolution_id, 4, "电梯很好用,就是施工期间有点吵。")
    assert group_numbers(resident, "resident") == ("4.0", "1 人评议")
    assert group_numbers(resident, "party_member") == ("–", "0 人评议")
    assert "更新我的评价" in resident.locator(".rate-form button").inner_text()
    assert no_horizontal_scroll(resident)

    member = new_page(PHONE)
    login(member, live_server.url, DEMO["party_member"])
    rate(member, live_server.url, resolution_id, 5, "为老人办了件实事!")
    assert "您以党员身份评议" in member.locator(".rate-form").inner_text()
    assert group_numbers(member, "party_member") == ("5.0", "1 人评议")
    assert group_numbers(member, "resident") == ("4.0", "1 人评议")
    comments = member.locator(".comment")
    assert comments.count() == 2
    screenshot(member, "resolution-after-rating-390")

    # The resident, rating again, replaces his rating; the party member's stays apart.
    rate(resident, live_server.url, resolution_id, 2, "后来电梯经常停运。")
    assert group_numbers(resident, "resident") == ("2.0", "1 人评议")
    assert group_numbers(resident, "party_member") == ("5.0", "1 人评议")
    screenshot(resident, "resolution-rated-again-360")

    # A second party member at a laptop: the five choices sit in one row there.
    desk = new_page(LAPTOP)
    login(desk, live_server.url, "13800000013")
    desk.goto(f"{live_server.url}/resolutions/{resolution_id}")
    boxes = [desk.locator(f".score-choice.s{s}").bounding_box() for s in (1, 5)]
    assert boxes[0]["y"] == boxes[1]["y"]
    rate(desk, live_server.url, resolution_id, 3, "")
    assert group_numbers(desk, "party_member") == ("4.0", "2 人评议")
    screenshot(desk, "resolution-rated-laptop")

    # The whole story, phone-sized.
    resident.goto(f"{live_server.url}/matters/{proposal_id}")
    assert resident.locator(".stepper li.reached").count() == 6
    assert "3号楼能不能装电梯" in resident.locator("#step-suggestions").inner_text()
    assert "8" in resident.locator("#step-meeting .tally").inner_text()
    assert no_horizontal_scroll(resident)
    screenshot(resident, "matter-360")


def test_the_responsible_member_reports_from_a_phone_then_the_dashboard(live_server, new_page,
                                                                       tmp_path):
    resolution_id, _ = make_matter(live_server)
    picture = tmp_path / "lift.jpg"
    picture.write_bytes(photo((90, 160, 110)))
    author = new_page(SMALL_PHONE)  # the resident behind it has the demo's notices already
    login(author, live_server.url, "13800000015")
    badge = author.locator("nav .badge")
    unread = int(badge.inner_text()) if badge.count() else 0
    responsible = new_page(SMALL_PHONE)
    login(responsible, live_server.url, DEMO["full_time"])
    responsible.goto(f"{live_server.url}/resolutions/{resolution_id}")
    responsible.click("a:has-text('报告进展')")
    responsible.wait_for_url(f"**/resolutions/{resolution_id}/progress")
    responsible.click("label.chip:has-text('已完成')")
    responsible.fill("#f-percent", "90")
    responsible.fill("#f-note", "电梯通过验收,已投入使用。")
    responsible.set_input_files("#f-photos", str(picture))
    assert no_horizontal_scroll(responsible)
    screenshot(responsible, "progress-form-360")
    responsible.click(".progress-form button[type=submit]")
    responsible.wait_for_url(f"**/resolutions/{resolution_id}#timeline")
    assert "进展已保存" in responsible.locator(".notice").inner_text()
    entry = responsible.locator(".timeline > li").first
    assert "已完成" in entry.inner_text() and "100%" in entry.inner_text()
    assert entry.locator("img").count() == 1
    # The resident who made the suggestion was told.
    author.reload()
    assert author.locator("nav .badge").inner_text() == str(unread + 1)
    author.goto(f"{live_server.url}/notifications")
    assert "已完成，欢迎您评议落实情况" in author.locator(".notices").inner_text()

    page = new_page(SMALL_PHONE)
    login(page, live_server.url, DEMO["member"])
    page.goto(f"{live_server.url}/resolutions/{resolution_id}")
    assert page.locator(".score-choice").count() == 0
    assert "R4.1" in page.locator("#rate").inner_text()
    add_work_to_watch(live_server)
    page.goto(f"{live_server.url}/dashboard")
    assert page.locator(".month-strip li").count() == 12
    assert page.locator("#overdue .dash-row").count() == 2
    assert page.locator("#waiting .dash-row").count() == 2
    assert "增设健身器材" in page.locator("#lowest").inner_text()
    # The most overdue resolution draws the longest bar.
    widths = page.eval_on_selector_all("#overdue .bar-fill",
                                       "els => els.map(e => e.getBoundingClientRect().width)")
    assert widths[0] > widths[1] > 0
    assert no_horizontal_scroll(page)
    screenshot(page, "dashboard-360")
    page.goto(f"{live_server.url}/resolutions")
    assert page.locator(".res-card").count() == 4 + 2  # and the demo's two, not overdue
    assert page.locator(".res-card.is-overdue").count() == 2
    assert no_horizontal_scroll(page)
    screenshot(page, "resolutions-360")

    # The secretary at a laptop: the same dashboard, wider, and the follow-up page's tools.
    laptop = new_page(LAPTOP)
    login(laptop, live_server.url, DEMO["secretary"])
    laptop.goto(f"{live_server.url}/dashboard")
    assert laptop.locator(".month-strip li").count() == 12
    screenshot(laptop, "dashboard-laptop")
    laptop.goto(f"{live_server.url}/resolutions/{resolution_id}")
    assert laptop.locator("form[action$='/ratings/close']").count() == 1
    screenshot(laptop, "resolution-secretary-laptop")
