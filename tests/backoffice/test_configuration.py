"""The administrator's configuration: sites, activities, absence reasons, school years, closures, tariffs."""

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import AbsenceReason, Activity
from ardoise.audit.models import AuditEntry
from ardoise.billing.models import Tariff
from ardoise.bookings.models import Booking
from ardoise.calendars.days import load_closures
from ardoise.calendars.models import Closure, SchoolYear
from ardoise.calendars.opening import ClosedReason, SchoolYearDates, closed_reason, school_year_dates
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory, BookingFactory, SchoolYearFactory, SiteFactory, TariffFactory
from tests.moment import NEXT_MONDAY, NOW

pytestmark = pytest.mark.usefixtures("frozen")


def url(town: Town, name: str, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


@pytest.fixture
def admin(client_for: Callable[[User], Client], town_admin: User) -> Client:
    return client_for(town_admin)


def activity_data(site: Site, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "site": site.pk,
        "label": "Garderie soir",
        "code": "garderie_soir",
        "weekdays": ["0", "1", "3", "4"],
        "starts_at": "16:30",
        "ends_at": "18:30",
        "capacity": "40",
        "deadline_kind": "working_days",
        "deadline_days": "2",
        "deadline_time": "12:00",
    }
    data.update(overrides)
    return data


def test_it_shows_the_overview_in_constant_queries(
    admin: Client, town: Town, site: Site, other_site: Site, django_assert_max_num_queries
) -> None:
    for code in ("repas", "garderie_soir", "etude"):
        TariffFactory(activity=ActivityFactory(site=site, code=code), bands=[(500, "1.00"), (None, "4.10")])
    Closure.objects.create(town=town, starts_on=NEXT_MONDAY, ends_on=NEXT_MONDAY, label="Grève")
    with django_assert_max_num_queries(14):
        response = admin.get(url(town, "config"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "École Marie Curie" in page
    assert "Grève" in page
    assert "Le jeudi à 12h00 pour la semaine suivante" in page


def test_it_creates_and_renames_a_site_with_an_audit_trail(admin: Client, town: Town, site: Site) -> None:
    response = admin.post(url(town, "config_site_new"), {"name": "École Pasteur", "address": "2 rue Pasteur"})
    assert response.status_code == 302
    pasteur = Site.objects.get(town=town, name="École Pasteur")
    admin.post(url(town, "config_site_edit", pasteur.pk), {"name": "École Louis Pasteur", "address": "2 rue Pasteur"})
    entry = AuditEntry.objects.get(town=town, action="site.update")
    assert entry.changes == {"name": ["École Pasteur", "École Louis Pasteur"]}


def test_it_refuses_a_site_name_already_used(admin: Client, town: Town, site: Site) -> None:
    response = admin.post(url(town, "config_site_new"), {"name": "école jules ferry"})
    assert response.status_code == 422
    assert "Une école porte déjà ce nom." in response.content.decode()


def test_it_creates_an_activity_with_a_working_days_rule(admin: Client, town: Town, site: Site) -> None:
    response = admin.post(url(town, "config_activity_new"), activity_data(site))
    assert response.status_code == 302
    activity = Activity.objects.get(town=town, code="garderie_soir")
    assert activity.weekdays == [0, 1, 3, 4]
    assert (activity.deadline_kind, activity.deadline_days, activity.deadline_weekday) == ("working_days", 2, None)
    assert activity.capacity == 40
    entry = AuditEntry.objects.get(town=town, action="activity.create")
    assert entry.changes["deadline_days"] == [None, 2]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"deadline_kind": "weekly", "deadline_weekday": ""}, "Indiquez le jour de la semaine de la date butoir."),
        (
            {"deadline_kind": "working_days", "deadline_days": ""},
            "Indiquez un nombre de jours ouvrés d&#x27;au moins 1.",
        ),
        ({"deadline_kind": "fixed", "deadline_fixed_at": ""}, "Indiquez la date limite fixe."),
        ({"deadline_kind": "day_before", "deadline_time": ""}, "Indiquez l&#x27;heure limite."),
        ({"deadline_kind": "yearly"}, "Sélectionnez un choix valide"),
        ({"weekdays": []}, "Cochez au moins un jour."),
        ({"weekdays": ["9"]}, "Sélectionnez un choix valide"),
        ({"ends_at": "15:00"}, "L&#x27;heure de fin doit suivre l&#x27;heure de début."),
        ({"capacity": "-3"}, "supérieure ou égale à 1"),
    ],
)
def test_it_refuses_an_invalid_activity(
    admin: Client, town: Town, site: Site, overrides: dict[str, object], message: str
) -> None:
    response = admin.post(url(town, "config_activity_new"), activity_data(site, **overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Activity.objects.filter(town=town).exists()


def test_it_stores_a_fixed_deadline_in_paris_time(admin: Client, town: Town, site: Site) -> None:
    data = activity_data(site, deadline_kind="fixed", deadline_fixed_at="2027-06-30T18:00", deadline_days="")
    assert admin.post(url(town, "config_activity_new"), data).status_code == 302
    activity = Activity.objects.get(town=town)
    assert activity.deadline_fixed_at == datetime.datetime(2027, 6, 30, 16, 0, tzinfo=datetime.UTC)
    assert activity.deadline_days is None


def test_it_changes_an_activity_for_the_days_to_come_only(admin: Client, town: Town, site: Site, family) -> None:
    activity = ActivityFactory(site=site)
    child = family.children.first()
    past = BookingFactory(child=child, activity=activity, date=datetime.date(2027, 3, 1), state="present")
    coming = BookingFactory(child=child, activity=activity, date=NEXT_MONDAY)
    page = admin.get(url(town, "config_activity_edit", activity.pk)).content.decode()
    assert "les réservations déjà faites sont conservées telles quelles" in page
    data = activity_data(site, code="repas", label="Repas", weekdays=["1", "3"], deadline_kind="day_before")
    assert admin.post(url(town, "config_activity_edit", activity.pk), data).status_code == 302
    activity.refresh_from_db()
    assert activity.weekdays == [1, 3]
    assert set(Booking.objects.filter(activity=activity).values_list("pk", "state")) == {
        (past.pk, "present"),
        (coming.pk, "booked"),
    }
    entry = AuditEntry.objects.get(town=town, action="activity.update")
    assert entry.changes["weekdays"] == [[0, 1, 3, 4], [1, 3]]
    assert entry.changes["deadline_kind"] == ["weekly", "day_before"]


def test_it_refuses_a_code_already_used_at_the_site(admin: Client, town: Town, site: Site) -> None:
    ActivityFactory(site=site, code="garderie_soir")
    response = admin.post(url(town, "config_activity_new"), activity_data(site))
    assert response.status_code == 422
    assert "Cette école a déjà une activité avec ce code." in response.content.decode()


def test_it_creates_and_changes_an_absence_reason(admin: Client, town: Town) -> None:
    data = {"label": "Raison médicale", "document_required": "on", "waiting_days": "1", "position": "1"}
    assert admin.post(url(town, "config_reason_new"), data).status_code == 302
    reason = AbsenceReason.objects.get(town=town)
    assert (reason.code, reason.document_required, reason.billed, reason.waiting_days) == (
        "raison-medicale",
        True,
        False,
        1,
    )
    data |= {"billed": "on", "waiting_days": "0"}
    assert admin.post(url(town, "config_reason_edit", reason.pk), data).status_code == 302
    entry = AuditEntry.objects.get(town=town, action="absence_reason.update")
    assert entry.changes == {"billed": [False, True], "waiting_days": [1, 0]}


def test_it_suggests_the_next_school_year_from_the_official_calendar() -> None:
    suggestion = school_year_dates(2027, "B")
    assert suggestion == SchoolYearDates(2027, datetime.date(2027, 9, 1), datetime.date(2028, 7, 3), official=True)
    estimate = school_year_dates(2031, "B")
    assert not estimate.official
    assert estimate.starts_on == datetime.date(2031, 9, 1)
    assert estimate.ends_on.weekday() == 4


def test_it_creates_the_next_school_year_with_suggested_dates(admin: Client, town: Town) -> None:
    SchoolYearFactory(town=town, start_year=2026)
    page = admin.get(url(town, "config_year_new")).content.decode()
    assert 'value="2027"' in page
    assert 'value="2027-09-01"' in page
    assert "calendrier scolaire officiel" in page
    data = {"start_year": "2027", "starts_on": "2027-09-01", "ends_on": "2028-07-03", "zone": "B"}
    assert admin.post(url(town, "config_year_new"), data).status_code == 302
    assert SchoolYear.objects.filter(town=town, start_year=2027).exists()
    assert AuditEntry.objects.filter(town=town, action="school_year.create").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"starts_on": "2027-06-15", "ends_on": "2028-07-03"}, "chevauchent l&#x27;année scolaire 2026–2027"),
        (
            {"start_year": "2026", "starts_on": "2026-09-02", "ends_on": "2027-07-02"},
            "Cette année scolaire existe déjà.",
        ),
        ({"ends_on": "2027-08-01"}, "Le dernier jour doit suivre le premier jour."),
        ({"starts_on": "2028-09-01", "ends_on": "2029-07-01"}, "commence en 2027 et finit en 2028"),
    ],
)
def test_it_refuses_an_overlapping_or_reversed_school_year(
    admin: Client, town: Town, data: dict[str, str], message: str
) -> None:
    SchoolYearFactory(
        town=town, start_year=2026, starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 7, 3)
    )
    post = {"start_year": "2027", "starts_on": "2027-09-01", "ends_on": "2028-07-03", "zone": "B"} | data
    response = admin.post(url(town, "config_year_new"), post)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert SchoolYear.objects.filter(town=town).count() == 1


