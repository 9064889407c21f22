"""Bearer tokens: a verified signature is remembered (auth/security.py, issue 11), but a token
that expired or was signed out is refused exactly as before, cached or not."""

from __future__ import annotations

import contextlib
import time

import sqlalchemy as sa

from meetingroom import db
from meetingroom.auth import security
from meetingroom.models import AuthSession, utcnow
from tests.conftest import auth


class _Clock:
    """`security.time` with the clock moved by `ahead` seconds (the database's clock stays)."""

    def __init__(self, ahead: float) -> None:
        self.ahead = ahead

    def time(self) -> float:
        return time.time() + self.ahead


def _token(user) -> str:
    return auth(user)["Authorization"].removeprefix("Bearer ")


def test_a_token_is_verified_once_and_read_the_same(settings, factory):
    token = _token(factory.user())
    key = security.read_token(token)
    assert key is not None
    assert (settings.key, token) in security._verified_cache
    assert security.read_token(token) == key  # from the cache, same answer
    assert security.read_token(token + "x") is None
    assert security.read_token("not-a-token") is None
    assert (settings.key, "not-a-token") not in security._verified_cache  # only good ones kept


def test_a_cached_token_still_expires(factory, monkeypatch):
    token = _token(factory.user())
    assert security.read_token(token) is not None  # verified and cached now
    monkeypatch.setattr(security, "time", _Clock(security.TOKEN_MAX_AGE - 60))
    assert security.read_token(token) is not None
    monkeypatch.setattr(security, "time", _Clock(security.TOKEN_MAX_AGE + 2))
    assert security.read_token(token) is None
    monkeypatch.setattr(security, "time", _Clock(-60))  # signed "in the future": refused too
    assert security.read_token(token) is None


def test_a_cached_token_past_its_age_is_refused_by_the_api(client, factory, monkeypatch):
    headers = {"Authorization": f"Bearer {_token(factory.user())}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # cached now
    # only the signature's clock moves: the credential row is still live in the database
    monkeypatch.setattr(security, "time", _Clock(security.TOKEN_MAX_AGE + 2))
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    r = client.post("/api/v1/me/password", headers=headers, json={"current": "x", "new": "y"})
    assert r.status_code == 401


def test_a_cached_token_signed_out_is_refused_at_once(client, factory):
    headers = {"Authorization": f"Bearer {_token(factory.user())}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # cached now
    with contextlib.contextmanager(db.session_scope)() as s:
        s.execute(sa.update(AuthSession).values(revoked_at=utcnow()))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_another_signing_key_never_finds_the_cached_verdict(settings, factory, monkeypatch):
    token = _token(factory.user())
    assert security.read_token(token) is not None
    monkeypatch.setitem(settings.__dict__, "key", "another-key-" + "x" * 40)  # cached_property
    assert security.read_token(token) is None


def test_the_cache_is_bounded(settings, monkeypatch):
    monkeypatch.setattr(security, "_VERIFIED_MAX", 3)
    tokens = [security.sign_token(f"key-{n}") for n in range(5)]
    assert [security.read_token(t) for t in tokens] == [f"key-{n}" for n in range(5)]
    assert len(security._verified_cache) <= 3
    assert (settings.key, tokens[-1]) in security._verified_cache
    assert (settings.key, tokens[0]) not in security._verified_cache
