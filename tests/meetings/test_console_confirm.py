"""The console does not let one click undo a meeting (issue 9 §3): closing the meeting, opening
a secret ballot and marking a member absent while a vote is open ask first: with htmx through
the button's `hx-confirm` dialog (which then sends confirm=1), without JavaScript through a
confirmation page; the console warns when the meeting is opened more than an hour off its
scheduled time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from meetingroom.meetings import screens
from tests.conftest import login

HX = {"HX-Request": "true"}


def _post(client, path: str, csrf: str, **data):
    return client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)


def _confirmation(html: str, action: str, csrf: str, **fields: str) -> None:
    """A confirmation: a form posting the same action again with confirm=1 and the token."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)
    assert form, html[:2000]
    form = form.group(0)
    assert '<input type="hidden" name="confirm" value="1">' in form
    assert f'<input type="hidden" name="csrf_token" value="{csrf}">' in form
    for name, value in fields.items():
        assert f'<input type="hidden" name="{name}" value="{value}">' in form
    assert 'role="alertdialog"' in html


def _on_time(meet, make_proposal, committee, n_items=2):
    meet.schedule([make_proposal(f"Item {i}") for i in range(n_items)],
                  starts_at=datetime.now(UTC).isoformat())
    meet.check_in(*committee[:6])
    return meet


def test_closing_the_meeting_asks_first_without_javascript(client, meet, make_proposal,
                                                           committee, secretary):
    _on_time(meet, make_proposal, committee)
    meet.open()
    csrf = login(client, secretary)
    action = f"/meetings/{meet.id}/close"
    r = _post(client, action, csrf)
    assert r.status_code == 200 and "确定结束会议吗？" in r.text
    _confirmation(r.text, action, csrf)
    assert meet.get()["status"] == "open"  # nothing happened yet
    r = _post(client, action, csrf, confirm="1")
    assert r.status_code == 303 and meet.get()["status"] == "closed"


def test_with_htmx_the_buttons_carry_the_dialog(client, meet, make_proposal, committee,
                                                secretary):
    _on_time(meet, make_proposal, committee)
    meet.open()
    login(client, secretary)
    page = client.get(f"/meetings/{meet.id}/console").text
    close = re.search(rf'<form[^>]*action="/meetings/{meet.id}/close"[^>]*>', page).group(0)
    assert 'hx-confirm="确定结束会议吗？' in close and "hx-vals='{\"confirm\": \"1\"}'" in close
    opens = re.findall(rf'<form[^>]*action="/meetings/{meet.id}/items/{meet.items[0]}'
                       r'/vote/open"[^>]*>.*?</form>', page, re.S)
    assert len(opens) == 2
    plain, secret = opens
    assert "hx-confirm" not in plain and 'name="secret"' not in plain  # an open ballot: no ask
    assert 'hx-confirm="确定开启无记名投票吗？' in secret and 'name="secret" value="1"' in secret
    # No vote is open: marking someone absent does not ask.
    assert 'hx-confirm="表决正在进行' not in page


