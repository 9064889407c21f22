"""Unit profiles (R5, R5.6) and the contacts log (R5.1), through the service and the API."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from meetingroom.errors import Forbidden, Invalid, NotFound
from meetingroom.models import UnitNeed
from meetingroom.units import service
from tests.conftest import auth
from tests.units.conftest import fresh

PROFILE = {"name": "幸福苑业主委员会", "kind": "owners_committee", "party_org": "业委会党小组",
           "higher_org": "幸福街道党工委", "address": "幸福苑3号楼", "party_head": "赵敏",
           "contact_name": "赵敏", "contact_phone": "13700001111", "reported_on": "2026-03-02"}


def test_unit_profile_round_trip_and_kinds(client, cast):
    r = client.post("/api/v1/units", headers=auth(cast.secretary), json=PROFILE)
    assert r.status_code == 201, r.text
    unit = r.json()
    assert {k: unit[k] for k in PROFILE} == PROFILE
    r = client.post("/api/v1/units", headers=auth(cast.secretary),
                    json={"name": "公益社", "kind": "social_org"})
    assert r.status_code == 201 and r.json()["kind"] == "social_org"
    r = client.post("/api/v1/units", headers=auth(cast.secretary),
                    json={**PROFILE, "name": "X", "reported_on": "1999-01-01"})
    assert r.status_code == 422
    assert client.post("/api/v1/units", headers=auth(cast.chair),
                       json={"name": "Y"}).status_code == 403


def test_contact_details_only_for_the_secretary_and_committee_members_r5_6(client, cast):
    """The public list (and a resident) gets the profile, never the contact person or phone."""
    def school(headers):
        r = client.get("/api/v1/units", headers=headers)
        assert r.status_code == 200
        body = r.json()
        assert body["total"] == 3
        return next(u for u in body["items"] if u["id"] == cast.school.id)

    for headers in ({}, auth(cast.resident)):
        unit = school(headers)
        assert unit["contact_name"] is None and unit["contact_phone"] is None
        assert "13911112222" not in client.get("/api/v1/units", headers=headers).text
        assert client.get(f"/api/v1/units/{cast.school.id}",
                          headers=headers).json()["contact_phone"] is None
    for who in (cast.secretary, cast.chair, cast.school_member):
        unit = school(auth(who))
        assert (unit["contact_name"], unit["contact_phone"]) == ("王老师", "13911112222")
    assert school({})["part_time_members"] == [{"id": cast.school_member.id, "name": "张伟"}]


def test_units_list_is_paginated(client, cast):
    body = client.get("/api/v1/units?limit=2&offset=0").json()
    assert len(body["items"]) == 2 and body["total"] == 3
    body = client.get("/api/v1/units?limit=2&offset=2").json()
    assert len(body["items"]) == 1
    assert client.get("/api/v1/units?limit=0").status_code == 422


def test_log_contact_sets_the_report_in_date_and_files_the_needs(session, cast):
    contact = service.log_contact(session, actor=cast.school_member, unit_id=cast.school.id,
                                  direction="report_in", held_on=date(2026, 3, 5),
                                  who="张伟、孙丽", note="报到；希望周末开放操场。",
                                  needs=["周末开放操场需要志愿者值守", " "])
    session.commit()
    fresh(session)
    assert session.get(type(cast.school), cast.school.id).reported_on == date(2026, 3, 5)
    needs = session.exec(select(UnitNeed)).all()
    assert [(n.title, n.source, n.unit_id, n.contact_id, n.status) for n in needs] == [
        ("周末开放操场需要志愿者值守", "unit", cast.school.id, contact.id, "open")]
    # An earlier report-in found later moves the date back; a visit never sets it.
    service.log_contact(session, actor=cast.secretary, unit_id=cast.school.id,
                        direction="report_in", held_on=date(2026, 2, 1), who="张伟")
    service.log_contact(session, actor=cast.full_time, unit_id=cast.school.id,
                        direction="visit", held_on=date(2026, 1, 10), who="专职")
    session.commit()
    fresh(session)
    assert session.get(type(cast.school), cast.school.id).reported_on == date(2026, 2, 1)


def test_who_may_log_a_contact(session, cast):
    # a part-time member speaks for his own unit only; residents not at all
    with pytest.raises(Forbidden):
        service.log_contact(session, actor=cast.clinic_member, unit_id=cast.school.id,
                            direction="visit", held_on=date(2026, 3, 1), who="x")
    with pytest.raises(Forbidden):
        service.log_contact(session, actor=cast.resident, unit_id=cast.school.id,
                            direction="visit", held_on=date(2026, 3, 1), who="x")
    with pytest.raises(NotFound):
        service.log_contact(session, actor=cast.secretary, unit_id=9999,
                            direction="visit", held_on=date(2026, 3, 1), who="x")
    for bad in ({"direction": "phone"}, {"held_on": "2026-02-30"}, {"who": "  "},
                {"who": "a\x00b"}, {"held_on": date(2999, 1, 1)}):
        args = {"direction": "visit", "held_on": date(2026, 3, 1), "who": "孙丽", **bad}
        with pytest.raises(Invalid):
            service.log_contact(session, actor=cast.secretary, unit_id=cast.school.id, **args)


def test_contacts_api(client, cast, session):
    url = f"/api/v1/units/{cast.school.id}/contacts"
    body = {"direction": "visit", "date": "2026-04-10", "who": "书记、王老师",
            "note": "了解放学时段交通需求", "needs": ["放学时段需要护学岗"]}
    r = client.post(url, headers=auth(cast.chair), json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["unit_id"] == cast.school.id and out["date"] == "2026-04-10"
    assert out["direction"] == "visit" and out["id"]
    client.post(url, headers=auth(cast.school_member),
                json={**body, "direction": "report_in", "date": "2026-01-05", "needs": []})
    r = client.get(url, headers=auth(cast.secretary))
    assert [c["date"] for c in r.json()["items"]] == ["2026-04-10", "2026-01-05"]
    assert r.json()["total"] == 2
    assert client.get(url + "?limit=1&offset=1",
                      headers=auth(cast.chair)).json()["items"][0]["date"] == "2026-01-05"
    # R5.6: the log is not public, nor for residents
    assert client.get(url).status_code == 401
    r = client.get(url, headers=auth(cast.resident))
    assert r.status_code == 403 and r.json()["rule"] == "R5.6"
    # bad input: clear 422s, no rows written
    for bad in ({"direction": "call"}, {"date": "yesterday"}, {"who": ""},
                {"needs": ["x"] * 11}, {"date": "2998-01-01"}):
        r = client.post(url, headers=auth(cast.secretary), json={**body, **bad})
        assert r.status_code == 422, (bad, r.text)
        assert "detail" in r.json()
    r = client.post(url, headers=auth(cast.clinic_member), json=body)
    assert r.status_code == 403
    assert client.get(url, headers=auth(cast.secretary)).json()["total"] == 2
    assert client.post("/api/v1/units/9999/contacts", headers=auth(cast.secretary),
                       json=body).status_code == 404


def test_the_r5_api_is_documented_in_openapi(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in (("/api/v1/units", "get"), ("/api/v1/units/{unit_id}/contacts", "post"),
                         ("/api/v1/needs", "post"), ("/api/v1/needs/{need_id}/answer", "post"),
                         ("/api/v1/units/{unit_id}/resources", "post"),
                         ("/api/v1/projects", "post"), ("/api/v1/projects/{project_id}", "patch"),
                         ("/api/v1/projects/{project_id}/units", "post"),
                         ("/api/v1/deeds", "get"), ("/api/v1/deeds/{deed_id}/thanks", "post"),
                         ("/api/v1/units/{unit_id}/deeds", "post"),
                         ("/api/v1/units/{unit_id}/reports", "post"), ("/api/v1/reports", "get"),
                         ("/api/v1/units/{unit_id}/reminders", "post"),
                         ("/api/v1/units/board", "get"),
                         ("/api/v1/units/{unit_id}/cobuilding-report", "get")):
        assert method in paths.get(path, {}), (path, method)
        assert paths[path][method]["summary"]
    deed_body = paths["/api/v1/units/{unit_id}/deeds"]["post"]["requestBody"]["content"]
    assert set(deed_body) == {"application/json", "multipart/form-data"}
    assert "photos" in deed_body["multipart/form-data"]["schema"]["properties"]
    unit = spec["components"]["schemas"]["UnitOut"]["properties"]
    assert "R5.6" in unit["contact_phone"]["description"]
