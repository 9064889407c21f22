"""Accounts through the JSON API: register, token, /me, users, and every bad input."""

from sqlmodel import func, select

from meetingroom.models import AuditLog, User
from tests.conftest import PASSWORD, auth


def count_users(session):
    session.expire_all()
    return session.exec(select(func.count()).select_from(User)).one()


def test_register_then_token_then_me(client):
    r = client.post("/api/v1/auth/register",
                    json={"name": "钱阿姨", "phone": "13712345678", "password": "qian-ayi-2026",
                          "address": "3-2-401"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["name"] == "钱阿姨" and body["seat"] is None and not body["is_secretary"]
    r = client.post("/api/v1/auth/token", json={"phone": "13712345678",
                                                 "password": "qian-ayi-2026"})
    assert r.status_code == 200
    token = r.json()
    assert token["token_type"] == "bearer" and token["user"]["phone"] == "13712345678"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["name"] == "钱阿姨"


def test_me_needs_login(client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["detail"] == "请先登录。"
    forged = {"Authorization": "Bearer forged.token"}
    assert client.get("/api/v1/me", headers=forged).status_code == 401


def test_duplicate_phone_gives_one_account(client, session):
    body = {"name": "A", "phone": "13700000001", "password": "first-pass-99"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    r = client.post("/api/v1/auth/register", json={**body, "name": "B"})
    assert r.status_code == 409
    assert r.json()["detail"] == "该手机号已注册。"
    assert count_users(session) == 1


def test_bad_phone_and_weak_password_explained_in_the_users_language(client, session):
    r = client.post("/api/v1/auth/register",
                    json={"name": "A", "phone": "2370000001", "password": "good-pass-77"})
    assert r.status_code == 422 and r.json()["field"] == "phone"
    assert "11 位手机号码" in r.json()["detail"]
    r = client.post("/api/v1/auth/register",
                    json={"name": "A", "phone": "13700000002", "password": "short"},
                    headers={"Accept-Language": "en"})
    assert r.status_code == 422
    assert r.json()["detail"] == "The password must have at least 8 characters."
    for weak in ("12345678", "aaaaaaaa", "13700000002", ""):
        r = client.post("/api/v1/auth/register",
                        json={"name": "A", "phone": "13700000002", "password": weak})
        assert r.status_code == 422, weak
    r = client.post("/api/v1/auth/register", json={"name": "  ", "phone": "13700000002",
                                                   "password": "good-pass-77"})
    assert r.status_code == 422 and r.json()["field"] == "name"
    assert count_users(session) == 0


def test_missing_field_and_malformed_json(client):
    r = client.post("/api/v1/auth/register", json={"phone": "13700000002"})
    assert r.status_code == 422 and "此项为必填项" in r.json()["detail"]
    r = client.post("/api/v1/auth/register", content=b'{"phone": ',
                    headers={"content-type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["detail"]


def test_wrong_password_does_not_reveal_whether_the_phone_exists(client, factory):
    user = factory.user()
    wrong = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": "nope-nope"})
    unknown = client.post("/api/v1/auth/token", json={"phone": "13999999999",
                                                       "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "手机号或密码错误。"}


def test_registration_is_rate_limited(client, settings):
    assert settings.register_rate[0] >= 60 and settings.register_rate[1] <= 3600  # a sign-up drive
    settings.register_rate = (3, 3600)
    limit = settings.register_rate[0]
    for i in range(limit):
        client.post("/api/v1/auth/register",
                    json={"name": "A", "phone": f"1370000{i:04d}", "password": "good-pass-77"})
    r = client.post("/api/v1/auth/register",
                    json={"name": "A", "phone": "13799999999", "password": "good-pass-77"})
    assert r.status_code == 429


def test_secretary_adds_and_edits_people(client, factory, session):
    sec = factory.secretary()
    unit = factory.unit("幸福路小学党支部")
    r = client.post("/api/v1/users", headers=auth(sec),
                    json={"name": "张伟", "phone": "13711112222", "password": "zhang-wei-88",
                          "is_party_member": True, "seat": "part_time", "unit": unit.id})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["seat"] == "part_time" and created["unit"] == unit.id
    committee = client.get("/api/v1/committee").json()
    assert committee["seated"] == 1
    assert committee["members"][0]["unit_name"] == "幸福路小学党支部"
    assert "phone" not in committee["members"][0]  # the public page never shows phones
    # Unseat: the seat no longer counts towards S.
    r = client.patch(f"/api/v1/users/{created['id']}", headers=auth(sec), json={"seat": None})
    assert r.status_code == 200 and r.json()["seat"] is None
    assert client.get("/api/v1/committee").json()["seated"] == 0
    actions = session.exec(select(AuditLog.action).where(
        AuditLog.entity_id == created["id"])).all()
    assert actions == ["user.create", "user.update"]


def test_only_the_secretary_manages_people(client, factory):
    member = factory.user(seat="chair")
    r = client.post("/api/v1/users", headers=auth(member),
                    json={"name": "X", "phone": "13711113333", "password": "good-pass-77"})
    assert r.status_code == 403
    r = client.patch(f"/api/v1/users/{member.id}", headers=auth(member),
                     json={"is_secretary": True})
    assert r.status_code == 403
    assert client.get("/api/v1/users", headers=auth(member)).status_code == 403


def test_unknown_seat_unit_and_foreign_person(client, factory, session):
    sec = factory.secretary()
    r = client.post("/api/v1/users", headers=auth(sec),
                    json={"name": "X", "phone": "13711113333", "password": "good-pass-77",
                          "seat": "king"})
    assert r.status_code == 422
    r = client.post("/api/v1/users", headers=auth(sec),
                    json={"name": "X", "phone": "13711113333", "password": "good-pass-77",
                          "unit": 9999})
    assert r.status_code == 422 and r.json()["field"] == "unit"
    assert client.patch("/api/v1/users/9999", headers=auth(sec), json={}).status_code == 404


def test_secretary_list_is_paginated(client, factory):
    sec = factory.secretary()
    for _ in range(5):
        factory.user()
    page = client.get("/api/v1/users?limit=2&offset=2", headers=auth(sec)).json()
    assert page["total"] == 6 and len(page["items"]) == 2


def test_change_password_through_the_api(client, factory):
    user = factory.user()
    r = client.post("/api/v1/me/password", headers=auth(user),
                    json={"current": PASSWORD, "new": "brand-new-pass-1"})
    assert r.status_code == 204
    r = client.post("/api/v1/me/password", headers=auth(user),
                    json={"current": PASSWORD, "new": "another-pass-22"})
    assert r.status_code == 422 and r.json()["field"] == "current"
