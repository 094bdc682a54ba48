"""Which pages read inside a replica scope (ardoise/towns/replica.py): the reports do, a booking never.

No replica server here: the router's question "does this read go to the replica?" is answered
"no" (every read stays on the test database) and recorded with whether a `reads_from_replica`
scope was open. The real primary and replica are in tests/towns/test_replica_streaming.py.
"""

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing.models import InvoicingRun
from ardoise.bookings.models import Booking
from ardoise.families.models import Child
from ardoise.towns import replica
from ardoise.towns.models import Town
from tests.moment import NEXT_MONDAY, week

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_scope(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each read the router places, whether it was inside a replica scope (then it stays on the primary)."""
    seen: list[bool] = []

    def reads_replica_now() -> bool:
        seen.append(replica._current.get() is not None)
        return False

    monkeypatch.setattr(replica, "reads_replica_now", reads_replica_now)
    return seen


@pytest.mark.parametrize(
    ("name", "query", "who"),
    [
        ("backoffice:kitchen", "", "kitchen_agent"),
        ("backoffice:kitchen_csv", "", "kitchen_agent"),
        ("backoffice:caf_report", "", "finance_agent"),
        ("backoffice:caf_report_csv", "", "finance_agent"),
        ("backoffice:finance_dashboard", "", "finance_agent"),
        ("backoffice:home", "", "finance_agent"),
        ("backoffice:export_families", "?format=csv", "front_desk"),
        ("backoffice:export_attendance", "?format=csv&start=2027-03-01&end=2027-03-31", "front_desk"),
    ],
)
def test_the_reports_read_in_a_replica_scope(
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    town: Town,
    children: list[Child],
    meals: Activity,
    in_scope: list[bool],
    name: str,
    query: str,
    who: str,
) -> None:
    client = client_for(request.getfixturevalue(who))
    response = client.get(reverse(name, args=[town.slug]) + query)
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert True in in_scope


def test_a_booking_never_reads_in_a_replica_scope(
    client_for: Callable[[User], Client],
    town: Town,
    parent: User,
    children: list[Child],
    meals: Activity,
    in_scope: list[bool],
) -> None:
    sarah = children[0]
    data = {"change": [f"{sarah.pk}:{meals.pk}:{day.isoformat()}:1" for day in week(NEXT_MONDAY)]}
    response = client_for(parent).post(reverse("portal:booking_confirm", args=[town.slug]), data, follow=True)
    assert response.status_code == 200
    assert Booking.objects.filter(child=sarah).count() == 4
    assert in_scope
    assert True not in in_scope


@pytest.mark.parametrize("software", ["magnus", "jvs"])
def test_the_finance_exports_read_the_run_in_a_replica_scope(
    client_for: Callable[[User], Client], town: Town, finance_agent: User, in_scope: list[bool], software: str
) -> None:
    """The run is read in the scope with its invoices (one moment of the primary's history); refused here, as
    the run is not issued, which reads the run all the same."""
    run = InvoicingRun.objects.create(
        town=town, period_start=datetime.date(2027, 2, 1), period_end=datetime.date(2027, 2, 28)
    )
    response = client_for(finance_agent).get(
        reverse("backoffice:invoicing_run_export", args=[town.slug, run.pk, software])
    )
    assert response.status_code == 302
    assert True in in_scope
