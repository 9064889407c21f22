"""The parcel-like timeline: derived from the suggestion, its proposal, the agenda item and the
resolution. Steps 3 and 4 are written by other packages; here their rows are set directly."""

from datetime import UTC, datetime, timedelta

from meetingroom.models import (
    AgendaItem,
    Meeting,
    ProgressUpdate,
    Proposal,
    Resolution,
    Suggestion,
)
from meetingroom.suggestions import service
from tests.conftest import auth, login
from tests.suggestions.helpers import make

T0 = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)


class Matter:
    """One suggestion walked through the four steps by writing the rows the later steps write."""

    def __init__(self, client, factory, session):
        self.client, self.session = client, session
        self.resident = factory.user("Resident")
        self.member = factory.user("Member", seat="part_time")
        self.sid = make(client, self.resident, title="Lift for building 3")["id"]
        self.proposal = self.item = self.meeting = self.resolution = None

    def api(self) -> dict:
        r = self.client.get(f"/api/v1/suggestions/{self.sid}")
        assert r.status_code == 200
        return r.json()

    def sponsor(self):
        r = self.client.post("/api/v1/proposals", json={
            "title": "Lift", "body": "Build a lift", "principle": "practical",
            "suggestion_ids": [self.sid]}, headers=auth(self.member))
        assert r.status_code == 201
        self.proposal = self.session.get(Proposal, r.json()["id"])

    def set_proposal(self, status: str):
        self.session.refresh(self.proposal)
        self.proposal.status = status
        self.session.add(self.proposal)
        self.session.commit()

    def put_on_agenda(self):
        self.meeting = Meeting(community_id=self.proposal.community_id, kind="work",
                               title="December meeting", starts_at=T0)
        self.session.add(self.meeting)
        self.session.flush()
        self.item = AgendaItem(community_id=self.proposal.community_id,
                               meeting_id=self.meeting.id, proposal_id=self.proposal.id)
        self.session.add(self.item)
        self.session.commit()
        self.set_proposal("on_agenda")

    def decide(self, outcome: str):
        self.item.vote_status, self.item.outcome = "closed", outcome
        self.item.closed_at = T0 + timedelta(hours=1)
        self.session.add(self.item)
        self.session.commit()
        self.set_proposal(outcome)
        if outcome == "adopted":
            self.resolution = Resolution(community_id=self.proposal.community_id,
                                         item_id=self.item.id, proposal_id=self.proposal.id,
                                         title="Lift")
            self.session.add(self.resolution)
            self.session.commit()

    def progress(self, status: str, when: datetime):
        self.session.add(ProgressUpdate(community_id=self.resolution.community_id,
                                        resolution_id=self.resolution.id,
                                        author_id=self.member.id, status=status, percent=50,
                                        note="", created_at=when))
        self.resolution.status = status
        self.session.add(self.resolution)
        self.session.commit()


def done_keys(data: dict) -> list[str]:
    return [step["key"] for step in data["timeline"] if step["done"]]


def assert_listed_under(client, status: str, sid: int):
    """The list filter (SQL) agrees with the timeline (Python) for every status."""
    for other in service.STATUSES:
        ids = [i["id"] for i in client.get(f"/api/v1/suggestions?status={other}").json()["items"]]
        assert (sid in ids) == (other == status), (other, status)


def test_the_whole_way_adopted_then_done(client, factory, session):
    m = Matter(client, factory, session)
    assert m.api()["status"] == "submitted"
    assert_listed_under(client, "submitted", m.sid)

    m.sponsor()
    data = m.api()
    assert data["status"] == "sponsored" and data["proposal_id"] == m.proposal.id
    sponsored = data["timeline"][1]
    assert sponsored["key"] == "sponsored" and sponsored["link"] == f"/proposals/{m.proposal.id}"
    assert_listed_under(client, "sponsored", m.sid)

    m.put_on_agenda()
    data = m.api()
    assert data["status"] == "on_agenda"
    assert data["timeline"][2]["link"] == f"/meetings/{m.meeting.id}"
    assert data["timeline"][2]["when"].startswith("2026-12-03T11:00:00")
    assert_listed_under(client, "on_agenda", m.sid)

    m.decide("adopted")
    data = m.api()
    assert data["status"] == "adopted"
    assert done_keys(data) == ["submitted", "sponsored", "on_agenda", "adopted"]
    assert data["timeline"][3]["link"] == f"/resolutions/{m.resolution.id}"
    assert data["timeline"][3]["when"].startswith("2026-12-03T12:00:00")
    assert_listed_under(client, "adopted", m.sid)

    m.progress("in_progress", T0 + timedelta(days=2))
    data = m.api()
    assert data["status"] == "in_progress" and data["timeline"][4]["when"].startswith(
        "2026-12-05")
    assert_listed_under(client, "in_progress", m.sid)

    m.progress("delayed", T0 + timedelta(days=20))
    data = m.api()
    assert data["status"] == "in_progress" and data["timeline"][4]["note"] == "延期"
    assert_listed_under(client, "in_progress", m.sid)

    m.progress("done", T0 + timedelta(days=30))
    data = m.api()
    assert data["status"] == "done"
    assert done_keys(data) == ["submitted", "sponsored", "on_agenda", "adopted", "in_progress",
                               "done"]
    assert data["timeline"][5]["when"].startswith("2027-01-02")
    assert_listed_under(client, "done", m.sid)


