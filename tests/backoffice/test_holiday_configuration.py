"""The administrator configures holiday activities and forfaits (Forfait semaine, Forfait N jours)."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.billing.models import Tariff, TariffMode
from ardoise.towns.models import Site, Town
from tests.backoffice.test_configuration import activity_data, tariff_data, url
from tests.factories import ActivityFactory

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def admin(client_for: Callable[[User], Client], town_admin: User) -> Client:
    return client_for(town_admin)


def test_it_creates_an_activity_that_runs_in_school_holidays_only(admin: Client, town: Town, site: Site) -> None:
    data = activity_data(site, code="vacances", label="Accueil de loisirs vacances", holidays_only="on")
    data["weekdays"] = ["0", "1", "2", "3", "4"]
    assert admin.post(url(town, "config_activity_new"), data).status_code == 302
    activity = Activity.objects.get(town=town, code="vacances")
    assert activity.holidays_only
    assert AuditEntry.objects.get(town=town, action="activity.create").changes["holidays_only"] == [None, True]
    page = admin.get(url(town, "config_activity_edit", activity.pk)).content.decode()
    assert "Seulement pendant les vacances scolaires" in page


def test_it_adds_a_weekly_forfait_and_states_the_pack_rule(admin: Client, town: Town, site: Site) -> None:
    activity = ActivityFactory(site=site, code="vacances", label="Accueil de loisirs vacances")
    page = admin.get(url(town, "config_tariff_new", activity.pk)).content.decode()
    assert "Forfait semaine" in page
    assert "au prorata de ses jours" in page
    response = admin.post(url(town, "config_tariff_new", activity.pk), tariff_data(mode="weekly_flat", pack_days="4"))
    assert response.status_code == 302
    tariff = Tariff.objects.get(activity=activity)
    # The number of days is kept for packs only.
    assert (tariff.mode, tariff.pack_days) == (TariffMode.WEEKLY_FLAT, None)


def test_it_adds_a_pack_of_n_days_and_refuses_one_without_its_number_of_days(
    admin: Client, town: Town, site: Site
) -> None:
    activity = ActivityFactory(site=site, code="vacances", label="Accueil de loisirs vacances")
    response = admin.post(url(town, "config_tariff_new", activity.pk), tariff_data(mode="pack_days", pack_days=""))
    assert response.status_code == 422
    assert "Indiquez combien de jours couvre un forfait." in response.content.decode()
    assert not Tariff.objects.filter(activity=activity).exists()
    response = admin.post(url(town, "config_tariff_new", activity.pk), tariff_data(mode="pack_days", pack_days="5"))
    assert response.status_code == 302
    tariff = Tariff.objects.get(activity=activity)
    assert (tariff.mode, tariff.pack_days, tariff.base_price) == (TariffMode.PACK_DAYS, 5, Decimal("4.20"))
    assert AuditEntry.objects.get(town=town, action="tariff.create").changes["pack_days"] == [None, 5]
