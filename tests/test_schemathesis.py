"""The API against its own OpenAPI document (issue 12): schemathesis generates requests for every
operation, in-process, anonymously and with the secretary's token, and fails on any 5xx or on any
response (status, content type, body) that the document does not describe.

The app runs on one database for the whole module (PostgreSQL when configured, as in CI: that is
where an out-of-range integer gave a 500), loaded with the demo community so ids exist. The
number of examples is bounded (`FUZZ_EXAMPLES`, default 6 per operation and person) and the run is
derandomized, so CI stays within about two minutes and fails the same way twice."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from sqlmodel import Session, select

from meetingroom import db
from meetingroom.app import create_app
from meetingroom.auth.security import limiter
from meetingroom.models import User
from meetingroom.settings import Settings, set_settings
from tests.conftest import PG_URL, auth, new_pg_database

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# Every check but one: a request the document allows may still be refused by a rule the schema
# cannot express (a phone number's format, R7.1's quorum): 422 and 409 are documented answers.
#
# And `negative_data_rejection` is off for now: its "too long" strings hold lone surrogates that
# the JSON round trip fuses into one character (a high and a low surrogate side by side), so
# the server rightly sees a string within maxLength that the check counted as too long
# (POST /units, 2026-12-01). Every response is still checked against the document.
EXCLUDED = [positive_data_acceptance, negative_data_rejection]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def fuzz_settings(tmp_path_factory) -> Iterator[Settings]:
    data = tmp_path_factory.mktemp("fuzz")
    with (new_pg_database() if PG_URL else _sqlite(data)) as url:
        s = Settings(data_dir=data / "data", database_url=url, broadcast_url="memory://",
                     secret_key="fuzz-secret-key-0123456789abcdef", _env_file=None)
        set_settings(s)
        from meetingroom.demo import load_demo

        with Session(db.get_engine(url), expire_on_commit=False) as session:
            load_demo(session)
            session.commit()
        yield s
        set_settings(None)
        db.dispose_engines()


class _sqlite:
    def __init__(self, folder):
        self.url = f"sqlite:///{folder / 'fuzz.db'}"

    def __enter__(self) -> str:
        db.upgrade(self.url)
        return self.url

    def __exit__(self, *exc) -> None:
        db.dispose_engines()


@pytest.fixture(scope="module")
def api_schema(fuzz_settings):
    app = create_app(fuzz_settings)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(autouse=True)
def _fuzz_settings_active(fuzz_settings):
    set_settings(fuzz_settings)
    limiter.reset()  # 429s are documented, but a fresh budget reaches the code behind them
    yield


@pytest.fixture(scope="module")
def secretary(fuzz_settings) -> User:
    with Session(db.get_engine(fuzz_settings.db_url), expire_on_commit=False) as session:
        user = session.exec(select(User).where(User.is_secretary)).first()
        assert user is not None
        return user


def _fuzz(api_schema, make_headers: Callable[[], dict[str, str]] | None) -> Counter[int]:
    """Every operation, with positive and negative (invalid) examples; all failures are
    collected, then reported together with the operation they came from.

    (schemathesis's `from_fixture` pytest integration reads `request.node._nodeid`, which pytest 9
    no longer has; this drives the same strategies and checks through Hypothesis directly.)"""
    from hypothesis import given
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @FUZZ
            @given(case=strategy)
            def run(case) -> None:
                limiter.reset()
                # A fresh token per request: some operations revoke the one they are sent with
                # (logout, a password change, "sign out everywhere").
                headers = make_headers() if make_headers else None
                response = case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)
                statuses[response.status_code] += 1

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to get wrong: no parameters
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported below
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): "
                                f"{str(exc)[:1500]}")
    assert operations > 60, operations  # the document was read whole
    assert not failures, f"{len(failures)} operations fail:\n\n" + "\n\n".join(failures)
    return statuses


def test_api_anonymous(api_schema):
    statuses = _fuzz(api_schema, None)
    assert statuses[401] and statuses[200]  # public reads answer, the rest asks to log in


def test_api_as_the_secretary(api_schema, secretary):
    statuses = _fuzz(api_schema, lambda: auth(secretary))
    # The token works: most operations were carried out at least once, not just refused.
    assert sum(n for status, n in statuses.items() if status < 300) > 100, statuses
