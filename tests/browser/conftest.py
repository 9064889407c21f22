"""Real-Chromium fixtures: Debian's /usr/bin/chromium driven by Playwright (never a downloaded
browser), against a real `meetingroom serve` process with the demo community loaded.

In CI (CI=true) a missing Chromium fails the run; elsewhere browser tests are skipped with the
reason shown."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
PROJECTOR = {"width": 1920, "height": 1080}
DEMO_PASSWORD = "demo-pass-2026"
DEMO = {  # phones from meetingroom.demo
    "chair": "13800000001", "full_time": "13800000002", "member": "13800000003",
    "secretary": "13800000011", "party_member": "13800000012", "resident": "13800000014",
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A `meetingroom serve` subprocess on its own port and data dir."""

    def __init__(self, data_dir: Path, env_extra: dict | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "MEETINGROOM_DATA_DIR": str(data_dir),
                    "MEETINGROOM_SECRET_KEY": "browser-test-secret-key-0123456789",
                    **(env_extra or {})}
        self.env.pop("MEETINGROOM_DATABASE_URL", None) if not env_extra or \
            "MEETINGROOM_DATABASE_URL" not in env_extra else None
        self.proc: subprocess.Popen | None = None
        self.log = data_dir / "server.log"

    def cli(self, *args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "meetingroom", *args], env=self.env,
                             capture_output=True, text=True, timeout=120, check=True)
        return out.stdout

    def start(self) -> LiveServer:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "meetingroom", "serve", "--port", str(self.port)],
            env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        # Generous: a busy 2-core machine can take 20 s just to import the app; a healthy server
        # answers at once, so the wait costs nothing when things are quick.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    """A fresh server per test, with the demo community loaded through the real CLI."""
    server = LiveServer(tmp_path / "data")
    server.cli("demo")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser):
    """`new_page(viewport=PHONE)` opens a page in a fresh context (its own cookies)."""
    contexts = []

    def make(viewport=PHONE, **kw):
        ctx = browser.new_context(viewport=viewport, device_scale_factor=1, **kw)
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def login(page, base_url: str, phone: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real form, as a person would."""
    page.goto(f"{base_url}/login")
    page.fill("#f-phone", phone)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def screenshot(page, name: str) -> None:
    """Keep a picture of what the test saw, for people reviewing a run (not an assertion)."""
    folder = Path(os.environ.get("MEETINGROOM_SCREENSHOTS", "/tmp/meetingroom-screens"))
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / name, ignore_errors=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def box_of(locator) -> dict:
    """The element's box on screen (it must be laid out)."""
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])
