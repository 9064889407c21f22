"""The public list and detail: pagination, filters, sorting, and what is never shown."""

import re

import pytest
from sqlmodel import select

from meetingroom.models import Proposal, Suggestion
from tests.conftest import auth, login
from tests.suggestions.helpers import make


def titles(r) -> list[str]:
    assert r.status_code == 200, r.text
    return [item["title"] for item in r.json()["items"]]


def set_status(session, sid: int, status: str, proposal_status: str | None = None,
               sponsor_id: int | None = None) -> None:
    s = session.get(Suggestion, sid)
    s.status = status
    if proposal_status:
        p = Proposal(community_id=s.community_id, sponsor_id=sponsor_id, title="p", body="b",
                     principle="practical", status=proposal_status)
        session.add(p)
        session.flush()
        s.proposal_id = p.id
    session.add(s)
    session.commit()


def test_pagination_returns_items_and_total(client, factory):
    resident = factory.user()
    for i in range(7):
        make(client, resident, title=f"S{i}")
    r = client.get("/api/v1/suggestions", params={"limit": 3, "offset": 0})
    assert r.json()["total"] == 7 and titles(r) == ["S6", "S5", "S4"]
    assert titles(client.get("/api/v1/suggestions", params={"limit": 3, "offset": 3})) == [
        "S3", "S2", "S1"]
    assert titles(client.get("/api/v1/suggestions", params={"limit": 3, "offset": 6})) == ["S0"]
    assert client.get("/api/v1/suggestions", params={"limit": 101}).status_code == 422
    assert client.get("/api/v1/suggestions", params={"offset": -1}).status_code == 422


def test_sort_by_most_supported(client, factory):
    author = factory.user()
    a, b, c = (make(client, author, title=t) for t in ("A", "B", "C"))
    for _ in range(2):
        client.post(f"/api/v1/suggestions/{a['id']}/support", headers=auth(factory.user()))
    client.post(f"/api/v1/suggestions/{c['id']}/support", headers=auth(factory.user()))
    r = client.get("/api/v1/suggestions", params={"sort": "supported"})
    assert titles(r) == ["A", "C", "B"]
    assert [i["supporters"] for i in r.json()["items"]] == [2, 1, 0]
    assert titles(client.get("/api/v1/suggestions")) == ["C", "B", "A"]  # newest first
    bad = client.get("/api/v1/suggestions", params={"sort": "random"},
                     headers={"Accept-Language": "en"})
    # The document lists the sort orders (an enum); anything else is a field error.
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "sort"
    assert "newest" in bad.json()["detail"]


