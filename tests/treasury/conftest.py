"""The town's treasury settings, product codes and invoices to hand over.

Dates: invoices of February 2027 (issued 28 February), handed over in March 2027.
"""

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest

from ardoise.activities.models import Activity
from ardoise.billing.models import Invoice, InvoiceLine, InvoicingRun
from ardoise.families.models import Family
from ardoise.towns.models import Site, Town
from ardoise.treasury.models import ProductCode, TreasurySettings
from tests.factories import ActivityFactory

_numbers = itertools.count(1)


def make_invoice(
    family: Family,
    lines: list[tuple[Activity | None, int, str]],
    issued_on: datetime.date = datetime.date(2027, 2, 28),
    run: InvoicingRun | None = None,
) -> Invoice:
    """An issued invoice of `family` with one line per (activity, quantity, unit price)."""
    total = sum((quantity * Decimal(price) for _, quantity, price in lines), Decimal("0.00"))
    invoice = Invoice.objects.create(
        town=family.town,
        family=family,
        number=f"2027-{next(_numbers):06d}",
        issued_on=issued_on,
        due_on=issued_on + datetime.timedelta(days=20),
        period_start=issued_on.replace(day=1),
        period_end=issued_on,
        total=total,
        payer_name=f"M. {family.name}",
        payer_address="3 rue des Lilas\n12345 Saint-Exemple",
        regie_name=family.town.regie_name,
        run=run,
    )
    child = family.children.first()
    for activity, quantity, price in lines:
        InvoiceLine.objects.create(
            town=family.town,
            invoice=invoice,
            child=child,
            activity=activity,
            label=f"{activity.label if activity else 'Divers'} ({quantity} × {price} €)",
            quantity=quantity,
            unit_price=Decimal(price),
            amount=quantity * Decimal(price),
        )
    return invoice


@pytest.fixture(autouse=True)
def _fake_pdfs(settings: Any) -> None:
    """Invoices not yet rendered get a blank one-page PDF (the PES attaches every invoice's PDF)."""
    settings.ARDOISE_PDF_RENDERER = "ardoise.billing.pdf.FakePdfRenderer"


@pytest.fixture
def canteen(town: Town, site: Site) -> Activity:
    return ActivityFactory(town=town, site=site, code="cantine", label="Restauration scolaire")


@pytest.fixture
def evening_care(town: Town, site: Site) -> Activity:
    return ActivityFactory(town=town, site=site, code="garderie-soir", label="Garderie du soir")


@pytest.fixture
def treasury_settings(town: Town) -> TreasurySettings:
    return TreasurySettings.objects.create(
        town=town,
        siret="21750001600019",
        collectivity_code="123",
        budget_code="00",
        accounting_post_code="0750100",
        label="SAINT-EXEMPLE BUDGET PRINCIPAL",
        accountant_name="Service de gestion comptable de Saint-Exemple",
        accountant_address="1 place de la République\n12345 Saint-Exemple",
    )


@pytest.fixture
def product_codes(town: Town, canteen: Activity) -> tuple[ProductCode, ProductCode]:
    default = ProductCode.objects.create(town=town, code="PERI", nature="7066", function="421", label="Périscolaire")
    meals = ProductCode.objects.create(
        town=town, activity=canteen, code="CANT", nature="7067", function="251", label="Restauration scolaire"
    )
    return default, meals
