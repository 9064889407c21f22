"""Lists do bounded work whatever the table size (issue 11, meetingroom/pagination.py): the total
is capped at 10,000, pages go by keyset cursors, and every list's queries use their index — the
plans are checked with EXPLAIN on SQLite and on PostgreSQL, so a lost index fails CI."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import event, insert

from meetingroom import db, notifications
from meetingroom.auth import service as auth_service
from meetingroom.followup import service as followup
from meetingroom.meetings import service as meetings
from meetingroom.models import Suggestion, User
from meetingroom.pagination import TOTAL_CAP, Order
from meetingroom.proposals import service as proposals
from meetingroom.suggestions import service as suggestions
from tests.conftest import auth, login

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def add_suggestions(session, community, author, n: int, *, same_time_every: int = 1,
                    supporters: Callable[[int], int] = lambda i: 0) -> None:
    """n visible suggestions inserted in bulk; `same_time_every` > 1 gives runs of equal
    created_at (the keyset must break ties by id)."""
    rows = [dict(community_id=community.id, author_id=author.id, title=f"S{i}", body="b",
                 status="submitted", hidden=False, supporters=supporters(i),
                 created_at=T0 + timedelta(seconds=i // same_time_every)) for i in range(n)]
    for start in range(0, n, 5000):
        session.execute(insert(Suggestion), rows[start:start + 5000])
    session.commit()


# -- the capped total -------------------------------------------------------------------------

def test_total_is_exact_up_to_the_cap_then_capped(client, session, community, factory):
    author = factory.user()
    add_suggestions(session, community, author, TOTAL_CAP)
    page = client.get("/api/v1/suggestions?limit=1").json()
    assert page["total"] == TOTAL_CAP and page["total_capped"] is False
    add_suggestions(session, community, author, 5)
    page = client.get("/api/v1/suggestions?limit=1").json()
    assert page["total"] == TOTAL_CAP and page["total_capped"] is True
    assert client.get("/suggestions").text.count("共 10000+ 条建议") == 1
    client.cookies.set("mr_lang", "en")
    en = client.get("/suggestions").text
    assert "10,000+ suggestions" in en and "1–20 of 10,000+" in en


# -- keyset pages ---------------------------------------------------------------------------

def walk(client, path: str, limit: int, **params) -> tuple[list[int], list[dict]]:
    """Every id of a list, following next_cursor from the first page."""
    pages = [client.get(path, params={"limit": limit, **params}).json()]
    while pages[-1]["next_cursor"]:
        r = client.get(path, params={"limit": limit, "cursor": pages[-1]["next_cursor"],
                                     **params})
        assert r.status_code == 200, r.text
        pages.append(r.json())
    return [item["id"] for p in pages for item in p["items"]], pages


@pytest.mark.parametrize("sort", ["newest", "supported"])
def test_cursor_pages_match_offset_pages_with_ties(client, session, community, factory, sort):
    author = factory.user()
    # Runs of three with one created_at, and supporters with many ties: ties are broken by id.
    add_suggestions(session, community, author, 47, same_time_every=3,
                    supporters=lambda i: i % 4)
    by_offset = [s["id"] for s in client.get(
        f"/api/v1/suggestions?sort={sort}&limit=100").json()["items"]]
    assert len(by_offset) == 47
    ids, pages = walk(client, "/api/v1/suggestions", 5, sort=sort)
    assert ids == by_offset and len(pages) == 10
    # Backwards from the last page gives the same pages in reverse.
    back = [pages[-1]]
    while back[-1]["prev_cursor"]:
        back.append(client.get("/api/v1/suggestions", params={
            "sort": sort, "limit": 5, "cursor": back[-1]["prev_cursor"]}).json())
    assert [i["id"] for p in reversed(back) for i in p["items"]] == by_offset
    assert pages[0]["prev_cursor"] is None and pages[-1]["next_cursor"] is None


def test_every_api_list_hands_out_cursors(client, session, community, factory):
    """Proposals, meetings and resolutions take the same `cursor` (checked through the API with
    the data each needs elsewhere; here the shape and refusal of a foreign cursor)."""
    sec = factory.secretary()
    for path in ("/api/v1/suggestions", "/api/v1/proposals", "/api/v1/meetings",
                 "/api/v1/resolutions", "/api/v1/me/suggestions"):
        body = client.get(path, headers=auth(sec)).json()
        assert {"items", "total", "total_capped", "next_cursor", "prev_cursor"} <= set(body), path
    newest = client.get("/api/v1/suggestions?limit=1")  # no rows: no cursor to reuse
    assert newest.json()["next_cursor"] is None


def test_bad_cursors_are_422_not_500(client, session, community, factory):
    author = factory.user()
    add_suggestions(session, community, author, 3)
    cursor = client.get("/api/v1/suggestions?limit=1").json()["next_cursor"]
    for bad in ("x", "eyJvIjoibmV3ZXN0In0", cursor[:-3], "A" * 301):
        r = client.get("/api/v1/suggestions", params={"cursor": bad})
        assert r.status_code == 422 and r.json()["detail"], bad
    # A cursor of one order is refused by another.
    r = client.get("/api/v1/suggestions", params={"cursor": cursor, "sort": "supported"},
                   headers={"Accept-Language": "en"})
    assert r.status_code == 422 and "page link" in r.json()["detail"]
    r = client.get("/api/v1/suggestions", params={"cursor": cursor, "offset": 1})
    assert r.status_code == 422
    assert client.get("/suggestions", params={"cursor": "x"}).status_code == 422
    assert client.get("/resolutions", params={"cursor": "x"}).status_code == 422


def test_the_roster_goes_by_cursor_on_the_api_and_the_page(client, session, community,
                                                          factory):
    """Everyone of a community is on the roster (residents too: thousands in a large one); it
    pages by keyset like the other long lists, in the same order as by offset."""
    sec = factory.secretary()
    session.execute(insert(User), [dict(community_id=community.id, name=f"居民{i}",
                                        phone=f"177{i:08d}", password_hash="x")
                                   for i in range(61)])
    session.commit()
    by_offset = [u["id"] for u in client.get("/api/v1/users?limit=200",
                                             headers=auth(sec)).json()["items"]]
    assert len(by_offset) == 62 and by_offset == sorted(by_offset)
    pages = [client.get("/api/v1/users?limit=7", headers=auth(sec)).json()]
    while pages[-1]["next_cursor"]:
        pages.append(client.get("/api/v1/users", headers=auth(sec), params={
            "limit": 7, "cursor": pages[-1]["next_cursor"]}).json())
    assert [u["id"] for p in pages for u in p["items"]] == by_offset and len(pages) == 9
    back = client.get("/api/v1/users", headers=auth(sec),
                      params={"limit": 7, "cursor": pages[-1]["prev_cursor"]}).json()
    assert back["items"] == pages[-2]["items"]
    # The page: 50 a page, Next carries the cursor, the second page starts at row 51.
    login(client, sec)
    first = client.get("/roster").text
    found = re.search(r'href="/roster\?cursor=([^"]+)"[^>]*>下一页', first)
    assert found, first[-3000:]
    second = client.get("/roster", params={"cursor": found.group(1)}).text
    assert "居民49" in second and "居民48<" not in second and "51–62" in second
    assert client.get("/roster", params={"cursor": "x"}).status_code == 422


# -- EXPLAIN: each list's queries use its index --------------------------------------------

@contextlib.contextmanager
def captured_selects(engine: sa.Engine) -> Iterator[list[tuple[str, object]]]:
    statements: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def plan_problems(engine: sa.Engine, statement: str, parameters, index: str | None,
                  count: bool = False) -> list[str]:
    """What is wrong with this query's plan: a full table scan, a sort of the rows (the list
    order must come from the index), or not using `index`; for the capped count on SQLite, a
    read of table rows (10,001 lookups) where an index alone could answer. Empty when right."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            lines = [row[3] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters).all()]
            problems = [f"full scan: {line}" for line in lines
                        if re.fullmatch(r"SCAN (?!anon_)\w+", line)]
            problems += [f"sorts: {line}" for line in lines if "TEMP B-TREE" in line]
            if count and not any("COVERING INDEX" in line for line in lines):
                problems.append("the count reads table rows")
        else:
            # Tiny test tables would be scanned whatever the indexes; forbidding sequential
            # scans and sorts makes the planner show the index it would use at 100,000 rows,
            # and a Sort node when no index gives the list's order.
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_sort = off")
            conn.exec_driver_sql("SET enable_incremental_sort = off")
            lines = [row[0] for row in conn.exec_driver_sql(
                "EXPLAIN " + statement, parameters).all()]
            conn.rollback()
            problems = [f"full scan: {line}" for line in lines if "Seq Scan" in line]
            problems += [f"sorts: {line}" for line in lines
                         if re.search(r"\bSort\b", line) and "Sort Key" not in line]
        if index and not any(index in line for line in lines):
            problems.append(f"{index} not used")
    return [p + "\n  plan: " + " | ".join(lines) for p in problems]


