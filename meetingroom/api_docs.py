"""What the OpenAPI document says about errors (issue 12): every API error is
`{"detail": "…", "errors"?: [{"field","message"}], "rule"?: "R7.1", "field"?: "…"}`, and every route
documents the error statuses it can answer with, instead of FastAPI's default validation error."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(description='the field, dotted for nested ones ("" for the whole body)')
    message: str = Field(description="what is wrong, in the request's language")


class ErrorOut(BaseModel):
    detail: str = Field(description="what went wrong, in the request's language")
    errors: list[FieldError] | None = Field(default=None,
                                            description="400/422: one entry per bad field")
    rule: str | None = Field(default=None, description="the rule that decided, e.g. R7.1")
    field: str | None = Field(default=None, description="the form field a 422 is about")


_DESCRIPTIONS = {
    400: "Malformed request (not JSON, wrong content type)",
    401: "Not logged in, or the token is invalid or revoked",
    403: "Not allowed for this person, or a cross-site request",
    404: "Not found (also another community's rows)",
    409: "Not possible in the current state (the rule is named)",
    413: "Too large (uploads)",
    422: "A field is not valid",
    429: "Too many attempts; see Retry-After",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in _DESCRIPTIONS.items()
}
ERROR_RESPONSES[429]["headers"] = {
    "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
