"""Shared constrained input types: every id, offset, date and text that comes in goes through one.

Bad input must give a clear 422, never a 500 (issue 12): an id beyond the database's integer
(`/api/v1/meetings/10000000000000000000000000`, `?offset=1e25`), a meeting in year 9999 or 0001,
or a control character pasted from Word (`\\x0b` breaks minutes.docx, `\\x00` breaks PostgreSQL).

Use them in every schema field, path/query parameter and form field:

    meeting_id: Id                                  # path or query: 1 .. 2**31-1
    offset: Offset = Query(0)                       # 0 .. 2**31-1
    title: Line = Field(min_length=1, max_length=100)   # one line, control characters removed
    body: Text = Field(max_length=2000)              # several lines: keeps \\n and \\t
    starts_at: When                                 # aware datetime in 2000..2100
    deadline: Day | None = None                     # date in 2000..2100
    password: Secret = Form("")                     # never shown again, taken as typed

`Field(min_length=…, max_length=…)` constraints apply to the text as sent; then it is
cleaned. Code that parses
strings itself (forms kept as `str` for friendly messages) uses `parse_id`, `clean_line`,
`clean_text`, `in_window` and `day_in_window`. `tests/test_types.py` walks every route and fails
when a parameter or field is left without one of these types.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pydantic_core import PydanticCustomError, core_schema

MAX_INT = 2**31 - 1  # PostgreSQL `integer`; SQLite takes it as well
FIRST_YEAR = 2000
LAST_YEAR = 2100

# C0 controls except \t \n \r, DEL, C1 controls, lone surrogates (they cannot be encoded as
# UTF-8), the non-characters U+FFFE/U+FFFF (not allowed in XML: minutes.docx), and the bidi
# embedding/override/isolate controls (they make a name read differently from what it is).
_ALWAYS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069"
_DROP = re.compile(f"[{_ALWAYS}]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_LINE_SPACE = re.compile(r"[\t\n\r\u2028\u2029]+")


def clean_text(value: str) -> str:
    """Several lines: line breaks become \\n, tabs stay, every other control character goes;
    surrounding blank space is trimmed."""
    return _DROP.sub("", _LINE_BREAKS.sub("\n", value)).strip()


def clean_line(value: str) -> str:
    """One line: tabs and line breaks become one space, every other control character goes;
    surrounding blank space is trimmed."""
    return _DROP.sub("", _LINE_SPACE.sub(" ", value)).strip()


def _date_error() -> PydanticCustomError:
    return PydanticCustomError("date_window", "Enter a date between {first} and {last}.",
                               {"first": FIRST_YEAR, "last": LAST_YEAR})


def _check_when(value: datetime) -> datetime:
    # The year is checked first: converting year 1 at +14:00 to UTC overflows.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _date_error()
    if not FIRST_YEAR <= value.astimezone(UTC).year <= LAST_YEAR:
        raise _date_error()
    return value


def _check_day(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _date_error()
    return value


def in_window(value: datetime) -> bool:
    """Whether an (aware or naive) datetime lies in the accepted window, for code that parses
    dates itself."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return False
    return value.tzinfo is None or FIRST_YEAR <= value.astimezone(UTC).year <= LAST_YEAR


def day_in_window(value: date) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def parse_id(value: str | None) -> int | None:
    """An id typed into a form as text: None unless it is a whole number in 1..MAX_INT."""
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_INT else None


def _int_schema(low: int) -> core_schema.CoreSchema:
    return core_schema.int_schema(ge=low, le=MAX_INT)


# The types are classes with their own validation rather than `Annotated[int, Interval(...)]`:
# FastAPI drops `Annotated` metadata when a parameter's default is `Query(…)`/`Form(…)`, and a
# class survives that. Type checkers see plain aliases (int, str, datetime, date).
if TYPE_CHECKING:
    Id = int
    Offset = int
    Line = str
    Text = str
    Secret = str
    When = datetime
    Day = date
else:
    class Id(int):
        """A database id: 1 .. 2**31-1."""

        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
            return _int_schema(1)

    class Offset(int):
        """A list offset: 0 .. 2**31-1."""

        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
            return _int_schema(0)

    class Line(str):
        """One line of text: control characters removed, tabs and breaks made spaces, trimmed."""

        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
            # Cleaned after the length check: the document's maxLength holds for what is sent.
            return core_schema.no_info_after_validator_function(clean_line,
                                                                core_schema.str_schema())

    class Text(str):
        """Several lines of text: keeps \\n and \\t, removes other control characters, trimmed."""

        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
            return core_schema.no_info_after_validator_function(clean_text,
                                                                core_schema.str_schema())

    class Secret(str):
        """A password: taken exactly as typed (it is hashed, never stored or shown)."""

        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
            return core_schema.str_schema()

    class When(datetime):
        """An aware datetime (ISO 8601 with offset) in 2000..2100."""

        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
            return core_schema.no_info_after_validator_function(
                _check_when, core_schema.datetime_schema(tz_constraint="aware"))

    class Day(date):
        """A date (YYYY-MM-DD) in 2000..2100."""

        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
            return core_schema.no_info_after_validator_function(_check_day,
                                                                core_schema.date_schema())
