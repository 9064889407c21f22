"""R5.4: the year-end two-way review — set-up with weighted criteria, scorers, one score per
scorer and subject, secrecy, weighted results, result sheets (.docx/.xlsx) and the live board."""

from __future__ import annotations

import io
import re

import pytest
from sqlmodel import select

from meetingroom.models import AuditLog, ReviewMark, ReviewSheet, ReviewTotal
from tests.conftest import auth, login

API = "/api/v1/reviews"


@pytest.fixture
def secretary(factory):
    return factory.secretary()


@pytest.fixture
def members(factory):
    """A chair, a full-time member and three part-time members from three units."""
    return factory.committee(size=5)


def _setup(client, secretary, **body):
    body.setdefault("year", 2026)
    r = client.post(API, headers=auth(secretary), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _results(client, user, review_id):
    r = client.get(f"{API}/{review_id}/results", headers=auth(user))
    assert r.status_code == 200, r.text
    return r.json()


def _marks(review, side, points):
    crit = [c for c in review["criteria"] if c["side"] == side]
    if isinstance(points, int):
        points = [points] * len(crit)
    return [{"criterion_id": c["id"], "points": p} for c, p in zip(crit, points, strict=True)]


def _score(client, user, review, subject_id, points, side="unit"):
    return client.post(f"{API}/{review['id']}/scores", headers=auth(user),
                       json={"subject_id": subject_id, "marks": _marks(review, side, points)})


def _open(client, secretary, review):
    r = client.post(f"{API}/{review['id']}/open", headers=auth(secretary))
    assert r.status_code == 200, r.text
    return r.json()


def _subjects(client, secretary, review):
    res = _results(client, secretary, review["id"])
    return res["units"], res["committee"]


def test_set_up_with_default_criteria_units_and_scorers(client, secretary, members):
    review = _setup(client, secretary)
    assert review["status"] == "draft" and review["secret"] is True
    for side in ("unit", "committee"):
        crit = [c for c in review["criteria"] if c["side"] == side]
        assert len(crit) == 4 and sum(c["weight"] for c in crit) == 100
    # Every seated member scores the units; each part-time member scores the committee for
    # his unit (R5.4: unit representatives score the committee).
    assert review["scorers"] == {"unit": 5, "committee": 3}
    units, committee = _subjects(client, secretary, review)
    assert len(units) == 3 and committee["side"] == "committee"
    # A part-time member never scores his own unit: each unit has 4 of the 5 to expect.
    assert [u["expected"] for u in units] == [4, 4, 4]
    assert committee["expected"] == 3


@pytest.mark.parametrize(("criteria", "message"), [
    ([{"side": "unit", "name": "A", "weight": 60}, {"side": "unit", "name": "B", "weight": 30},
      {"side": "committee", "name": "C", "weight": 100}], "90"),
    ([{"side": "unit", "name": "A", "weight": 100}], "committee"),
    ([{"side": "unit", "name": "A", "weight": 50}, {"side": "unit", "name": "A", "weight": 50},
      {"side": "committee", "name": "C", "weight": 100}], "same name"),
])
def test_weights_must_add_up_to_100_per_side(client, secretary, members, criteria, message):
    client.cookies.set("mr_lang", "en")
    r = client.post(API, headers=auth(secretary), json={"year": 2026, "criteria": criteria})
    assert r.status_code == 422, r.text
    assert r.json()["rule"] == "R5.4" and message in r.json()["detail"]
    assert client.get(API, headers=auth(secretary)).json()["total"] == 0


def test_one_review_a_year_and_only_the_secretary_sets_it_up(client, secretary, members):
    r = client.post(API, headers=auth(members[0]), json={"year": 2026})
    assert r.status_code == 403
    _setup(client, secretary)
    r = client.post(API, headers=auth(secretary), json={"year": 2026})
    assert r.status_code == 409 and r.json()["rule"] == "R5.4"


def test_opening_needs_scorers_on_both_sides(client, secretary, factory):
    factory.user("Chair", seat="chair")
    factory.unit("Lonely unit")
    review = _setup(client, secretary)
    r = client.post(f"{API}/{review['id']}/open", headers=auth(secretary))
    assert r.status_code == 409 and r.json()["rule"] == "R5.4"


def test_each_scorer_once_per_subject_and_never_his_own_unit(client, secretary, members,
                                                            factory):
    review = _setup(client, secretary, secret=False)
    units, committee = _subjects(client, secretary, review)
    chair, part = members[0], members[2]
    # Not open yet.
    assert _score(client, chair, review, units[0]["subject_id"], 90).status_code == 409
    _open(client, secretary, review)
    r = _score(client, chair, review, units[0]["subject_id"], 90)
    assert r.status_code == 201, r.text
    assert r.json()["sheets"] == 1
    again = _score(client, chair, review, units[0]["subject_id"], 10)
    assert again.status_code == 409 and again.json()["rule"] == "R5.4"
    own = next(u for u in units if u["unit_id"] == part.unit_id)
    r = _score(client, part, review, own["subject_id"], 100)
    assert r.status_code == 403 and r.json()["rule"] == "R5.4"
    # The chair is no unit's representative: he does not score the committee.
    r = _score(client, chair, review, committee["subject_id"], 80, side="committee")
    assert r.status_code == 403
    # A resident who is no scorer cannot score, and cannot even see the review.
    resident = factory.user("Resident")
    assert _score(client, resident, review, units[0]["subject_id"], 50).status_code == 404
    assert client.get(f"{API}/{review['id']}/results", headers=auth(resident)).status_code == 404


@pytest.mark.parametrize("bad", [
    "missing", "extra", "over", "negative", "duplicate",
])
def test_a_sheet_scores_every_criterion_once_from_0_to_100(client, secretary, members, bad):
    review = _setup(client, secretary)
    units, committee = _subjects(client, secretary, review)
    _open(client, secretary, review)
    marks = _marks(review, "unit", 80)
    other = _marks(review, "committee", 80)
    if bad == "missing":
        marks = marks[:-1]
    elif bad == "extra":
        marks = marks + other[:1]
    elif bad == "over":
        marks[0]["points"] = 101
    elif bad == "negative":
        marks[0]["points"] = -1
    else:
        marks = marks + marks[:1]
    r = client.post(f"{API}/{review['id']}/scores", headers=auth(members[0]),
                    json={"subject_id": units[0]["subject_id"], "marks": marks})
    assert r.status_code == 422, r.text
    assert _results(client, secretary, review["id"])["units"][0]["sheets"] == 0


def test_secret_review_keeps_no_link_and_shows_scores_only_when_closed(client, secretary,
                                                                      members, session):
    review = _setup(client, secretary)
    units, committee = _subjects(client, secretary, review)
    _open(client, secretary, review)
    target = next(u for u in units if u["unit_id"] != members[2].unit_id)
    assert _score(client, members[0], review, target["subject_id"],
                  [100, 80, 60, 40]).status_code == 201
    assert _score(client, members[1], review, target["subject_id"],
                  [80, 80, 80, 80]).status_code == 201
    res = _results(client, secretary, review["id"])
    assert res["hidden"] is True
    shown = next(u for u in res["units"] if u["subject_id"] == target["subject_id"])
    assert shown["sheets"] == 2 and shown["score"] is None and shown["averages"] is None
    # Nothing ties a scorer to his points: no marks, sums only, and an audit row without them.
    assert session.exec(select(ReviewMark)).all() == []
    sums = session.exec(select(ReviewTotal).where(
        ReviewTotal.subject_id == target["subject_id"])).all()
    assert sorted(t.points for t in sums) == [120, 140, 160, 180]
    audits = session.exec(select(AuditLog).where(AuditLog.action == "review.score")).all()
    assert len(audits) == 2 and all("marks" not in a.detail for a in audits)
    scores = client.get(f"{API}/{review['id']}/scores", headers=auth(secretary)).json()
    assert scores["sheets"] == [] and scores["counts"][str(target["subject_id"])] == 2
    # Sheets before the close: refused.
    r = client.get(f"{API}/{review['id']}/subjects/{target['subject_id']}/sheet.docx",
                   headers=auth(secretary))
    assert r.status_code == 409
    assert client.post(f"{API}/{review['id']}/close", headers=auth(secretary)).status_code == 200
    shown = next(u for u in _results(client, secretary, review["id"])["units"]
                 if u["subject_id"] == target["subject_id"])
    # Weighted: averages 90, 80, 70, 60 with weights 25, 30, 25, 20 → 22.5+24+17.5+12 = 76.
    assert shown["score"] == 76.0 and shown["grade"] == "pass" and shown["rank"] == 1
    # After the close nobody scores any more.
    assert _score(client, members[3], review, target["subject_id"], 50).status_code == 409


def test_open_review_names_each_sheet_and_shows_scores_as_they_come(client, secretary, members):
    review = _setup(client, secretary, secret=False)
    units, committee = _subjects(client, secretary, review)
    _open(client, secretary, review)
    _score(client, members[0], review, units[0]["subject_id"], 95)
    res = _results(client, secretary, review["id"])
    assert res["hidden"] is False
    assert res["units"][0]["score"] == 95.0 and res["units"][0]["grade"] == "excellent"
    # The committee is scored by the units' representatives.
    r = _score(client, members[2], review, committee["subject_id"], [90, 80, 70, 60],
               side="committee")
    assert r.status_code == 201 and r.json()["score"] == 75.0
    sheets = client.get(f"{API}/{review['id']}/scores", headers=auth(secretary)).json()["sheets"]
    assert {(s["scorer"], s["subject_id"]) for s in sheets} == {
        (members[0].name, units[0]["subject_id"]), (members[2].name, committee["subject_id"])}
    # A scorer sees what is left for him.
    mine = client.get(f"{API}/{review['id']}/scores", headers=auth(members[0])).json()
    assert mine["scored"] == [units[0]["subject_id"]] and len(mine["to_score"]) == 2
    assert mine["sheets"] == []  # only the secretary reads the named sheets


def test_representatives_of_residents_and_party_members(client, secretary, members, factory,
                                                        session):
    review = _setup(client, secretary)
    resident, party = factory.user("Resident rep"), factory.user("Party rep", party_member=True)
    url = f"{API}/{review['id']}/scorers"
    r = client.post(url, headers=auth(secretary), json={"user_id": party.id, "role": "party_rep"})
    assert r.status_code == 201 and r.json()["side"] == "unit"
    r = client.post(url, headers=auth(secretary), json={"user_id": resident.id,
                                                        "role": "party_rep"})
    assert r.status_code == 422  # not a party member
    r = client.post(url, headers=auth(secretary), json={"user_id": resident.id,
                                                        "role": "member"})
    assert r.status_code == 422  # not seated
    rep = client.post(url, headers=auth(secretary), json={"user_id": resident.id,
                                                          "role": "resident_rep"})
    assert rep.status_code == 201
    again = client.post(url, headers=auth(secretary), json={"user_id": resident.id,
                                                            "role": "resident_rep"})
    assert again.status_code == 409
    _open(client, secretary, review)
    units, _committee = _subjects(client, secretary, review)
    assert _score(client, resident, review, units[0]["subject_id"], 70).status_code == 201
    # He has scored: he stays on the list.
    r = client.delete(f"{url}/{rep.json()['id']}", headers=auth(secretary))
    assert r.status_code == 409
    assert client.get(f"{API}/{review['id']}", headers=auth(resident)).status_code == 200
    assert session.exec(select(ReviewSheet)).one().scorer_id == resident.id


def test_result_sheets_docx_and_xlsx(client, secretary, members, session):
    from docx import Document
    from openpyxl import load_workbook

    review = _setup(client, secretary, secret=False)
    units, committee = _subjects(client, secretary, review)
    _open(client, secretary, review)
    for m in members[:2]:
        _score(client, m, review, units[0]["subject_id"], 88)
    _score(client, members[2], review, committee["subject_id"], 91, side="committee")
    client.post(f"{API}/{review['id']}/close", headers=auth(secretary))
    client.cookies.set("mr_lang", "zh_CN")
    base = f"{API}/{review['id']}/subjects"
    r = client.get(f"{base}/{units[0]['subject_id']}/sheet.docx", headers=auth(members[4]))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert units[0]["name"] in text and "抄报" in text and "88.0" in text
    r = client.get(f"{base}/{committee['subject_id']}/sheet.docx", headers=auth(secretary))
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "街道党工委" in text and "91.0" in text
    r = client.get(f"{base}/{committee['subject_id']}/sheet.xlsx", headers=auth(secretary))
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[-1][-1] == "91.0"
    r = client.get(f"{API}/{review['id']}/scores.xlsx", headers=auth(secretary))
    wb = load_workbook(io.BytesIO(r.content))
    assert len(wb.worksheets) == 3  # units, the committee, every named score
    first = [[c.value for c in row] for row in wb.worksheets[0].iter_rows()]
    assert first[1][0] == units[0]["name"] and first[1][1] == 2 and first[1][-3] == 88.0


def test_pages_set_up_score_and_console(client, secretary, members):
    token = login(client, secretary)
    client.cookies.set("mr_lang", "zh_CN")
    page = client.get("/reviews/new")
    assert page.status_code == 200 and "报到与联系" in page.text
    form = {"csrf_token": token, "year": "2026", "title": "2026年度双述双评", "secret": "1",
            "unit_name": ["报到与联系", "实事好事"], "unit_weight": ["50", "40"],
            "committee_name": ["双向服务"], "committee_weight": ["100"],
            "unit_ids": [str(m.unit_id) for m in members if m.unit_id]}
    r = client.post("/reviews", data=form, follow_redirects=False)
    assert r.status_code == 422 and "90" in r.text and "，" in r.text
    form["unit_weight"] = ["50", "50"]
    r = client.post("/reviews", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    console = client.get(url)
    assert "开始评分" in console.text or "Open the scoring" in console.text
    r = client.post(f"{url}/open", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    # A member scores from his phone page.
    token = login(client, members[0])
    page = client.get(f"{url}/score")
    assert page.status_code == 200 and "实事好事" in page.text
    review_id = int(url.rsplit("/", 1)[1])
    first = re.search(r'action="(/reviews/\d+/score/(\d+))"', page.text)
    fields = re.findall(r'name="(c-\d+)"', page.text)[:2]
    r = client.post(first.group(1), data={"csrf_token": token, **{f: "90" for f in fields}},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    again = client.post(first.group(1), data={"csrf_token": token, **{f: "90" for f in fields}})
    assert again.status_code == 409 and "R5.4" in again.text
    assert client.get(f"/reviews/{review_id}/projector").status_code == 200


def test_live_board_follows_the_scores(client, secretary, members):
    review = _setup(client, secretary, secret=False)
    units, _committee = _subjects(client, secretary, review)
    _open(client, secretary, review)
    login(client, secretary)
    with client.websocket_connect(f"/reviews/{review['id']}/live.html",
                                  headers={"origin": "http://testserver"}) as ws:
        first = ws.receive_text()
        assert 'id="rv-board"' in first and f'id="rv-s-{units[0]["subject_id"]}"' in first
        assert 'data-score="' not in first
        assert _score(client, members[0], review, units[0]["subject_id"], 77).status_code == 201
        text = ws.receive_text()
        while "heartbeat" in text:
            text = ws.receive_text()
        assert 'data-score="77.0"' in text and 'hx-swap-oob="outerMorph"' in text


def test_live_board_refuses_strangers_and_foreign_origins(client, secretary, members, factory):
    from starlette.websockets import WebSocketDisconnect

    review = _setup(client, secretary)
    login(client, factory.user("Stranger"))
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(
            f"/reviews/{review['id']}/live.html", headers={"origin": "http://testserver"}) as ws:
        ws.receive_text()
    login(client, secretary)
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(
            f"/reviews/{review['id']}/live.html", headers={"origin": "http://evil.example"}) as ws:
        ws.receive_text()


def test_live_board_of_a_secret_review_shows_counts_then_scores_at_the_close(client, secretary,
                                                                           members):
    review = _setup(client, secretary)
    units, _committee = _subjects(client, secretary, review)
    _open(client, secretary, review)
    login(client, secretary)
    sid = units[0]["subject_id"]

    def next_frame(ws) -> str:
        text = ws.receive_text()
        while "heartbeat" in text:
            text = ws.receive_text()
        return text

    with client.websocket_connect(f"/reviews/{review['id']}/live.html",
                                  headers={"origin": "http://testserver"}) as ws:
        assert 'data-sheets="0"' in next_frame(ws)
        assert _score(client, members[0], review, sid, 64).status_code == 201
        frame = next_frame(ws)
        # The count moves; no score can be read off the screen while scoring is open.
        assert 'data-sheets="1"' in frame and "data-score" not in frame and "64" not in frame
        client.post(f"{API}/{review['id']}/close", headers=auth(secretary))
        assert 'data-score="64.0"' in next_frame(ws)


def test_the_review_api_is_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/reviews", "/api/v1/reviews/{review_id}/scores",
                 "/api/v1/reviews/{review_id}/results", "/api/v1/notices",
                 "/api/v1/roster/import", "/api/v1/roster.xlsx"):
        assert path in paths, path
    score = paths["/api/v1/reviews/{review_id}/scores"]["post"]
    assert "409" in score["summary"] or "once" in score["summary"]
