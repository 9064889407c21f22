"""Files only the app's own user may read (issue 12): the data dir and uploads 0700, the SQLite
database (and its -wal/-shm, which SQLite creates with the database file's mode), the secret key,
uploads and backups 0600. Phone numbers and password hashes live in them."""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create the folder 0700, or tighten it to 0700 when it exists (a data dir made by an older
    version, or by a umask of 022)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if path.stat().st_mode & 0o777 != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file 0600 unless it exists, and tighten it to 0600 if it does."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        if path.stat().st_mode & 0o777 != FILE_MODE:
            path.chmod(FILE_MODE)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a new file that only the app's user can read (never through a looser umask)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def private_sqlite(path: Path) -> None:
    """Before SQLite opens it: the database file exists 0600 (so SQLite gives its -wal and -shm the
    same mode), and any -wal/-shm left over from before are tightened too."""
    if not path.parent.exists():
        private_dir(path.parent)
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        extra = path.with_name(path.name + suffix)
        if extra.exists() and extra.stat().st_mode & 0o777 != FILE_MODE:
            extra.chmod(FILE_MODE)