def cursor_for(order: Order, backwards: bool = False, **values) -> str:
    return order.encode(SimpleNamespace(**values), backwards=backwards, position=40)


def list_calls(session, community, factory):
    """(name, call, index the page query must use) for every list, first and deep pages."""
    member = factory.user(seat="chair", secretary=True)
    c = community.id
    t = T0
    cases = [
        ("suggestions newest", lambda **kw: suggestions.list_suggestions(
            session, community_id=c, viewer=None, **kw), "ix_suggestion_newest",
         suggestions.NEWEST, dict(created_at=t, id=5)),
        ("suggestions supported", lambda **kw: suggestions.list_suggestions(
            session, community_id=c, viewer=None, sort="supported", **kw),
         "ix_suggestion_supported", suggestions.SUPPORTED, dict(supporters=3, id=5)),
        ("suggestions hidden (review queue)", lambda **kw: suggestions.list_suggestions(
            session, community_id=c, viewer=member, hidden=True, **kw),
         "ix_suggestion_newest", suggestions.NEWEST, dict(created_at=t, id=5)),
        ("my suggestions", lambda **kw: suggestions.list_suggestions(
            session, community_id=c, viewer=member, author_id=member.id, **kw),
         "ix_suggestion_author_newest", suggestions.NEWEST, dict(created_at=t, id=5)),
        ("suggestions by status", lambda **kw: suggestions.list_suggestions(
            session, community_id=c, viewer=None, status="submitted", **kw),
         "ix_suggestion_list", suggestions.NEWEST, dict(created_at=t, id=5)),
        ("inbox", lambda **kw: proposals.inbox(session, actor=member, **kw),
         "ix_suggestion_list", proposals.INBOX, dict(created_at=t, id=5)),
        ("proposals", lambda **kw: proposals.list_proposals(session, community_id=c, **kw),
         "ix_proposal_newest", proposals.NEWEST, dict(created_at=t, id=5)),
        ("meetings", lambda **kw: meetings.list_meetings(session, community_id=c, **kw),
         "ix_meeting_when", meetings.MEETINGS_NEWEST, dict(starts_at=t, id=5)),
        ("resolutions", lambda **kw: followup.list_resolutions(
            session, community_id=c, filters=followup.check_filters(), **kw),
         "ix_resolution_newest", followup.RESOLUTIONS_NEWEST, dict(id=5)),
        ("notifications", lambda **kw: notifications.list_for(session, member.id, **kw),
         "ix_notification_user_newest", notifications.NEWEST, dict(id=5)),
        ("roster", lambda **kw: auth_service.list_users(session, actor=member, **kw),
         "ix_user_roster", auth_service.ROSTER, dict(id=5)),
        ("rating comments", lambda **kw: followup.list_ratings(
            session, resolution=SimpleNamespace(id=1), viewer=None, **kw),
         "ix_rating_comments", followup.COMMENTS_NEWEST, dict(updated_at=t, id=5)),
        ("rating comments (secretary)", lambda **kw: followup.list_ratings(
            session, resolution=SimpleNamespace(id=1), viewer=member, **kw),
         "ix_rating_comments", followup.COMMENTS_NEWEST, dict(updated_at=t, id=5)),
    ]
    return cases


