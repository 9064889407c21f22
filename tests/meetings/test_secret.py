"""R7.6 secret ballots: the database records that a member voted and the choices, with nothing
that links the two (no voter beside a choice, no per-ballot time or order beside a choice)."""

from __future__ import annotations

import json

from sqlmodel import select

from meetingroom.models import AgendaItem, AuditLog, Ballot, ChainEntry, VoteCast


def test_a_secret_ballot_stores_who_voted_and_the_counts_never_the_link(meet, committee,
                                                                        make_proposal, session):
    meet.schedule([make_proposal()])
    meet.check_in(*committee[:6])
    meet.open()
    meet.open_vote(secret=True)
    choices = {committee[0].id: "agree", committee[1].id: "oppose", committee[2].id: "agree"}
    for user in committee[:3]:
        tally = meet.vote(user, choices[user.id])
        assert tally["agree"] is None and tally["oppose"] is None  # withheld while open
    tally = meet.close_vote()
    assert (tally["agree"], tally["oppose"], tally["abstain"], tally["cast"]) == (2, 1, 0, 3)

    session.expire_all()
    item_id = meet.items[0]
    # Who voted: yes. What each chose: nowhere.
    assert session.exec(select(Ballot).where(Ballot.item_id == item_id)).all() == []
    voters = session.exec(select(VoteCast.voter_id).where(VoteCast.item_id == item_id)).all()
    assert sorted(voters) == sorted(choices)
    assert not hasattr(VoteCast, "choice") and not hasattr(VoteCast, "cast_at")
    item = session.get(AgendaItem, item_id)
    assert (item.method, item.agree, item.oppose) == ("secret", 2, 1)
    # The ballot log says only that a secret ballot was cast; the totals come at the close.
    payloads = [json.loads(e.payload) for e in session.exec(
        select(ChainEntry).order_by(ChainEntry.position)).all()]
    ballots = [p for p in payloads if p["type"] == "ballot"]
    assert ballots == [{"type": "ballot", "item_id": item_id, "secret": True}] * 3
    assert payloads[-1]["type"] == "vote_closed" and payloads[-1]["agree"] == 2
    # Nor does the audit log keep a choice beside the person who cast it.
    audit = session.exec(select(AuditLog).where(AuditLog.action == "ballot.cast")).all()
    assert len(audit) == 3
    assert all("choice" not in a.detail and a.detail.get("secret") is True for a in audit)


def test_an_open_ballot_is_named(meet, committee, make_proposal, session):
    meet.schedule([make_proposal()])
    meet.check_in(*committee[:6])
    meet.open()
    meet.open_vote()
    meet.vote(committee[0], "oppose")
    session.expire_all()
    ballot = session.exec(select(Ballot)).one()
    assert (ballot.voter_id, ballot.choice) == (committee[0].id, "oppose")
    assert meet.tally()["voted_ids"] == [committee[0].id]
