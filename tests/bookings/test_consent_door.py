"""The booking door: an activity's needed consents must be given for the child, withdrawn ones at once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings import actions
from ardoise.bookings.actions import Change
from ardoise.bookings.models import Booking
from ardoise.consents import actions as consent_actions
from ardoise.consents.models import Concerns, ConsentKind
from ardoise.families.models import Child
from tests.api.test_api import login
from tests.factories import ConsentKindFactory
from tests.moment import NEXT_MONDAY, NOW, week

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(meals: Activity) -> ConsentKind:
    return ConsentKindFactory(
        town=meals.town,
        code="reglement",
        label="Règlement intérieur",
        concerns=Concerns.FAMILY,
        needed_by=[meals],
    )


def book(days: list[datetime.date], activity: Activity) -> list[Change]:
    return [Change(day, activity.pk, True) for day in days]


def test_it_refuses_to_book_without_the_needed_consent_and_names_it(
    parent: User, children: list[Child], meals: Activity, rules: ConsentKind
) -> None:
    sarah = children[0]
    with pytest.raises(actions.BatchRefused) as refused:
        actions.apply(sarah, book(week(NEXT_MONDAY), meals), actor=parent)
    assert {refusal.code for refusal in refused.value.refusals} == {"invalid"}
    assert refused.value.refusals[0].message == (
        "L'autorisation « Règlement intérieur » n'a pas été donnée pour Sarah."
    )
    assert not Booking.objects.exists()


def test_it_books_once_given_and_refuses_again_at_once_when_withdrawn(
    parent: User, children: list[Child], meals: Activity, rules: ConsentKind
) -> None:
    sarah = children[0]
    family = sarah.family
    consent_actions.answer(family, rules, None, True, by=parent)
    actions.apply(sarah, book(week(NEXT_MONDAY)[:2], meals), actor=parent)
    assert Booking.objects.filter(child=sarah).count() == 2
    consent_actions.answer(family, rules, None, False, by=parent)
    review = actions.review(sarah, book(week(NEXT_MONDAY), meals), now=NOW)
    # The two days already booked stay; the new ones are refused.
    assert [refusal.date for refusal in review.refusals] == week(NEXT_MONDAY)[2:]


def test_it_lets_cancel_a_day_without_the_consent(
    parent: User, children: list[Child], meals: Activity, rules: ConsentKind
) -> None:
    sarah = children[0]
    consent_actions.answer(sarah.family, rules, None, True, by=parent)
    actions.apply(sarah, book([NEXT_MONDAY], meals), actor=parent)
    consent_actions.answer(sarah.family, rules, None, False, by=parent)
    actions.apply(sarah, [Change(NEXT_MONDAY, meals.pk, False)], actor=parent)
    assert not Booking.objects.filter(child=sarah, state="booked").exists()


def test_it_reads_a_child_s_consent_for_that_child_only(parent: User, children: list[Child], meals: Activity) -> None:
    outings = ConsentKindFactory(town=meals.town, label="Sorties et déplacements", needed_by=[meals])
    sarah, chloe = children
    consent_actions.answer(sarah.family, outings, sarah, True, by=parent)
    assert not actions.review(sarah, book([NEXT_MONDAY], meals), now=NOW).refusals
    refused = actions.review(chloe, book([NEXT_MONDAY], meals), now=NOW).refusals
    assert [refusal.message for refusal in refused] == [
        "L'autorisation « Sorties et déplacements » n'a pas été donnée pour Chloé."
    ]


def test_it_checks_consents_in_one_query_whatever_the_number_of_days(
    parent: User, children: list[Child], meals: Activity, rules: ConsentKind
) -> None:
    sarah = children[0]
    consent_actions.answer(sarah.family, rules, None, True, by=parent)

    def consent_queries(days: list[datetime.date]) -> int:
        with CaptureQueriesContext(connection) as captured:
            actions.review(sarah, book(days, meals), now=NOW)
        return sum("consents_consentanswer" in query["sql"] for query in captured.captured_queries)

    month = [day for monday in (NEXT_MONDAY + datetime.timedelta(weeks=n) for n in range(4)) for day in week(monday)]
    assert consent_queries([NEXT_MONDAY]) == consent_queries(month) == 1


def test_it_refuses_through_the_api_with_the_code_invalid(
    parent: User, children: list[Child], meals: Activity, rules: ConsentKind
) -> None:
    api = login(parent)
    body = {"changes": [{"date": NEXT_MONDAY.isoformat(), "activity_id": meals.pk, "book": True}]}
    response = api.post(f"children/{children[0].pk}/bookings", body)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invalid"
    assert "Règlement intérieur" in response.json()["errors"][0]["message"]