# Lists whose capped count may read table rows: a rating comment is one per person who rated,
# and whether it has a comment (and is hidden) is only in the row; the count stops at 10,001
# row reads whatever the table size, and the page itself seeks ix_rating_comments.
COUNT_READS_ROWS = {"rating comments", "rating comments (secretary)"}


def check_list_plans(session, community, factory) -> list[str]:
    engine = db.get_engine()
    problems: list[str] = []
    for name, call, index, order, key in list_calls(session, community, factory):
        for kw in ({}, {"offset": 40}, {"cursor": cursor_for(order, **key)},
                   {"cursor": cursor_for(order, backwards=True, **key)}):
            with captured_selects(engine) as statements:
                call(limit=20, **kw)
            session.rollback()
            assert statements, name
            for statement, parameters in statements:
                if " LIMIT " not in statement.upper():
                    continue  # a row reloaded after the rollback, not the list
                is_count = statement.lstrip().upper().startswith("SELECT COUNT")
                # A page query may carry the capped count as a scalar subquery (paginate's
                # `params`): then both checks apply to it.
                has_count = is_count or "count(*)" in statement.lower()
                # The count may use any index (it reads at most 10,001 entries); the page
                # query must use the list's own index, in its order.
                problems += [f"{name} {kw or ''}: {p}" for p in plan_problems(
                    engine, statement, parameters, None if is_count else index,
                    has_count and name not in COUNT_READS_ROWS)]
    return problems


