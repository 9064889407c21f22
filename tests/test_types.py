"""The shared input types (meetingroom/types.py) and proof that no route is left without them.

`test_every_route_parameter_uses_a_shared_type` walks every API route, page and socket, and feeds
each parameter and body field what once gave a 500 (issue 12): an integer beyond the database's
range, a date in year 9999, a control character. Each must be refused, or (text) cleaned."""

from __future__ import annotations

import enum
import types as pytypes
import typing
from datetime import date, datetime
from typing import Annotated, Any, get_args, get_origin

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from pydantic import BaseModel, TypeAdapter, ValidationError

from meetingroom.app import create_app
from meetingroom.types import (
    MAX_INT,
    Secret,
    clean_line,
    clean_text,
    day_in_window,
    in_window,
    parse_id,
)
from tests.conftest import auth


@pytest.fixture
def secretary_headers(factory) -> dict[str, str]:
    return auth(factory.secretary())


CONTROL = "a\x0bb\x00c\x1b\x7fd\u202ee"


def test_clean_line_and_text():
    assert clean_line(" Room\x0b 3\t\n A ") == "Room 3  A"
    assert clean_line(CONTROL) == "abcde"
    assert clean_text("one\r\ntwo\rthree\n\tfour\x0c\x00 ") == "one\ntwo\nthree\n\tfour"
    assert clean_text("\ud800x\ufffe") == "x"


def test_parse_id_and_windows():
    assert parse_id(" 42 ") == 42
    for bad in ("", "0", "-1", "1e25", "10000000000000000000000000", str(MAX_INT + 1), "٣", None):
        assert parse_id(bad) is None, bad
    assert parse_id(str(MAX_INT)) == MAX_INT
    assert in_window(datetime(2026, 1, 1)) and not in_window(datetime(9999, 12, 31))
    assert day_in_window(date(2100, 12, 31)) and not day_in_window(date(1999, 12, 31))


# --- every route ---------------------------------------------------------------------------------

def _routes(routes) -> typing.Iterator[Any]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included routers
            yield from _routes(route.original_router.routes)
        elif isinstance(route, APIRoute | APIWebSocketRoute):
            yield route


def _params(dependant) -> typing.Iterator[Any]:
    yield from (dependant.path_params + dependant.query_params + dependant.header_params
                + dependant.cookie_params + dependant.body_params)
    for sub in dependant.dependencies:
        yield from _params(sub)


def _leaves(annotation) -> tuple[set[type], bool, bool]:
    """The leaf types of an annotation, whether it is a list, and whether it is a Secret."""
    leaves: set[type] = set()
    is_list = secret = False
    stack = [annotation]
    while stack:
        ann = stack.pop()
        origin = get_origin(ann)
        if origin is Annotated:
            args = get_args(ann)
            stack.append(args[0])
        elif origin in (typing.Union, pytypes.UnionType):
            stack.extend(get_args(ann))
        elif origin in (list, set, tuple, typing.Sequence):
            is_list = True
            stack.extend(get_args(ann)[:1])
        elif origin is typing.Literal:
            leaves.add(type(get_args(ann)[0]) if get_args(ann) else str)
            # a Literal refuses everything outside its values: probing it is enough
        elif isinstance(ann, type):
            secret = secret or issubclass(ann, Secret)
            leaves.add(ann)
    return leaves, is_list, secret


def _probes(leaves: set[type]) -> list[tuple[str, Any]]:
    probes: list[tuple[str, Any]] = []

    def has(kind: type) -> bool:
        return any(issubclass(t, kind) for t in leaves)

    if has(int) and not has(bool) or has(enum.IntEnum):
        probes += [("int", MAX_INT + 1), ("int", 10**25), ("int", "1e25"), ("int", -(2**63))]
    if has(datetime):
        probes += [("datetime", "9999-12-31T00:00:00+00:00"),
                   ("datetime", "0001-01-01T00:00:00+14:00")]
    elif has(date):
        probes += [("date", "9999-12-31"), ("date", "0001-01-01")]
    if has(str):
        probes.append(("str", CONTROL))
    return probes


