"""The hash chain: appended in order, exported, recomputed, and tampering is caught."""

import hashlib
import json
from datetime import UTC, datetime

import pytest

from meetingroom.meetings import chain
from meetingroom.models import Meeting


@pytest.fixture
def meeting(session, community):
    m = Meeting(community_id=community.id, kind="work", title="M", starts_at=datetime.now(UTC))
    session.add(m)
    session.commit()
    return m


def test_chain_links_each_entry_to_the_previous(session, meeting):
    assert chain.digest(session, meeting.id) == chain.GENESIS
    a = chain.append(session, meeting_id=meeting.id, payload={"type": "ballot", "choice": "agree"})
    b = chain.append(session, meeting_id=meeting.id, payload={"type": "vote_closed", "agree": 1})
    session.commit()
    assert (a.position, b.position) == (1, 2)
    assert a.prev_hash == chain.GENESIS and b.prev_hash == a.hash
    # Recomputed here by hand, independently of chain.link:
    expected = hashlib.sha256(
        (a.hash + "\n" + '{"agree":1,"type":"vote_closed"}').encode()).hexdigest()
    assert b.hash == expected == chain.digest(session, meeting.id)


def test_export_verifies_and_tampering_is_detected(session, meeting):
    for choice in ("agree", "oppose", "agree"):
        chain.append(session, meeting_id=meeting.id, payload={"type": "ballot", "choice": choice})
    session.commit()
    lines = list(chain.export(session, meeting.id))
    assert chain.verify(lines) == chain.digest(session, meeting.id)
    row = json.loads(lines[1])
    row["payload"] = row["payload"].replace("oppose", "agree")
    lines[1] = json.dumps(row) + "\n"
    with pytest.raises(ValueError, match="entry 2"):
        chain.verify(lines)
    # Dropping an entry breaks the chain too.
    with pytest.raises(ValueError):
        chain.verify([lines[0], lines[2]])