def test_filter_by_category_and_status(client, factory, session):
    author = factory.user()
    member = factory.user(seat="part_time")
    park = make(client, author, title="Parking", category="parking")
    make(client, author, title="Light", category="safety")
    declined = make(client, author, title="Declined one", category="parking")
    set_status(session, declined["id"], "declined")
    agenda = make(client, author, title="On agenda", category="safety")
    set_status(session, agenda["id"], "sponsored", "on_agenda", member.id)
    assert titles(client.get("/api/v1/suggestions", params={"category": "parking"})) == [
        "Declined one", "Parking"]
    assert titles(client.get("/api/v1/suggestions", params={"status": "submitted"})) == [
        "Light", "Parking"]
    assert titles(client.get("/api/v1/suggestions", params={"status": "on_agenda"})) == [
        "On agenda"]
    assert titles(client.get("/api/v1/suggestions", params={
        "status": "submitted", "category": "parking"})) == ["Parking"]
    assert park["id"]
    r = client.get("/api/v1/suggestions", params={"category": "weather"},
                   headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["detail"] == "Unknown category."
    r = client.get("/api/v1/suggestions", params={"status": "lost"},
                   headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"


def test_the_list_page_filters_sorts_and_pages(client, factory):
    author = factory.user()
    for i in range(23):
        make(client, author, title=f"Item {i:02d}", category="parking" if i % 2 else "safety")
    html = client.get("/suggestions").text
    assert "共 23 条建议" in html
    assert html.count('class="sugg"') == 20
    assert "Item 22" in html and "Item 02" not in html
    # "Next" carries a keyset cursor (meetingroom/pagination.py); ?offset= still works too.
    next_link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert next_link.startswith("/suggestions?sort=newest&cursor=")
    page2 = client.get(next_link).text
    assert page2.count('class="sugg"') == 3 and "Item 00" in page2 and "第 21–23 条" in page2
    assert 'rel="next"' not in page2
    back = re.search(r'rel="prev" href="([^"]+)"', page2).group(1).replace("&amp;", "&")
    assert back == "/suggestions?sort=newest" and "Item 22" in client.get(back).text
    assert client.get("/suggestions?offset=20").text.count('class="sugg"') == 3
    parking = client.get("/suggestions?category=parking&sort=supported").text
    assert "共 11 条建议" in parking and "Item 01" in parking and "Item 02" not in parking
    assert 'href="/suggestions?category=parking&amp;sort=newest"' in parking


def test_author_phone_never_shown_and_name_only_when_chosen(client, factory):
    shy = factory.user("Shy Person")
    proud = factory.user("Proud Person")
    a = make(client, shy, title="Anonymous one")
    b = make(client, proud, title="Named one", show_name="true")
    assert a["author_name"] is None and b["author_name"] == "Proud Person"
    for path in ("/suggestions", f"/suggestions/{a['id']}", f"/suggestions/{b['id']}",
                 "/api/v1/suggestions", f"/api/v1/suggestions/{a['id']}"):
        text = client.get(path).text
        assert shy.phone not in text and proud.phone not in text
        assert "Shy Person" not in text
    assert "Proud Person" in client.get(f"/suggestions/{b['id']}").text
    assert "一位居民" in client.get(f"/suggestions/{a['id']}").text
    # Not even to a committee member.
    member = factory.user(seat="chair")
    login(client, member)
    assert shy.phone not in client.get("/inbox").text
    assert shy.phone not in client.get(f"/suggestions/{a['id']}").text


def test_detail_of_unknown_suggestion_is_404(client):
    assert client.get("/api/v1/suggestions/999").status_code == 404
    r = client.get("/suggestions/999")
    assert r.status_code == 404 and "没有这条建议" in r.text


def test_another_communitys_suggestion_is_404(client, factory, stranger):
    s = make(client, factory.user())
    assert client.get(f"/api/v1/suggestions/{s['id']}", headers=auth(stranger)).status_code == 404
    r = client.post(f"/api/v1/suggestions/{s['id']}/support", headers=auth(stranger))
    assert r.status_code == 404
    assert client.get("/api/v1/suggestions", headers=auth(stranger)).json()["total"] == 0


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_list_and_detail_render_in_both_languages(client, factory, lang):
    s = make(client, factory.user(), category="elderly")
    client.cookies.set("mr_lang", lang)
    listing = client.get("/suggestions").text
    detail = client.get(f"/suggestions/{s['id']}").text
    if lang == "en":
        assert "Residents&#39; suggestions" in listing and "Elderly care" in listing
        assert "Where it stands" in detail and "Submitted" in detail
    else:
        assert "居民建议" in listing and "养老助老" in listing
        assert "办理进度" in detail and "已提交" in detail


def test_list_query_count_does_not_grow_with_the_page(client, factory, session):
    """Timelines and views are loaded in a fixed number of queries, whatever the page size."""
    import sqlalchemy as sa

    from meetingroom import db

    author = factory.user()
    for i in range(3):
        make(client, author, title=f"a{i}")
    engine = db.get_engine()
    statements = []

    def count_it(*_args):
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", count_it)
    try:
        client.get("/api/v1/suggestions?limit=3")
        small = len(statements)
        for i in range(12):
            make(client, author, title=f"b{i}")
        statements.clear()
        client.get("/api/v1/suggestions?limit=15")
        assert len(statements) == small
    finally:
        sa.event.remove(engine, "before_cursor_execute", count_it)
    assert session.exec(select(Suggestion)).all()