def _check(where: str, adapter: TypeAdapter, annotation, problems: list[str]) -> None:
    leaves, is_list, secret = _leaves(annotation)
    for leaf in leaves:
        if isinstance(leaf, type) and issubclass(leaf, BaseModel):
            _check_model(f"{where}.", leaf, problems)
    for kind, probe in _probes(leaves):
        if kind == "str" and secret:
            continue
        value = [probe] if is_list else probe
        try:
            out = adapter.validate_python(value)
        except ValidationError:
            continue
        if kind == "str":
            text = str(out)
            if any(c in text for c in "\x0b\x00\x1b\x7f\u202e"):
                problems.append(f"{where}: keeps control characters (use types.Line/Text)")
        else:
            problems.append(f"{where}: accepts {probe!r} (use types.Id/Offset/When/Day)")


_seen: set[type] = set()


def _check_model(prefix: str, model: type[BaseModel], problems: list[str]) -> None:
    if model in _seen:
        return
    _seen.add(model)
    for name, field in model.model_fields.items():
        annotation = Annotated[field.annotation, *field.metadata] if field.metadata else \
            field.annotation
        _check(f"{prefix}{model.__name__}.{name}", TypeAdapter(annotation), annotation, problems)


def test_every_route_parameter_uses_a_shared_type():
    """Fails when any path/query/form parameter or JSON body field (API, pages, sockets) takes
    an out-of-range integer, a date outside 2000–2100, or keeps a control character."""
    app = create_app()
    problems: list[str] = []
    checked = 0
    _seen.clear()
    for route in _routes(app.routes):
        if route.path in ("/docs",):
            continue
        for param in _params(route.dependant):
            checked += 1
            where = f"{route.path} {param.name}"
            annotation = param.field_info.annotation
            if param.field_info.metadata:
                annotation = Annotated[annotation, *param.field_info.metadata]
            _check(where, param._type_adapter, annotation, problems)
    assert checked > 150, checked  # the walk found the routes
    assert problems == [], "\n".join(problems)


def test_the_probe_catches_a_plain_int_and_str():
    """The walk above can fail: a bare `int` and `str` are reported."""
    problems: list[str] = []

    class Bare(BaseModel):
        n: int
        s: str
        when: datetime

    _seen.discard(Bare)
    _check_model("", Bare, problems)
    assert {p.split(':')[0] for p in problems} == {'Bare.n', 'Bare.s', 'Bare.when'}, problems


@pytest.mark.parametrize("path", [
    "/api/v1/meetings/10000000000000000000000000",
    "/api/v1/meetings/2147483648",
    "/api/v1/meetings/0",
    "/api/v1/meetings?offset=1e25",
    "/api/v1/suggestions?offset=10000000000000000000000000",
    "/api/v1/proposals?offset=1e25",
    "/api/v1/resolutions?offset=1e25",
    "/api/v1/resolutions?year=99999999999",
    "/api/v1/suggestions/99999999999999999999",
    "/api/v1/resolutions/99999999999999999999/ratings?offset=1e25",
])
def test_out_of_range_numbers_are_422(client, path):
    r = client.get(path)
    assert r.status_code == 422, (path, r.status_code, r.text)
    assert r.json()["errors"]


def test_meeting_dates_outside_the_window_are_422(client, secretary_headers):
    for when in ("9999-12-31T00:00:00+00:00", "0001-01-01T00:00:00+14:00",
                 "1999-12-31T23:00:00+00:00"):
        r = client.post("/api/v1/meetings", headers=secretary_headers,
                        json={"kind": "work", "title": "T", "starts_at": when})
        assert r.status_code == 422, (when, r.text)
        assert "2000" in r.json()["detail"]
    assert client.get("/api/v1/meetings").status_code == 200


def test_control_characters_never_reach_the_record(client, secretary_headers):
    r = client.post("/api/v1/meetings", headers=secretary_headers,
                    json={"kind": "joint", "title": "Room\x0b 3\x00", "location": "Hall\x0c",
                          "starts_at": "2030-01-01T10:00:00+08:00"})
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "Room 3" and r.json()["location"] == "Hall"
    r = client.post(f"/api/v1/meetings/{r.json()['id']}/observers", headers=secretary_headers,
                    json={"name": "Zhang\x0b", "role": "street\x1b office"})
    assert r.status_code == 201, r.text
    assert r.json() == {"id": r.json()["id"], "name": "Zhang", "role": "street office"}
