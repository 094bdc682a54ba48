"""Parents' holiday registrations: the weeks with the forfait's price and the places left, accepted, on the
waiting list when full, refused when registration is not open, their registrations and withdrawing one."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus, RegistrationPeriod
from ardoise.billing.models import TariffMode
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Child, Family
from ardoise.towns.models import Site, Town
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ChildFactory,
    FamilyFactory,
    SchoolYearFactory,
    TariffFactory,
)

pytestmark = pytest.mark.usefixtures("frozen")
PARIS = ZoneInfo("Europe/Paris")
# Zone B's spring holidays 2027: 17 April to 2 May; the first week offered is Monday 19 to Friday 23 April.
FIRST_WEEK = [datetime.date(2027, 4, 19) + datetime.timedelta(days=n) for n in range(5)]


def url(town: Town, name: str, *args: object) -> str:
    return reverse(f"portal:{name}", args=[town.slug, *args])


@pytest.fixture
def centre(town: Town, site: Site) -> Activity:
    SchoolYearFactory(town=town, start_year=2026)
    activity = ActivityFactory(
        site=site,
        code="vacances",
        label="Accueil de loisirs vacances",
        weekdays=[0, 1, 2, 3, 4],
        holidays_only=True,
        capacity=1,
    )
    TariffFactory(
        activity=activity,
        valid_from=datetime.date(2026, 9, 1),
        mode=TariffMode.WEEKLY_FLAT,
        base_price=Decimal("60.00"),
        non_resident_price=None,
        pai_price=None,
        penalty_price=None,
        bands=[(1000, "45.00"), (None, "60.00")],
    )
    return activity


@pytest.fixture
def period(centre: Activity) -> RegistrationPeriod:
    return RegistrationPeriod.objects.create(
        town=centre.town,
        activity=centre,
        label="Vacances de printemps 2027",
        first_day=datetime.date(2027, 4, 17),
        last_day=datetime.date(2027, 5, 2),
        opens_at=datetime.datetime(2027, 3, 8, 8, 0, tzinfo=PARIS),
        closes_at=datetime.datetime(2027, 4, 9, 18, 0, tzinfo=PARIS),
        unit="week",
    )


@pytest.fixture
def mum(client_for: Callable[[User], Client], parent: User) -> Client:
    return client_for(parent)


def sarah_of(family: Family) -> Child:
    child = family.children.order_by("birth_date").first()
    assert child is not None
    return child


def test_it_registers_a_child_for_a_week_at_the_forfait_price(
    mum: Client, town: Town, family: Family, period: RegistrationPeriod
) -> None:
    page = mum.get(url(town, "holidays")).content.decode()
    assert "Vacances de printemps 2027" in page
    page = mum.get(url(town, "holiday_period", period.pk, sarah_of(family).pk)).content.decode()
    assert "Semaine du lundi 19 avril au vendredi 23 avril" in page
    assert "Forfait semaine 45,00\u00a0€" in page
    assert "1 place restante" in page
    sarah = sarah_of(family)
    response = mum.post(url(town, "holiday_period", period.pk, sarah.pk), {"choice": ["2027-04-19"]})
    assert response.status_code == 302
    registration = EnrolmentRequest.objects.get(child=sarah)
    assert registration.status == EnrolmentStatus.ACCEPTED
    assert sorted(Booking.objects.filter(child=sarah, state=BookingState.BOOKED).values_list("date", flat=True)) == (
        FIRST_WEEK
    )
    result = mum.get(response["Location"]).content.decode()
    assert "Inscription acceptée" in result
    assert "Forfait semaine 45,00\u00a0€" in result
    listing = mum.get(url(town, "holidays")).content.decode()
    assert "Acceptée" in listing


def test_it_puts_a_child_on_the_waiting_list_when_the_week_is_full(
    mum: Client, town: Town, site: Site, family: Family, period: RegistrationPeriod, centre: Activity
) -> None:
    other = ChildFactory(family=FamilyFactory(town=town), site=site, first_name="Léa")
    BookingFactory(child=other, activity=centre, date=FIRST_WEEK[2], state=BookingState.BOOKED)
    page = mum.get(url(town, "holiday_period", period.pk, sarah_of(family).pk)).content.decode()
    assert "Complet — liste d'attente" in page
    sarah = sarah_of(family)
    response = mum.post(url(town, "holiday_period", period.pk, sarah.pk), {"choice": ["2027-04-19"]})
    registration = EnrolmentRequest.objects.get(child=sarah)
    assert registration.status == EnrolmentStatus.WAITING
    assert not Booking.objects.filter(child=sarah).exists()
    result = mum.get(response["Location"]).content.decode()
    assert "liste d&#x27;attente" in result
    assert "1re sur la liste d&#x27;attente" in result
    # The family withdraws it from its registrations.
    mum.post(url(town, "holiday_withdraw", registration.pk))
    registration.refresh_from_db()
    assert registration.status == EnrolmentStatus.WITHDRAWN


def test_it_refuses_part_of_a_week_and_keeps_what_was_ticked(
    mum: Client, town: Town, family: Family, period: RegistrationPeriod
) -> None:
    sarah = sarah_of(family)
    response = mum.post(url(town, "holiday_period", period.pk, sarah.pk), {"choice": ["2027-04-20"]})
    assert response.status_code == 422
    assert "Certains jours choisis ne sont pas proposés pour cette période." in response.content.decode()
    response = mum.post(url(town, "holiday_period", period.pk, sarah.pk), {})
    assert "Cochez au moins une semaine." in response.content.decode()
    assert not EnrolmentRequest.objects.exists()


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (
            datetime.datetime(2027, 3, 1, 9, 0, tzinfo=PARIS),
            "Les inscriptions ne sont pas encore ouvertes : elles ouvrent le lundi 8 mars 2027 à 08h00.",
        ),
        (
            datetime.datetime(2027, 4, 10, 9, 0, tzinfo=PARIS),
            "Les inscriptions sont clôturées depuis le vendredi 9 avril 2027 à 18h00.",
        ),
    ],
)
def test_it_refuses_to_register_outside_the_registration_window(
    client_for: Callable[[User], Client],
    parent: User,
    town: Town,
    family: Family,
    period: RegistrationPeriod,
    frozen: time_machine.Traveller,
    moment: datetime.datetime,
    message: str,
) -> None:
    frozen.move_to(moment)
    mum = client_for(parent)  # logged in at that moment
    assert message in mum.get(url(town, "holiday_period", period.pk, sarah_of(family).pk)).content.decode()
    response = mum.post(url(town, "holiday_period", period.pk, sarah_of(family).pk), {"choice": ["2027-04-19"]})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not EnrolmentRequest.objects.exists()


def test_it_answers_404_for_another_familys_registration_and_another_towns_period(
    client_for: Callable[[User], Client],
    mum: Client,
    outsider: User,
    town: Town,
    other_town: Town,
    family: Family,
    period: RegistrationPeriod,
) -> None:
    response = mum.post(url(town, "holiday_period", period.pk, sarah_of(family).pk), {"choice": ["2027-04-19"]})
    registration = EnrolmentRequest.objects.get()
    stranger = client_for(outsider)
    assert stranger.get(response["Location"]).status_code == 404
    assert stranger.post(url(town, "holiday_withdraw", registration.pk)).status_code == 404
    SchoolYearFactory(town=other_town, start_year=2026)
    elsewhere = ActivityFactory(town=other_town, code="vacances")
    foreign = RegistrationPeriod.objects.create(
        town=other_town,
        activity=elsewhere,
        label="Ailleurs",
        first_day=period.first_day,
        last_day=period.last_day,
        opens_at=period.opens_at,
        closes_at=period.closes_at,
    )
    assert mum.get(url(town, "holiday_period", foreign.pk, sarah_of(family).pk)).status_code == 404
    assert mum.get(url(town, "holiday_result", 2**70)).status_code == 404
