"""The list page's cards and the API's list, pinned byte for byte (issue 11, fifth round: both
were made cheaper — statements built once, the API's page validated once, the cards kept
rendered — without changing what they return)."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from meetingroom import i18n, templating
from meetingroom.models import Photo, Suggestion
from meetingroom.suggestions import service, web
from tests.conftest import auth, login, statements_run
from tests.suggestions.helpers import files, make, png

T0 = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)  # 09:30 in Asia/Shanghai, the same day

WORDS = {
    "en": {"submitted": "Submitted", "declined": "Declined", "safety": "Safety",
           "supports": ("1 support", "0 supports"),
           "steps": ["Submitted", "Sponsored", "On a meeting agenda", "Adopted by the meeting",
                     "Being carried out", "Done"]},
    "zh_CN": {"submitted": "已提交", "declined": "未予采纳", "safety": "治安安全",
              "supports": ("1 人附议", "0 人附议"),
              "steps": ["已提交", "已有委员提议", "已列入会议议程", "会议决议通过", "正在落实",
                        "已完成"]},
}


def _data(client, factory, session):
    """Newest first: one with a category, two photos, a shown name and a support; a plain
    one; a declined one with its reason."""
    author = factory.user("王五")
    supporter = factory.user()
    a = make(client, author, title="路灯 <坏了> & 黑", category="safety", show_name="true",
             photos=files(png(), png(50, 40)))
    b = make(client, author, title="Plain", body="")
    c = make(client, author, title="No", body="x")
    assert client.post(f"/api/v1/suggestions/{a['id']}/support",
                       headers=auth(supporter)).status_code == 200
    for sid, days in ((a["id"], 0), (b["id"], 1), (c["id"], 2)):
        s = session.get(Suggestion, sid)
        s.created_at = T0 - timedelta(days=days)
        if sid == c["id"]:
            s.status, s.decline_reason = "declined", "Not ours"
        session.add(s)
    session.commit()
    shots = session.exec(select(Photo).where(Photo.suggestion_id == a["id"])
                         .order_by(Photo.position, Photo.id)).all()
    return supporter, (a["id"], b["id"], c["id"]), shots


def _iso(db_backend: str, days: int) -> str:
    """created_at as the card writes it: SQLite hands back naive (UTC) datetimes."""
    return (T0 - timedelta(days=days)).isoformat().replace(
        "+00:00", "+00:00" if db_backend == "postgresql" else "")


def _card(sid, title, status, label, supports, iso, day, tag=None, thumb=None) -> str:
    return (f'<li class="sugg">\n  <a class="sugg-link" href="/suggestions/{sid}">\n'
            f'    <span class="sugg-main">\n      <strong class="sugg-title">{title}</strong>\n'
            f'      <span class="sugg-meta">\n'
            f'        <span class="status st-{status}">{label}</span>\n'
            + (f'<span class="tag">{tag}</span>' if tag else "")
            + f'        <span class="supports">{supports}</span>\n'
            f'        <time datetime="{iso}">{day}</time>\n      </span>\n    </span>\n'
            + (f'<img class="sugg-thumb" src="/photos/{thumb[0]}/{thumb[1]}" alt="" width="64"'
               f' height="64" loading="lazy">' if thumb else "")
            + "  </a>\n</li>")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("who", ["visitor", "supporter"])
def test_the_list_pages_cards_are_pinned(client, factory, session, db_backend, lang, who):
    supporter, (a, b, c), shots = _data(client, factory, session)
    if who == "supporter":
        login(client, supporter)
    client.cookies.set("mr_lang", lang)
    w = WORDS[lang]
    card_a = _card(a, "路灯 &lt;坏了&gt; &amp; 黑", "submitted", w["submitted"], w["supports"][0],
                   _iso(db_backend, 0), "2026-11-03", tag=w["safety"],
                   thumb=(shots[0].id, shots[0].thumb))
    card_b = _card(b, "Plain", "submitted", w["submitted"], w["supports"][1],
                   _iso(db_backend, 1), "2026-11-02")
    card_c = _card(c, "No", "declined", w["declined"], w["supports"][1], _iso(db_backend, 2),
                   "2026-11-01")

    def cards(**params) -> str:
        html = client.get("/suggestions", params=params).text
        return re.search(r'<ul class="sugg-list">\n(.*?)</ul>', html, re.S).group(1)

    for _ in range(2):  # rendered, then kept
        assert cards() == card_a + card_b + card_c
        assert cards(sort="supported") == card_a + card_c + card_b
        assert cards(status="declined") == card_c
        assert cards(category="safety") == card_a


def test_a_kept_card_changes_with_its_suggestion(client, factory, session):
    """The kept cards are keyed by what they show: a new support count, a renamed category,
    the other language are new cards at once."""
    supporter, (a, _b, _c), _shots = _data(client, factory, session)
    secretary = factory.secretary()
    client.cookies.set("mr_lang", "en")
    assert '<span class="supports">1 support</span>' in client.get("/suggestions").text
    client.post(f"/api/v1/suggestions/{a}/support", headers=auth(factory.user()))
    assert '<span class="supports">2 supports</span>' in client.get("/suggestions").text
    safety = next(c for c in service.categories(session, secretary.community_id)
                  if c.code == "safety")
    r = client.patch(f"/api/v1/categories/{safety.id}", json={"name_en": "Safe streets"},
                     headers=auth(secretary))
    assert r.status_code == 200, r.text
    assert '<span class="tag">Safe streets</span>' in client.get("/suggestions").text
    client.cookies.set("mr_lang", "zh_CN")
    assert '<span class="tag">治安安全</span>' in client.get("/suggestions").text


class _Reads:
    """Stands in for a view, a suggestion, a category or a photo, noting each attribute read."""

    def __init__(self, obj, name: str, seen: set[str]) -> None:
        self._obj, self._name, self._seen = obj, name, seen

    def __getattr__(self, attr: str):
        self._seen.add(f"{self._name}.{attr}")
        value = getattr(self._obj, attr)
        if attr in ("suggestion", "category") and value is not None:
            return _Reads(value, attr, self._seen)
        if attr == "photos":
            return [_Reads(p, "photo", self._seen) for p in value]
        return value


def test_the_card_reads_nothing_its_key_leaves_out(client, factory, session):
    """A kept card is right only if its key (suggestions/web._card_key) holds everything the
    card template reads: a card that starts showing something more fails here until the key
    has it too."""
    supporter, ids, _shots = _data(client, factory, session)
    items = session.exec(select(Suggestion).where(Suggestion.id.in_(ids))).all()
    template = templating.env.get_template("suggestions/_card.html")
    for viewer in (None, supporter):
        for v in service.views(session, items, viewer=viewer):
            shown: set[str] = set()
            keyed: set[str] = set()
            template.render(v=_Reads(v, "v", shown))
            web._card_key(_Reads(v, "v", keyed))  # type: ignore[arg-type]
            assert shown and shown <= keyed, shown - keyed
    assert i18n.get_locale()  # the key's language is the request's, read the same way


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_api_list_and_its_cursor_page_are_pinned(client, factory, session, db_backend,
                                                     lang):
    supporter, (a, b, c), shots = _data(client, factory, session)
    w = WORDS[lang]

    def when(days: int) -> str:
        return (T0 - timedelta(days=days)).isoformat().replace("+00:00", "Z")

    def timeline(days: int, declined: bool = False) -> list[dict]:
        steps = [{"key": "submitted", "label": w["steps"][0], "done": True, "when": when(days),
                  "link": None, "note": None, "detail": None}]
        if declined:
            return steps + [{"key": "declined", "label": w["declined"], "done": True,
                             "when": None, "link": None, "note": None, "detail": "Not ours"}]
        return steps + [{"key": key, "label": label, "done": False, "when": None, "link": None,
                         "note": None, "detail": None} for key, label in zip(
            ("sponsored", "on_agenda", "adopted", "in_progress", "done"), w["steps"][1:],
            strict=True)]

    def item(sid, title, body, days, **over) -> dict:
        return {"id": sid, "title": title, "body": body, "status": "submitted",
                "status_label": w["submitted"], "supporters": 0, "created_at": when(days),
                "proposal_id": None, "category": None, "category_name": None, "location": "",
                "author_name": None, "entered_by_staff": False, "decline_reason": None,
                "photos": [], "supported": False, "hidden": False, "timeline": timeline(days),
                **over}

    def shot(p: Photo) -> dict:
        return {"url": f"/photos/{p.id}/{p.file}", "thumb_url": f"/photos/{p.id}/{p.thumb}",
                "width": p.width, "height": p.height}

    def cursor(days: int, sid: int, backwards: int, position: int) -> str:
        raw = json.dumps({"o": "newest", "v": [_iso(db_backend, days), sid], "b": backwards,
                          "p": position}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def body(page: dict) -> str:
        return json.dumps(page, ensure_ascii=False, separators=(",", ":"))

    for viewer in (None, supporter):
        headers = {"Accept-Language": lang, **(auth(viewer) if viewer else {})}
        first = client.get("/api/v1/suggestions", params={"limit": 2}, headers=headers)
        assert first.text == body({
            "total": 3, "total_capped": False, "next_cursor": cursor(1, b, 0, 2),
            "prev_cursor": None, "items": [
                item(a, "路灯 <坏了> & 黑", "It has been dark for a week.", 0, supporters=1,
                     category="safety", category_name=w["safety"], author_name="王五",
                     photos=[shot(p) for p in shots], supported=viewer is not None),
                item(b, "Plain", "", 1)]})
        second = client.get("/api/v1/suggestions", params={
            "limit": 2, "cursor": first.json()["next_cursor"]}, headers=headers)
        assert second.text == body({
            "total": 3, "total_capped": False, "next_cursor": None,
            "prev_cursor": cursor(2, c, 1, 2), "items": [
                item(c, "No", "x", 2, status="declined", status_label=w["declined"],
                     decline_reason="Not ours", timeline=timeline(2, declined=True))]})


def test_one_built_statement_serves_every_community_and_cursor(session, community, factory,
                                                               stranger):
    """The list's statement is built once per shape and bound per request: another
    community's call gets its own rows, a cursor its own page; the page and its capped total
    are one query."""
    mine = factory.user()
    for n, (who, cid) in enumerate([(mine, community.id)] * 3
                                   + [(stranger, stranger.community_id)] * 2):
        session.add(Suggestion(community_id=cid, author_id=who.id, title=f"t{n}", body="",
                               created_at=T0 + timedelta(minutes=n)))
    session.commit()

    def titles(s: Session, cid: int, **kw) -> list[str]:
        return [x.title for x in service.list_suggestions(s, community_id=cid, viewer=None,
                                                          limit=2, **kw).items]

    assert titles(session, community.id) == ["t2", "t1"]
    assert titles(session, stranger.community_id) == ["t4", "t3"]
    page = service.list_suggestions(session, community_id=community.id, viewer=None, limit=2)
    assert page.total == 3 and titles(session, community.id, cursor=page.next_cursor) == ["t0"]
    assert service.list_suggestions(session, community_id=stranger.community_id, viewer=None,
                                    limit=2).total == 2
    # The total rides in the page's query; a page past the end has no row to carry it.
    past = service.list_suggestions(session, community_id=community.id, viewer=None, offset=9)
    assert past.items == [] and past.total == 3
    with statements_run() as ran:
        service.list_suggestions(session, community_id=community.id, viewer=None, limit=2)
    assert len([s for s in ran if s.lstrip().upper().startswith("SELECT")]) == 1, ran
    assert service._list_statement("public", False, None) is service._list_statement(
        "public", False, None)