def test_it_closes_a_day_for_one_activity_and_the_planning_sees_it(admin: Client, town: Town, site: Site) -> None:
    activity = ActivityFactory(site=site)
    data = {"starts_on": NEXT_MONDAY.isoformat(), "label": "Grève", "site": site.pk, "activity": activity.pk}
    response = admin.post(url(town, "config_closure_new"), data)
    assert response.status_code == 302
    closure = Closure.objects.get(town=town)
    assert (closure.starts_on, closure.ends_on) == (NEXT_MONDAY, NEXT_MONDAY)
    spans = load_closures(town, NEXT_MONDAY, NEXT_MONDAY)
    reason = closed_reason(
        NEXT_MONDAY,
        weekdays=activity.weekdays,
        zone=town.zone,
        runs_in_school_holidays=False,
        closures=spans,
        site_id=site.pk,
        activity_id=activity.pk,
    )
    assert reason == ClosedReason.CLOSURE
    assert AuditEntry.objects.get(town=town, action="closure.create").changes["label"] == [None, "Grève"]


def test_it_closes_a_range_for_every_site(admin: Client, town: Town, site: Site) -> None:
    data = {"starts_on": "2027-03-15", "ends_on": "2027-03-19", "label": "Travaux"}
    assert admin.post(url(town, "config_closure_new"), data).status_code == 302
    closure = Closure.objects.get(town=town)
    assert (closure.site, closure.activity, closure.ends_on) == (None, None, datetime.date(2027, 3, 19))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"starts_on": "2027-03-19", "ends_on": "2027-03-15"}, "La fin de la fermeture doit suivre son début."),
        ({"starts_on": "19/03/2027x"}, "Saisissez une date valide."),
        ({"label": ""}, "Ce champ est obligatoire."),
    ],
)
def test_it_refuses_a_reversed_or_incomplete_closure(
    admin: Client, town: Town, site: Site, data: dict[str, str], message: str
) -> None:
    post = {"starts_on": "2027-03-15", "label": "Grève"} | data
    response = admin.post(url(town, "config_closure_new"), post)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Closure.objects.exists()


