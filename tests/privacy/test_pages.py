"""Données personnelles › Familles à anonymiser: the list with why, the refusals, the confirmation, the setting."""

import datetime
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.billing.models import Payment
from ardoise.families.models import Family
from ardoise.privacy.models import PrivacySettings, Pseudonymisation
from ardoise.towns.models import Site, Town
from tests.factories import FamilyFactory
from tests.privacy.departed import FAMILY_NAME, make_departed, occurrences

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 9, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin(client_for: Callable[[User], Client], town_admin: User) -> Client:
    return client_for(town_admin)


def url(town: Town, name: str = "privacy_retention") -> str:
    return reverse(f"backoffice:{name}", args=[town.slug])


def test_it_lists_the_departed_family_with_why(admin: Client, town: Town, departed: Family) -> None:
    response = admin.get(url(town))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Familles à anonymiser" in page
    assert FAMILY_NAME in page
    assert "Dernier jour de service le 30/06/2023" in page
    assert "30/06/2026" in page
    assert f'name="families" value="{departed.pk}"' in page


def test_it_lists_a_family_that_never_had_a_service_day_from_its_creation(
    admin: Client, town: Town, site: Site
) -> None:
    never = FamilyFactory(town=town, name="JAMAISVENU")
    Family.objects.filter(pk=never.pk).update(created_at=datetime.datetime(2022, 1, 10, 9, 0, tzinfo=datetime.UTC))
    page = admin.get(url(town)).content.decode()
    assert "JAMAISVENU" in page
    assert "Aucun jour de service ; famille créée le 10/01/2022" in page


def test_it_shows_a_refused_family_with_the_reason_and_no_box_to_tick(
    admin: Client, town: Town, departed: Family
) -> None:
    Payment.objects.filter(family=departed).update(amount=Decimal("40.00"))
    page = admin.get(url(town)).content.decode()
    assert "anonymisation refusée" in page
    assert "Solde dû de 2,50 € : la dette doit être soldée d&#x27;abord." in page
    assert f'value="{departed.pk}"' not in page


def test_it_asks_for_the_confirmation_and_changes_nothing_without_it(
    admin: Client, town: Town, departed: Family
) -> None:
    response = admin.post(url(town, "privacy_retention_run"), {"families": [departed.pk]})
    assert response.status_code == 422
    assert "Cochez la case de confirmation." in response.content.decode()
    assert not Pseudonymisation.objects.exists()
    assert Family.objects.get(pk=departed.pk).name == FAMILY_NAME


def test_it_refuses_a_family_that_is_not_listed(admin: Client, town: Town, departed: Family) -> None:
    Payment.objects.filter(family=departed).update(amount=Decimal("40.00"))
    response = admin.post(url(town, "privacy_retention_run"), {"families": [departed.pk], "confirm": "on"})
    assert response.status_code == 422
    assert not Pseudonymisation.objects.exists()


def test_it_pseudonymises_on_confirmation(
    admin: Client, town: Town, departed: Family, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            url(town, "privacy_retention_run"), {"families": [departed.pk], "confirm": "on"}, follow=True
        )
    page = response.content.decode()
    assert "1 famille anonymisée ; ses factures et règlements sont conservés." in page
    assert "Aucune famille à anonymiser aujourd'hui." in page
    assert Pseudonymisation.objects.filter(family=departed).exists()
    assert occurrences() == []
    assert AuditEntry.objects.filter(action="privacy.pseudonymise").count() == 1


def test_it_saves_the_retention_setting(admin: Client, town: Town, departed: Family) -> None:
    response = admin.post(url(town, "privacy_retention_settings"), {"retention_years": "5"}, follow=True)
    assert "Durée de conservation enregistrée." in response.content.decode()
    assert PrivacySettings.objects.get(town=town).retention_years == 5
    # Five years after 30 June 2023 is not over on 9 March 2027.
    assert FAMILY_NAME not in admin.get(url(town)).content.decode()
    assert AuditEntry.objects.filter(action="privacy.settings").exists()


def test_it_refuses_a_retention_out_of_bounds(admin: Client, town: Town) -> None:
    response = admin.post(url(town, "privacy_retention_settings"), {"retention_years": "0"})
    assert response.status_code == 422
    assert not PrivacySettings.objects.exists()


def test_the_page_reads_in_a_fixed_number_of_queries(
    admin: Client, town: Town, site: Site, canteen: Activity, media: Any, django_assert_max_num_queries: Any
) -> None:
    for number in range(5):
        make_departed(town, site, canteen, number=str(80 + number))
    with django_assert_max_num_queries(12):
        page = admin.get(url(town)).content.decode()
    assert page.count('name="families"') == 5


def test_the_menu_shows_it_to_the_administrator_only(
    admin: Client, client_for: Callable[[User], Client], front_desk: User, town: Town
) -> None:
    home = reverse("backoffice:home", args=[town.slug])
    # The footer links every visitor to the processing notice, also named "Données personnelles": look for the page.
    assert f'href="{url(town)}"' in admin.get(home).content.decode()
    assert url(town) not in client_for(front_desk).get(home).content.decode()
