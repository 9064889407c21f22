"""Photo uploads, checked by content: Pillow must decode the bytes as JPEG, PNG or WebP whatever
the name or Content-Type says; the image is re-encoded (which drops EXIF, GPS and anything hidden
after the image data), capped in size, and given a thumbnail. Files live under DATA_DIR/uploads
with random names."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from meetingroom.errors import Invalid, TooLarge
from meetingroom.models import Photo
from meetingroom.settings import get_settings

ACCEPTED = {"JPEG", "PNG", "WEBP"}
MAX_PHOTOS = 3
MAX_SIDE = 2048  # long side after re-encoding: plenty for a phone screen or a printout
THUMB_SIDE = 320
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass
class Upload:
    """An uploaded file as the web layer hands it over: its bytes and what the client called it."""

    data: bytes
    filename: str = ""


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
            probe.verify()  # structural check without decoding pixels
        image = Image.open(io.BytesIO(upload.data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError,
            ValueError):
        raise Invalid("This file is not a photo we can read (JPEG, PNG or WebP).",
                      field="photos") from None
    # Phones store rotation in EXIF; apply it before EXIF is thrown away.
    return ImageOps.exif_transpose(image)


def _encode(image: Image.Image, side: int) -> bytes:
    image = image.copy()
    image.thumbnail((side, side))
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.split()[-1])
        image = background
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)  # a fresh file: no metadata carried
    return out.getvalue()


def save_photos(session, uploads: list[Upload], *, community_id: int, uploader_id: int,
                suggestion_id: int | None = None, progress_id: int | None = None) -> list[Photo]:
    """Decode every photo first, so one bad file rejects the batch before anything is written."""
    uploads = check_uploads(uploads)
    images = [_decode(u) for u in uploads]
    folder = get_settings().upload_dir
    folder.mkdir(parents=True, exist_ok=True)
    photos = []
    for position, image in enumerate(images):
        name = secrets.token_urlsafe(16)
        full, thumb = _encode(image, MAX_SIDE), _encode(image, THUMB_SIDE)
        (folder / f"{name}.jpg").write_bytes(full)
        (folder / f"{name}_t.jpg").write_bytes(thumb)
        width, height = Image.open(io.BytesIO(full)).size
        photo = Photo(community_id=community_id, uploader_id=uploader_id,
                      suggestion_id=suggestion_id, progress_id=progress_id, file=f"{name}.jpg",
                      thumb=f"{name}_t.jpg", width=width, height=height, position=position)
        session.add(photo)
        photos.append(photo)
    session.flush()
    return photos
