"""Rate limits on the `limits` library, and the client address behind trusted proxies.

The counts live in Redis when MEETINGROOM_BROADCAST_URL is redis:// (every worker and host of a
deployment shares them), in this process's memory otherwise. Logins count **failures** only, per
phone and per address (decisions.md "Login limits"): a room of members behind one NAT never meets
a limit by logging in correctly.

If Redis cannot be reached the counts fall back to this process's memory (logged once), so an
outage of the live hub's Redis never locks a meeting out of logging in.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from meetingroom.errors import TooManyRequests
from meetingroom.settings import get_settings

log = logging.getLogger("meetingroom.ratelimit")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Rule:
    """`count` events per `seconds`, under a key namespace such as "login-phone"."""

    name: str
    count: int
    seconds: int

    @property
    def item(self) -> RateLimitItem:
        return _item(self.count, self.seconds)


@lru_cache(maxsize=64)
def _item(count: int, seconds: int) -> RateLimitItem:
    return RateLimitItemPerSecond(count, seconds)


class Limiter:
    """Moving-window counters. `hit` counts every attempt (registration, posting); `check` +
    `fail` count only failures (logins, reset codes), so a success never uses up a limit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._url: str | None = None
        self._prefix = ""
        self._storage: Storage | None = None
        self._strategy: MovingWindowRateLimiter | None = None
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._degraded_since: float | None = None

    # -- storage ---------------------------------------------------------------------------

    def _current(self) -> tuple[MovingWindowRateLimiter, str]:
        settings = get_settings()
        url = settings.broadcast_url if settings.broadcast_url.startswith(
            ("redis://", "rediss://")) else "memory://"
        # Keys are scoped to this deployment (its key and database), so two deployments or two
        # test runs sharing one Redis never share counts.
        prefix = hashlib.sha256(f"{settings.key}\0{settings.db_url}".encode()).hexdigest()[:12]
        with self._lock:
            if self._strategy is None or url != self._url or prefix != self._prefix:
                if url == "memory://":
                    storage: Storage = MemoryStorage()
                else:
                    shared = storage_from_string(url, key_prefix=f"meetingroom:{prefix}",
                                                 socket_connect_timeout=1, socket_timeout=1)
                    assert isinstance(shared, Storage)  # a sync URL gives a sync storage
                    storage = shared
                self._url, self._prefix, self._storage = url, prefix, storage
                self._strategy = MovingWindowRateLimiter(storage)
            return self._strategy, self._url or "memory://"

    def _call(self, what: str, rule: Rule, key: str) -> tuple[bool, float]:
        """Run `what` ("hit" | "test") for rule/key; returns (allowed, seconds until a slot
        frees). Falls back to process memory while the shared storage is unreachable."""
        strategy, url = self._current()
        try:
            result = self._run(strategy, what, rule, key)
            if self._degraded_since is not None:
                log.warning("rate-limit storage %s is back", url.split("@")[-1])
                self._degraded_since = None
            return result
        except Exception as exc:  # noqa: BLE001 - any storage failure: count in memory instead
            if strategy is self._memory:
                raise
            if self._degraded_since is None:
                self._degraded_since = time.monotonic()
                log.warning("rate-limit storage unreachable (%s); counting in this process",
                            exc.__class__.__name__)
            return self._run(self._memory, what, rule, key)

    @staticmethod
    def _run(strategy: MovingWindowRateLimiter, what: str, rule: Rule,
             key: str) -> tuple[bool, float]:
        item = rule.item
        allowed = strategy.hit(item, rule.name, key) if what == "hit" else strategy.test(
            item, rule.name, key)
        if allowed:
            return True, 0.0
        stats = strategy.get_window_stats(item, rule.name, key)
        return False, max(0.0, stats.reset_time - time.time())

    # -- the three operations ----------------------------------------------------------------

    def hit(self, key: str, limit: int, window: int, *, name: str = "") -> None:
        """Count one attempt; 429 when the window is full. (key, count, seconds) as before."""
        rule = Rule(name or key.split(":", 1)[0], limit, window)
        allowed, wait = self._call("hit", rule, key)
        if not allowed:
            seconds = _seconds(wait)
            raise TooManyRequests("Too many attempts from this address. Try again in {minutes} "
                                  "minutes.", retry_after=seconds,
                                  minutes=max(1, math.ceil(seconds / 60)))

    def check(self, rules: Iterable[tuple[Rule, str]]) -> None:
        """429 if any of these failure counters is full (nothing is counted)."""
        waits = [wait for rule, key in rules
                 for allowed, wait in [self._call("test", rule, key)] if not allowed]
        if waits:
            wait = _seconds(max(waits))
            raise TooManyRequests(
                "Too many failed attempts. Try again in {minutes} minutes.",
                retry_after=wait, minutes=max(1, math.ceil(wait / 60)))

    def fail(self, rules: Iterable[tuple[Rule, str]]) -> None:
        """Count one failure on each of these counters."""
        for rule, key in rules:
            self._call("hit", rule, key)

    def reset(self) -> None:
        """Forget every count (tests; memory storage only, Redis keys expire by themselves)."""
        with self._lock:
            self._memory = MovingWindowRateLimiter(MemoryStorage())
            self._strategy = None
            self._url = None


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


