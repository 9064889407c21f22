"""R4.2 (issue 13 §1): the people behind a resolution are told when its ratings open — by the
done notice, or, when the deadline passes first, by the sweep (followup.service
.notify_ratings_opened, run by the app's background task and `meetingroom notify`) — each
opening once, in the reader's language."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import timedelta

from sqlmodel import select

from meetingroom.app import create_app
from meetingroom.followup import service, sweep
from meetingroom.models import Notification, Proposal, Resolution
from meetingroom.settings import set_settings
from tests.conftest import auth, login
from tests.followup.conftest import fresh, today

OPENED = service.RATINGS_OPENED


def _told(session, user, message=OPENED):
    fresh(session)
    return session.exec(select(Notification).where(Notification.user_id == user.id,
                                                   Notification.message == message)).all()


def _sweep():
    return sweep.sweep_once()


def _overdue(chain, days=1):
    m = chain.matter()
    m.resolution.deadline = today() - timedelta(days=days)
    m.resolution.status = "in_progress"
    chain._save(m.resolution)
    return m


def test_followers_are_told_once_when_the_deadline_passes(client, session, chain, factory):
    m = _overdue(chain)
    not_yet = chain.resolution(title="修路灯", status="in_progress",
                               deadline=today() + timedelta(days=2))
    expired = chain.resolution(title="修车棚", status="delayed",
                               deadline=today() - timedelta(days=45))
    outsider, waiting, late = factory.user("局外人"), factory.user("孙阿姨"), factory.user("周大爷")
    chain.suggestion(author=waiting, proposal=session.get(Proposal, not_yet.proposal_id))
    chain.suggestion(author=late, proposal=session.get(Proposal, expired.proposal_id))

    result = _sweep()
    assert (result.resolutions, result.notices) == (1, 3)
    for person in (m.author, *m.supporters):
        [notice] = _told(session, person)
        assert notice.link == f"/resolutions/{m.resolution.id}"
        assert notice.params == {"title": m.resolution.title,
                                 "deadline": m.resolution.deadline.isoformat()}
    assert _told(session, outsider) == [] and _told(session, m.members[1]) == []
    assert _told(session, waiting) == [] and _told(session, late) == []

    # Again, and again: nobody is told twice.
    assert (_sweep().resolutions, _sweep().notices) == (0, 0)
    assert all(len(_told(session, p)) == 1 for p in (m.author, *m.supporters))
    fresh(session)
    assert session.get(Resolution, not_yet.id).rating_notice_at is None  # its turn comes later
    # A window that ran out before any sweep saw it is marked, not announced as open.
    assert session.get(Resolution, expired.id).rating_notice_at is not None

    # Each reader in his own language.
    login(client, m.author)
    assert f"“{m.resolution.title}”已过完成期限（{m.resolution.deadline.isoformat()}）" \
        in client.get("/notifications").text
    client.cookies.set("mr_lang", "en")
    assert f"The deadline of “{m.resolution.title}”" in client.get("/notifications").text


def test_done_first_is_told_by_the_done_notice_only(client, session, chain, factory):
    m = _overdue(chain)
    secretary = factory.secretary()
    res = client.post(f"/api/v1/resolutions/{m.resolution.id}/progress", headers=auth(secretary),
                      json={"status": "done", "percent": 100})
    assert res.status_code in (200, 201), res.text
    done = service.PROGRESS_NOTICES["done"]
    assert len(_told(session, m.author, done)) == 1
    # Done before the deadline passed, the deadline passing later is no news either.
    early = chain.done(title="修路灯", deadline=today() - timedelta(days=1))
    chain.suggestion(author=m.author, proposal=session.get(Proposal, early.proposal_id))
    assert (_sweep().resolutions, _told(session, m.author)) == (0, [])


def test_a_window_that_opens_again_is_told_again_once(client, session, chain, factory):
    """Done, then back in progress past the deadline: rateable again, so told again
    (docs/decisions.md, "Rating notices")."""
    m = _overdue(chain)
    secretary = factory.secretary()
    assert _sweep().resolutions == 1
    for status in ("done", "in_progress"):
        res = client.post(f"/api/v1/resolutions/{m.resolution.id}/progress",
                          headers=auth(secretary), json={"status": status, "percent": 90})
        assert res.status_code in (200, 201), res.text
    assert _sweep().resolutions == 1 and _sweep().resolutions == 0
    assert len(_told(session, m.author)) == 2
    # The deadline moved to next month: ratings wait for it, and are told when it passes.
    res = client.patch(f"/api/v1/resolutions/{m.resolution.id}", headers=auth(secretary),
                       json={"deadline": (today() + timedelta(days=30)).isoformat()})
    assert res.status_code == 200, res.text
    fresh(session)
    assert session.get(Resolution, m.resolution.id).rating_notice_at is None
    assert _sweep().resolutions == 0


def test_sweeps_running_at_once_tell_each_follower_once(session, chain):
    """Several workers or hosts sweep at the same moment: the claim lets one of them tell."""
    m = _overdue(chain)
    for n in range(5):
        _overdue(chain).resolution.title = f"事项{n}"
    results, errors = [], []

    def run():
        try:
            results.append(_sweep())
        except Exception as exc:  # pragma: no cover - shown by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.resolutions for r in results) == 6
    assert len(_told(session, m.author)) == 1


def _wait_for(session, user, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _told(session, user):
            return True
        time.sleep(0.05)
    return False


def test_the_app_sweeps_in_the_background_and_survives_an_error(settings, community, session,
                                                                chain, monkeypatch, caplog):
    m = _overdue(chain)
    calls = []
    real = sweep.sweep_once

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real()

    monkeypatch.setattr(sweep, "sweep_once", flaky)
    # Read the sweeper's log on its own logger, whatever logging set-up an earlier test left
    # behind (a dictConfig elsewhere in the run may have disabled or detached it).
    monkeypatch.setattr(sweep.logger, "disabled", False)
    monkeypatch.setattr(sweep.logger, "propagate", True)
    from fastapi.testclient import TestClient

    app = create_app(settings.model_copy(update={"notify_interval_seconds": 0.05}))
    with caplog.at_level(logging.INFO, logger="meetingroom.sweep"), TestClient(app):
        assert _wait_for(session, m.author, seconds=30.0)
    assert len(calls) >= 2, calls
    assert "sweep failed" in caplog.text, caplog.text
    set_settings(settings)


def test_the_background_task_is_off_when_the_interval_is_zero(settings, community, session,
                                                               chain):
    m = _overdue(chain)
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings)):  # notify_interval_seconds=0 in the tests' settings
        time.sleep(0.3)
    assert _told(session, m.author) == []


def test_shutdown_cancels_a_sleeping_sweeper_cleanly():
    async def main():
        task = asyncio.create_task(sweep.run_every(3600))
        await asyncio.sleep(0)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return True
        return False

    # In a thread of its own: after the browser tests Playwright keeps an event loop running in
    # the main thread, where asyncio.run() refuses to start.
    outcome: list[bool] = []
    runner = threading.Thread(target=lambda: outcome.append(asyncio.run(main())))
    runner.start()
    runner.join(30)
    assert outcome == [True]
