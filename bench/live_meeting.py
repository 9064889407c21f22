"""An open meeting with an open vote and M seated, present members ready to vote, on a running
`AppServer` (bench/app_server.py), for the fan-out and ballot-burst benchmarks.

    meeting = LiveMeeting(server, members=500).setup()
    meeting.id, meeting.item_id, meeting.member_headers[i], meeting.live_url(), meeting.seq()

Set-up cost is kept out of the way of the measurement: the members (and their check-ins) are
inserted directly with SQL, one password hash shared by all, and their bearer tokens are issued
in this process with the server's secret key and database (no Argon2 login per member). The
proposal, the meeting, opening it and opening the vote go through the API as the demo secretary
and a member would.

On PostgreSQL the meeting ids of the fresh database start at a random large number: Redis pub/sub
channels (`meetingroom:meeting:{id}`) are shared by every run on the same Redis.
"""

from __future__ import annotations

import json
import random

import httpx
import sqlalchemy as sa

try:
    from app_server import DEMO, DEMO_PASSWORD, AppServer
except ImportError:  # pragma: no cover
    from bench.app_server import DEMO, DEMO_PASSWORD, AppServer

STARTS = "2026-12-03T19:00:00+08:00"


class LiveMeeting:
    def __init__(self, server: AppServer, members: int) -> None:
        self.server = server
        self.members = members
        self.id = 0
        self.item_id = 0
        self.member_ids: list[int] = []
        self.member_headers: list[dict[str, str]] = []
        self.secretary: dict[str, str] = {}

    def db_url(self) -> str:
        return self.server.env.get("MEETINGROOM_DATABASE_URL") or \
            f"sqlite:///{(self.server.dir / 'data' / 'meetingroom.db').resolve()}"

    def setup(self) -> LiveMeeting:
        from meetingroom.auth.security import hash_password
        from meetingroom.models import Attendance, Community, User, utcnow

        engine = sa.create_engine(self.db_url())
        with sa.orm.Session(engine) as s:
            community_id = s.scalars(sa.select(Community.id)).first()
            password = hash_password(DEMO_PASSWORD)
            users = [User(community_id=community_id, name=f"Bench member {i}",
                          phone=f"15{i:09d}", password_hash=password, seat="part_time")
                     for i in range(self.members)]
            s.add_all(users)
            s.commit()
            self.member_ids = [u.id for u in users]
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('meeting', 'id'), "
                                     f"{random.randint(10**6, 10**9)})")
        self.member_headers = [{"Authorization": f"Bearer {t}"} for t in self._tokens()]

        with httpx.Client(base_url=self.server.url, timeout=60) as api:
            r = api.post("/api/v1/auth/token",
                         json={"phone": DEMO["secretary"], "password": DEMO_PASSWORD})
            self.secretary = {"Authorization": f"Bearer {_ok(r)['access_token']}"}
            proposal = _ok(api.post("/api/v1/proposals", headers=self.member_headers[0], json={
                "title": "Bench proposal", "body": "Lights in block 3.",
                "draft_resolution": "Fix the lights.", "principle": "practical"}), 201)
            meeting = _ok(api.post("/api/v1/meetings", headers=self.secretary, json={
                "kind": "work", "title": "Bench meeting", "starts_at": STARTS,
                "location": "Room 1", "proposal_ids": [proposal["id"]]}), 201)
            self.id, self.item_id = meeting["id"], meeting["agenda"][0]["id"]
            with engine.begin() as conn:  # every member checks in (no events: before opening)
                conn.execute(sa.insert(Attendance.__table__), [
                    {"meeting_id": self.id, "user_id": uid, "present": True,
                     "checked_in_at": utcnow()} for uid in self.member_ids])
            _ok(api.post(f"/api/v1/meetings/{self.id}/open", headers=self.secretary))
            _ok(api.post(f"/api/v1/items/{self.item_id}/vote/open", headers=self.secretary,
                         json={"secret": False}))
        engine.dispose()
        return self

    def _tokens(self) -> list[str]:
        from meetingroom.auth.security import make_token
        from meetingroom.settings import Settings, set_settings

        set_settings(Settings(secret_key=self.server.env["MEETINGROOM_SECRET_KEY"],
                              data_dir=self.server.dir / "data", database_url=self.db_url()))
        try:
            return [make_token(uid) for uid in self.member_ids]
        finally:
            set_settings(None)

    def ws_base(self) -> str:
        return self.server.url.replace("http://", "ws://")

    def live_url(self, token: str | None = None) -> str:
        """The live feed; with a member's bearer token, through a single-use socket ticket
        (a reusable token never goes into a URL, issue 12)."""
        url = f"{self.ws_base()}/api/v1/meetings/{self.id}/live"
        if not token:
            return url
        r = httpx.post(f"{self.server.url}/api/v1/auth/ticket", timeout=30,
                       headers={"Authorization": f"Bearer {token}"})
        return f"{url}?ticket={_ok(r)['ticket']}"

    def seq(self) -> int:
        """The meeting's seq now, from a probe socket's snapshot."""
        from websockets.sync.client import connect

        with connect(self.live_url(), open_timeout=10, compression=None, proxy=None) as ws:
            snapshot = json.loads(ws.recv(timeout=10))
        assert snapshot["type"] == "snapshot", snapshot
        return snapshot["seq"]


def _ok(r: httpx.Response, status: int = 200) -> dict:
    if r.status_code != status:
        raise RuntimeError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}")
    return r.json()