limiter = Limiter()


# -- the rules (numbers in docs/decisions.md "Login limits") ---------------------------------


def login_rules(phone: str, address: str, community_id: int) -> list[tuple[Rule, str]]:
    """Failed logins (and failed reset codes, wrong current passwords) per phone and per
    address: the phone limit stops guessing one account, the address ceiling stops one client
    trying many accounts, and is far above what a meeting room or sign-up drive produces."""
    s = get_settings()
    return [(Rule("login-phone", *s.login_failures_per_phone), f"{community_id}:{phone}"),
            (Rule("login-address", *s.login_failures_per_address), address)]


# -- client address behind trusted proxies ---------------------------------------------------


def parse_networks(value: str | Sequence[str]) -> tuple[IPNetwork, ...]:
    """"10.0.0.1, 172.16.0.0/12" → networks. Raises ValueError on anything else ("*" included:
    trusting every peer lets any client pick its address and dodge every limit)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    networks: list[IPNetwork] = []
    for raw in items:
        text = raw.strip()
        if not text:
            continue
        networks.append(ipaddress.ip_network(text, strict=False))
    return tuple(networks)


@lru_cache(maxsize=8)
def networks_of(value: str) -> tuple[IPNetwork, ...]:
    return parse_networks(value)


def _is_trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def forwarded_client(peer: str, forwarded_for: list[str],
                     networks: tuple[IPNetwork, ...]) -> str:
    """The client's address: the peer itself unless it is a trusted proxy; then the rightmost
    X-Forwarded-For entry that is not a trusted proxy (entries left of it are the client's own
    claims and are ignored)."""
    if not networks or not _is_trusted(peer, networks):
        return peer
    hops = [h.strip() for header in forwarded_for for h in header.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


class TrustedProxyMiddleware:
    """Replaces uvicorn's proxy headers (`meetingroom serve` turns those off), so the one setting
    MEETINGROOM_TRUSTED_PROXIES decides whose X-Forwarded-For/-Proto are believed, also in tests
    and under any ASGI server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            networks = get_settings().trusted_networks
            client = scope.get("client")
            if networks and client and _is_trusted(client[0], networks):
                headers = HTTPConnection(scope).headers
                address = forwarded_client(client[0], headers.getlist("x-forwarded-for"),
                                           networks)
                scope["client"] = (address, 0)
                proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
                if proto in ("http", "https"):
                    if scope["type"] == "websocket":
                        proto = "wss" if proto == "https" else "ws"
                    scope["scheme"] = proto
        await self.app(scope, receive, send)


def client_address(conn: HTTPConnection) -> str:
    """The address limits are counted on (see TrustedProxyMiddleware)."""
    return conn.client.host if conn.client else "unknown"
