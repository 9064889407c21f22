"""The member's ballot on real phone screens (issue 9 §2), checked by geometry, not only text:
at 360×780 and 390×844, in normal and in large type,
- when a vote opens live, the three choices are on screen without scrolling, and the page
  brings the ballot into view and focuses it wherever the member had scrolled;
- the confirmation panel puts "confirm" where no other choice was, so a second tap meant for
  another choice can never cast the first;
- after the vote closes, the outcome and the counts are on screen in large type;
- after a secret ballot the phone says only "voted": not in the page, not in its title, and not
  on the member's other screens.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from playwright.sync_api import expect
from sqlmodel import Session, create_engine, select

from meetingroom.models import Proposal, User
from tests.browser.conftest import (
    DEMO,
    DEMO_PASSWORD,
    box_of,
    login,
    no_horizontal_scroll,
    overlap,
    screenshot,
)

SIZES = [({"width": 360, "height": 780}, False), ({"width": 360, "height": 780}, True),
         ({"width": 390, "height": 844}, False), ({"width": 390, "height": 844}, True)]
CHOICES = ("agree", "oppose", "abstain")
WORDS = {"agree": "同意", "oppose": "反对", "abstain": "弃权"}
VOTER = DEMO["member"]
# Eight long agenda titles: the page is long enough that a member can scroll away from the top.
TITLES = [f"第{n}项：关于社区{n}号楼楼道照明、加装电梯与垃圾分类投放点调整的议题"
          for n in range(1, 9)]


class Meeting:
    """A work meeting set up through the JSON API like the secretary would (one login)."""

    def __init__(self, server, starts_at: datetime | None = None, open: bool = True) -> None:
        self.url = server.url
        self.api = httpx.Client(base_url=f"{server.url}/api/v1", timeout=20)
        r = self.api.post("/auth/token", json={"phone": DEMO["secretary"],
                                               "password": DEMO_PASSWORD})
        r.raise_for_status()
        self.sec = {"Authorization": f"Bearer {r.json()['access_token']}"}
        engine = create_engine(f"sqlite:///{server.env['MEETINGROOM_DATA_DIR']}/meetingroom.db")
        with Session(engine) as s:
            chair = s.exec(select(User).where(User.phone == DEMO["chair"])).one()
            proposals = [Proposal(community_id=chair.community_id, sponsor_id=chair.id,
                                  title=title, body="居民多次建议。", principle="practical")
                         for title in TITLES]
            s.add_all(proposals)
            s.commit()
            proposal_ids = [p.id for p in proposals]
            members = s.exec(select(User.id).where(User.seat.is_not(None))
                             .order_by(User.phone)).all()
            self.voter_id = s.exec(select(User.id).where(User.phone == VOTER)).one()
        engine.dispose()
        r = self.api.post("/meetings", headers=self.sec, json={
            "kind": "work", "title": "十二月工作会议",
            "starts_at": (starts_at or datetime.now(UTC)).isoformat(),
            "proposal_ids": proposal_ids})
        r.raise_for_status()
        self.id = r.json()["id"]
        self.items = [a["id"] for a in r.json()["agenda"]]
        present = [m for m in members if m != self.voter_id][:6] + [self.voter_id]
        for uid in present:
            self.api.post(f"/meetings/{self.id}/attendance", headers=self.sec,
                          json={"user_id": uid}).raise_for_status()
        if open:
            self.api.post(f"/meetings/{self.id}/open", headers=self.sec).raise_for_status()

    def open_vote(self, n: int, secret: bool = False) -> None:
        self.api.post(f"/items/{self.items[n]}/vote/open", headers=self.sec,
                      json={"secret": secret}).raise_for_status()

    def close_vote(self, n: int) -> None:
        self.api.post(f"/items/{self.items[n]}/vote/close", headers=self.sec).raise_for_status()


def _phones(browser, server, meeting: Meeting) -> list:
    """The voter's phone at every size, logged in once (one session shared by the pages)."""
    first = browser.new_context(viewport=SIZES[0][0], device_scale_factor=1)
    page = first.new_page()
    login(page, server.url, VOTER)
    state = first.storage_state()
    first.close()
    pages = []
    for viewport, large in SIZES:
        ctx = browser.new_context(viewport=viewport, device_scale_factor=1, storage_state=state)
        ctx.set_default_timeout(10_000)
        if large:
            ctx.add_cookies([{"name": "mr_large", "value": "1", "url": server.url}])
        page = ctx.new_page()
        page.goto(f"{server.url}/meetings/{meeting.id}/vote")
        pages.append(page)
    return pages


def _name(page) -> str:
    size = page.viewport_size
    large = page.evaluate("document.documentElement.classList.contains('large')")
    return f"{size['width']}x{size['height']}{'-large' if large else ''}"


def _on_screen(page, box: dict) -> bool:
    """Wholly inside the viewport, no scrolling needed."""
    size = page.viewport_size
    return (box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 0.5
            and box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 0.5)


def _font_px(locator) -> float:
    return locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


