"""Step 1: a resident submits a suggestion with photos, through the API and the phone form.
Every bad input of the issue gets a clear message and leaves nothing behind."""

import io
import re

import pytest
from PIL import ExifTags, Image
from sqlmodel import func, select

from meetingroom.models import AuditLog, Photo, Suggestion
from tests.conftest import auth, login
from tests.suggestions.helpers import big_png, files, jpeg_with_gps, make, png, submit


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def upload_files(settings) -> list:
    folder = settings.upload_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_resident_submits_with_photos_and_category(client, factory, session, settings):
    resident = factory.user("Resident")
    s = make(client, resident, photos=files(png(), jpeg_with_gps()), category="parking",
             location="3-2-401")
    assert s["status"] == "submitted" and s["supporters"] == 0 and s["proposal_id"] is None
    assert s["category"] == "parking" and s["location"] == "3-2-401"
    assert len(s["photos"]) == 2
    assert s["created_at"].endswith(("Z", "+00:00"))  # ISO 8601 with offset
    assert [step["key"] for step in s["timeline"]] == [
        "submitted", "sponsored", "on_agenda", "adopted", "in_progress", "done"]
    assert count(session, Photo) == 2
    # Each photo is stored as a re-encoded JPEG plus a thumbnail, under random names.
    assert len(upload_files(settings)) == 4
    row = session.get(Suggestion, s["id"])
    assert row.author_id == resident.id and row.entered_by_id is None
    assert session.exec(select(AuditLog).where(AuditLog.action == "suggestion.submit")).one()


def test_photos_are_served_safely_and_exif_gps_is_gone(client, factory, settings):
    resident = factory.user()
    s = make(client, resident, photos=files(jpeg_with_gps(), names=["gps.jpg"],
                                            ctype="image/jpeg"))
    photo = s["photos"][0]
    r = client.get(photo["url"])
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "max-age" in r.headers["cache-control"]
    assert "content-encoding" not in r.headers  # JPEG is not compressed twice
    stored = Image.open(io.BytesIO(r.content))
    assert stored.format == "JPEG"
    exif = stored.getexif()
    assert len(exif) == 0 and not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in r.content and b"PhoneMaker" not in r.content
    # The rotation the phone recorded was applied before EXIF was dropped.
    assert stored.size == (48, 64) == (photo["width"], photo["height"])
    # The file on disk is the very same re-encoded file.
    name = photo["url"].rsplit("/", 1)[1]
    assert (settings.upload_dir / name).read_bytes() == r.content
    thumb = client.get(photo["thumb_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize("path", ["/photos/1/..%2Fmeetingroom.db", "/photos/1/secret_key",
                                  "/photos/1/aaaaaaaaaaaaaaaaaaaaaa.jpg", "/photos/999/x.jpg"])
def test_only_recorded_photo_names_are_served(client, factory, settings, path):
    make(client, factory.user(), photos=files(png()))
    settings.upload_dir.joinpath("aaaaaaaaaaaaaaaaaaaaaa.jpg").write_bytes(png())
    assert client.get(path).status_code == 404


def test_a_photo_from_another_suggestion_id_is_not_served(client, factory):
    s1 = make(client, factory.user(), photos=files(png()))
    make(client, factory.user(), photos=files(png()))
    name = s1["photos"][0]["url"].rsplit("/", 1)[1]
    assert client.get(f"/photos/2/{name}").status_code == 404


def test_html_in_every_field_is_stored_as_text_and_shown_escaped(client, factory):
    resident = factory.user()
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    s = make(client, resident, title=evil[:100], body=evil, location=evil[:100])
    assert s["title"] == evil[:100] and s["body"] == evil  # the API returns the text as typed
    html = client.get(f"/suggestions/{s['id']}").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    listing = client.get("/suggestions").text
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing


BAD_FIELDS = [
    ({"title": ""}, "title", "Give your suggestion a title."),
    ({"title": "   "}, "title", "Give your suggestion a title."),
    ({"title": "x" * 101}, "title", "At most 100 characters."),
    ({"body": "x" * 5001}, "body", "At most 5000 characters."),
    ({"location": "x" * 101}, "location", "At most 100 characters."),
    ({"category": "weather"}, "category", "Unknown category."),
]


