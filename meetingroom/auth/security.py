"""Password hashing, signed tokens, CSRF tokens and Origin checks."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from meetingroom.auth.ratelimit import limiter as limiter  # moved there; importable here
from meetingroom.settings import get_settings

_hasher = PasswordHasher()
# Verifying against this when the phone is unknown keeps the timing the same either way, so a
# login attempt cannot tell whether an account exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))

TOKEN_MAX_AGE = 30 * 24 * 3600  # the signature's own limit; credentials.TOKEN_MAX_AGE agrees

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _serializer(salt: str) -> URLSafeTimedSerializer:
    """One per signing key and salt, made once (holds no per-call state; making it was a tenth
    of a token check's CPU, issue 11)."""
    secret = get_settings().key
    made = _serializers.get((secret, salt))
    if made is None:
        made = _serializers[secret, salt] = URLSafeTimedSerializer(secret, salt=salt)
    return made


_serializers: dict[tuple[str, str], URLSafeTimedSerializer] = {}  # a few: keys x salts


def sign_token(key: str) -> str:
    """The bearer token for an API credential's key (credentials.issue(kind="token"))."""
    return _serializer("api-token").dumps({"k": key})


def read_token(token: str) -> str | None:
    """The credential key a bearer token carries, if its signature holds and is at most
    TOKEN_MAX_AGE old; the table decides whether it is still valid (credentials.resolve)."""
    verified = _verified(token)
    if verified is None:
        return None
    key, signed_at = verified
    age = int(time.time()) - signed_at  # itsdangerous's own test (TimestampSigner.unsign)
    if age > TOKEN_MAX_AGE or age < 0:
        return None
    return key


# Tokens whose signature held, token -> (key, when signed), bounded (least recently used out
# first). A member's app sends the same token with every request, and verifying it (an HMAC,
# base64 and JSON through itsdangerous) was ~15 % of a ballot's server CPU, twice per ballot
# (the CSRF check, then the endpoint; issue 11). Only the signature's verdict is kept: the age
# is checked on every read (read_token), revocation in the database on every request
# (credentials), so a cached token that expired or was signed out is refused exactly as before.
# Only good signatures are kept (only this server can make one, so a flood of forged headers
# neither fills the cache with junk nor makes it large); per signing key, so a changed
# MEETINGROOM_KEY never finds the old key's verdicts.
_VERIFIED_MAX = 4096
_verified_cache: OrderedDict[tuple[str, str], tuple[str, int]] = OrderedDict()
_verified_lock = threading.Lock()  # read_token runs on the loop and in the threadpool


def _verified(token: str) -> tuple[str, int] | None:
    """(key, signed at in epoch seconds) of a token whose signature holds, whatever its age."""
    entry = (get_settings().key, token)
    with _verified_lock:
        found = _verified_cache.get(entry)
        if found is not None:
            _verified_cache.move_to_end(entry)
            return found
    try:
        data, signed = _serializer("api-token").loads(token, return_timestamp=True)
    except BadSignature:  # (SignatureExpired is one, but without max_age it is never raised)
        return None
    key: object = cast(dict[str, object], data).get("k") if isinstance(data, dict) else None
    if not isinstance(key, str):
        return None
    found = (key, int(signed.timestamp()))
    with _verified_lock:
        _verified_cache[entry] = found
        while len(_verified_cache) > _VERIFIED_MAX:
            _verified_cache.popitem(last=False)
    return found


def make_token(user_id: int, user_agent: str = "") -> str:
    """A bearer token for `user_id` in a transaction of its own: for tests, benchmarks and the
    command line, never inside a request (a request uses credentials.issue with its session)."""
    from meetingroom import db
    from meetingroom.auth import credentials

    key = ""
    for session in db.session_scope():  # commits when the loop ends
        _, key = credentials.issue(session, user_id=user_id, kind="token", user_agent=user_agent)
    return sign_token(key)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected and given and hmac.compare_digest(expected, given))


def origin_allowed(origin: str | None, host: str | None, scheme: str) -> bool:
    """A browser's Origin must be one we serve: MEETINGROOM_ALLOWED_ORIGINS, or else the very
    host the request came to. No Origin header means a non-browser client (CONTRACT)."""
    if origin is None:
        return True
    origin = origin.rstrip("/")
    allowed = get_settings().origins
    if allowed:
        return origin in allowed
    if not host:
        return False
    ws_to_http = {"ws": "http", "wss": "https"}
    return origin in {f"{ws_to_http.get(scheme, scheme)}://{host}", f"http://{host}", f"https://{host}"}

