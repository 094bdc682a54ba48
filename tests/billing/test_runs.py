"""Invoicing runs: what is billed, preview = issue, never twice, whole invoices only."""

import datetime
import gc
from collections.abc import Callable, Iterable
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.billing import runs
from ardoise.billing.models import (
    BilledBooking,
    Invoice,
    InvoiceCounter,
    InvoiceIsIssued,
    InvoiceLine,
    InvoicingRun,
    RunStatus,
    TariffMode,
)
from ardoise.billing.statements import invoice_summary
from ardoise.bookings.models import BookingState
from ardoise.families.models import Child, Family
from ardoise.payments.actions import free_credit, record_payment
from ardoise.towns.models import Town
from tests.billing.conftest import Book
from tests.factories import (
    AbsenceReasonFactory,
    ActivityFactory,
    ChildFactory,
    FamilyFactory,
    GuardianFactory,
    TariffFactory,
)

D = Decimal
S = BookingState
pytestmark = pytest.mark.usefixtures("frozen")

Run = Callable[..., InvoicingRun]


def lines_of(invoice: Invoice) -> list[tuple[str, str, int, Decimal, Decimal]]:
    return [
        (line.child.first_name, line.label, line.quantity, line.unit_price, line.amount)
        for line in invoice.lines.select_related("child").order_by("child__birth_date", "pk")
    ]


def test_it_bills_attended_booked_and_billed_absent_days_and_unbooked_days_at_the_penalty(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run, parent: object
) -> None:
    sarah, chloe = children
    book(sarah, meals, 8, S.PRESENT)
    book(sarah, meals, 9, S.BOOKED)
    book(sarah, meals, 11, S.ABSENT_BILLED)
    book(sarah, meals, 12, S.PRESENT_UNBOOKED)
    book(sarah, meals, 15, S.ABSENT_EXCUSED)
    book(sarah, meals, 16, S.CANCELLED)
    book(sarah, meals, 18, S.REFUSED)
    book(sarah, meals, 19, S.REQUESTED)
    book(sarah, meals, 29, S.PRESENT)  # Easter Monday: closed, never billed.
    book(chloe, meals, 8, S.PRESENT)
    run = march_run(town, meals)

    preview = runs.preview(run)
    [draft] = preview.families
    assert [(line.child_name.split()[0], line.label, line.quantity, line.unit_price) for line in draft.lines] == [
        ("Sarah", "Repas", 3, D("2.50")),
        ("Sarah", "Repas — présence sans réservation", 1, D("6.00")),
        ("Chloé", "Repas", 1, D("2.50")),
    ]
    assert preview.total == D("16.00")

    result = runs.issue_run(run, None, today=datetime.date(2027, 4, 2))
    [invoice] = result.invoices
    assert invoice.number == "2027-000001"
    assert invoice.total == preview.total == sum(line.amount for line in invoice.lines.all())
    assert invoice.due_on == datetime.date(2027, 5, 2)
    assert invoice.payer_name == "DUPONT Marie"
    assert lines_of(invoice) == [
        ("Sarah", "Repas", 3, D("2.50"), D("7.50")),
        ("Sarah", "Repas — présence sans réservation", 1, D("6.00"), D("6.00")),
        ("Chloé", "Repas", 1, D("2.50"), D("2.50")),
    ]
    assert BilledBooking.objects.filter(invoice_line__invoice=invoice).count() == 5
    run.refresh_from_db()
    assert run.status == RunStatus.ISSUED
    assert AuditEntry.objects.filter(town=town, action="invoicing_run.issue").exists()


def test_it_bills_nothing_twice_when_a_run_is_issued_again(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run
) -> None:
    sarah, _chloe = children
    book(sarah, meals, 8)
    run = march_run(town, meals)
    assert len(runs.issue_run(run, None).invoices) == 1
    assert runs.issue_run(run, None).invoices == []
    # Another run over the same month bills nothing already billed either.
    assert runs.preview(march_run(town, meals)).families == []
    # A day recorded late is billed by the next issue, and only it.
    book(sarah, meals, 9)
    [late] = runs.issue_run(run, None).invoices
    assert late.number == "2027-000002"
    assert lines_of(late) == [("Sarah", "Repas", 1, D("2.50"), D("2.50"))]