@pytest.mark.parametrize(("fields", "field", "message"), BAD_FIELDS)
def test_bad_fields_are_refused_with_a_clear_message(client, factory, session, settings,
                                                     fields, field, message):
    resident = factory.user()
    r = client.post("/api/v1/suggestions", data={"title": "ok", "body": "ok", **fields},
                    files=files(png()), headers={**auth(resident), "Accept-Language": "en"})
    assert r.status_code == 422
    assert r.json() == {"detail": message, "field": field}
    assert count(session, Suggestion) == 0 and count(session, Photo) == 0
    assert upload_files(settings) == []


def test_messages_come_in_chinese_by_default(client, factory):
    r = submit(client, factory.user(), title="")
    assert r.status_code == 422 and r.json()["detail"] == "请为您的建议写一个标题。"


def test_exactly_the_limits_are_accepted(client, factory):
    s = make(client, factory.user(), title="题" * 100, body="文" * 5000, location="楼" * 100)
    assert len(s["title"]) == 100 and len(s["body"]) == 5000


def test_windows_line_ends_count_once(client, factory):
    # A textarea sends CRLF; 2,500 lines of "x" are 5,000 characters as the person sees them.
    s = make(client, factory.user(), body="x\r\n" * 2500)
    assert s["body"] == ("x\n" * 2500).strip()


BAD_PHOTOS = [
    (lambda: files(b"this is not an image at all" * 50, names=["cat.png"]), 422,
     "This file is not a photo we can read (JPEG, PNG or WebP)."),
    (lambda: files(b"GIF89a" + png()[6:], names=["fake.png"]), 422,
     "This file is not a photo we can read (JPEG, PNG or WebP)."),
    (lambda: files(png(), png(), png(), png()), 422, "At most 3 photos."),
    (lambda: files(big_png(12), names=["huge.png"]), 413, "Each photo may be at most 8 MB."),
    (lambda: files(png(), b"%PDF-1.4 not a photo", names=["a.png", "b.png"]), 422,
     "This file is not a photo we can read (JPEG, PNG or WebP)."),
]


@pytest.mark.parametrize(("make_files", "status", "message"), BAD_PHOTOS,
                         ids=["text-named-png", "broken-gif", "fourth-photo", "12MB",
                              "one-bad-of-two"])
def test_bad_photos_are_refused_and_nothing_is_half_saved(client, factory, session, settings,
                                                          make_files, status, message):
    resident = factory.user()
    r = client.post("/api/v1/suggestions", data={"title": "Broken bench", "body": "…"},
                    files=make_files(), headers={**auth(resident), "Accept-Language": "en"})
    assert r.status_code == status, r.text
    assert r.json()["detail"] == message
    assert count(session, Suggestion) == 0 and count(session, Photo) == 0
    assert upload_files(settings) == []  # no orphan files


def test_gif_is_refused_even_when_it_is_a_real_image(client, factory):
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    r = client.post("/api/v1/suggestions", data={"title": "t"},
                    files=files(buf.getvalue(), names=["anim.png"]),
                    headers={**auth(factory.user()), "Accept-Language": "en"})
    assert r.status_code == 422
    assert r.json()["detail"] == "Only JPEG, PNG or WebP photos are accepted."


def test_webp_is_accepted_and_turned_into_jpeg(client, factory):
    buf = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 200, 0, 128)).save(buf, "WEBP")
    s = make(client, factory.user(), photos=files(buf.getvalue(), names=["x.webp"],
                                                  ctype="image/webp"))
    r = client.get(s["photos"][0]["url"])
    assert Image.open(io.BytesIO(r.content)).format == "JPEG"