def test_an_out_of_date_console_gets_the_question_in_its_message_area(client, meet,
                                                                      make_proposal,
                                                                      committee, secretary):
    """A console rendered before the change sends no confirm=1: the reply is the question."""
    _on_time(meet, make_proposal, committee)
    meet.open()
    csrf = login(client, secretary)
    r = client.post(f"/meetings/{meet.id}/close", headers={**HX, "X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.text.lstrip().startswith('<div class="c-confirm"')
    assert f'hx-post="/meetings/{meet.id}/close"' in r.text and "<html" not in r.text
    assert meet.get()["status"] == "open"
    r = client.post(f"/meetings/{meet.id}/close", data={"confirm": "1"},
                    headers={**HX, "X-CSRF-Token": csrf})
    assert r.status_code == 200 and "会议已结束" in r.text
    assert meet.get()["status"] == "closed"


def test_a_secret_ballot_asks_an_open_one_does_not(client, meet, make_proposal, committee,
                                                  secretary):
    _on_time(meet, make_proposal, committee)
    meet.open()
    csrf = login(client, secretary)
    action = f"/meetings/{meet.id}/items/{meet.items[0]}/vote/open"
    r = _post(client, action, csrf, secret="1")
    assert r.status_code == 200 and "R7.6" in r.text
    _confirmation(r.text, action, csrf, secret="1")
    assert meet.tally(0)["status"] == "pending"
    r = _post(client, action, csrf, secret="1", confirm="1")
    assert r.status_code == 303 and meet.tally(0)["secret"] is True
    meet.close_vote(0)
    r = _post(client, f"/meetings/{meet.id}/items/{meet.items[1]}/vote/open", csrf)
    assert r.status_code == 303 and meet.tally(1)["status"] == "open"
    assert meet.tally(1)["secret"] is False


def test_marking_a_member_absent_asks_only_while_a_vote_is_open(client, meet, make_proposal,
                                                                committee, secretary):
    _on_time(meet, make_proposal, committee)
    meet.check_in(committee[6])
    meet.open()
    csrf = login(client, secretary)
    action = f"/meetings/{meet.id}/attendance/leave"
    r = _post(client, action, csrf, user_id=str(committee[6].id))
    assert r.status_code == 303 and meet.get()["present"] == 6  # no vote open: at once
    meet.open_vote(0)
    page = client.get(f"/meetings/{meet.id}/console").text
    assert page.count('hx-confirm="表决正在进行') == 6  # one per member present
    name = committee[0].name
    r = _post(client, action, csrf, user_id=str(committee[0].id))
    assert r.status_code == 200 and f"确定将{name}标记为离场吗？" in r.text
    _confirmation(r.text, action, csrf, user_id=str(committee[0].id))
    assert meet.get()["present"] == 6
    r = _post(client, action, csrf, user_id=str(committee[0].id), confirm="1")
    assert r.status_code == 303 and meet.get()["present"] == 5


def test_the_console_warns_when_the_meeting_is_opened_off_its_time(client, meet, make_proposal,
                                                                   committee, secretary):
    meet.schedule([make_proposal("Lift")],
                  starts_at=(datetime.now(UTC) + timedelta(days=2)).isoformat())
    csrf = login(client, secretary)
    console = client.get(f"/meetings/{meet.id}/console").text
    assert 'class="warn c-schedule"' in console and "与现在相差超过一小时" in console
    action = f"/meetings/{meet.id}/open"
    r = _post(client, action, csrf)
    assert r.status_code == 409 and "R7.1" in r.text  # no quorum: refused, nothing to ask
    meet.check_in(*committee[:6])
    console = client.get(f"/meetings/{meet.id}/console").text
    open_form = re.search(rf'<form[^>]*action="{action}"[^>]*>', console).group(0)
    assert 'hx-confirm="现在开始会议吗？' in open_form
    r = _post(client, action, csrf)
    assert r.status_code == 200 and "与现在相差超过一小时" in r.text
    _confirmation(r.text, action, csrf)
    assert meet.get()["status"] == "scheduled"
    r = _post(client, action, csrf, confirm="1")
    assert r.status_code == 303 and meet.get()["status"] == "open"


def test_a_meeting_opened_on_time_is_opened_at_once(client, meet, make_proposal, committee,
                                                    secretary):
    _on_time(meet, make_proposal, committee)
    csrf = login(client, secretary)
    console = client.get(f"/meetings/{meet.id}/console").text
    assert "c-schedule" not in console and "hx-confirm" not in console
    r = _post(client, f"/meetings/{meet.id}/open", csrf)
    assert r.status_code == 303 and meet.get()["status"] == "open"


def test_an_hour_either_side_is_on_time():
    start = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    second = timedelta(seconds=1)
    assert not screens.off_schedule(start, start)
    assert not screens.off_schedule(start.isoformat(), start - hour)
    assert not screens.off_schedule(start, start + hour)
    assert screens.off_schedule(start, start - hour - second)
    assert screens.off_schedule(start, start + hour + second)
    assert not screens.off_schedule(None, start)


def test_only_the_secretary_is_asked(client, meet, make_proposal, committee):
    _on_time(meet, make_proposal, committee)
    meet.open()
    csrf = login(client, committee[0])
    r = _post(client, f"/meetings/{meet.id}/close", csrf)
    assert r.status_code == 403 and meet.get()["status"] == "open"
