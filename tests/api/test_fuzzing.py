"""Schemathesis over the whole API, from its own OpenAPI document, with a parent's token: never a 500.

For each operation, schemathesis' phases: the coverage phase (boundary and invalid values of every
field: NUL and control characters, numbers past 2^63, overlong strings, missing or unknown fields,
other methods) and the fuzzing phase (valid and invalid inputs drawn by Hypothesis, derandomized so
that every run sends the same calls). Valid inputs name the family's own child, invoice and activity
half of the time, so that the rules run and not only the 404. It runs on PostgreSQL, which refuses
what SQLite lets through (a NUL in text). To search longer by hand:
`ARDOISE_FUZZ_EXAMPLES=250 ARDOISE_FUZZ_STATS=1 DATABASE_URL=… .venv/bin/pytest tests/api/test_fuzzing.py -s`.
"""

import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup

from ardoise.accounts import api_tokens
from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.families.models import Child
from ardoise.wsgi import application
from tests.api.test_api import login
from tests.factories import AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY
from tests.payments import conftest as payments

EXAMPLES = int(os.environ.get("ARDOISE_FUZZ_EXAMPLES", "25"))


@pytest.fixture
def family_ids(parent: User, children: list[Child], meals: Activity, wednesdays: Activity) -> dict[str, Any]:
    """A family with two children enrolled, a booked day, an invoice, an absence reason; its token."""
    AbsenceReasonFactory(town=meals.town, code="autres", label="Autres", billed=True)
    BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY)
    invoice = payments.make_invoice(parent.guardian.family, "25.00")
    return {
        "token": login(parent).token,
        "parent": parent,
        "child_id": children[0].pk,
        "invoice_id": invoice.pk,
        "activity_id": meals.pk,
    }


def use_real_ids(case: Any, ids: dict[str, Any]) -> None:
    for name in case.path_parameters or {}:
        if name in ids:
            case.path_parameters[name] = ids[name]
    body = case.body if isinstance(case.body, dict) else {}
    changes = body.get("changes") if isinstance(body.get("changes"), list) else []
    for item in [body, *changes]:
        if isinstance(item, dict) and isinstance(item.get("activity_id"), int):
            item["activity_id"] = ids["activity_id"]


def poisoned(value: Any, kind: str) -> Any:
    """`value` with the audit's two findings in it: a NUL at the end of every text, or every number past 2^63."""
    if isinstance(value, dict):
        return {key: poisoned(item, kind) for key, item in value.items()}
    if isinstance(value, list):
        return [poisoned(item, kind) for item in value]
    if kind == "nul" and isinstance(value, str):
        return value + "\x00"
    if kind == "overflow" and isinstance(value, int) and not isinstance(value, bool):
        return 2**63 + value
    return value


def fuzzing(operation: Any, mode: GenerationMode, send: Callable[[Any, bool], None]) -> Callable[[], None]:
    """Hypothesis' cases of one operation in one mode (valid or invalid inputs), the same ones every run."""

    @settings(
        max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    def fuzz(case: Any, real: bool) -> None:
        send(case, real and mode == GenerationMode.POSITIVE)

    return fuzz


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_never_answers_500(family_ids: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_wsgi(f"/{family_ids['parent'].town.slug}/api/v1/openapi.json", application)
    answers: Counter[str] = Counter()
    failures: list[str] = []

    def send(case: Any, real: bool) -> None:
        if real:
            use_real_ids(case, family_ids)
        # One case in four carries a NUL in its texts, one in four numbers past 2^63 (the audit's 500s).
        kind = {1: "nul", 3: "overflow"}.get(answers.total() % 4)
        if kind:
            case.body = poisoned(case.body, kind)
            case.query = poisoned(case.query, kind)
        # Signing out revokes the token: that call gets one of its own.
        parent = family_ids["parent"]
        token = api_tokens.issue_token(parent)[0] if case.method == "DELETE" else family_ids["token"]
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        answers[f"{case.operation.label} {response.status_code}"] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except (AssertionError, FailureGroup) as failure:  # keep going: the report lists every 500
            failures.append(f"{case.method} {case.formatted_path} {case.body!r:.300} {case.query!r:.300}: {failure}")

    for result in schema.get_all_operations():
        operation = result.ok()
        coverage = schema.config.generation_for(operation=operation, phase="coverage")
        for number, case in enumerate(
            schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode), generation_config=coverage)
        ):
            send(case, real=number % 2 == 0)
        for mode in GenerationMode:
            fuzzing(operation, mode, send)()

    if os.environ.get("ARDOISE_FUZZ_STATS"):
        for answer, count in sorted(answers.items()):
            print(f"{count:6d}  {answer}")  # noqa: T201
        print(f"{answers.total()} calls, {len(failures)} server errors")  # noqa: T201
    assert answers.total() > 500
    assert not failures, f"{len(failures)} answers 500:\n" + "\n\n".join(failures[:30])