def test_files_are_removed_when_the_transaction_rolls_back(session, settings, factory):
    """If the database refuses the rows after the files were written, the files go too."""
    from meetingroom import db, photos

    resident = factory.user()
    with pytest.raises(RuntimeError):
        for s in db.session_scope():
            photos.save_photos(s, [photos.Upload(png())], community_id=resident.community_id,
                               uploader_id=resident.id)
            assert len(upload_files(settings)) == 2
            raise RuntimeError("the commit never happens")
    assert upload_files(settings) == []
    for s in db.session_scope():
        photos.save_photos(s, [photos.Upload(png())], community_id=resident.community_id,
                           uploader_id=resident.id)
    assert len(upload_files(settings)) == 2  # committed: kept


def test_anonymous_cannot_submit(client):
    r = client.post("/api/v1/suggestions", data={"title": "t"})
    assert r.status_code == 401


def test_posting_is_rate_limited(client, factory, settings):
    settings.post_rate = (2, 60)
    resident = factory.user()
    assert submit(client, resident).status_code == 201
    assert submit(client, resident).status_code == 201
    r = submit(client, resident)
    assert r.status_code == 429 and "retry-after" in r.headers


# -- the phone form ------------------------------------------------------------------------------

def form_post(client, csrf, *, data=None, photos=None):
    fields = {"csrf_token": csrf, "title": "The light at building 3 is broken",
              "body": "Dark for a week.\nPlease fix it.", "category": "safety",
              "location": "3-2", **(data or {})}
    return client.post("/suggestions", data=fields, files=photos or None,
                       follow_redirects=False)


def test_form_shows_chips_photo_input_and_no_inline_script(client, factory):
    login(client, factory.user())
    r = client.get("/suggestions/new")
    html = r.text
    assert r.status_code == 200
    assert 'type="file" name="photos" accept="image/*" multiple' in html
    assert 'enctype="multipart/form-data"' in html
    assert html.count('type="radio" name="category"') == 6
    assert "添加照片" in html and "提交建议" in html
    assert '<script src="/static/suggest.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # CSP: no inline scripts
    assert client.get("/static/suggest.js").status_code == 200


def test_form_submit_redirects_to_submitted_page_with_timeline(client, factory, session):
    resident = factory.user("钱阿姨")
    csrf = login(client, resident)
    r = form_post(client, csrf, photos=files(png()))
    assert r.status_code == 303
    assert re.fullmatch(r"/suggestions/\d+\?submitted=1", r.headers["location"])
    page = client.get(r.headers["location"]).text
    assert "已提交" in page and "班子成员会阅读每一条新建议" in page
    assert 'class="timeline"' in page
    row = session.exec(select(Suggestion)).one()
    assert row.body == "Dark for a week.\nPlease fix it." and row.category_id is not None


@pytest.mark.parametrize(("photos", "status", "message"), [
    (lambda: files(b"not an image" * 10, names=["x.png"]), 422, "无法识别该文件"),
    (lambda: files(png(), png(), png(), png()), 422, "最多上传 3 张照片"),
    (lambda: files(big_png(12)), 413, "每张照片不能超过 8 MB"),
], ids=["not-an-image", "fourth-photo", "12MB"])
def test_a_failed_photo_keeps_everything_typed(client, factory, session, settings, photos,
                                               status, message):
    csrf = login(client, factory.user())
    r = form_post(client, csrf, data={"title": "长椅<坏了>", "location": "东门"},
                  photos=photos())
    assert r.status_code == status
    assert message in r.text
    assert 'value="长椅&lt;坏了&gt;"' in r.text
    assert "Dark for a week.\nPlease fix it.</textarea>" in r.text
    assert 'value="东门"' in r.text
    assert re.search(r'value="safety" checked', r.text)
    assert "请重新选择照片" in r.text
    assert count(session, Suggestion) == 0 and upload_files(settings) == []


def test_form_without_title_says_so_in_place(client, factory, session):
    csrf = login(client, factory.user())
    r = form_post(client, csrf, data={"title": ""})
    assert r.status_code == 422
    assert 'id="e-title"' in r.text and "请为您的建议写一个标题" in r.text
    assert count(session, Suggestion) == 0


def test_form_needs_login_and_csrf(client, factory):
    r = client.get("/suggestions/new", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    login(client, factory.user())
    r = form_post(client, "wrong-token")
    assert r.status_code == 403
