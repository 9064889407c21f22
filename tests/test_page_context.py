"""The layout's community (deps._community_info, one Core query per page): a change of its
settings shows on the very next page, for visitors and the logged-in alike — nothing is cached
across requests, so every worker sees it too."""

from __future__ import annotations

from tests.conftest import login


def brand(client) -> str:
    html = client.get("/").text
    return html.split('class="brand" href="/">', 1)[1].split("<small>", 1)[0]


def test_the_layout_shows_a_renamed_community_at_once(client, session, community, factory):
    assert brand(client) == community.name
    community.name = "新名字社区"
    session.add(community)
    session.commit()
    assert brand(client) == "新名字社区"
    login(client, factory.user())
    community.name = "又一个名字"
    session.add(community)
    session.commit()
    assert brand(client) == "又一个名字"


def test_the_visitors_community_read_is_the_session_read(session, community):
    """Anonymous pages read the layout's community outside the request's session on SQLite
    (db.read_committed); it must be the very CommunityInfo the session's Core read gives, types
    included (SQLite's 0/1 for the boolean), on both databases."""
    from meetingroom import deps
    from meetingroom.community.service import DEFAULT_SLUG

    for self_registration in (False, True):
        community.self_registration = self_registration
        session.add(community)
        session.commit()
        by_session = deps.CommunityInfo(*session.execute(deps._COMMUNITY_BY_SLUG,
                                                         {"slug": DEFAULT_SLUG}).one())
        read = deps._community_info(session, None)
        assert read == by_session
        assert type(read.self_registration) is bool and read.self_registration is self_registration


def test_a_visitors_home_page_opens_no_session_connection_on_sqlite(client, community, db_url):
    """The anonymous home page's only query was the layout's community: on SQLite it is read on
    the worker thread's own connection, and the request's session never connects (no BEGIN, no
    COMMIT). A change made meanwhile still shows at once (the test above)."""
    from tests.conftest import statements_run

    client.get("/")
    with statements_run() as statements:
        assert client.get("/").status_code == 200
    if db_url.startswith("sqlite"):
        assert statements == []
    else:  # PostgreSQL: the community through the session, as before
        assert len([s for s in statements if "community" in s]) == 1
