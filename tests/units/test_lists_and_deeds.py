"""The three co-building lists (R5.5) and good deeds with photos and thanks (R5.2)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from sqlmodel import select

from meetingroom.errors import Conflict, Forbidden, Invalid, NotAuthenticated
from meetingroom.models import DeedThanks, Photo, Suggestion, UnitDeed, UnitNeed
from meetingroom.units import service
from tests.conftest import auth
from tests.units.conftest import fresh


def png(colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buf, "PNG")
    return buf.getvalue()


def test_a_need_matched_to_resources_and_completed_becomes_each_units_good_deed(session, cast):
    """R5.5: need → resources → project taken on by two units → completed → two deeds (R5.2)."""
    need = service.add_need(session, actor=cast.chair, title="老年人午餐无人照看",
                            source="committee")
    hall = service.add_resource(session, actor=cast.school_member, unit_id=cast.school.id,
                                title="食堂", availability="工作日中午")
    service.add_resource(session, actor=cast.secretary, unit_id=cast.clinic.id,
                         title="医生义诊")
    project = service.add_project(session, actor=cast.secretary, title="长者午餐点",
                                  need_id=need.id, unit_ids=[cast.clinic.id, cast.clinic.id],
                                  started_on=date(2026, 5, 1))
    assert need.status == "matched"
    service.take_on_project(session, actor=cast.school_member, project_id=project.id,
                            unit_id=cast.school.id, resource_id=hall.id)
    with pytest.raises(Conflict):  # 承接 once per unit
        service.take_on_project(session, actor=cast.secretary, project_id=project.id,
                                unit_id=cast.school.id)
    service.set_project_status(session, actor=cast.secretary, project_id=project.id,
                               status="in_progress")
    service.set_project_status(session, actor=cast.secretary, project_id=project.id,
                               status="done", done_on=date(2026, 6, 20))
    session.commit()
    fresh(session)
    deeds = session.exec(select(UnitDeed).order_by(UnitDeed.unit_id)).all()
    assert sorted((d.unit_id, d.title, d.done_on, d.project_id, d.beneficiaries)
                  for d in deeds) == sorted([
        (cast.school.id, "长者午餐点", date(2026, 6, 20), project.id, "老年人午餐无人照看"),
        (cast.clinic.id, "长者午餐点", date(2026, 6, 20), project.id, "老年人午餐无人照看")])
    assert session.get(UnitNeed, need.id).status == "done"
    with pytest.raises(Conflict):
        service.set_project_status(session, actor=cast.secretary, project_id=project.id,
                                   status="done")


def test_list_rules_and_permissions(session, cast):
    with pytest.raises(Forbidden):  # residents put needs through suggestions, not here
        service.add_need(session, actor=cast.resident, title="x")
    with pytest.raises(Invalid):
        service.add_need(session, actor=cast.secretary, title="x", source="unit")
    suggestion = Suggestion(community_id=cast.secretary.community_id,
                            author_id=cast.resident.id, title="楼道灯坏了", body="三号楼")
    session.add(suggestion)
    session.flush()
    need = service.add_need(session, actor=cast.secretary, title="楼道照明", source="resident",
                            suggestion_id=suggestion.id)
    assert need.suggestion_id == suggestion.id
    with pytest.raises(Invalid):
        service.add_need(session, actor=cast.secretary, title="x", suggestion_id=99999)
    with pytest.raises(Forbidden):  # another unit's member cannot offer the school's hall
        service.add_resource(session, actor=cast.clinic_member, unit_id=cast.school.id,
                             title="礼堂")
    with pytest.raises(Forbidden):  # only the secretary sets up projects
        service.add_project(session, actor=cast.chair, title="p")
    clinic_res = service.add_resource(session, actor=cast.clinic_member, unit_id=cast.clinic.id,
                                      title="义诊")
    project = service.add_project(session, actor=cast.secretary, title="p")
    with pytest.raises(Invalid):  # a unit brings its own resource, not another's
        service.take_on_project(session, actor=cast.school_member, project_id=project.id,
                                unit_id=cast.school.id, resource_id=clinic_res.id)
    with pytest.raises(Conflict):  # nobody took it on: completing it would credit no one
        service.set_project_status(session, actor=cast.secretary, project_id=project.id,
                                   status="done")
    answered = service.answer_need(session, actor=cast.full_time, need_id=need.id,
                                   answer="已报修，本周内修好。")
    assert answered.status == "answered" and answered.answered_by_id == cast.full_time.id


def test_lists_api(client, cast):
    sec, member = auth(cast.secretary), auth(cast.school_member)
    r = client.post("/api/v1/needs", headers=sec,
                    json={"title": "暑期托管", "detail": "双职工家庭", "source": "committee"})
    assert r.status_code == 201, r.text
    need = r.json()
    assert need["status"] == "open" and need["date"] and need["unit_id"] is None
    r = client.post(f"/api/v1/units/{cast.school.id}/resources", headers=member,
                    json={"title": "教室", "availability": "暑假"})
    assert r.status_code == 201 and r.json()["unit_id"] == cast.school.id
    resource = r.json()
    r = client.post("/api/v1/projects", headers=sec,
                    json={"title": "暑期托管班", "need_id": need["id"], "date": "2026-07-01"})
    assert r.status_code == 201, r.text
    project = r.json()
    assert project["status"] == "planned" and project["unit_ids"] == []
    r = client.post(f"/api/v1/projects/{project['id']}/units", headers=member,
                    json={"unit_id": cast.school.id, "resource_id": resource["id"]})
    assert r.status_code == 201 and r.json()["unit_ids"] == [cast.school.id]
    assert client.post(f"/api/v1/projects/{project['id']}/units", headers=member,
                       json={"unit_id": cast.school.id}).status_code == 409
    r = client.patch(f"/api/v1/projects/{project['id']}", headers=sec,
                     json={"status": "done", "done_on": "2026-08-20"})
    assert r.status_code == 200 and r.json()["done_on"] == "2026-08-20"
    deeds = client.get(f"/api/v1/units/{cast.school.id}/deeds").json()
    assert [(d["title"], d["project_id"]) for d in deeds["items"]] == [("暑期托管班",
                                                                        project["id"])]
    assert client.get("/api/v1/needs?status=done", headers=sec).json()["total"] == 1
    assert client.get("/api/v1/needs?status=nonsense", headers=sec).status_code == 422
    assert client.get("/api/v1/projects", headers=sec).json()["items"][0]["status"] == "done"
    assert client.get(f"/api/v1/units/{cast.school.id}/resources",
                      headers=member).json()["total"] == 1
    assert client.get("/api/v1/resources", headers=sec).json()["total"] == 1
    # the lists are the committee's working papers (R5.6): not public, not for residents
    for path in ("/api/v1/needs", "/api/v1/projects", "/api/v1/resources"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=auth(cast.resident)).status_code == 403
    r = client.post(f"/api/v1/needs/{need['id']}/answer", headers=auth(cast.resident),
                    json={"answer": "x"})
    assert r.status_code == 403
    r = client.patch(f"/api/v1/projects/{project['id']}", headers=sec, json={"status": "x"})
    assert r.status_code == 422


def test_deed_with_photos_is_public_and_thanked_once_each(client, cast, session):
    url = f"/api/v1/units/{cast.clinic.id}/deeds"
    r = client.post(url, headers=auth(cast.clinic_member),
                    data={"title": "重阳节义诊", "date": "2026-10-29",
                          "beneficiaries": "社区老年人", "detail": "测血压、血糖"},
                    files=[("photos", ("a.png", png(), "image/png")),
                           ("photos", ("b.png", png((0, 90, 0)), "image/png"))])
    assert r.status_code == 201, r.text
    deed = r.json()
    assert deed["unit_name"] == "社区医院党支部" and len(deed["photos"]) == 2
    assert client.get(deed["photos"][0]["thumb_url"]).status_code == 200  # photos are public
    # JSON without photos, by the secretary
    r = client.post(url, headers=auth(cast.secretary),
                    json={"title": "健康讲座", "date": "2025-05-10"})
    assert r.status_code == 201
    listed = client.get(url + "?year=2026").json()
    assert [d["title"] for d in listed["items"]] == ["重阳节义诊"]
    assert client.get("/api/v1/deeds").json()["total"] == 2
    # thanks: once per person, a repeat changes nothing; anonymous cannot
    thanks = f"/api/v1/deeds/{deed['id']}/thanks"
    assert client.post(thanks).status_code == 401
    for who, expected in ((cast.resident, 1), (cast.resident, 1), (cast.chair, 2)):
        r = client.post(thanks, headers=auth(who))
        assert r.status_code == 200 and r.json() == {"deed_id": deed["id"], "thanks": expected,
                                                    "thanked": True}
    mine = client.get(url + "?year=2026", headers=auth(cast.resident)).json()["items"][0]
    assert mine["thanks"] == 2 and mine["thanked"] is True
    assert client.get(url + "?year=2026").json()["items"][0]["thanked"] is False
    fresh(session)
    assert len(session.exec(select(DeedThanks)).all()) == 2


def test_deed_input_is_checked_before_anything_is_written(client, cast, session):
    url = f"/api/v1/units/{cast.clinic.id}/deeds"
    r = client.post(url, headers=auth(cast.school_member),
                    json={"title": "x", "date": "2026-01-01"})
    assert r.status_code == 403  # another unit's member
    r = client.post(url, headers=auth(cast.clinic_member),
                    data={"title": "义诊", "date": "2026-10-01"},
                    files=[("photos", ("a.png", png(), "image/png")),
                           ("photos", ("evil.png", b"<?php echo 1; ?>", "image/png"))])
    assert r.status_code == 422 and r.json()["detail"]
    for bad in ({"title": "", "date": "2026-01-01"}, {"title": "x", "date": "2026-13-01"},
                {"title": "x"}, {"title": "x", "date": "2999-01-01"}):
        assert client.post(url, headers=auth(cast.clinic_member), json=bad).status_code == 422
    r = client.post(url, headers={**auth(cast.clinic_member),
                                  "Content-Type": "application/json"}, content=b"not json")
    assert r.status_code == 400
    fresh(session)
    assert session.exec(select(UnitDeed)).all() == []
    assert session.exec(select(Photo)).all() == []


def test_thank_needs_a_login_and_a_deed_of_this_community(session, cast):
    with pytest.raises(NotAuthenticated):
        service.thank_deed(session, actor=None, deed_id=1)
    deed = service.record_deed(session, actor=cast.secretary, unit_id=cast.bare.id,
                               title="捐书", done_on=date(2026, 4, 23))
    assert service.thank_deed(session, actor=cast.resident, deed_id=deed.id).thanks == 1
    assert service.thank_deed(session, actor=cast.resident, deed_id=deed.id).thanks == 1