def test_rejected_at_the_meeting_ends_the_way(client, factory, session):
    m = Matter(client, factory, session)
    m.sponsor()
    m.put_on_agenda()
    m.decide("rejected")
    data = m.api()
    assert data["status"] == "rejected"
    assert [s["key"] for s in data["timeline"]] == ["submitted", "sponsored", "on_agenda",
                                                    "rejected"]
    assert all(s["done"] for s in data["timeline"])
    assert_listed_under(client, "rejected", m.sid)


def test_declined_shows_the_reason_and_ends_the_way(client, factory, session):
    m = Matter(client, factory, session)
    r = client.post(f"/api/v1/suggestions/{m.sid}/decline",
                    json={"reason": "The property company already fixed it."},
                    headers=auth(m.member))
    assert r.status_code == 200
    data = m.api()
    assert data["status"] == "declined"
    assert [s["key"] for s in data["timeline"]] == ["submitted", "declined"]
    assert data["timeline"][1]["detail"] == "The property company already fixed it."
    assert data["timeline"][1]["when"] is not None
    assert data["decline_reason"] == "The property company already fixed it."
    assert_listed_under(client, "declined", m.sid)


def test_a_withdrawn_proposal_leaves_the_suggestion_sponsored_with_a_note(client, factory,
                                                                          session):
    m = Matter(client, factory, session)
    m.sponsor()
    m.set_proposal("withdrawn")
    data = m.api()
    assert data["status"] == "sponsored"
    assert data["timeline"][1]["note"] == "议题已撤回。"
    assert_listed_under(client, "sponsored", m.sid)


def test_timeline_function_is_what_pages_and_api_share(client, factory, session):
    m = Matter(client, factory, session)
    m.sponsor()
    m.put_on_agenda()
    suggestion = session.get(Suggestion, m.sid)
    steps = service.timeline(session, suggestion)
    assert [(s.key, s.done) for s in steps] == [
        ("submitted", True), ("sponsored", True), ("on_agenda", True), ("adopted", False),
        ("in_progress", False), ("done", False)]
    assert service.status_of(steps) == "on_agenda"
    # "My suggestions" shows the same status and timeline.
    login(client, m.resident)
    page = client.get("/suggestions/mine").text
    assert "Lift for building 3" in page and "已列入会议议程" in page
    assert page.count('<li class="done') == 3 and page.count('<li class="todo') == 3
    assert f'href="/meetings/{m.meeting.id}"' in page


def test_followers_are_the_authors_and_supporters_of_every_suggestion(client, factory, session):
    """The one way to find a matter's followers (tracking.followers), used by every R4.2
    notice: authors and supporters of all the suggestions behind a proposal, each once."""
    from meetingroom import tracking

    a, b = factory.user("A"), factory.user("B")
    fan = factory.user("Fan")
    member = factory.user("Member", seat="chair")
    factory.user("Outsider")
    s1, s2 = make(client, a)["id"], make(client, b)["id"]
    client.post(f"/api/v1/suggestions/{s1}/support", headers=auth(fan))
    client.post(f"/api/v1/suggestions/{s2}/support", headers=auth(fan))
    client.post(f"/api/v1/suggestions/{s2}/support", headers=auth(a))
    r = client.post("/api/v1/proposals", json={"title": "Both", "body": "b",
                                               "principle": "major", "suggestion_ids": [s1, s2]},
                    headers=auth(member))
    pid = r.json()["id"]
    session.commit()  # end this read snapshot, to see what the requests wrote
    assert tracking.followers(session, pid) == {a.id, b.id, fan.id}
    assert tracking.followers(session, 9999) == set()
