"""Uploads that cannot hurt (issue 12): a decompression bomb is refused from its header before a
pixel is decoded, and decodes at once are bounded."""

from __future__ import annotations

import struct
import threading
import time
import zlib

from sqlmodel import func, select

from meetingroom import photos
from meetingroom.models import Photo, Suggestion
from tests.conftest import auth
from tests.suggestions.helpers import files, png


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def bomb_png(width: int = 8900, height: int = 8900) -> bytes:
    """A valid RGBA PNG of width×height transparent pixels, compressed row by row so that making
    it never holds the image in memory (~300 KB for 8900×8900, which decodes to ~317 MB)."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + 4 * width)  # filter byte + RGBA
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def test_a_pixel_bomb_is_refused_in_the_users_language_before_decoding(
        client, factory, session, settings, monkeypatch):
    bomb = bomb_png()
    assert len(bomb) < 1_000_000  # a small file: the size cap alone cannot catch it
    loads: list[int] = []
    original_load = photos.Image.Image.load

    def counting_load(self):
        loads.append(self.size[0] * self.size[1])
        return original_load(self)

    monkeypatch.setattr(photos.Image.Image, "load", counting_load)
    resident = factory.user()
    for lang, message in (("zh-CN", "照片像素过多：最多 40 百万像素。"),
                          ("en", "This photo has too many pixels: at most 40 megapixels.")):
        r = client.post("/api/v1/suggestions", data={"title": "Bench", "body": "…"},
                        files=files(bomb, names=["bench.png"]),
                        headers={**auth(resident), "Accept-Language": lang})
        assert r.status_code == 422, r.text
        assert r.json()["detail"] == message
    assert not any(pixels > photos.MAX_PIXELS for pixels in loads), loads  # never decoded
    assert session.exec(select(func.count()).select_from(Suggestion)).one() == 0
    assert session.exec(select(func.count()).select_from(Photo)).one() == 0


def test_a_photo_at_the_limit_is_still_accepted():
    """A 40-Mpx photo (just at the limit) passes the header check."""
    encoded = photos.prepare_photos([photos.Upload(bomb_png(8000, 5000), "wide.png")])
    assert encoded[0].width == photos.MAX_SIDE


def test_concurrent_decodes_are_bounded(monkeypatch):
    """Eight uploads at once: never more than MAX_CONCURRENT_DECODES decode together."""
    running = 0
    peak = 0
    lock = threading.Lock()
    original = photos._decode

    def slow_decode(upload):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.05)
            return original(upload)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(photos, "_decode", slow_decode)
    threads = [threading.Thread(target=photos.prepare_photos,
                                args=([photos.Upload(png(), "a.png")],)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == photos.MAX_CONCURRENT_DECODES, peak


# --- file modes -----------------------------------------------------------------------------------

def _mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_the_data_dir_database_and_uploads_are_private(tmp_path, monkeypatch):
    """Through the real command (umask 022, as a server has): data dir and uploads 0700, the
    database, its -wal/-shm, the secret key, every upload and a backup 0600."""
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    env = {**os.environ, "MEETINGROOM_DATA_DIR": str(data)}
    env.pop("MEETINGROOM_DATABASE_URL", None)
    script = (
        "import os; os.umask(0o022)\n"
        "from meetingroom.cli import main\n"
        "import sys; sys.argv = ['meetingroom', 'demo']; main()\n")
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True,
                   timeout=300)
    backup = tmp_path / "backups" / "copy.db"
    subprocess.run([sys.executable, "-c", script.replace("'demo'", f"'backup', '{backup}'")],
                   env=env, check=True, capture_output=True, timeout=120)
    assert _mode(data) == 0o700
    assert _mode(data / "meetingroom.db") == 0o600
    assert _mode(data / "secret_key") == 0o600
    assert _mode(backup) == 0o600
    uploads = data / "uploads"
    assert _mode(uploads) == 0o700
    stored = list(uploads.iterdir())
    assert stored, "the demo stores a photo"
    assert all(_mode(p) == 0o600 for p in stored), [(p.name, oct(_mode(p))) for p in stored]
    # SQLite gives -wal/-shm the database file's mode: open it as the app does and look.
    probe = ("import os; os.umask(0o022)\n"
             "from meetingroom import db\n"
             "from pathlib import Path\n"
             f"engine = db.make_engine('sqlite:///{data / 'meetingroom.db'}')\n"
             "conn = engine.connect(); conn.exec_driver_sql('SELECT 1')\n"
             f"p = Path('{data / 'meetingroom.db'}')\n"
             "print(oct(os.stat(str(p) + '-wal').st_mode & 0o777),"
             " oct(os.stat(str(p) + '-shm').st_mode & 0o777))\n")
    out = subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                         capture_output=True, text=True, timeout=60).stdout.split()
    assert out == ["0o600", "0o600"]


def test_an_existing_world_readable_data_dir_is_tightened(tmp_path):
    from meetingroom import db
    from meetingroom.private import private_dir

    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    (data / "meetingroom.db").write_bytes(b"")
    (data / "meetingroom.db").chmod(0o644)
    private_dir(data)
    db.make_engine(f"sqlite:///{data / 'meetingroom.db'}").dispose()
    assert _mode(data) == 0o700 and _mode(data / "meetingroom.db") == 0o600
