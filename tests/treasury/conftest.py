"""The town's treasury settings, product codes and invoices to hand over.

Dates: invoices of February 2027 (issued 28 February), handed over in March 2027.
"""

import datetime
import itertools
from decimal import Decimal
from typing import Any, cast

import pytest

from ardoise.activities.models import Activity
from ardoise.billing.models import Invoice, InvoiceLine, InvoicingRun, RunStatus
from ardoise.families.models import Family
from ardoise.towns.models import Site, Town
from ardoise.treasury.models import Handover, HandoverItem, ProductCode, TreasurySettings
from tests.factories import ActivityFactory, ChildFactory, FamilyFactory, GuardianFactory

_numbers = itertools.count(1)
FEBRUARY = (datetime.date(2027, 2, 1), datetime.date(2027, 2, 28))
# 1 March 2027 at 01:30 in Paris: the run's titles are dated 01/03/2027.
RUN_ISSUED_AT = datetime.datetime(2027, 3, 1, 0, 30, tzinfo=datetime.UTC)


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


def issued_run(
    town: Town,
    families: list[Family],
    lines: list[tuple[Activity | None, int, str]],
    issued_at: datetime.datetime | None = RUN_ISSUED_AT,
) -> InvoicingRun:
    """A run of February 2027, issued at `issued_at`, with one invoice of `lines` per family."""
    run = InvoicingRun.objects.create(
        town=town, period_start=FEBRUARY[0], period_end=FEBRUARY[1], status=RunStatus.ISSUED, issued_at=issued_at
    )
    for family in families:
        make_invoice(family, lines, run=run)
    return run


def more_families(town: Town, count: int, site: Site | None = None) -> list[Family]:
    """`count` more families of `town`, each with a guardian (its titles' debtor) and, with `site`, a child there."""
    families = cast("list[Family]", [FamilyFactory(town=town) for _ in range(count)])  # factories make models
    for family in families:
        GuardianFactory(family=family)
        if site is not None:
            ChildFactory(family=family, site=site)
    return families


def make_handover(town: Town, number: int, pieces: list[tuple[Invoice, Decimal]]) -> Handover:
    """Bordereau `number` of 2027 (February's invoices, made on 10 March): each (invoice, amount) a pièce, 1 first."""
    handover = Handover.objects.create(
        town=town,
        number=number,
        year=2027,
        period_start=FEBRUARY[0],
        period_end=FEBRUARY[1],
        invoice_count=len(pieces),
        total=sum((amount for _, amount in pieces), Decimal("0.00")),
        pes=b"",
        file_name="x.xml",
        created_at=datetime.datetime(2027, 3, 10, 9, 0, tzinfo=datetime.UTC),
    )
    for piece, (invoice, amount) in enumerate(pieces, start=1):
        HandoverItem.objects.create(town=town, handover=handover, invoice=invoice, piece_number=piece, amount=amount)
    return handover


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
def exportable(parent: Any, treasury_settings: TreasurySettings, product_codes: Any) -> None:
    """What every export of the DUPONT family needs: its guardian (the debtor), the settings, the product codes."""


@pytest.fixture
def product_codes(town: Town, canteen: Activity) -> tuple[ProductCode, ProductCode]:
    default = ProductCode.objects.create(town=town, code="PERI", nature="7066", function="421", label="Périscolaire")
    meals = ProductCode.objects.create(
        town=town, activity=canteen, code="CANT", nature="7067", function="251", label="Restauration scolaire"
    )
    return default, meals
