"""Small builders for suggestion tests: real images made with Pillow, and a submit helper that
goes through the API like a phone app would."""

from __future__ import annotations

import io
import os

from PIL import ExifTags, Image

from tests.conftest import auth


def png(width: int = 40, height: int = 30, colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "PNG")
    return buf.getvalue()


def jpeg_with_gps() -> bytes:
    """A phone-like JPEG: maker, rotation and a GPS position in its EXIF."""
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° when shown
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 17.0)
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def big_png(megabytes: int = 12) -> bytes:
    """A real PNG of random pixels, stored uncompressed, over `megabytes` MB."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 1
    buf = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        buf, "PNG", compress_level=0)
    return buf.getvalue()


def files(*blobs: bytes, names=None, ctype: str = "image/png"):
    names = names or [f"p{i}.png" for i in range(len(blobs))]
    return [("photos", (name, blob, ctype)) for name, blob in zip(names, blobs, strict=True)]


def submit(client, user, *, title: str = "The light at building 3 is broken",
           body: str = "It has been dark for a week.", photos=(), **extra):
    data = {"title": title, "body": body, **extra}
    return client.post("/api/v1/suggestions", data=data, files=list(photos) or None,
                       headers=auth(user))


def make(client, user, **kw) -> dict:
    r = submit(client, user, **kw)
    assert r.status_code == 201, r.text
    return r.json()
