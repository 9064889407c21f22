"""Photo uploads, checked by content: Pillow must decode the bytes as JPEG, PNG or WebP whatever
the name or Content-Type says; the image is re-encoded (which drops EXIF, GPS and anything hidden
after the image data), capped in size, and given a thumbnail. Files live under DATA_DIR/uploads
with random names and are served only through `visible_photo` (a route in `pages.py`)."""

from __future__ import annotations

import io
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlmodel import Session

from meetingroom.errors import Invalid, NotFound, TooLarge
from meetingroom.models import Photo, Suggestion, User
from meetingroom.private import private_dir, write_private
from meetingroom.settings import get_settings

ACCEPTED = {"JPEG", "PNG", "WEBP"}
MAX_PHOTOS = 3
MAX_SIDE = 2048  # long side after re-encoding: plenty for a phone screen or a printout
THUMB_SIDE = 320
MAX_PIXELS = 40_000_000
# Refused from the header, before any pixel is decoded (issue 12: one 308 KB 8900×8900 PNG made
# the server allocate ~1 GB). 40 Mpx holds any phone camera's default photo (12–24 Mpx; 50 Mpx
# sensors save 12.5 Mpx binned by default) with room to spare.
MAX_MEGAPIXELS = MAX_PIXELS // 1_000_000
# At most this many photos are decoded at once per process: each can take up to ~4 bytes × 40 Mpx
# = 160 MB while decoded, so four workers' threads at once stay under ~1.3 GB.
MAX_CONCURRENT_DECODES = 2
_decoding = threading.BoundedSemaphore(MAX_CONCURRENT_DECODES)
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{22}(_t)?\.jpg$")  # what store_photos writes, nothing else

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass
class Upload:
    """An uploaded file as the web layer hands it over: its bytes and what the client called it."""

    data: bytes
    filename: str = ""


@dataclass
class Encoded:
    """A checked photo, re-encoded in memory and not yet written anywhere."""

    full: bytes
    thumb: bytes
    width: int
    height: int


def check_uploads(uploads: list[Upload]) -> list[Upload]:
    """Drop empty file inputs; refuse more than three photos or one over the size cap."""
    uploads = [u for u in uploads if u.data]
    if len(uploads) > MAX_PHOTOS:
        raise Invalid("At most {n} photos.", field="photos", n=MAX_PHOTOS)
    limit = get_settings().max_photo_bytes
    for upload in uploads:
        if len(upload.data) > limit:
            raise TooLarge("Each photo may be at most {mb} MB.", mb=limit // (1024 * 1024))
    return uploads


def _decode(upload: Upload) -> Image.Image:
    try:
        with Image.open(io.BytesIO(upload.data)) as probe:
            if probe.format not in ACCEPTED:
                raise Invalid("Only JPEG, PNG or WebP photos are accepted.", field="photos")
            width, height = probe.size  # from the header: nothing is decoded yet
            if width * height > MAX_PIXELS:
                raise Invalid("This photo has too many pixels: at most {n} megapixels.",
                              field="photos", n=MAX_MEGAPIXELS)
            probe.verify()  # structural check without decoding pixels
        image = Image.open(io.BytesIO(upload.data))
        if image.format == "JPEG":
            # Decode at a reduced scale when the photo is far larger than we keep: a phone's
            # 50-megapixel JPEG then costs a fraction of the memory and time.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image.load()
        # Phones store rotation in EXIF; apply it before EXIF is thrown away.
        return ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError,
            ValueError, EOFError):
        raise Invalid("This file is not a photo we can read (JPEG, PNG or WebP).",
                      field="photos") from None


def _encode(image: Image.Image, side: int) -> bytes:
    image = image.copy()
    image.thumbnail((side, side))
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.split()[-1])
        image = background
    image.info.clear()  # belt and braces: nothing from the original's metadata travels on
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)  # a fresh file: no EXIF, no GPS
    return out.getvalue()


