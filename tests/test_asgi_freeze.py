"""The worker's app module freezes what it made at start-up out of the cyclic collector's way
(meetingroom/asgi.py), and create_app() alone does not (the tests' many apps stay collectable)."""

import subprocess
import sys

PROBE = """
import gc, sys
before = gc.get_freeze_count()
import {module}
print(before, gc.get_freeze_count())
"""


def frozen_after_import(module: str, tmp_path) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True,
        env={"MEETINGROOM_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=120,
        check=True)
    before, after = out.stdout.split()
    return int(before), int(after)


def test_the_workers_app_is_frozen_once_made(tmp_path):
    before, after = frozen_after_import("meetingroom.asgi", tmp_path)
    assert before == 0
    # the app, its routes, schemas and every module it imported: well over 100,000 objects
    assert after > 100_000


def test_create_app_alone_freezes_nothing(tmp_path):
    before, after = frozen_after_import("meetingroom.app; meetingroom.app.create_app()", tmp_path)
    assert (before, after) == (0, 0)
