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
