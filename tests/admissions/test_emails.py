"""The e-mails of admissions read as text with awkward names (see tests/messaging/test_email_text.py)."""

import pytest

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions import actions
from ardoise.bookings.models import Enrollment
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child
from ardoise.messaging.notifications import Kind
from tests.admissions.conftest import fill
from tests.messaging.test_email_text import SURNAME, TOWN, assert_text_and_html, odd_names  # noqa: F401

pytestmark = pytest.mark.usefixtures("odd_names", "admission_settings")


def test_it_writes_an_enrolment_decision_as_text(
    children: list[Child], parent: User, front_desk: User, wednesdays: Activity, year: SchoolYear
) -> None:
    request = actions.request_enrolment(children[0], wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
    actions.refuse_requests([request], "Plus de place <pour> l'instant & désolé", actor=front_desk)
    assert_text_and_html(
        Kind.ENROLMENT_DECISION,
        subject=f"{TOWN} : demande d'inscription de {children[0].first_name} {SURNAME} à Accueil du mercredi refusée",
        names=(f"{children[0].first_name} {SURNAME}", "Plus de place <pour> l'instant & désolé"),
    )


def test_it_writes_a_place_offered_as_text(
    children: list[Child], parent: User, front_desk: User, wednesdays: Activity, year: SchoolYear, other_child: object
) -> None:
    enrolled = fill(wednesdays, year, 2, other_child)  # type: ignore[arg-type]
    actions.request_enrolment(children[0], wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
    actions.withdraw_enrolment(Enrollment.objects.get(child=enrolled[0]), actor=front_desk)
    assert_text_and_html(
        Kind.PLACE_OFFERED,
        subject=f"{TOWN} : une place s'est libérée pour {children[0].first_name} {SURNAME} en Accueil du mercredi",
        names=(f"{children[0].first_name} {SURNAME}",),
    )
