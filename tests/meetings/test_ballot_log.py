"""The ballot-log export, and docs/ballot-log.md: its Python snippet and shell line, run exactly
as documented, recompute the digest the minutes print."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from meetingroom.meetings import chain
from tests.meetings.record_data import build_closed_meeting

DOC = Path(__file__).resolve().parents[2] / "docs" / "ballot-log.md"


def _block(language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, f"docs/ballot-log.md should hold one ```{language} block"
    return blocks[0]


@pytest.fixture
def cm(session, factory):
    return build_closed_meeting(session, factory)


@pytest.fixture
def exported(client, cm, tmp_path) -> tuple[Path, str]:
    """The downloaded log in a file, and the digest the minutes print."""
    r = client.get(f"/api/v1/meetings/{cm.meeting.id}/ballot-log")
    assert r.status_code == 200
    path = tmp_path / "ballot-log.jsonl"
    path.write_bytes(r.content)
    digest = client.get(f"/api/v1/meetings/{cm.meeting.id}/minutes").json()["ballot_log"][
        "digest"]
    return path, digest


def test_export_is_json_lines_that_verify_to_the_digest(client, cm, session):
    r = client.get(f"/api/v1/meetings/{cm.meeting.id}/ballot-log")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = r.text.splitlines(keepends=True)
    assert len(lines) == chain.count(session, cm.meeting.id) == 20
    rows = [json.loads(line) for line in lines]
    assert [row["position"] for row in rows] == list(range(1, 21))
    assert rows[0]["prev_hash"] == chain.GENESIS
    assert chain.verify(lines) == chain.digest(session, cm.meeting.id) != chain.GENESIS
    assert r.headers["x-ballot-log-digest"] == chain.digest(session, cm.meeting.id)
    # Secret ballots' entries carry neither voter nor choice (R7.6).
    secret = cm.items["secret"].id
    secret_ballots = [json.loads(row["payload"]) for row in rows
                      if json.loads(row["payload"]) == {"item": secret, "type": "ballot"}]
    assert len(secret_ballots) == 7


def test_documented_python_snippet_recomputes_the_digest(exported, tmp_path):
    path, digest = exported
    script = tmp_path / "check_ballot_log.py"
    script.write_text(_block("python"), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script), str(path)], capture_output=True,
                         text=True, check=True, timeout=30)
    assert out.stdout.strip() == digest

    # A changed vote is caught: the snippet stops and names the entry.
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[3])
    assert '"choice":"agree"' in row["payload"]
    row["payload"] = row["payload"].replace('"choice":"agree"', '"choice":"oppose"')
    lines[3] = json.dumps(row, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, str(script), str(path)], capture_output=True,
                         text=True, timeout=30)
    assert bad.returncode != 0 and "entry 4" in bad.stderr


@pytest.mark.skipif(not (shutil.which("jq") and shutil.which("sha256sum")),
                    reason="jq or sha256sum is not installed")
def test_documented_shell_line_recomputes_the_digest(exported):
    path, digest = exported
    out = subprocess.run(["bash", "-c", _block("sh")], cwd=path.parent, capture_output=True,
                         text=True, check=True, timeout=60)
    assert out.stdout.strip() == digest


def test_an_empty_log_has_the_genesis_digest(client, session, factory, cm, tmp_path):
    for entry in chain.entries(session, cm.meeting.id):
        session.delete(entry)
    session.commit()
    r = client.get(f"/api/v1/meetings/{cm.meeting.id}/ballot-log")
    assert r.status_code == 200 and r.content == b""
    (tmp_path / "log.jsonl").write_bytes(r.content)
    script = tmp_path / "check.py"
    script.write_text(_block("python"), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script), str(tmp_path / "log.jsonl")],
                         capture_output=True, text=True, check=True, timeout=30)
    assert out.stdout.strip() == chain.GENESIS
    assert client.get(f"/api/v1/meetings/{cm.meeting.id}/minutes").json()["ballot_log"] \
        ["digest"] == chain.GENESIS
