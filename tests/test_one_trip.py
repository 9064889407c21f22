"""A request's database work costs one worker-thread trip (issue 11, the page floor): the
session is made on the event loop, and the page context, the endpoint and the commit share the
endpoint's trip (db.in_one_trip). Before, /healthz took three trips and a page four — half of
/healthz's CPU was threads handing work to each other (docs/benchmarks.md)."""

from __future__ import annotations

import anyio.to_thread
import pytest

from tests.conftest import auth, login


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """Names of the functions each request sent to a worker thread."""
    calls: list[str] = []
    real = anyio.to_thread.run_sync

    async def counting(func, *args, **kwargs):
        calls.append(getattr(func, "__qualname__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return calls


@pytest.mark.parametrize("path", ["/healthz", "/", "/suggestions", "/api/v1/suggestions",
                                  "/api/v1/committee"])
def test_a_read_is_one_trip(client, trips, path):
    client.get(path)  # warm: first-request work (templates, catalogues) is not the point
    trips.clear()
    assert client.get(path).status_code == 200
    assert len(trips) == 1, trips


def test_a_logged_in_page_and_a_write_are_one_trip_each(client, factory, trips):
    from tests.suggestions.helpers import make

    resident = factory.user()
    suggestion = make(client, resident)
    trips.clear()
    r = client.post(f"/api/v1/suggestions/{suggestion['id']}/support", headers=auth(factory.user()))
    assert r.status_code == 200 and len(trips) <= 2, trips  # the user dependency, the endpoint
    login(client, resident)
    trips.clear()
    assert client.get("/").status_code == 200
    assert len(trips) == 1, trips


def test_a_failed_write_leaves_nothing_and_the_next_request_works(client, factory, trips):
    """The endpoint's trip rolls back on an error (no half-written rows, no leaked lock)."""
    resident = factory.user()
    r = client.post("/api/v1/suggestions/999999/support", headers=auth(resident))
    assert r.status_code == 404
    assert client.get("/healthz").status_code == 200
