"""The public record of a matter (R4.2): from a suggestion to its ratings, in order, linked."""

from __future__ import annotations

import re

from tests.conftest import auth


def carry_out_and_rate(client, chain, factory, m):
    """Progress to done through the API, then two ratings: the whole chain."""
    assert client.post(f"/api/v1/resolutions/{m.resolution.id}/progress",
                       json={"status": "in_progress", "percent": 50, "note": "电梯井施工"},
                       headers=auth(m.members[1])).status_code == 201
    assert client.post(f"/api/v1/resolutions/{m.resolution.id}/progress",
                       json={"status": "done", "percent": 100, "note": "电梯投入使用"},
                       headers=auth(m.members[1])).status_code == 201
    assert client.put(f"/api/v1/resolutions/{m.resolution.id}/rating",
                      json={"score": 5, "comment": "老人上下楼方便多了"},
                      headers=auth(factory.user(party_member=True))).status_code == 200
    assert client.put(f"/api/v1/resolutions/{m.resolution.id}/rating",
                      json={"score": 3, "comment": "施工噪音有点大"},
                      headers=auth(m.author)).status_code == 200


def test_the_matter_page_tells_the_whole_story_in_order(client, chain, factory):
    m = chain.matter()
    carry_out_and_rate(client, chain, factory, m)
    page = client.get(f"/matters/{m.proposal.id}")
    assert page.status_code == 200
    html = page.text
    # Each step is there, in the order of the four-step method.
    marks = [m.suggestion.title, "2 人附议", "实事共办", m.members[2].name, m.members[3].name,
             m.meeting.title, "工作会议", "7/9", "同意", "通过", "R7.3",
             f'href="/resolutions/{m.resolution.id}"', "电梯井施工", "电梯投入使用",
             'id="step-ratings"']
    positions = [html.find(mark) for mark in marks]
    assert -1 not in positions, [mk for mk, p in zip(marks, positions, strict=True) if p < 0]
    assert positions == sorted(positions), list(zip(marks, positions, strict=True))
    ratings = html[html.index('id="step-ratings"'):]
    assert "老人上下楼方便多了" in ratings and "施工噪音有点大" in ratings
    # Links out to each step's own page.
    for link in (f"/suggestions/{m.suggestion.id}", f"/proposals/{m.proposal.id}",
                 f"/meetings/{m.meeting.id}", f"/resolutions/{m.resolution.id}"):
        assert f'href="{link}"' in html
    # Each step links to the next and back.
    steps = ["suggestions", "proposal", "meeting", "resolution", "progress", "ratings"]
    starts = [html.index(f'<section class="card story" id="step-{s}"') for s in steps]
    sections = dict(zip(steps, (html[a:b] for a, b in zip(starts, starts[1:] + [len(html)],
                                                           strict=True)), strict=True))
    for before, after in zip(steps, steps[1:], strict=False):
        assert f'href="#step-{after}"' in sections[before]
        assert f'href="#step-{before}"' in sections[after]
    # The author chose to show his name; supporters stay anonymous.
    assert m.author.name in html and m.supporters[0].name not in html
    # Every step reached.
    assert len(re.findall(r'<li class="reached">', html)) == 6


def test_the_resolution_page_links_to_the_whole_story(client, chain):
    m = chain.matter()
    html = client.get(f"/resolutions/{m.resolution.id}").text
    assert f'href="/matters/{m.proposal.id}"' in html
    assert f'href="/suggestions/{m.suggestion.id}"' in html
    assert f'href="/meetings/{m.meeting.id}"' in html


def test_the_matter_api_gives_the_same_chain(client, chain, factory):
    m = chain.matter()
    carry_out_and_rate(client, chain, factory, m)
    body = client.get(f"/api/v1/matters/{m.proposal.id}").json()
    assert body["steps"] == ["suggestions", "proposal", "meeting", "resolution", "progress",
                             "ratings"]
    assert [s["id"] for s in body["suggestions"]] == [m.suggestion.id]
    assert body["suggestions"][0]["supporters"] == 2
    assert body["proposal"]["sponsor"] == m.members[2].name
    assert body["proposal"]["cosponsors"] == [m.members[3].name]
    meeting = body["meetings"][0]
    assert (meeting["id"], meeting["kind"], meeting["present"], meeting["seated"]) == (
        m.meeting.id, "work", 7, 9)
    assert (meeting["agree"], meeting["oppose"], meeting["abstain"], meeting["outcome"]) == (
        6, 1, 0, "adopted")
    [resolution] = body["resolutions"]
    assert [p["status"] for p in resolution["progress"]] == ["in_progress", "done"]
    assert resolution["rating"]["party_members"]["count"] == 1
    assert resolution["rating"]["residents"]["count"] == 1


def test_a_matter_without_suggestion_or_meeting_yet(client, chain):
    p = chain.proposal(status="open")
    html = client.get(f"/matters/{p.id}").text
    assert "直接提议" in html and "尚未列入会议议程" in html and "尚未形成决议" in html
    assert client.get(f"/api/v1/matters/{p.id}").json()["steps"] == ["proposal"]


def test_an_unknown_matter_is_404(client, chain):
    assert client.get("/matters/31337").status_code == 404
    assert client.get("/api/v1/matters/31337").status_code == 404