def test_every_list_query_uses_its_index(session, community, factory):
    problems = check_list_plans(session, community, factory)
    assert not problems, "\n".join(problems)


def test_the_plan_check_catches_a_lost_index(session, community, factory):
    """Break it on purpose: without ix_suggestion_newest the public list sorts the table."""
    index = next(i for i in Suggestion.__table__.indexes if i.name == "ix_suggestion_newest")
    with db.get_engine().begin() as conn:
        index.drop(conn)
    try:
        problems = check_list_plans(session, community, factory)
    finally:
        # Put it back: on PostgreSQL the schema outlives this test, and a later test (the
        # migrations' model-vs-schema check) would find the index missing.
        session.rollback()
        with db.get_engine().begin() as conn:
            index.create(conn)
    assert any(p.startswith("suggestions newest") and "ix_suggestion_newest not used" in p
               for p in problems), problems


def test_a_cursor_page_seeks_the_index_instead_of_skipping_rows(session, community, factory):
    """The deep page's query starts at the cursor's key inside the index (SQLite shows the range
    in the SEARCH line; PostgreSQL in the Index Cond), where an offset reads every row before."""
    engine = db.get_engine()
    cursor = cursor_for(suggestions.NEWEST, created_at=T0, id=5)
    with captured_selects(engine) as statements:
        suggestions.list_suggestions(session, community_id=community.id, viewer=None,
                                     cursor=cursor)
    page_query = [s for s in statements if not s[0].lstrip().upper().startswith("SELECT COUNT")]
    statement, parameters = page_query[0]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = " | ".join(r[3] for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters).all())
            assert re.search(r"ix_suggestion_newest \(.*created_at<\?", plan), plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " | ".join(r[0] for r in conn.exec_driver_sql(
                "EXPLAIN " + statement, parameters).all())
            assert re.search(r"Index Cond: .*created_at <=", plan), plan


def test_the_resolution_years_come_from_an_index(session, community):
    """Every resolution list page asks for the first year (min(created_at)): an index read, not
    a pass over 100,000 resolutions."""
    engine = db.get_engine()
    with captured_selects(engine) as statements:
        followup.years_with_resolutions(session, community_id=community.id)
    (statement, parameters), = [s for s in statements if "min(" in s[0].lower()]
    problems = plan_problems(engine, statement, parameters, "ix_resolution_created")
    assert not problems, problems
