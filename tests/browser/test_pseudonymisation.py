"""Issue 13's "a pseudonymisation run in a browser journey removes a departed family's personal data while its
invoices and the town's totals stay identical before and after": the administrator opens "Données personnelles",
reads why the departed family is listed (and why another, which still owes, is refused), confirms, and the
family's names, contacts, child, documents and messages are gone from the whole database; every invoice, payment
and balance of the town is as it was."""

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Page, expect

from ardoise.activities.models import Activity
from ardoise.billing.models import Invoice
from ardoise.bookings.models import BookingState
from ardoise.families.models import Child, Family
from ardoise.privacy.models import Pseudonymisation
from ardoise.towns.models import Site, Town
from tests.factories import PASSWORD, ActivityFactory, BookingFactory, ChildFactory, FamilyFactory
from tests.privacy.departed import LAST_SERVICE_DAY, accounting_snapshot, make_departed, occurrences

pytestmark = pytest.mark.browser


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_an_administrator_pseudonymises_a_departed_family(
    live_server,
    desktop_page: Page,
    frozen: time_machine.Traveller,
    town: Town,
    site: Site,
    family: Family,
    parent,
    town_admin,
    media: Any,
) -> None:
    page = desktop_page
    base = live_server.url
    canteen: Activity = ActivityFactory(town=town, site=site)
    departed = make_departed(town, site, canteen)
    # Another family that left as long ago but still owes 12,00 €: listed, refused, untouched.
    owing = FamilyFactory(town=town, number="78", name="DETTEVILLE")
    child = ChildFactory(family=owing, site=site, first_name="Norbert")
    BookingFactory(child=child, activity=canteen, date=LAST_SERVICE_DAY, state=BookingState.PRESENT)
    Invoice.objects.create(
        town=town,
        family=owing,
        number="2023-000102",
        issued_on=datetime.date(2023, 7, 5),
        due_on=datetime.date(2023, 7, 31),
        period_start=datetime.date(2023, 6, 1),
        period_end=LAST_SERVICE_DAY,
        total=Decimal("12.00"),
        payer_name="DETTEVILLE Agathe",
    )
    before = accounting_snapshot(town)
    assert occurrences()

    page.goto(f"{base}/{town.slug}/login/")
    page.locator("input[name=login]").fill(town_admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile("/login/"))
    page.get_by_role("navigation").get_by_role("link", name="Données personnelles").click()
    expect(page.get_by_role("heading", name="Familles à anonymiser")).to_be_visible()

    listed = page.locator("table.privacy-candidates tbody tr")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("QUARTERMAINE")
    expect(listed.first).to_contain_text("Dernier jour de service le 30/06/2023")
    refused = page.locator("table.privacy-refused tbody tr")
    expect(refused).to_have_count(1)
    expect(refused.first).to_contain_text("DETTEVILLE")
    expect(refused.first).to_contain_text("Solde dû de 12,00 €")

    # Without the confirmation nothing happens.
    page.get_by_role("button", name="Anonymiser les familles cochées").click()
    expect(page.get_by_text("Cochez la case de confirmation.")).to_be_visible()
    assert not Pseudonymisation.objects.exists()

    page.get_by_label("Je confirme l'anonymisation").check()
    page.get_by_role("button", name="Anonymiser les familles cochées").click()
    expect(page.get_by_text("1 famille anonymisée ; ses factures et règlements sont conservés.")).to_be_visible()
    expect(page.get_by_text("Aucune famille à anonymiser aujourd'hui.")).to_be_visible()

    # The family's page now shows its pseudonym; nothing of its people is left anywhere.
    page.goto(f"{base}/{town.slug}/staff/familles/{departed.pk}/")
    expect(page.get_by_text(f"Famille anonymisée n° {departed.pk}").first).to_be_visible()
    expect(page.get_by_text("Zéphyrinou")).to_have_count(0)
    assert occurrences() == []
    assert Family.objects.get(pk=owing.pk).name == "DETTEVILLE"
    assert Child.objects.get(family=owing).first_name == "Norbert"
    assert accounting_snapshot(town) == before