def prepare_photos(uploads: list[Upload]) -> list[Encoded]:
    """Check and re-encode every photo in memory; one bad file rejects the batch before anything
    is written, so a service can call this before it creates any row."""
    encoded = []
    for upload in check_uploads(uploads):
        with _decoding:  # bounds the memory of decodes running at once in this process
            image = _decode(upload)
            full = _encode(image, MAX_SIDE)
            width, height = Image.open(io.BytesIO(full)).size
            encoded.append(Encoded(full=full, thumb=_encode(image, THUMB_SIDE), width=width,
                                   height=height))
            image.close()
    return encoded


def store_photos(session: Session, photos: list[Encoded], *, community_id: int,
                 uploader_id: int, suggestion_id: int | None = None,
                 progress_id: int | None = None, deed_id: int | None = None) -> list[Photo]:
    """Write checked photos to the upload dir and add their rows. If the transaction rolls back,
    the files go too (no orphans)."""
    folder = private_dir(get_settings().upload_dir)
    rows = []
    for position, photo in enumerate(photos):
        name = secrets.token_urlsafe(16)
        full, thumb = folder / f"{name}.jpg", folder / f"{name}_t.jpg"
        _forget_on_rollback(session, full, thumb)
        write_private(full, photo.full)
        write_private(thumb, photo.thumb)
        row = Photo(community_id=community_id, uploader_id=uploader_id,
                    suggestion_id=suggestion_id, progress_id=progress_id, deed_id=deed_id,
                    file=full.name,
                    thumb=thumb.name, width=photo.width, height=photo.height, position=position)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def save_photos(session: Session, uploads: list[Upload], *, community_id: int, uploader_id: int,
                suggestion_id: int | None = None, progress_id: int | None = None) -> list[Photo]:
    """Check, re-encode and store uploads in one call."""
    return store_photos(session, prepare_photos(uploads), community_id=community_id,
                        uploader_id=uploader_id, suggestion_id=suggestion_id,
                        progress_id=progress_id)


def _forget_on_rollback(session: Session, *paths: Path) -> None:
    """Files written during a transaction are deleted if it rolls back, kept once it commits."""
    pending = session.info.setdefault("uploaded_files", [])
    if not session.info.get("uploaded_files_hooked"):
        session.info["uploaded_files_hooked"] = True

        @event.listens_for(session, "after_rollback")
        def _remove(sess):
            for path in sess.info.pop("uploaded_files", []):
                path.unlink(missing_ok=True)

        @event.listens_for(session, "after_commit")
        def _keep(sess):
            sess.info.pop("uploaded_files", None)

    pending.extend(paths)


def url(photo: Photo, *, thumb: bool = False) -> str:
    """The photo's address; the id makes the lookup a primary-key read, the name proves it."""
    return f"/photos/{photo.id}/{photo.thumb if thumb else photo.file}"


def visible_photo(session: Session, *, photo_id: int, name: str, viewer: User | None,
                  community_id: int) -> tuple[Path, bool]:
    """The file behind a photo URL, and whether it is public. Only names recorded in the Photo
    table are served; a hidden suggestion's photos only to the secretary and its author."""
    if not NAME_RE.fullmatch(name):
        raise NotFound()
    photo = session.get(Photo, photo_id)
    if photo is None or photo.community_id != community_id or name not in (photo.file,
                                                                              photo.thumb):
        raise NotFound()
    public = True
    if photo.suggestion_id is not None:
        suggestion = session.get(Suggestion, photo.suggestion_id)
        if suggestion is None:
            raise NotFound()
        if suggestion.hidden:
            allowed = viewer is not None and (viewer.is_secretary or viewer.id ==
                                              suggestion.author_id)
            if not allowed:
                raise NotFound()
            public = False
    folder = get_settings().upload_dir.resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise NotFound()
    return path, public


def read_uploads(files) -> list[Upload]:
    """Starlette UploadFiles → Uploads, reading at most one byte past the cap, so a huge file
    is refused without being read whole into memory."""
    limit = get_settings().max_photo_bytes
    uploads = []
    for file in files or []:
        if isinstance(file, str):  # a text field named like the file input
            continue
        uploads.append(Upload(data=file.file.read(limit + 1), filename=file.filename or ""))
    return uploads
