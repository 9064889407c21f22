"""`meetingroom demo` through a real subprocess, twice: the four steps are there once, made by the
real services (minutes, ballot log and public pages agree), and a second run adds nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

import meetingroom.models as m
from meetingroom.meetings import chain

TABLES = [m.User, m.Suggestion, m.Support, m.Photo, m.Proposal, m.Meeting, m.AgendaItem,
          m.Attendance, m.Observer, m.VoteCast, m.Ballot, m.ChainEntry, m.Resolution,
          m.ProgressUpdate, m.Rating, m.Notification, m.AuditLog, m.UnitContact, m.UnitNeed,
          m.UnitResource, m.UnitProject, m.ProjectUnit, m.UnitDeed, m.DeedThanks, m.UnitReport,
          m.UnitReminder]


def run_demo(settings) -> str:
    env = {**os.environ, "MEETINGROOM_DATA_DIR": str(settings.data_dir),
           "MEETINGROOM_DATABASE_URL": settings.database_url}
    return subprocess.run([sys.executable, "-m", "meetingroom", "demo"], env=env,
                          capture_output=True, text=True, timeout=120, check=True).stdout


def counts(session) -> dict[str, int]:
    session.expire_all()
    return {t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def test_demo_tells_the_four_steps_once(client, session, settings):
    out = run_demo(settings)
    assert "8 suggestions, 4 proposals, 1 closed and 1 scheduled meetings" in out
    first = counts(session)
    # one suggestion photo, three on member units' good deeds (meetingroom/units/demo.py)
    assert first["Suggestion"] == 8 and first["Photo"] == 4 and first["Rating"] == 4
    assert first["Notification"] > 0 and first["AuditLog"] > 0
    # What reached people days ago they have seen; the badge shows only the last days' news.
    unread = session.exec(select(m.Notification.user_id, func.count()).where(
        m.Notification.read_at.is_(None)).group_by(m.Notification.user_id)).all()
    assert unread and max(n for _, n in unread) <= 5, unread
    old = m.utcnow() - timedelta(days=3, minutes=1)
    assert session.exec(select(func.count()).select_from(m.Notification).where(
        m.Notification.read_at.is_(None), m.Notification.created_at < old)).one() == 0
    assert run_demo(settings).splitlines()[-1] == out.splitlines()[-1]
    assert counts(session) == first

    closed = session.exec(select(m.Meeting).where(m.Meeting.status == "closed")).one()
    scheduled = session.exec(select(m.Meeting).where(m.Meeting.status == "scheduled")).one()
    assert closed.kind == "work" and scheduled.kind == "joint"
    assert closed.starts_at.month != m.utcnow().month  # last month, whatever today is

    minutes = client.get(f"/api/v1/meetings/{closed.id}/minutes").json()
    assert minutes["quorum"]["seated"] == 10 and minutes["quorum"]["present"] == 9
    assert [(i["method"], i["outcome"], i["tally"]["agree"], i["tally"]["oppose"],
             i["tally"]["abstain"]) for i in minutes["items"]] == [
        ("ballot", "adopted", 8, 0, 1), ("secret", "adopted", 7, 1, 1),
        ("ballot", "rejected", 3, 5, 1)]
    assert minutes["items"][1]["votes"] is None  # secret: nobody named (R7.6)
    assert [r["status"] for r in minutes["resolutions"]] == ["done", "in_progress"]
    assert all(r["responsible"] and r["deadline"] for r in minutes["resolutions"])

    log = client.get(f"/api/v1/meetings/{closed.id}/ballot-log")
    assert log.status_code == 200
    assert chain.verify(log.text.splitlines()) == minutes["ballot_log"]["digest"]
    assert minutes["ballot_log"]["entries"] == 3 * 2 + 9 * 3  # open + close, 9 ballots each

    for path, text in [("/suggestions", "中心花园的长椅坏了"), ("/resolutions", "修复并增设东门"),
                       ("/meetings", "3号楼加装电梯联席会议"),
                       (f"/meetings/{scheduled.id}/projector", "3号楼加装电梯")]:
        r = client.get(path)
        assert r.status_code == 200 and text in r.text, path
    done = session.exec(select(m.Resolution).where(m.Resolution.status == "done")).one()
    page = client.get(f"/matters/{done.proposal_id}")
    assert page.status_code == 200
    for text in ("小区东门到3号楼的路灯坏了好几盏", "修复并增设东门至3号楼步道路灯",
                 "线路更换完毕", "晚上走路亮堂多了"):
        assert text in page.text
