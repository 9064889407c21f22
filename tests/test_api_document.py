"""The OpenAPI document tells the truth (issue 12): the error model the API really sends, the
error statuses on every route, enums for fixed values, and OPTIONS/Allow naming every method."""

from __future__ import annotations

from typing import get_args

import pytest

from meetingroom import labels
from meetingroom.suggestions.service import SORTS


@pytest.fixture
def document(client) -> dict:
    return client.get("/openapi.json").json()


def test_the_error_model_is_the_one_sent(document, client):
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    error = schemas["ErrorOut"]
    assert error["required"] == ["detail"]
    assert error["properties"]["detail"]["type"] == "string"
    assert set(error["properties"]) == {"detail", "errors", "rule", "field"}
    sent = client.get("/api/v1/meetings/0").json()  # a real 422
    assert set(sent) <= set(error["properties"]) and isinstance(sent["detail"], str)


# A route may describe one status with its own body (the roster import's 409 is its preview).
OWN_BODY = {("post", "/api/v1/roster/import/{token}", "409")}


def test_every_api_route_documents_the_shared_error_responses(document):
    operations = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            operations += 1
            for status in ("400", "401", "403", "404", "409", "413", "422", "429"):
                response = operation["responses"].get(status)
                assert response, (method, path, status)
                if (method, path, status) in OWN_BODY:
                    continue
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (method, path, status)
    assert operations > 60


def _enum(document, schema: dict) -> list | None:
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "enum" in schema:
        return schema["enum"]
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _enum(document, option)
    return None


@pytest.mark.parametrize(("path", "method", "name", "values"), [
    ("/api/v1/suggestions", "get", "status", labels.SUGGESTION_STATUSES),
    ("/api/v1/suggestions", "get", "sort", SORTS),
    ("/api/v1/proposals", "get", "principle", labels.PRINCIPLES),
    ("/api/v1/proposals", "get", "status", labels.PROPOSAL_STATUSES),
    ("/api/v1/meetings", "get", "status", ("scheduled", "open", "closed")),
    ("/api/v1/resolutions", "get", "status", labels.RESOLUTION_STATUSES),
])
def test_fixed_query_values_are_enums(document, path, method, name, values):
    parameter = next(p for p in document["paths"][path][method]["parameters"]
                     if p["name"] == name)
    assert _enum(document, parameter["schema"]) == list(values)


@pytest.mark.parametrize(("model", "field", "values"), [
    ("SuggestionOut", "status", labels.SUGGESTION_STATUSES),
    ("ProposalIn", "principle", labels.PRINCIPLES),
    ("ProposalOut", "status", labels.PROPOSAL_STATUSES),
    ("MeetingIn", "kind", labels.MEETING_KINDS),
    ("MeetingSummary", "status", ("scheduled", "open", "closed")),
    ("BallotIn", "choice", labels.CHOICES),
    ("AgendaItemOut", "principle", labels.PRINCIPLES),
    ("UserCreate", "seat", labels.SEATS),
    ("meetingroom__community__api__MemberOut", "seat", labels.SEATS),
])
def test_fixed_fields_are_enums(document, model, field, values):
    schema = document["components"]["schemas"][model]["properties"][field]
    assert _enum(document, schema) == list(values)


@pytest.mark.parametrize(("alias", "codes"), [
    (labels.Seat, labels.SEATS), (labels.Principle, labels.PRINCIPLES),
    (labels.MeetingKind, labels.MEETING_KINDS), (labels.Choice, labels.CHOICES),
    (labels.Outcome, labels.OUTCOMES), (labels.ResolutionStatus, labels.RESOLUTION_STATUSES),
    (labels.SuggestionStatus, labels.SUGGESTION_STATUSES),
    (labels.ProposalStatus, labels.PROPOSAL_STATUSES),
    (labels.ReportReason, labels.REPORT_REASONS), (labels.Sort, SORTS),
])
def test_the_enum_types_match_the_codes(alias, codes):
    assert list(get_args(alias)) == list(codes)


@pytest.mark.parametrize(("path", "allowed"), [
    ("/api/v1/meetings/1/agenda", "POST, PUT, OPTIONS"),
    ("/api/v1/meetings/1/attendance", "POST, DELETE, OPTIONS"),
    ("/api/v1/meetings", "GET, POST, OPTIONS"),
    ("/meetings/1", "GET, OPTIONS"),
])
def test_options_and_405_name_every_method_of_the_path(client, path, allowed):
    r = client.options(path)
    assert r.status_code == 204 and r.headers["allow"] == allowed
    r = client.patch(path)
    assert r.status_code == 405 and r.headers["allow"] == allowed


def test_options_on_an_unknown_path_is_404(client):
    assert client.options("/api/v1/nothing-here").status_code == 404
