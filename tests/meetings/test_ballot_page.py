"""The member's ballot page (issue 9 §2) through HTTP: the two-step flow as plain forms, a
secret ballot that never shows its choice again (page, title, htmx reply, live fragments), the
outcome after the vote closes, and the compact header instead of the site menu.
Geometry (what fits on a phone's screen) is checked in tests/browser/test_ballot_geometry.py."""

from __future__ import annotations

import re

from tests.conftest import login, ticket
from tests.meetings.test_live import recv

HX = {"HX-Request": "true"}
CHOICE_WORDS = ("同意", "反对", "弃权")


def _open(meet, make_proposal, committee, secret=False):
    meet.schedule([make_proposal("Lift"), make_proposal("Bins")])
    meet.check_in(*committee[:6])
    meet.open()
    meet.open_vote(0, secret=secret)
    return f"/meetings/{meet.id}/items/{meet.items[0]}/ballot"


def _box(html: str) -> str:
    start = html.index('<section id="v-ballot"')
    return html[start:html.index("</section>", start)]


def _named_choices(html: str) -> list[str]:
    """The choice words a page shows, leaving out the rule "通过需同意 ≥ N 票" (no choice)."""
    text = re.sub(r"通过需同意 ≥ \d+ 票", "", html)
    return [word for word in CHOICE_WORDS if word in text]


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_the_vote_page_has_a_compact_header_not_the_site_menu(client, meet, make_proposal,
                                                             committee):
    _open(meet, make_proposal, committee)
    login(client, committee[0])
    page = client.get(f"/meetings/{meet.id}/vote").text
    header = page[page.index('<header class="top mtop">'):page.index("</header>")]
    assert 'class="nav"' not in page and 'href="/suggestions"' not in page
    assert "Monthly meeting" in header and "到会" in header and "6 / 9" in header
    assert 'action="/large-type"' in header  # large type stays one tap away
    # The ballot comes straight after the header, before the tally and the agenda.
    assert page.index('id="v-ballot"') < page.index('id="v-item"') < page.index('id="v-agenda"')


def test_without_javascript_the_confirmation_is_a_second_form(client, meet, make_proposal,
                                                              committee):
    url = _open(meet, make_proposal, committee)
    csrf = login(client, committee[0])
    first = client.post(url, data={"csrf_token": csrf, "choice": "abstain"},
                        follow_redirects=False)
    box = _box(first.text)
    assert first.status_code == 200 and meet.tally()["cast"] == 0
    assert 'class="vote agree"' not in box and 'class="vote oppose"' not in box  # no choices left
    assert '<input type="hidden" name="choice" value="abstain">' in box
    assert f'<input type="hidden" name="csrf_token" value="{csrf}">' in box
    assert f'href="/meetings/{meet.id}/vote"' in box  # choose again: back to the three choices
    # The second step without its token is refused like any form.
    r = client.post(url, data={"choice": "abstain", "confirm": "1"}, follow_redirects=False)
    assert r.status_code == 403 and meet.tally()["cast"] == 0
    r = client.post(url, data={"csrf_token": csrf, "choice": "abstain", "confirm": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and meet.tally()["abstain"] == 1


def test_a_secret_ballot_shows_only_voted_on_the_page_and_in_its_title(client, meet,
                                                                        make_proposal, committee):
    url = _open(meet, make_proposal, committee, secret=True)
    csrf = login(client, committee[0])
    r = client.post(url, data={"csrf_token": csrf, "choice": "oppose", "confirm": "1"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text  # with the one-time notice of the cast
    assert "已投票" in _box(page)
    assert _named_choices(page) == []  # not in the box, the notice, the title or the tally
    assert "反对" not in _title(page)
    again = client.get(f"/meetings/{meet.id}/vote").text
    assert "已投票" in again and _named_choices(again) == []


def test_an_open_ballot_tells_its_voter_what_he_chose(client, meet, make_proposal, committee):
    url = _open(meet, make_proposal, committee)
    csrf = login(client, committee[0])
    r = client.post(url, data={"choice": "oppose", "confirm": "1"},
                    headers={**HX, "X-CSRF-Token": csrf})
    assert "您已投票" in r.text and "反对" in r.text


def test_the_live_fragments_sent_to_a_secret_voters_phone_never_name_the_choice(
        client, meet, make_proposal, committee):
    url = _open(meet, make_proposal, committee, secret=True)
    member = committee[0]
    def socket() -> str:  # a ticket is single-use: one per connection
        return f"/meetings/{meet.id}/live.html?view=vote&ticket={ticket(member)}"

    with client.websocket_connect(socket()) as ws:
        first = recv(ws)["text"]
        assert 'class="v-ballot can_vote"' in first
        csrf = login(client, member)
        r = client.post(url, data={"choice": "agree", "confirm": "1"},
                        headers={**HX, "X-CSRF-Token": csrf})
        assert "已投票" in r.text and _named_choices(r.text) == []
        pushed = recv(ws)["text"]  # the tally event his own ballot caused
        meet.vote(committee[1], "oppose")
        pushed += recv(ws)["text"]
        assert _named_choices(pushed) == [], pushed
        # A second screen of the same member (another tab) learns he voted, not how.
        with client.websocket_connect(socket()) as other:
            fresh = recv(other)["text"]
            assert 'class="v-ballot voted"' in fresh and "已投票" in fresh
            assert _named_choices(fresh) == []


def test_after_the_vote_closes_the_phone_shows_the_outcome_and_the_counts(client, meet,
                                                                         make_proposal,
                                                                         committee):
    _open(meet, make_proposal, committee)
    for member, choice in zip(committee[:4], ("agree", "agree", "agree", "oppose"),
                              strict=True):
        meet.vote(member, choice)
    meet.close_vote(0)
    login(client, committee[5])
    page = client.get(f"/meetings/{meet.id}/vote").text
    item = page[page.index('<section id="v-item"'):]
    assert re.search(r'<p class="v-outcome adopted">通过</p>', item)
    counts = re.findall(r'<p class="v-count (\w+)"><span class="num">(\d+)</span>', item)
    assert counts == [("agree", "3"), ("oppose", "1"), ("abstain", "0")]


def test_a_member_seated_after_the_meeting_opened_is_told_he_has_no_vote(client, meet,
                                                                        make_proposal,
                                                                        committee, factory):
    _open(meet, make_proposal, committee)
    late = factory.user("Late", seat="part_time", party_member=True)
    meet.check_in(late)
    login(client, late)
    box = _box(client.get(f"/meetings/{meet.id}/vote").text)
    assert 'class="v-ballot without_vote"' in box and "不参加本次会议的表决" in box
    assert 'name="choice"' not in box
