"""Real `meetingroom serve` processes for tests that need several workers or several servers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`python -m meetingroom serve --workers N` on a free port, its settings from `env` only
    (the test's own MEETINGROOM_* variables are not inherited)."""

    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None,
                 workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        data_dir.mkdir(parents=True, exist_ok=True)
        base = {k: v for k, v in os.environ.items() if not k.startswith("MEETINGROOM_")}
        self.env = {**base, "MEETINGROOM_DATA_DIR": str(data_dir),
                    "MEETINGROOM_SECRET_KEY": "serve-test-secret-key-0123456789",
                    **(env or {})}
        self.log = data_dir / "server.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> ServerProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "meetingroom", "serve", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if (httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
                        and len(self.worker_processes()) == self.workers):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start:\n{self.log.read_text()[-3000:]}")

    def worker_processes(self) -> list[psutil.Process]:
        """The processes that serve requests: uvicorn's spawned workers, or the server itself."""
        if self.proc is None:
            return []
        if self.workers == 1:
            return [psutil.Process(self.proc.pid)]
        try:
            children = psutil.Process(self.proc.pid).children()
        except psutil.NoSuchProcess:
            return []
        # multiprocessing may also start a resource tracker: only spawned workers count.
        return [c for c in children if "spawn_main" in " ".join(c.cmdline())]

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            family = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(
                recursive=True)]
        except psutil.NoSuchProcess:
            family = []
        if self.proc.poll() is None:
            self.proc.terminate()  # uvicorn's supervisor stops its workers on SIGTERM
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        _, alive = psutil.wait_procs(family, timeout=10)
        for process in alive:
            process.kill()
