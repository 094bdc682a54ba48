"""The back office's registration periods: the administrator's list, creation and changes (audited), the
front desk's view of a period (children per day against the capacity)."""

import datetime
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions.actions import request_enrolment
from ardoise.admissions.models import RegistrationPeriod
from ardoise.audit.models import AuditEntry
from ardoise.bookings.models import BookingState
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Family
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory, BookingFactory, ChildFactory, FamilyFactory, SchoolYearFactory

pytestmark = pytest.mark.usefixtures("frozen")
PARIS = ZoneInfo("Europe/Paris")


def url(town: Town, name: str, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


@pytest.fixture
def centre(town: Town, site: Site) -> Activity:
    SchoolYearFactory(town=town, start_year=2026)
    return ActivityFactory(
        site=site,
        code="vacances",
        label="Accueil de loisirs vacances",
        weekdays=[0, 1, 2, 3, 4],
        holidays_only=True,
        capacity=2,
    )


def period_data(activity: Activity, **overrides: object) -> dict[str, object]:
    # Zone B's spring holidays 2027: 17 April to 2 May (Easter Monday is 29 March, before).
    data: dict[str, object] = {
        "activity": activity.pk,
        "label": "Vacances de printemps 2027",
        "first_day": "2027-04-19",
        "last_day": "2027-04-30",
        "opens_at": "2027-03-08T08:00",
        "closes_at": "2027-04-09T18:00",
        "unit": "week",
    }
    data.update(overrides)
    return data


def make_period(activity: Activity) -> RegistrationPeriod:
    return RegistrationPeriod.objects.create(
        town=activity.town,
        activity=activity,
        label="Vacances de printemps 2027",
        first_day=datetime.date(2027, 4, 19),
        last_day=datetime.date(2027, 4, 30),
        opens_at=datetime.datetime(2027, 3, 8, 8, 0, tzinfo=PARIS),
        closes_at=datetime.datetime(2027, 4, 9, 18, 0, tzinfo=PARIS),
        unit="week",
    )


def test_it_creates_and_changes_a_period_with_an_audit_trail(
    client_for: Callable[[User], Client], town_admin: User, town: Town, centre: Activity
) -> None:
    admin = client_for(town_admin)
    response = admin.post(url(town, "holiday_period_new"), period_data(centre))
    assert response.status_code == 302
    period = RegistrationPeriod.objects.get(town=town)
    assert period.opens_at == datetime.datetime(2027, 3, 8, 7, 0, tzinfo=datetime.UTC)  # Paris time, winter
    assert AuditEntry.objects.get(town=town, action="registration_period.create").changes["label"] == [
        None,
        "Vacances de printemps 2027",
    ]
    response = admin.post(url(town, "holiday_period_edit", period.pk), period_data(centre, unit="day"))
    assert response.status_code == 302
    assert AuditEntry.objects.get(town=town, action="registration_period.update").changes == {"unit": ["week", "day"]}
    assert "Vacances de printemps 2027" in admin.get(url(town, "holiday_periods")).content.decode()


def test_it_warns_of_days_outside_the_school_holidays(
    client_for: Callable[[User], Client], town_admin: User, town: Town, centre: Activity
) -> None:
    admin = client_for(town_admin)
    response = admin.post(url(town, "holiday_period_new"), period_data(centre, first_day="2027-04-12"), follow=True)
    page = response.content.decode()
    assert "La période d&#x27;inscription est enregistrée." in page
    assert "5 jours de la période ne sont pas en vacances scolaires (dès le lundi 12 avril 2027)" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"closes_at": "2027-03-08T08:00"}, "La clôture des inscriptions doit suivre leur ouverture."),
        ({"last_day": "2027-04-18"}, "Le dernier jour doit suivre le premier jour."),
        ({"first_day": "2027-07-12", "last_day": "2027-07-30"}, "Aucune année scolaire ne contient le premier jour"),
        ({"opens_at": "demain"}, "Saisissez une date et une heure valides."),
    ],
)
def test_it_refuses_an_invalid_period(
    client_for: Callable[[User], Client],
    town_admin: User,
    town: Town,
    centre: Activity,
    overrides: dict[str, object],
    message: str,
) -> None:
    response = client_for(town_admin).post(url(town, "holiday_period_new"), period_data(centre, **overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not RegistrationPeriod.objects.exists()


def test_it_refuses_another_towns_activity_and_period(
    client_for: Callable[[User], Client], town_admin: User, town: Town, other_town: Town, centre: Activity
) -> None:
    admin = client_for(town_admin)
    elsewhere = ActivityFactory(town=other_town, code="vacances")
    response = admin.post(url(town, "holiday_period_new"), period_data(elsewhere))
    assert response.status_code == 422
    assert not RegistrationPeriod.objects.exists()
    SchoolYearFactory(town=other_town, start_year=2026)
    foreign = make_period(elsewhere)
    assert admin.get(url(town, "holiday_period", foreign.pk)).status_code == 404
    assert admin.get(url(town, "holiday_period_edit", foreign.pk)).status_code == 404
    assert admin.get(url(town, "holiday_period", 2**70)).status_code == 404


def test_it_shows_the_front_desk_the_children_per_day_against_the_capacity(
    client_for: Callable[[User], Client], front_desk: User, town: Town, centre: Activity, family: Family
) -> None:
    period = make_period(centre)
    sarah, chloe = family.children.order_by("birth_date")
    for child in (sarah, chloe):
        BookingFactory(child=child, activity=centre, date=datetime.date(2027, 4, 19), state=BookingState.BOOKED)
    BookingFactory(child=sarah, activity=centre, date=datetime.date(2027, 4, 20), state=BookingState.CANCELLED)
    desk = client_for(front_desk)
    page = desk.get(url(town, "holiday_period", period.pk)).content.decode()
    assert "lundi 19 avril" in page
    assert "Complet" in page  # 2 of 2 places on the 19th
    assert f"{sarah.last_name} {sarah.first_name}" in page
    # A third child asks for the full day: on the waiting list, its rank shown.
    lea = ChildFactory(family=FamilyFactory(town=town), site=sarah.site, first_name="Léa")
    request_enrolment(
        lea,
        centre,
        school_year=SchoolYear.objects.get(town=town),
        registration_period=period,
        days=[datetime.date(2027, 4, 19)],
        actor=front_desk,
    )
    page = desk.get(url(town, "holiday_period", period.pk)).content.decode()
    assert "1 enfant sur liste d" in page
    assert "1re sur la liste d" in page
    # The front desk sees the period but may not change it.
    assert desk.get(url(town, "holiday_period_edit", period.pk)).status_code == 403


def test_it_hides_periods_from_parents_and_strangers(
    client_for: Callable[[User], Client], parent: User, stranger: User, town: Town, centre: Activity
) -> None:
    period = make_period(centre)
    assert client_for(parent).get(url(town, "holiday_period", period.pk)).status_code == 404
    assert client_for(stranger).get(url(town, "holiday_periods")).status_code == 404
