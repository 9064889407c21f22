"""Start a real meetingroom server for a benchmark: its own data dir, the demo community, and a
process of its own (never the benchmark's), stopped with everything it started.

    with AppServer(workers=1) as server:          # SQLite in a temp dir, memory:// hub
        server.url, server.pids(), server.login("resident")

    AppServer(workers=2, postgres="postgresql+psycopg://postgres@127.0.0.1:5432/test",
              redis="redis://127.0.0.1:6379/0")   # a fresh PostgreSQL database, dropped after

Rate limits are lifted (one benchmark client logs in and posts far more often than a person).
Demo logins: the `DEMO` table below (meetingroom.demo).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the demo's printed password
DEMO = {  # role -> phone, from meetingroom.demo
    "chair": "13800000001", "full_time": "13800000002", "member": "13800000003",
    "secretary": "13800000011", "party_member": "13800000012", "resident": "13800000014",
}
UNLIMITED = "[1000000000, 1]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(self, *, workers: int = 1, postgres: str | None = None,
                 redis: str | None = None, extra_env: dict[str, str] | None = None,
                 ws_deflate: bool = False) -> None:
        self.workers = workers
        self.ws_deflate = ws_deflate  # uvicorn with permessage-deflate on (serve turns it off)
        self.postgres_admin = postgres
        self.redis = redis
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="meetingroom-bench-"))
        self.db_name: str | None = None
        self.proc: subprocess.Popen | None = None
        base = {k: v for k, v in os.environ.items() if not k.startswith("MEETINGROOM_")}
        self.env = {**base, "MEETINGROOM_DATA_DIR": str(self.dir / "data"),
                    "MEETINGROOM_SECRET_KEY": "bench-secret-key-0123456789abcdef",
                    "MEETINGROOM_LOGIN_RATE": UNLIMITED, "MEETINGROOM_REGISTER_RATE": UNLIMITED,
                    "MEETINGROOM_POST_RATE": UNLIMITED, **(extra_env or {})}
        if redis:
            self.env["MEETINGROOM_BROADCAST_URL"] = redis
        self.log = self.dir / "server.log"

    # -------------------------------------------------------------- life cycle

    def start(self) -> AppServer:
        if self.postgres_admin:
            self.env["MEETINGROOM_DATABASE_URL"] = self._create_database()
        subprocess.run([sys.executable, "-m", "meetingroom", "demo"], env=self.env, check=True,
                       stdout=subprocess.DEVNULL, timeout=300)
        cmd = [sys.executable, "-m", "meetingroom", "serve", "--port", str(self.port),
               "--workers", str(self.workers)]
        if self.ws_deflate:  # `serve` itself, with the one setting it fixes turned back on
            cmd = [sys.executable, "-c", _DEFLATE_SERVE, str(self.port), str(self.workers)]
        self.proc = subprocess.Popen(
            cmd,
            env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        # Generous: on the shared 2-core machine at load 15-18 `serve` alone took ~60 s to start.
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200 \
                        and len(self.pids()) == self.workers + (self.workers > 1):
                    time.sleep(0.5 if self.workers == 1 else 2.0)  # every worker ready
                    return self
            time.sleep(0.1)
        tail = self.log.read_text()[-3000:]
        self.stop()
        raise RuntimeError(f"server did not start:\n{tail}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        if self.db_name:
            self._drop_database()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def pids(self) -> list[int]:
        """The server's processes: uvicorn's supervisor and its spawned workers."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        pids = [self.proc.pid]
        with contextlib.suppress(OSError):
            for child in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
                for pid in child.read_text().split():
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if b"spawn_main" in cmdline:  # not multiprocessing's resource tracker
                        pids.append(int(pid))
        return pids

    # -------------------------------------------------------------- people

    def login(self, role: str) -> tuple[dict[str, str], str]:
        """Log a demo person in through the real form: (cookies, CSRF token for posts)."""
        with httpx.Client(base_url=self.url, timeout=30) as client:
            token = _csrf(client.get("/login").text)
            r = client.post("/login", data={"phone": DEMO[role], "password": DEMO_PASSWORD,
                                            "csrf_token": token, "next": "/"})
            if r.status_code not in (200, 303):
                raise RuntimeError(f"login as {role} failed: {r.status_code}")
            csrf = _csrf(client.get("/").text)
            return dict(client.cookies), csrf

    # -------------------------------------------------------------- PostgreSQL

    def _create_database(self) -> str:
        import sqlalchemy as sa

        admin = sa.create_engine(self.postgres_admin, isolation_level="AUTOCOMMIT")
        self.db_name = f"mr_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.db_name}"')
        admin.dispose()
        return sa.engine.make_url(self.postgres_admin).set(database=self.db_name) \
            .render_as_string(hide_password=False)

    def _drop_database(self) -> None:
        import sqlalchemy as sa

        admin = sa.create_engine(self.postgres_admin, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        admin.dispose()
        self.db_name = None


_DEFLATE_SERVE = """
import sys, uvicorn
from meetingroom.cli import log_config
uvicorn.run("meetingroom.asgi:app", host="127.0.0.1", port=int(sys.argv[1]),
            workers=int(sys.argv[2]), ws_per_message_deflate=True, log_level="info",
            log_config=log_config())
"""


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)