@pytest.mark.parametrize("batch", [1, 100])
def test_it_completes_a_run_that_crashed_half_way_without_duplicates(
    town: Town,
    children: list[Child],
    meals: Activity,
    book: Book,
    march_run: Run,
    monkeypatch: pytest.MonkeyPatch,
    batch: int,
) -> None:
    monkeypatch.setattr(runs, "ISSUE_BATCH", batch)
    sarah, _chloe = children
    book(sarah, meals, 8)
    for name in ("ALBERT", "ZOLA"):
        other = ChildFactory(family=FamilyFactory(town=town, name=name), site=sarah.site)
        book(other, meals, 8)
        book(other, meals, 9)
    run = march_run(town, meals)
    expected = runs.preview(run).total

    real_record_all = runs.audit.record_all
    calls: list[str] = []

    def crash_on_the_second_invoice(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
        # The invoices' audit entries are written last, a batch at a time: the power goes while the second
        # invoice's entry is written, after its number, lines and billed bookings.
        entries = list(entries)
        calls.extend(entry.action for entry in entries)
        if calls.count("invoice.issue") >= 2:
            raise RuntimeError("power cut")
        written: list[AuditEntry] = real_record_all(entries)
        return written

    monkeypatch.setattr(runs.audit, "record_all", crash_on_the_second_invoice)
    with pytest.raises(RuntimeError):
        runs.issue_run(run, None)
    if batch == 1:
        # The first family's invoice is whole; the second left nothing behind, its number given back.
        [first] = Invoice.objects.filter(town=town)
        assert first.lines.count() == 1
        assert InvoiceCounter.objects.get(town=town, year=2027).last_number == 1
        assert BilledBooking.objects.count() == 2  # ALBERT's two days
    else:
        # The batch under way is lost whole: no invoice, no billed booking, no number used.
        assert not Invoice.objects.filter(town=town).exists()
        assert not BilledBooking.objects.exists()
        assert not InvoiceCounter.objects.filter(town=town, year=2027, last_number__gt=0).exists()
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT

    monkeypatch.setattr(runs.audit, "record_all", real_record_all)
    runs.issue_run(run, None)
    invoices = Invoice.objects.filter(town=town).order_by("number")
    assert [invoice.number for invoice in invoices] == ["2027-000001", "2027-000002", "2027-000003"]
    assert sum(invoice.total for invoice in invoices) == expected
    assert BilledBooking.objects.count() == 5


def test_it_applies_the_penalty_only_from_the_nth_unbooked_day_of_the_month(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run
) -> None:
    meals.tariffs.update(penalty_from_nth=3)
    sarah, _chloe = children
    for n in (8, 9, 11, 12):
        book(sarah, meals, n, S.PRESENT_UNBOOKED)
    [draft] = runs.preview(march_run(town, meals)).families
    assert [(line.label, line.quantity, line.unit_price) for line in draft.lines] == [
        ("Repas", 2, D("2.50")),
        ("Repas — présence sans réservation", 2, D("6.00")),
    ]


def test_it_bills_the_waiting_days_of_an_absence_and_not_the_following_ones(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run
) -> None:
    sick = AbsenceReasonFactory(town=town, code="maladie", billed=False, waiting_days=1)
    sarah, _chloe = children
    for n in (8, 9, 11):
        book(sarah, meals, n, S.ABSENT_EXCUSED, reason=sick)
    book(sarah, meals, 12, S.PRESENT)
    book(sarah, meals, 15, S.ABSENT_EXCUSED, reason=sick)  # a new illness: a new waiting day
    book(sarah, meals, 16, S.ABSENT_EXCUSED, reason=sick)
    [draft] = runs.preview(march_run(town, meals)).families
    assert [(line.label, line.quantity) for line in draft.lines] == [
        ("Repas", 1),
        ("Repas — absence (jour de carence)", 2),
    ]
    assert draft.total == D("7.50")


def test_it_counts_waiting_days_from_an_absence_that_began_before_the_period(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run
) -> None:
    sick = AbsenceReasonFactory(town=town, code="maladie", billed=False, waiting_days=1)
    sarah, _chloe = children
    book(sarah, meals, 26, S.ABSENT_EXCUSED, reason=sick)
    run = runs.create_run(
        town, None, period_start=datetime.date(2027, 3, 29), period_end=datetime.date(2027, 4, 2), activities=[meals]
    )
    book(sarah, meals, 30, S.ABSENT_EXCUSED, reason=sick)
    assert runs.preview(run).families == []


def test_it_bills_flat_packages_per_month_and_per_wednesday_with_the_sibling_discount(
    town: Town, children: list[Child], book: Book, march_run: Run
) -> None:
    sarah, chloe = children
    evening = ActivityFactory(town=town, site=sarah.site, garderie_soir=True)
    TariffFactory(
        activity=evening,
        valid_from=datetime.date(2026, 9, 1),
        mode=TariffMode.MONTHLY_FLAT,
        base_price=D("30.00"),
        non_resident_price=None,
        pai_price=None,
        penalty_price=None,
        sibling_discount_percent=D("10"),
    )
    centre = ActivityFactory(town=town, site=sarah.site, mercredi=True)
    TariffFactory(
        activity=centre, valid_from=datetime.date(2026, 9, 1), mode=TariffMode.WEDNESDAY_FLAT, base_price=D("9.00")
    )
    for n in (8, 9, 11, 12, 15):
        book(sarah, evening, n)
    book(chloe, evening, 8, S.PRESENT_UNBOOKED)
    book(sarah, centre, 10)
    book(sarah, centre, 17, S.ABSENT_BILLED)
    book(sarah, centre, 24, S.ABSENT_EXCUSED)
    [draft] = runs.preview(march_run(town, evening, centre)).families
    assert sorted((line.child_name.split()[0], line.label, line.quantity, line.unit_price) for line in draft.lines) == [
        ("Chloé", "Garderie soir 16h30–18h30 — forfait", 1, D("27.00")),
        ("Sarah", "Accueil du mercredi — forfait", 2, D("9.00")),
        ("Sarah", "Garderie soir 16h30–18h30 — forfait", 1, D("30.00")),
    ]
    assert draft.booking_count == 8


def test_it_reports_families_without_e_mail_and_days_without_a_tariff(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run
) -> None:
    sarah, _chloe = children
    study = ActivityFactory(town=town, site=sarah.site, etude=True)
    book(sarah, meals, 8)
    book(sarah, study, 8)
    preview = runs.preview(march_run(town, meals, study))
    assert [anomaly.kind for anomaly in preview.anomalies] == ["no_email", "no_tariff"]
    # The day without a tariff is left for a later run, once the tariff exists.
    assert preview.booking_count == 1
    GuardianFactory(family=sarah.family, email="marie@example.test")
    assert [a.kind for a in runs.preview(march_run(town, meals, study)).anomalies] == ["no_tariff"]


def test_it_never_changes_an_issued_invoice(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run
) -> None:
    book(children[0], meals, 8)
    [invoice] = runs.issue_run(march_run(town, meals), None).invoices
    stored = Invoice.objects.get(pk=invoice.pk)
    stored.total = D("1.00")
    with pytest.raises(InvoiceIsIssued):
        stored.save()
    with pytest.raises(InvoiceIsIssued):
        Invoice.objects.get(pk=invoice.pk).delete()
    line = InvoiceLine.objects.get(invoice=invoice)
    line.quantity = 9
    with pytest.raises(InvoiceIsIssued):
        line.save()
    # Its delivery (the stored PDF) may still be filled in.
    stored = Invoice.objects.get(pk=invoice.pk)
    stored.pdf.save("facture.pdf", ContentFile(b"%PDF"), save=True)
    assert Invoice.objects.get(pk=invoice.pk).total == D("2.50")


def test_it_previews_a_town_in_a_constant_number_of_queries(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run
) -> None:
    sick = AbsenceReasonFactory(town=town, code="maladie", waiting_days=1)
    sarah, _chloe = children
    book(sarah, meals, 8)
    book(sarah, meals, 9, S.ABSENT_EXCUSED, reason=sick)
    run = march_run(town, meals)
    run = InvoicingRun.objects.select_related("town").get(pk=run.pk)
    with CaptureQueriesContext(connection) as small:
        runs.preview(run)
    for index in range(5):
        family = FamilyFactory(town=town)
        GuardianFactory(family=family)
        child = ChildFactory(family=family, site=sarah.site)
        for n in (8, 9, 11, 12):
            book(child, meals, n, S.ABSENT_EXCUSED if index % 2 else S.PRESENT, reason=sick if index % 2 else None)
    with CaptureQueriesContext(connection) as large:
        assert len(runs.preview(run).families) == 6
    assert len(large) == len(small)


def test_it_bills_only_the_run_town(
    town: Town, other_town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run, stranger: object
) -> None:
    book(children[0], meals, 8)
    durand = Family.objects.get(town=other_town)
    foreign = ActivityFactory(town=other_town, site=durand.children.get().site)
    TariffFactory(activity=foreign, valid_from=datetime.date(2026, 9, 1))
    book(durand.children.get(), foreign, 8)
    with pytest.raises(ValueError, match="another town"):
        march_run(town, meals, foreign)
    [invoice] = runs.issue_run(march_run(town, meals), None).invoices
    assert invoice.family.town == town


def test_it_numbers_after_the_invoices_a_year_already_has(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run
) -> None:
    Invoice.objects.create(
        town=town,
        family=children[0].family,
        number="2027-000041",
        issued_on=datetime.date(2027, 2, 1),
        due_on=datetime.date(2027, 3, 1),
        period_start=datetime.date(2027, 1, 1),
        period_end=datetime.date(2027, 1, 31),
        total=D("1.00"),
        payer_name="DUPONT Marie",
    )
    book(children[0], meals, 8)
    [invoice] = runs.issue_run(march_run(town, meals), None).invoices
    assert invoice.number == "2027-000042"


def test_it_numbers_an_invoice_without_reading_the_years_invoices_once_counting(town: Town) -> None:
    # Reading every number of the year for each new invoice made issuing quadratic (50,000 children).
    with transaction.atomic():
        assert runs.next_invoice_number(town.pk, 2027) == "2027-000001"
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert runs.next_invoice_number(town.pk, 2027) == "2027-000002"
    assert not [query for query in queries.captured_queries if 'billing_invoice"' in query["sql"]]
    assert len(queries.captured_queries) <= 4


def test_a_family_credit_settles_the_invoice_a_run_issues(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run, finance_agent: User
) -> None:
    sarah, _chloe = children
    family = sarah.family
    record_payment(family, finance_agent, method="cash", received_on=datetime.date(2027, 3, 1), amount=D("10.00"))
    book(sarah, meals, 8)
    book(sarah, meals, 9)

    [invoice] = runs.issue_run(march_run(town, meals), None).invoices

    assert invoice.total == D("5.00")
    assert invoice_summary(invoice).status == "paid"
    assert free_credit(family) == D("5.00")
    issued = AuditEntry.objects.get(action="invoice.issue")
    assert issued.changes == {"settled_by_credit": "5.00"}


def test_previewing_and_issuing_leave_the_garbage_collector_as_they_found_it(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run
) -> None:
    # Paused while a run reads a town's month; a worker left with it off would never free a cycle again.
    book(children[0], meals, 8)
    run = march_run(town, meals)
    assert gc.isenabled()
    runs.preview(run)
    assert gc.isenabled()
    gc.disable()
    try:
        runs.preview(run)
        assert not gc.isenabled()
    finally:
        gc.enable()

    def refused_while_paused() -> None:
        with runs._cycles_not_collected():
            assert not gc.isenabled()
            raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        refused_while_paused()
    assert gc.isenabled()
    runs.issue_run(run, None)
    assert gc.isenabled()


def test_the_invoice_is_made_out_to_the_first_guardian_and_sent_to_every_address(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Run
) -> None:
    site = children[0].site
    leroy = FamilyFactory(town=town, name="LEROY")
    GuardianFactory(family=leroy, position=2, first_name="Paul", email="paul@example.test", user=None)
    GuardianFactory(
        family=leroy, position=1, first_name="Anne", address="", postcode="69001", city="Lyon", email="", user=None
    )
    alone = FamilyFactory(town=town, name="SEUL")
    book(ChildFactory(family=leroy, site=site), meals, 8)
    book(ChildFactory(family=alone, site=site), meals, 8)

    drafts = {draft.name: draft for draft in runs.preview(march_run(town, meals)).families}

    assert (drafts["LEROY"].payer_name, drafts["LEROY"].payer_address, drafts["LEROY"].emails) == (
        "LEROY Anne",
        "69001 Lyon",
        ("paul@example.test",),
    )
    assert (drafts["SEUL"].payer_name, drafts["SEUL"].payer_address, drafts["SEUL"].emails) == ("SEUL", "", ())