def test_it_refuses_an_activity_of_another_site_for_a_closure(
    admin: Client, town: Town, site: Site, other_site: Site
) -> None:
    activity = ActivityFactory(site=other_site)
    data = {"starts_on": "2027-03-15", "label": "Grève", "site": site.pk, "activity": activity.pk}
    response = admin.post(url(town, "config_closure_new"), data)
    assert response.status_code == 422
    assert "Cette activité n&#x27;a pas lieu dans l&#x27;école choisie." in response.content.decode()


def test_it_deletes_a_closure(admin: Client, town: Town) -> None:
    closure = Closure.objects.create(town=town, starts_on=NEXT_MONDAY, ends_on=NEXT_MONDAY, label="Grève")
    assert admin.post(url(town, "config_closure_delete", closure.pk)).status_code == 302
    assert not Closure.objects.exists()
    assert AuditEntry.objects.get(town=town, action="closure.delete").changes["label"] == ["Grève", None]


def tariff_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "valid_from": "2027-04-01",
        "mode": "per_unit",
        "base_price": "4.20",
        "non_resident_price": "5.30",
        "pai_price": "",
        "penalty_price": "6.00",
        "penalty_from_nth": "2",
        "sibling_discount_percent": "10",
        "bands-TOTAL_FORMS": "4",
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "20",
        "bands-0-qf_max": "500",
        "bands-0-price": "1.10",
        "bands-1-qf_max": "1000",
        "bands-1-price": "2.60",
        "bands-2-qf_max": "",
        "bands-2-price": "4.20",
    }
    data.update(overrides)
    return data


