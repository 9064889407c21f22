"""Issue 11 target 1: ballots in constant time, written in groups (group commit).

Ballots that arrive together share one transaction, one `seq` and one `tally` event; each is
durable before its 201, each is still checked as if alone (R7.5), and the tally event is built
from the item's counters and what was frozen when the vote opened — never from a rebuilt
meeting state."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlmodel import Session, func, select

from meetingroom import db
from meetingroom.meetings import ballot_box, chain, service, state
from meetingroom.models import AuditLog, Ballot, ChainEntry, Community, User, VoteCast
from tests.conftest import auth, statements_run
from tests.meetings.test_live import feed, nothing_more, recv_json


def _at_once(client, item_id: int, voters) -> list:
    """Every voter posts his ballot from his own thread, released together."""
    barrier = threading.Barrier(len(voters))
    replies: list = [None] * len(voters)

    def one(n: int, user, choice: str) -> None:
        barrier.wait()
        replies[n] = client.post(f"/api/v1/items/{item_id}/ballots", headers=auth(user),
                                 json={"choice": choice})

    threads = [threading.Thread(target=one, args=(n, u, c)) for n, (u, c) in enumerate(voters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return replies


def _open(meet, committee, make_proposal, *, secret: bool = False, present: int = 9):
    meet.schedule([make_proposal()])
    meet.check_in(*committee[:present])
    meet.open()
    meet.open_vote(secret=secret)


def test_ballots_arriving_together_share_one_transaction_and_one_event(
        client, meet, committee, make_proposal, session, monkeypatch):
    monkeypatch.setattr(ballot_box, "GATHER_SECONDS", 1.0)  # all nine land in one batch
    _open(meet, committee, make_proposal)
    choices = ["agree"] * 5 + ["oppose"] * 3 + ["abstain"]
    with feed(client, meet.id) as ws:
        before = recv_json(ws)["seq"]
        replies = _at_once(client, meet.items[0], list(zip(committee, choices, strict=True)))
        assert [r.status_code for r in replies] == [201] * 9
        event = recv_json(ws)
        assert nothing_more(ws)  # one event for the nine
    assert event["type"] == "tally" and event["seq"] == before + 1
    assert (event["tally"]["agree"], event["tally"]["oppose"], event["tally"]["abstain"]) \
        == (5, 3, 1)
    assert event["tally"]["voted_ids"] == sorted(u.id for u in committee)
    assert "ballots" not in event  # who chose what stays inside the server
    # Every 201 came after the commit that holds its ballot: each answer shows all nine.
    assert all(r.json()["cast"] == 9 for r in replies)
    assert event["tally"] == meet.tally()
    session.expire_all()
    item_id = meet.items[0]
    assert session.exec(select(func.count()).select_from(VoteCast)
                        .where(VoteCast.item_id == item_id)).one() == 9
    assert session.exec(select(func.count()).select_from(Ballot)
                        .where(Ballot.item_id == item_id)).one() == 9
    assert session.exec(select(func.count()).select_from(AuditLog)
                        .where(AuditLog.action == "ballot.cast")).one() == 9
    lines = list(chain.export(session, meet.id))
    assert sum('\\"type\\":\\"ballot\\"' in line for line in lines) == 9
    assert chain.verify(lines) == chain.digest(session, meet.id)


def test_a_refused_ballot_in_a_batch_costs_the_others_nothing(
        client, meet, committee, make_proposal, factory, monkeypatch):
    monkeypatch.setattr(ballot_box, "GATHER_SECONDS", 1.0)
    _open(meet, committee, make_proposal, present=7)  # committee[7], [8] are absent
    late = factory.user("Late", seat="part_time", party_member=True)  # seated after opening
    meet.check_in(late)
    voters = [(committee[0], "agree"), (committee[0], "oppose"), (committee[1], "agree"),
              (committee[7], "agree"), (late, "agree"), (committee[2], "oppose")]
    replies = _at_once(client, meet.items[0], voters)
    codes = [r.status_code for r in replies]
    assert sorted(codes[:2]) == [201, 409]  # "once": one of his two ballots, never both
    assert codes[2:] == [201, 403, 403, 201]
    assert replies[3].json()["rule"] == "R7.5" and replies[4].json()["rule"] == "R7.5"
    tally = meet.tally()
    assert tally["cast"] == 3 and tally["eligible"] == 7
    first = replies[0] if codes[0] == 201 else replies[1]
    assert tally["agree"] + tally["oppose"] == 3 and first.json()["cast"] == 3


def test_secret_ballots_in_a_batch_link_nobody_to_a_choice(
        client, meet, committee, make_proposal, session, monkeypatch):
    monkeypatch.setattr(ballot_box, "GATHER_SECONDS", 1.0)
    _open(meet, committee, make_proposal, secret=True)
    with feed(client, meet.id) as ws:
        recv_json(ws)
        replies = _at_once(client, meet.items[0], [(u, "agree") for u in committee[:4]])
        event = recv_json(ws)
    assert [r.status_code for r in replies] == [201] * 4
    assert event["tally"]["cast"] == 4 and event["tally"]["agree"] is None
    assert event["tally"]["voted_ids"] is None
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Ballot)).one() == 0
    payloads = session.exec(select(ChainEntry.payload)).all()
    ballots = [p for p in payloads if '"type":"ballot"' in p]
    assert len(ballots) == 4 and not any("voter" in p or "choice" in p for p in ballots)


def test_a_ballot_never_rebuilds_the_meeting_state(client, meet, committee, make_proposal,
                                                   monkeypatch):
    """The work per ballot must not grow with the committee: the whole meeting's state (every
    member, every attendance row) is not read to build its event or its answer."""
    _open(meet, committee, make_proposal)

    def whole_meeting(*_a, **_k):
        raise AssertionError("a ballot read the whole meeting state")

    monkeypatch.setattr(state, "load", whole_meeting)
    r = client.post(f"/api/v1/items/{meet.items[0]}/ballots", headers=auth(committee[0]),
                    json={"choice": "agree"})
    assert r.status_code == 201, r.text
    assert r.json()["cast"] == 1 and r.json()["voted_ids"] == [committee[0].id]


def test_a_ballot_without_credentials_is_refused(client, meet, committee, make_proposal):
    _open(meet, committee, make_proposal)
    r = client.post(f"/api/v1/items/{meet.items[0]}/ballots", json={"choice": "agree"})
    assert r.status_code == 401 and r.json()["detail"]
    r = client.post("/api/v1/items/999999/ballots", headers=auth(committee[0]),
                    json={"choice": "agree"})
    assert r.status_code == 404
    r = client.post(f"/api/v1/items/{meet.items[0]}/ballots", headers=auth(committee[0]),
                    json={"choice": "maybe"})
    assert r.status_code == 422


def test_a_batch_encodes_its_answer_once_and_writes_the_same_rows_as_before(
        client, meet, committee, make_proposal, session, monkeypatch):
    """The rows are written with multi-row INSERTs and the 201's body is encoded once per batch
    (issue 11): every answer is the same TallyOut, and the audit rows say who chose what."""
    from meetingroom.meetings.schemas import TallyOut

    monkeypatch.setattr(ballot_box, "GATHER_SECONDS", 1.0)
    encoded: list[int] = []

    class Counting:
        @staticmethod
        def model_validate(tally):
            encoded.append(tally["cast"])
            return TallyOut.model_validate(tally)

    monkeypatch.setattr(ballot_box, "TallyOut", Counting)
    _open(meet, committee, make_proposal)
    choices = ["agree", "oppose", "abstain", "agree"]
    replies = _at_once(client, meet.items[0], list(zip(committee[:4], choices, strict=True)))
    assert [r.status_code for r in replies] == [201] * 4
    assert encoded == [4]  # one batch, one locale asked for: one encoding for four answers
    assert len({r.content for r in replies}) == 1
    assert replies[0].headers["content-type"] == "application/json"
    assert replies[0].json() == TallyOut.model_validate(meet.tally()).model_dump()
    session.expire_all()
    item_id = meet.items[0]
    audit = session.exec(select(AuditLog.actor_id, AuditLog.entity, AuditLog.entity_id,
                                AuditLog.detail, AuditLog.community_id)
                         .where(AuditLog.action == "ballot.cast")).all()
    assert sorted((a[0], a[3]["choice"]) for a in audit) == sorted(
        (u.id, c) for u, c in zip(committee[:4], choices, strict=True))
    assert {(a[1], a[2], a[4]) for a in audit} == {("agenda_item", item_id,
                                                    committee[0].community_id)}
    ballots = session.exec(select(Ballot.voter_id, Ballot.choice, Ballot.cast_at)
                           .where(Ballot.item_id == item_id)).all()
    assert sorted(b[:2] for b in ballots) == sorted(
        (u.id, c) for u, c in zip(committee[:4], choices, strict=True))
    assert all(b[2] is not None for b in ballots)
    lines = list(chain.export(session, meet.id))
    assert chain.verify(lines) == chain.digest(session, meet.id)


def test_a_batch_notes_every_voter_seen_in_one_update(client, meet, committee, make_proposal,
                                                     monkeypatch):
    """Members who last used their token a while ago: one UPDATE after the batch's commit for
    all of them, not a transaction each (credentials.touch_many)."""
    from datetime import timedelta

    import sqlalchemy as sa

    from meetingroom import db
    from meetingroom.models import AuthSession, utcnow

    monkeypatch.setattr(ballot_box, "GATHER_SECONDS", 1.0)
    _open(meet, committee, make_proposal)
    headers = [auth(u) for u in committee[:5]]
    old = utcnow() - timedelta(minutes=10)
    for s in db.session_scope(write=True):
        s.execute(sa.update(AuthSession).values(last_seen_at=old))
    with statements_run() as statements:
        barrier = threading.Barrier(5)
        codes: list[int] = []

        def one(h):
            barrier.wait()
            codes.append(client.post(f"/api/v1/items/{meet.items[0]}/ballots", headers=h,
                                     json={"choice": "agree"}).status_code)

        threads = [threading.Thread(target=one, args=(h,)) for h in headers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert codes == [201] * 5
    assert len([s for s in statements if s.lstrip().upper().startswith(
        "UPDATE AUTH_SESSION")]) == 1
    keyed = [s for s in statements if "auth_session.key_hash" in s]
    assert len(keyed) == 1  # the five credentials in one query



def test_the_201_is_compressed_once_per_batch_and_decodes_the_same(
        client, app, meet, committee, make_proposal, monkeypatch):
    """Tallies.encoded: compressed as app.py's CompressionMiddleware would (br, else gzip, from
    its minimum size), once per batch and coding, with Content-Encoding and Vary set so the
    middleware passes it through; every client decodes the same body."""
    import gzip

    import brotli

    from meetingroom import compression

    monkeypatch.setattr(compression, "MINIMUM_SIZE", 0)  # nine voters' tally is small
    made: list[str] = []
    real = compression.compress

    def counted(body: bytes, coding: str) -> bytes:
        made.append(coding)
        return real(body, coding)

    monkeypatch.setattr(ballot_box, "compress", counted)
    monkeypatch.setattr(ballot_box, "GATHER_SECONDS", 1.0)  # all nine in one batch
    _open(meet, committee, make_proposal)
    accepts = ["gzip, deflate, br", "gzip", "identity", "br"] * 2 + [""]
    barrier = threading.Barrier(len(committee))
    replies: list = [None] * len(committee)

    def one(n: int) -> None:
        barrier.wait()
        replies[n] = client.post(f"/api/v1/items/{meet.items[0]}/ballots",
                                 headers={**auth(committee[n]), "Accept-Encoding": accepts[n]},
                                 json={"choice": "agree"})

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(committee))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(made) == ["br", "gzip"]  # one batch: each coding compressed once
    for accept, r in zip(accepts, replies, strict=True):
        assert r.status_code == 201
        coding = "br" if "br" in accept else "gzip" if "gzip" in accept else None
        assert r.headers.get("content-encoding") == coding, accept
        assert (r.headers.get("vary") == "Accept-Encoding") == (coding is not None)
        assert r.content == replies[2].content  # decoded by httpx: the identity body
    assert replies[2].json()["cast"] == 9
    # the bytes are br and gzip of exactly the body
    tallies = ballot_box.Tallies({"en": meet.tally()})
    (br, _), (gz, _) = tallies.encoded("en", "br"), tallies.encoded("en", "gzip")
    assert brotli.decompress(br) == gzip.decompress(gz) == tallies.body("en")


def test_a_lone_ballot_sends_ten_statements(client, meet, committee, make_proposal, session):
    """How a committee votes: one member after another, each ballot a batch of its own (issue
    11, fan-out target 2). Its transaction is ten statements: the credential, the meeting's
    lock, the item with the chain's last entry, who voted and who of the batch is here, then the
    five writes and the seq (fifteen before; service.py builds them once, as module constants).
    A second ballot sends the same SQL texts."""
    _open(meet, committee, make_proposal)
    item_id = meet.items[0]
    runs: list[list[str]] = []
    for member, choice in ((committee[0], "agree"), (committee[1], "oppose")):
        headers = auth(member)
        with statements_run() as statements:
            r = client.post(f"/api/v1/items/{item_id}/ballots", headers=headers,
                            json={"choice": choice})
        assert r.status_code == 201, r.text
        runs.append([s for s in statements if s.split(None, 1)[0].upper() in (
            "SELECT", "INSERT", "UPDATE", "DELETE", "WITH")])
    first, second = runs
    verbs = [s.split(None, 1)[0].upper() for s in first]
    assert verbs == ["SELECT"] * 4 + ["INSERT", "UPDATE", "INSERT", "INSERT", "INSERT",
                                      "UPDATE"], first
    assert second == first  # the same statements, values bound (the IN list has one key each)
    assert r.json()["cast"] == 2 and r.json()["voted_ids"] == sorted(
        [committee[0].id, committee[1].id])
    session.expire_all()
    lines = list(chain.export(session, meet.id))
    assert chain.verify(lines) == chain.digest(session, meet.id)
    assert [b for b in lines if '\\"type\\":\\"ballot\\"' in b][-1].count(
        f'\\"voter_id\\":{committee[1].id}') == 1


def test_a_ballot_from_another_community_is_refused_without_locking_the_meeting(
        meet, committee, make_proposal, session):
    """A member of another community posting to this community's item id gets "not found",
    and this meeting's row is not locked meanwhile: its own members' ballots never wait on a
    stranger's transaction. On PostgreSQL the row lock is checked from a second connection
    (NOWAIT fails on a locked row); SQLite locks the whole database for every write anyway."""
    _open(meet, committee, make_proposal)
    other = Community(name="Other", slug="other")
    session.add(other)
    session.commit()
    stranger = User(community_id=other.id, name="外社区委员", phone="13900000999",
                    password_hash="x", seat="part_time")
    session.add(stranger)
    session.commit()
    engine = db.get_engine()
    with Session(engine) as theirs:
        batch = service.cast_ballots(theirs, item_id=meet.items[0],
                                     ballots=[(stranger, "agree")])
        assert batch.item is None
        assert [type(e).__name__ for e in batch.errors] == ["NotFound"]
        if engine.dialect.name == "postgresql":  # their transaction is still open here
            with engine.connect() as ours:
                row = ours.execute(sa.text("SELECT id FROM meeting WHERE id = :id "
                                           "FOR UPDATE NOWAIT"), {"id": meet.id}).one()
                assert row[0] == meet.id
                ours.rollback()
        theirs.rollback()
    assert session.exec(select(func.count()).select_from(VoteCast)).one() == 0
