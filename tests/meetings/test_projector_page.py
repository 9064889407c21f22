"""The projector's words (issue 9 §3) through HTTP: each rule once, in plain words, the formula
in small print. Geometry (sizes, the notice beside the figure): tests/browser/test_projector.py."""

from __future__ import annotations

import re

HTML_TAG = re.compile(r"<[^>]+>")


def _projector_text(client, meeting_id: int) -> str:
    html = client.get(f"/meetings/{meeting_id}/projector").text
    return HTML_TAG.sub(" ", html[html.index('<div class="proj live"'):])


def test_a_joint_meeting_before_it_opens_states_r7_1_once(client, meet, make_proposal,
                                                         committee):
    meet.schedule([make_proposal("Lift")], kind="joint")
    meet.check_in(*committee[:3])  # 3 of 9: short of two thirds, the R7.2 note shows
    text = _projector_text(client, meet.id)
    rule = meet.get()["quorum"]["rule"]
    assert text.count(rule) == 1 and text.count("R7.1") == 1
    assert "到会 6 人即达三分之二" in text
    assert "联席会议没有开会人数要求" in text  # R7.2 in plain words, not the R7.1 sentence again


def test_a_work_meeting_says_how_many_open_it_then_how_many_open_a_vote(client, meet,
                                                                       make_proposal,
                                                                       committee):
    meet.schedule([make_proposal("Lift")])
    assert "到会 6 人即可开会" in _projector_text(client, meet.id)
    meet.check_in(*committee[:6])
    meet.open()
    meet.open_vote()
    text = _projector_text(client, meet.id)
    assert "到会 6 人方可开启表决" in text and "通过需同意 ≥ 3 票" in text
    assert text.count("R7.1") == 1 and text.count("R7.3") == 1