def test_it_adds_a_tariff_from_a_coming_date_and_keeps_the_one_in_force(admin: Client, town: Town, site: Site) -> None:
    activity = ActivityFactory(site=site)
    current = TariffFactory(activity=activity, valid_from=datetime.date(2026, 9, 1), bands=[(None, "4.10")])
    page = admin.get(url(town, "config_tariff_new", activity.pk)).content.decode()
    assert 'value="4.10"' in page  # pre-filled from the tariff in force
    response = admin.post(url(town, "config_tariff_new", activity.pk), tariff_data())
    assert response.status_code == 302
    new = Tariff.objects.get(activity=activity, valid_from=datetime.date(2027, 4, 1))
    assert new.base_price == Decimal("4.20")
    assert new.pai_price is None
    assert [(b.qf_max, b.price) for b in new.bands.all()] == [
        (500, Decimal("1.10")),
        (1000, Decimal("2.60")),
        (None, Decimal("4.20")),
    ]
    current.refresh_from_db()
    assert (current.base_price, current.bands.get().price) == (Decimal("4.10"), Decimal("4.10"))
    entry = AuditEntry.objects.get(town=town, action="tariff.create")
    assert entry.changes["base_price"] == ["4.10", "4.20"]
    assert entry.changes["bands"] == [[[None, "4.10"]], [[500, "1.10"], [1000, "2.60"], [None, "4.20"]]]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"valid_from": "2027-03-08"}, "Un nouveau tarif commence aujourd&#x27;hui au plus tôt"),
        ({"bands-1-qf_max": "400"}, "strictement croissants"),
        ({"bands-1-qf_max": "500"}, "strictement croissants"),
        ({"bands-0-qf_max": "", "bands-1-qf_max": "1000"}, "Seule la dernière tranche"),
        ({"base_price": "-1.00"}, "supérieure ou égale à 0"),
        ({"bands-0-price": "1.105"}, "2 chiffres après la virgule"),
        ({"base_price": "abc"}, "Saisissez un nombre."),
        ({"sibling_discount_percent": "120"}, "inférieure ou égale à 100"),
        ({"valid_from": "2026-09-01"}, "Un nouveau tarif commence aujourd&#x27;hui au plus tôt"),
    ],
)
def test_it_refuses_an_invalid_or_backdated_tariff(
    admin: Client, town: Town, site: Site, overrides: dict[str, object], message: str
) -> None:
    activity = ActivityFactory(site=site)
    TariffFactory(activity=activity, valid_from=datetime.date(2026, 9, 1))
    response = admin.post(url(town, "config_tariff_new", activity.pk), tariff_data(**overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Tariff.objects.filter(activity=activity).count() == 1


def test_it_refuses_two_tariffs_starting_the_same_day(admin: Client, town: Town, site: Site) -> None:
    activity = ActivityFactory(site=site)
    TariffFactory(activity=activity, valid_from=datetime.date(2027, 4, 1))
    response = admin.post(url(town, "config_tariff_new", activity.pk), tariff_data())
    assert response.status_code == 422
    assert "Un tarif de cette activité commence déjà ce jour-là." in response.content.decode()


def test_it_accepts_a_tariff_from_today(admin: Client, town: Town, site: Site) -> None:
    activity = ActivityFactory(site=site)
    response = admin.post(url(town, "config_tariff_new", activity.pk), tariff_data(valid_from=NOW.date().isoformat()))
    assert response.status_code == 302


def test_it_refuses_a_backdated_tariff_in_the_action_too(town: Town, site: Site, town_admin: User) -> None:
    from ardoise.activities import actions
    from ardoise.towns.actions import ConfigurationRefused

    activity = ActivityFactory(site=site)
    values = {
        "valid_from": datetime.date(2027, 3, 1),
        "mode": "per_unit",
        "base_price": Decimal("4.00"),
        "non_resident_price": None,
        "pai_price": None,
        "penalty_price": None,
        "penalty_from_nth": 1,
        "sibling_discount_percent": Decimal(0),
    }
    with pytest.raises(ConfigurationRefused):
        actions.create_tariff(town, town_admin, activity, values, [], today=datetime.date(2027, 3, 9))
    with pytest.raises(ConfigurationRefused):
        actions.create_tariff(
            town,
            town_admin,
            activity,
            values | {"valid_from": datetime.date(2027, 4, 1)},
            [(800, Decimal("2")), (500, Decimal("1"))],
        )
    assert not Tariff.objects.exists()


def test_it_lets_a_tariff_change_apply_the_day_it_starts(town: Town, site: Site) -> None:
    """Pricing reads the tariff valid on each day: the old one before, the new one from its date."""
    from ardoise.billing.models import Tariff as TariffModel

    activity = ActivityFactory(site=site)
    TariffFactory(activity=activity, valid_from=datetime.date(2026, 9, 1), base_price=Decimal("4.10"))
    TariffFactory(activity=activity, valid_from=datetime.date(2027, 4, 1), base_price=Decimal("4.20"))

    def in_force(day: datetime.date) -> Decimal:
        return TariffModel.objects.filter(activity=activity, valid_from__lte=day).order_by("-valid_from")[0].base_price

    assert in_force(datetime.date(2027, 3, 31)) == Decimal("4.10")
    assert in_force(datetime.date(2027, 4, 1)) == Decimal("4.20")


ADMIN_PAGES = [
    ("config", ()),
    ("config_site_new", ()),
    ("config_activity_new", ()),
    ("config_reason_new", ()),
    ("config_year_new", ()),
    ("config_closure_new", ()),
]


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
@pytest.mark.parametrize("persona", ["front_desk", "site_agent", "kitchen_agent", "finance_agent"])
def test_it_refuses_other_roles_with_403(
    request: pytest.FixtureRequest, client_for, town: Town, name: str, args: tuple, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url(town, name, *args)).status_code == 403
    assert client.post(url(town, name, *args), {"name": "X"}).status_code == 403


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
@pytest.mark.parametrize("persona", ["parent", "stranger"])
def test_it_answers_404_to_parents_and_other_towns(
    request: pytest.FixtureRequest, client_for, town: Town, name: str, args: tuple, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url(town, name, *args)).status_code == 404


def test_it_answers_404_for_another_towns_records(admin: Client, town: Town, other_town: Town, site: Site) -> None:
    foreign_site = SiteFactory(town=other_town)
    foreign_activity = ActivityFactory(site=foreign_site)
    foreign_closure = Closure.objects.create(town=other_town, starts_on=NEXT_MONDAY, ends_on=NEXT_MONDAY, label="X")
    assert admin.get(url(town, "config_site_edit", foreign_site.pk)).status_code == 404
    assert admin.get(url(town, "config_activity_edit", foreign_activity.pk)).status_code == 404
    assert admin.get(url(town, "config_tariff_new", foreign_activity.pk)).status_code == 404
    assert admin.post(url(town, "config_closure_delete", foreign_closure.pk)).status_code == 404
    response = admin.post(url(town, "config_activity_new"), activity_data(foreign_site))
    assert response.status_code == 422
    assert Closure.objects.filter(pk=foreign_closure.pk).exists()


def test_it_treats_today_in_paris_time(admin: Client, town: Town, site: Site) -> None:
    """At 00:30 in Paris on 10 March, a tariff from the 10th is from today, not yesterday in UTC."""
    activity = ActivityFactory(site=site)
    with time_machine.travel(datetime.datetime(2027, 3, 9, 23, 30, tzinfo=datetime.UTC), tick=False):
        response = admin.post(url(town, "config_tariff_new", activity.pk), tariff_data(valid_from="2027-03-10"))
    assert response.status_code == 302