def _shown_choices(page) -> list[str]:
    """Choice words the page shows, in its text and its title (the rule "通过需同意 ≥ N 票"
    names no choice)."""
    text = page.locator("body").inner_text() + page.title()
    text = re.sub(r"通过需同意 ≥ \d+ 票", "", text)
    return [w for w in WORDS.values() if w in text]


def _choices_on_screen(page) -> None:
    name = _name(page)
    for choice in CHOICES:
        box = box_of(page.locator(f"#v-ballot button.vote.{choice}"))
        assert _on_screen(page, box), (name, choice, box)
        assert box["height"] >= 64, (name, choice, box)
    assert no_horizontal_scroll(page), name


def test_the_ballot_fits_every_phone_and_confirm_is_never_where_another_choice_was(
        live_server, browser):
    meeting = Meeting(live_server)
    meeting.open_vote(0)
    phones = _phones(browser, live_server, meeting)
    for page in phones:
        expect(page.locator("#v-ballot button.vote")).to_have_count(3)
        _choices_on_screen(page)
        # A compact header, not the site menu, sits above the ballot.
        assert page.locator("nav.nav").count() == 0
        assert box_of(page.locator("#v-ballot"))["y"] <= page.viewport_size["height"] * 0.3
        screenshot(page, f"ballot-{_name(page)}-1-open")

    for page in phones:
        name = _name(page)
        slots = {c: box_of(page.locator(f"#v-ballot button.vote.{c}")) for c in CHOICES}
        for choice in CHOICES:
            page.click(f"#v-ballot button.vote.{choice}")
            confirm = page.locator("#v-ballot button.confirm")
            expect(confirm).to_be_visible()
            box = box_of(confirm)
            assert _on_screen(page, box), (name, choice, box)
            for other in CHOICES:
                if other != choice:
                    assert not overlap(box, slots[other]), (name, choice, other, box)
            assert page.locator("#v-ballot button.vote:not(.confirm)").count() == 0
            expect(page.locator("#v-ballot .v-chosen-word")).to_have_text(WORDS[choice])
            assert _font_px(page.locator("#v-ballot .v-chosen-word")) >= 40, name
            back = page.locator("#v-ballot .v-back")
            assert _on_screen(page, box_of(back)), name
            if choice == "oppose":
                screenshot(page, f"ballot-{name}-2-confirm")
            back.click()
            expect(page.locator("#v-ballot button.vote")).to_have_count(3)
            assert box_of(page.locator(f"#v-ballot button.vote.{choice}")) == slots[choice]
        assert meeting.api.get(f"/items/{meeting.items[0]}/tally").json()["cast"] == 0

    # One phone casts; the vote closes; every phone shows the outcome and counts, large.
    voter = phones[-1]
    voter.click("#v-ballot button.vote.agree")
    voter.click("#v-ballot button.confirm")
    expect(voter.locator("#v-ballot .v-voted")).to_contain_text("同意")
    meeting.close_vote(0)
    for page in phones:
        name = _name(page)
        outcome = page.locator("#v-item .v-outcome")
        expect(outcome).to_have_text("未通过")
        assert _on_screen(page, box_of(outcome)), name
        assert _font_px(outcome) >= 40, name
        nums = page.locator("#v-item .v-count .num")
        expect(nums).to_have_text(["1", "0", "0"])
        for i in range(3):
            assert _on_screen(page, box_of(nums.nth(i))), (name, i)
            assert _font_px(nums.nth(i)) >= 32, name
        screenshot(page, f"ballot-{name}-3-closed")

    # The member reads the agenda further down; the next vote opens: the page brings the
    # ballot into view and focuses it by itself.
    for page in phones:
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        assert page.evaluate("window.scrollY") > 100, _name(page)
    meeting.open_vote(1)
    for page in phones:
        expect(page.locator("#v-ballot button.vote")).to_have_count(3)
        page.wait_for_function("document.activeElement && document.activeElement.id === "
                               "'v-ballot'")
        _choices_on_screen(page)
        expect(page.locator("#v-ballot .v-title")).to_have_text(TITLES[1])


def test_after_a_secret_ballot_the_phone_says_only_voted(live_server, browser):
    meeting = Meeting(live_server)
    phones = _phones(browser, live_server, meeting)
    meeting.open_vote(0, secret=True)
    for page in phones:
        expect(page.locator("#v-ballot button.vote")).to_have_count(3)
    phone = phones[1]  # 360×780, large type
    phone.click("#v-ballot button.vote.oppose")
    phone.click("#v-ballot button.confirm")
    expect(phone.locator("#v-ballot .v-voted")).to_have_text("✔ 已投票")
    assert _shown_choices(phone) == [], phone.locator("body").inner_text()
    screenshot(phone, "ballot-secret-voted")
    # His other screens (same session) learn that he voted, and nothing more.
    for page in phones[2:]:
        expect(page.locator("#v-ballot .v-voted")).to_have_text("✔ 已投票")
        assert _shown_choices(page) == []
    # Reloading keeps it so: nothing stores the choice with his name.
    phone.reload()
    expect(phone.locator("#v-ballot .v-voted")).to_have_text("✔ 已投票")
    assert _shown_choices(phone) == []
