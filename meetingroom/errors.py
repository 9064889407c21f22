"""Typed domain errors: each carries its HTTP status and, where a rule decides, the rule id.

Services raise these; one handler renders them as JSON `{"detail","rule"?}` for the API and as
a friendly, translated message on pages (STYLE habit 5). `message` is an English msgid, so the
page handler can translate it; `params` fill its placeholders.
"""

from __future__ import annotations

from typing import Any

from meetingroom.labels import N_


class DomainError(Exception):
    status_code = 400
    default_message = N_("The request cannot be carried out.")

    def __init__(self, message: str | None = None, *, rule: str | None = None, **params: Any):
        self.message = message or self.default_message
        self.rule = rule
        self.params = params
        super().__init__(self.message.format(**params) if params else self.message)


class BadRequest(DomainError):
    status_code = 400


class Invalid(DomainError):
    """A field fails validation (422). `field` names it so forms can show the message in place."""

    status_code = 422
    default_message = N_("Please check the form.")

    def __init__(self, message: str | None = None, *, field: str | None = None, **kw: Any):
        self.field = field
        super().__init__(message, **kw)


class NotAuthenticated(DomainError):
    status_code = 401
    default_message = N_("Please log in first.")


class Forbidden(DomainError):
    status_code = 403
    default_message = N_("You are not allowed to do this.")


class NotFound(DomainError):
    status_code = 404
    default_message = N_("Not found.")


class Conflict(DomainError):
    status_code = 409
    default_message = N_("This cannot be done in the current state.")


class TooLarge(DomainError):
    status_code = 413
    default_message = N_("The upload is too large.")


class TooManyRequests(DomainError):
    status_code = 429
    default_message = N_("Too many attempts. Please wait a minute and try again.")

    def __init__(self, message: str | None = None, *, retry_after: int = 60, **kw: Any):
        self.retry_after = retry_after
        super().__init__(message, **kw)
