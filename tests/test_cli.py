"""The `meetingroom` command through a real subprocess, as a person runs it."""

import sqlite3
import subprocess
import sys

import pytest


@pytest.fixture
def run(tmp_path):
    import os

    env = {**os.environ, "MEETINGROOM_DATA_DIR": str(tmp_path / "data")}
    env.pop("MEETINGROOM_DATABASE_URL", None)

    def _run(*args, check=True):
        return subprocess.run([sys.executable, "-m", "meetingroom", *args], env=env,
                              capture_output=True, text=True, timeout=120, check=check)

    _run.data = tmp_path / "data"
    return _run


def count(db, table):
    with sqlite3.connect(db) as conn:
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608


def test_demo_is_idempotent_and_prints_logins(run):
    out = run("demo").stdout
    assert "13800000011" in out and "demo-pass-2026" in out
    db = run.data / "meetingroom.db"
    people, units = count(db, "user"), count(db, "member_unit")
    run("demo")
    # 16 people and the R2.2 candidate whose public notice is running
    assert (count(db, "user"), count(db, "member_unit")) == (people, units) == (17, 8)
    assert (run.data / "secret_key").read_text().strip()  # generated once, never a placeholder
    key = (run.data / "secret_key").read_text()
    run("demo")
    assert (run.data / "secret_key").read_text() == key


def test_user_add_prints_the_id_and_rejects_bad_input(run):
    user_id = run("user", "add", "--phone", "13911112222", "--name", "周", "--password",
                  "zhou-2026-pass", "--seat", "part_time", "--unit", "新华书店党支部",
                  "--party-member").stdout.strip()
    assert user_id.isdigit()
    with sqlite3.connect(run.data / "meetingroom.db") as conn:
        row = conn.execute('SELECT u.seat, u.is_party_member, m.name FROM "user" u '
                           "JOIN member_unit m ON m.id = u.unit_id WHERE u.id = ?",
                           (int(user_id),)).fetchone()
    assert row == ("part_time", 1, "新华书店党支部")
    bad = run("user", "add", "--phone", "123", "--name", "x", "--password", "zhou-2026-pass",
              check=False)
    assert bad.returncode == 1 and "error" in bad.stderr


def test_db_upgrade_and_backup_make_a_consistent_copy(run, tmp_path):
    run("db", "upgrade")
    run("demo")
    target = tmp_path / "backup" / "copy.db"
    assert "backed up" in run("backup", str(target)).stdout
    assert count(target, "user") == 17
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_notify_tells_followers_once_that_ratings_opened(run):
    """`meetingroom notify` (cron): the demo's resolution in progress passes its deadline."""
    import re
    from datetime import date, timedelta

    run("demo")
    db = run.data / "meetingroom.db"
    assert "0 resolution(s), 0 notice(s)" in run("notify").stdout
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE resolution SET deadline = ? WHERE status = 'in_progress'",
                     ((date.today() - timedelta(days=2)).isoformat(),))
    out = run("notify").stdout
    sent = int(re.search(r"1 resolution\(s\), (\d+) notice\(s\)", out).group(1))
    with sqlite3.connect(db) as conn:
        told = conn.execute("SELECT count(*) FROM notification WHERE message LIKE "
                            "'The deadline of%'").fetchone()[0]
    assert sent == told > 0
    assert "0 resolution(s), 0 notice(s)" in run("notify").stdout
