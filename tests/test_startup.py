"""Servers that start at once against one database take turns migrating it (db.startup_lock):
several hosts, or `docker compose up --scale app=3`, on a brand-new database."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from meetingroom.community.service import DEFAULT_CATEGORIES
from tests.conftest import PG_URL, new_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared' / 'meetingroom.db'}"
        return
    if not PG_URL:
        pytest.skip("MEETINGROOM_TEST_DATABASE_URL is not set")
    with new_pg_database(migrate=False) as url:
        yield url


def test_concurrent_first_starts_all_succeed(empty_database, tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith("MEETINGROOM_")}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "meetingroom", "db", "upgrade"],
        env={**base, "MEETINGROOM_DATABASE_URL": empty_database,
             "MEETINGROOM_DATA_DIR": str(tmp_path / f"host{i}")},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in range(3)]
    outputs = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        outputs.append((proc.returncode, out[-2000:]))
    assert [code for code, _ in outputs] == [0, 0, 0], outputs
    engine = sa.create_engine(empty_database)
    with contextlib.closing(engine.connect()) as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM community").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM category").scalar() == len(
            DEFAULT_CATEGORIES)
    engine.dispose()
