"""Settings, product codes, a run exported to PES V2, a month's unpaid invoices handed over; refusals change nothing."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.billing.models import Invoice, InvoicingRun, Payment, PaymentAllocation, RunStatus
from ardoise.families.models import Family
from ardoise.towns.models import Town
from ardoise.treasury import actions, pes
from ardoise.treasury.models import BordereauCounter, Handover, HandoverItem, ProductCode, TreasurySettings
from tests.factories import ChildFactory, FamilyFactory, GuardianFactory
from tests.treasury import conftest as treasury_data
from tests.treasury.conftest import make_invoice

TODAY = datetime.date(2027, 3, 10)


def pay(invoice: Invoice, amount: str) -> None:
    payment = Payment.objects.create(
        town=invoice.town,
        family=invoice.family,
        number=f"R-{invoice.pk}",
        method="cash",
        received_on=datetime.date(2027, 3, 1),
        amount=Decimal(amount),
    )
    PaymentAllocation.objects.create(town=invoice.town, payment=payment, invoice=invoice, amount=Decimal(amount))


def state(town: Town) -> tuple[object, ...]:
    return (
        Handover.objects.filter(town=town).count(),
        HandoverItem.objects.filter(town=town).count(),
        Invoice.objects.filter(town=town, handed_over_at__isnull=False).count(),
        list(BordereauCounter.objects.filter(town=town).values_list("last_number", flat=True)),
    )


# Settings and product codes


def test_it_saves_the_settings_and_audits_them(town: Town, finance_agent: Any) -> None:
    settings = actions.save_settings(
        town,
        finance_agent,
        siret="217 500 016 00019",
        collectivity_code="123",
        budget_code="00",
        accounting_post_code="0750100",
        label="Saint-Exemple",
        accountant_name="SGC de Saint-Exemple",
    )

    assert settings.siret == "21750001600019"
    assert AuditEntry.objects.filter(town=town, action="treasury.settings_save").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("siret", "2175000160001"),
        ("siret", "21750001600018"),
        ("collectivity_code", "12"),
        ("budget_code", "0"),
        ("accounting_post_code", "75A"),
    ],
)
def test_it_refuses_wrong_settings_and_saves_nothing(town: Town, field: str, value: str) -> None:
    values = {
        "siret": "21750001600019",
        "collectivity_code": "123",
        "budget_code": "00",
        "accounting_post_code": "0750100",
        "label": "Saint-Exemple",
        "accountant_name": "SGC",
    }
    values[field] = value

    with pytest.raises(actions.TreasuryRefused):
        actions.save_settings(town, None, **values)

    assert not TreasurySettings.objects.filter(town=town).exists()


def test_it_refuses_a_second_default_product_code(town: Town, product_codes: Any) -> None:
    with pytest.raises(actions.TreasuryRefused):
        actions.save_product_code(town, None, activity=None, code="AUTR", nature="7066", function="", label="Autre")

    assert ProductCode.objects.filter(town=town, activity=None).count() == 1


def test_it_refuses_an_activity_of_another_town(town: Town, other_town: Town, canteen: Activity) -> None:
    with pytest.raises(actions.TreasuryRefused):
        actions.save_product_code(
            other_town, None, activity=canteen, code="CANT", nature="7067", function="", label="x"
        )


def test_it_refuses_a_product_code_with_lower_case_or_accents(town: Town) -> None:
    with pytest.raises(actions.TreasuryRefused):
        actions.save_product_code(town, None, activity=None, code="CANTÉ", nature="7066", function="", label="x")


# Handing over


@pytest.fixture
def february(family: Family, parent: Any, canteen: Activity, evening_care: Activity) -> list[Invoice]:
    """Three invoices of February: one unpaid, one partly paid, one paid; and one of March."""
    martin = FamilyFactory(town=family.town, number="2", name="MARTIN")
    ChildFactory(family=martin, site=canteen.site, first_name="Léo")
    GuardianFactory(family=martin, first_name="Julie", postcode="12345", city="Saint-Exemple")
    durand = FamilyFactory(town=family.town, number="3", name="DURAND")
    ChildFactory(family=durand, site=canteen.site)
    GuardianFactory(family=durand)
    unpaid = make_invoice(family, [(canteen, 10, "3.50"), (evening_care, 4, "2.10")])
    partly = make_invoice(martin, [(canteen, 8, "3.50")])
    pay(partly, "10.00")
    paid = make_invoice(durand, [(canteen, 2, "3.50")])
    pay(paid, "7.00")
    make_invoice(family, [(canteen, 5, "3.50")], issued_on=datetime.date(2027, 3, 31))
    return [unpaid, partly, paid]


def test_it_hands_over_the_unpaid_invoices_of_the_month(
    town: Town, finance_agent: Any, treasury_settings: Any, product_codes: Any, february: list[Invoice]
) -> None:
    unpaid, partly, _paid = february

    handover = actions.hand_over(town, finance_agent, year=2027, month=2, today=TODAY)

    assert (handover.year, handover.number, handover.invoice_count, handover.total) == (2027, 1, 2, Decimal("61.40"))
    assert {item.invoice_id: item.amount for item in handover.items.all()} == {
        unpaid.pk: Decimal("43.40"),
        partly.pk: Decimal("18.00"),
    }
    assert set(Invoice.objects.filter(town=town, handed_over_at__isnull=False)) == {unpaid, partly}
    assert pes.check(bytes(handover.pes)) == []
    assert handover.file_name == "PES_12300_2027_0000001.xml"
    entry = AuditEntry.objects.get(town=town, action="treasury.hand_over")
    assert entry.actor == finance_agent
    assert entry.changes["invoices"] == {unpaid.number: "43.40", partly.number: "18.00"}


def test_it_numbers_bordereaux_one_after_the_other(
    town: Town, family: Family, treasury_settings: Any, product_codes: Any, february: list[Invoice], canteen: Activity
) -> None:
    first = actions.hand_over(town, None, year=2027, month=2, today=TODAY)
    make_invoice(family, [(canteen, 1, "3.50")], issued_on=datetime.date(2027, 1, 31))

    second = actions.hand_over(town, None, year=2027, month=1, today=TODAY)

    assert (first.number, second.number) == (1, 2)


def test_it_never_hands_an_invoice_over_twice(
    town: Town, treasury_settings: Any, product_codes: Any, february: list[Invoice]
) -> None:
    actions.hand_over(town, None, year=2027, month=2, today=TODAY)
    before = state(town)

    with pytest.raises(actions.TreasuryRefused):
        actions.hand_over(town, None, year=2027, month=2, today=TODAY)

    assert state(town) == before


def test_it_keeps_the_file_to_download_it_again_byte_for_byte(
    town: Town, treasury_settings: Any, product_codes: Any, february: list[Invoice]
) -> None:
    handover = actions.hand_over(town, None, year=2027, month=2, today=TODAY)
    data = bytes(handover.pes)
    # Whatever changes afterwards (a family's address), the stored file stays.
    february[0].family.guardians.update(city="Ailleurs")

    assert bytes(Handover.objects.get(pk=handover.pk).pes) == data


@pytest.mark.parametrize(
    ("why", "month", "setup"),
    [
        ("no settings", 2, "no_settings"),
        ("month not over", 3, ""),
        ("no product code", 2, "no_codes"),
        ("nothing unpaid", 1, ""),
        ("debtor without address", 2, "no_address"),
        ("no such month", 13, ""),
    ],
)
def test_it_refuses_and_changes_nothing(
    town: Town, treasury_settings: Any, product_codes: Any, february: list[Invoice], why: str, month: int, setup: str
) -> None:
    if setup == "no_settings":
        TreasurySettings.objects.filter(town=town).delete()
    if setup == "no_codes":
        ProductCode.objects.filter(town=town).delete()
    if setup == "no_address":
        february[0].family.guardians.update(postcode="")
    before = state(town)

    with pytest.raises(actions.TreasuryRefused):
        actions.hand_over(town, None, year=2027, month=month, today=TODAY)

    assert state(town) == before
    assert not AuditEntry.objects.filter(town=town, action="treasury.hand_over").exists()


def test_it_hands_over_with_a_constant_number_of_queries(
    town: Town, site: Any, treasury_settings: Any, product_codes: Any, canteen: Activity
) -> None:
    def families(n: int, month: int) -> None:
        for family in treasury_data.more_families(town, n, site):
            invoice = make_invoice(family, [(canteen, 2, "3.50")], issued_on=datetime.date(2027, month, 20))
            invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(b"%PDF-1.4 stored"), save=False)
            invoice.save()

    families(1, 1)
    families(2, 2)
    families(8, 3)
    today = datetime.date(2027, 4, 10)
    # The first bordereau of the year creates the year's counter: the next ones are compared.
    actions.hand_over(town, None, year=2027, month=1, today=today)
    with CaptureQueriesContext(connection) as few:
        actions.hand_over(town, None, year=2027, month=2, today=today)
    with CaptureQueriesContext(connection) as many:
        handover = actions.hand_over(town, None, year=2027, month=3, today=today)

    assert handover.invoice_count == 8
    assert len(many.captured_queries) == len(few.captured_queries)


# A run


@pytest.fixture
def issued_run(town: Town, family: Family, parent: Any, canteen: Activity) -> InvoicingRun:
    run = treasury_data.issued_run(town, [family], [(canteen, 10, "3.50")], issued_at=None)
    pay(run.invoices.get(), "35.00")
    return run


def test_it_exports_a_run_once_and_gives_the_same_file_again(
    town: Town, finance_agent: Any, treasury_settings: Any, product_codes: Any, issued_run: InvoicingRun
) -> None:
    export = actions.export_run(issued_run, finance_agent, today=TODAY)
    again = actions.export_run(issued_run, finance_agent, today=TODAY)

    assert again.pk == export.pk
    assert bytes(again.pes) == bytes(export.pes)
    # A run's titles ask the invoices' totals (paid or not) and mark nothing.
    assert export.total == Decimal("35.00")
    assert pes.check(bytes(export.pes)) == []
    assert not Invoice.objects.filter(town=town, handed_over_at__isnull=False).exists()
    assert AuditEntry.objects.filter(town=town, action="treasury.run_export").count() == 1


def test_it_refuses_to_export_a_draft_run(
    town: Town, treasury_settings: Any, product_codes: Any, issued_run: InvoicingRun
) -> None:
    InvoicingRun.objects.filter(pk=issued_run.pk).update(status=RunStatus.DRAFT)
    issued_run.refresh_from_db()

    with pytest.raises(actions.TreasuryRefused):
        actions.export_run(issued_run, None, today=TODAY)

    assert actions.run_export(issued_run) is None
    assert not BordereauCounter.objects.filter(town=town).exists()
