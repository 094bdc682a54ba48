"""Issuing a run a batch of families at a time: statements constant in families, whole batches only,
numbers consecutive and unique whatever the batch size and wherever a crash falls."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.audit.models import AuditEntry
from ardoise.billing import runs
from ardoise.billing.models import BilledBooking, Invoice, InvoiceCounter, InvoiceLine, InvoicingRun
from ardoise.families.models import Child
from ardoise.payments.actions import record_payment
from ardoise.towns.models import Town
from tests.billing.conftest import book_day, new_march_run
from tests.factories import ChildFactory, FamilyFactory

pytestmark = pytest.mark.usefixtures("frozen")

TODAY = datetime.date(2027, 4, 2)


def families_booked(town: Town, meals: Activity, like: Child, count: int) -> list[Child]:
    """`count` families named F000, F001, … (issued in that order), a child each booked two days of March."""
    children: list[Child] = []
    for index in range(count):
        child: Child = ChildFactory.create(family=FamilyFactory(town=town, name=f"F{index:03d}"), site=like.site)
        book_day(child, meals, 8)
        book_day(child, meals, 9)
        children.append(child)
    return children


def issue_through_a_power_cut(to_issue: list[InvoicingRun], batch: int, crash_at: int | None) -> None:
    """Issue the runs in turn, ISSUE_BATCH `batch`, the power cut while writing the `crash_at`-th batch's audit
    entries (None: no cut); the run cut short is issued again, as staff would."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(runs, "ISSUE_BATCH", batch)
        real_record_all = audit.record_all
        calls = iter(range(1, 100))

        def crash(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
            if next(calls) == crash_at:
                raise RuntimeError("power cut")
            return real_record_all(entries)

        monkeypatch.setattr(audit, "record_all", crash)
        for run in to_issue:
            try:
                runs.issue_run(run, None, today=TODAY)
            except RuntimeError:
                runs.issue_run(run, None, today=TODAY)


def numbers(town: Town) -> list[str]:
    return sorted(Invoice.objects.filter(town=town).values_list("number", flat=True))


def issue_statements(town: Town, meals: Activity, like: Child, families: int) -> list[str]:
    families_booked(town, meals, like, families)
    run = new_march_run(town, meals)
    # As after the town's first run of the year: its settings and the year's counter exist.
    runs.billing_settings(town)
    InvoiceCounter.objects.create(town=town, year=2027)
    with CaptureQueriesContext(connection) as queries:
        issued = runs.issue_run(run, None, today=TODAY).invoices
    assert len(issued) == families
    # Less the invoice table's statistics kept true (towns.statistics: read, and analyzed while the run doubles
    # it), which depend on what autovacuum has done in the test database, not on the number of families.
    return [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].startswith(("SELECT reltuples FROM pg_class", "ANALYZE"))
    ]


@pytest.mark.parametrize("families", [5, 50])
def test_it_issues_a_batch_of_families_in_the_same_statements_whatever_their_number(
    town: Town, children: list[Child], meals: Activity, families: int
) -> None:
    statements = issue_statements(town, meals, children[0], families)
    inserts = [sql.split()[2].strip('"') for sql in statements if sql.startswith("INSERT")]
    # One batch: its invoices, lines, billed bookings and audit entries, then the run's own entry.
    assert inserts == [
        "billing_invoice",
        "billing_invoiceline",
        "billing_billedbooking",
        "audit_auditentry",
        "audit_auditentry",
    ]
    assert len(statements) == EXPECTED_STATEMENTS
    # The bookings are counted only where a deletion could have come since the preview read them (SQLite:
    # always; PostgreSQL: when the deletions' count moved, tests/billing/test_billed_links.py).
    counted = [sql for sql in statements if sql.startswith('SELECT COUNT(*) AS "__count" FROM "bookings_booking"')]
    assert len(counted) == (0 if ON_POSTGRESQL else 1)
    assert numbers(town) == [f"2027-{n:06d}" for n in range(1, families + 1)]


# A batch's statements: its savepoint (the test's transaction is around the run), its numbers reserved,
# its invoices and lines inserted, its bookings claimed (PostgreSQL: the town's billing lock and the bookings'
# deletions counted, none since the preview, so no check; SQLite: the bookings counted), its billed bookings
# and audit entries inserted, its savepoint released.
ON_POSTGRESQL = connection.vendor == "postgresql"
BATCH_STATEMENTS = 9 if ON_POSTGRESQL else 8
# The settings, the bookings' deletions counted under the lock (PostgreSQL: a savepoint, the lock, the count,
# the savepoint released), the preview's queries, the town's credit, one batch, the run marked and audited.
EXPECTED_STATEMENTS = 20 + (4 if ON_POSTGRESQL else 0) + BATCH_STATEMENTS


def test_it_takes_the_same_statements_for_each_batch(
    town: Town, children: list[Child], meals: Activity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "ISSUE_BATCH", 10)
    statements = issue_statements(town, meals, children[0], 50)
    # Five batches of ten: each reserves its numbers once and writes its rows in four statements.
    assert sum(sql.startswith("UPDATE billing_invoicecounter") for sql in statements) == 5
    assert sum(sql.startswith("INSERT") for sql in statements) == 5 * 4 + 1
    assert len(statements) == EXPECTED_STATEMENTS + 4 * BATCH_STATEMENTS


def test_it_leaves_nothing_of_a_batch_that_crashed_while_writing_and_the_rerun_numbers_on(
    town: Town, children: list[Child], meals: Activity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "ISSUE_BATCH", 2)
    families_booked(town, meals, children[0], 5)
    run = new_march_run(town, meals)
    expected = runs.preview(run)
    real_insert = runs._insert_billed
    batches: list[int] = []

    def power_cut_in_the_second_batch(town_id: int, booking_ids: list[int], line_ids: list[int], seen: Any) -> None:
        # After the batch's numbers, invoices and lines are written, before its billed bookings.
        batches.append(len(booking_ids))
        if len(batches) == 2:
            raise RuntimeError("power cut")
        real_insert(town_id, booking_ids, line_ids, seen)

    monkeypatch.setattr(runs, "_insert_billed", power_cut_in_the_second_batch)
    with pytest.raises(RuntimeError):
        runs.issue_run(run, None, today=TODAY)
    # The first batch stands whole; nothing of the second: no invoice, line, billed booking, entry or number.
    first_two = Invoice.objects.filter(town=town).order_by("number")
    assert [(invoice.number, invoice.family.name) for invoice in first_two] == [
        ("2027-000001", "F000"),
        ("2027-000002", "F001"),
    ]
    assert InvoiceLine.objects.filter(town=town).count() == 2
    assert BilledBooking.objects.filter(town=town).count() == 4
    assert AuditEntry.objects.filter(town=town, action="invoice.issue").count() == 2
    assert InvoiceCounter.objects.get(town=town, year=2027).last_number == 2

    monkeypatch.setattr(runs, "_insert_billed", real_insert)
    rest = runs.issue_run(run, None, today=TODAY).invoices
    assert [(invoice.number, invoice.family.name) for invoice in rest] == [
        ("2027-000003", "F002"),
        ("2027-000004", "F003"),
        ("2027-000005", "F004"),
    ]
    assert sum(invoice.total for invoice in Invoice.objects.filter(town=town)) == expected.total
    assert BilledBooking.objects.filter(town=town).count() == expected.booking_count == 10
    assert runs.preview(run).families == []


def test_it_writes_one_audit_entry_per_invoice_saying_what_credit_settled(
    town: Town, children: list[Child], meals: Activity, finance_agent: User
) -> None:
    sarah = children[0]
    [albert, bruno] = families_booked(town, meals, sarah, 2)
    record_payment(albert.family, None, method="cheque", received_on=TODAY, amount=Decimal("3.00"))
    issued = runs.issue_run(new_march_run(town, meals), finance_agent, today=TODAY).invoices

    entries = AuditEntry.objects.filter(town=town, action="invoice.issue").order_by("object_id")
    assert [(e.object_type, e.object_id, e.actor_id, e.summary) for e in entries] == [
        ("invoice", issued[0].pk, finance_agent.pk, "Facture 2027-000001 émise (F000, 5.00 €)"),
        ("invoice", issued[1].pk, finance_agent.pk, "Facture 2027-000002 émise (F001, 5.00 €)"),
    ]
    # F000's cheque paid part of its new invoice at once; F001 had no credit.
    assert [e.changes for e in entries] == [{"settled_by_credit": "3.00"}, {}]
    assert [invoice.family for invoice in issued] == [albert.family, bruno.family]


def test_it_skips_a_family_another_run_billed_meanwhile_and_issues_the_rest_of_its_batch(
    town: Town, children: list[Child], meals: Activity, monkeypatch: pytest.MonkeyPatch
) -> None:
    families_booked(town, meals, children[0], 3)
    run = new_march_run(town, meals)
    stale = runs.preview(run)
    # Another run issues F001's invoice after this run's preview was read.
    runs.issue_family(run, stale.families[1], issued_on=TODAY, due_on=TODAY, actor=None)
    monkeypatch.setattr(runs, "preview", lambda run: stale)

    result = runs.issue_run(run, None, today=TODAY)
    assert [(invoice.number, invoice.family.name) for invoice in result.invoices] == [
        ("2027-000002", "F000"),
        ("2027-000003", "F002"),
    ]
    assert result.skipped_family_ids == [stale.families[1].family_id]
    assert numbers(town) == ["2027-000001", "2027-000002", "2027-000003"]
    assert Invoice.objects.filter(town=town, family_id=stale.families[1].family_id).count() == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    families=st.integers(min_value=1, max_value=9),
    batch=st.integers(min_value=1, max_value=10),
    crash_at=st.none() | st.integers(min_value=1, max_value=10),
)
def test_it_numbers_invoices_one_to_n_whatever_the_batches_and_wherever_a_crash_falls(
    town: Town, children: list[Child], meals: Activity, families: int, batch: int, crash_at: int | None
) -> None:
    with transaction.atomic():
        families_booked(town, meals, children[0], families)
        run = new_march_run(town, meals)
        issue_through_a_power_cut([run], batch, crash_at)

        invoices = Invoice.objects.filter(town=town).order_by("number")
        assert [invoice.number for invoice in invoices] == [f"2027-{n:06d}" for n in range(1, families + 1)]
        # Numbers follow the families' order, each family billed once, and each invoice audited once.
        assert [invoice.family.name for invoice in invoices] == [f"F{n:03d}" for n in range(families)]
        assert AuditEntry.objects.filter(town=town, action="invoice.issue").count() == families
        assert InvoiceCounter.objects.get(town=town, year=2027).last_number == families
        transaction.set_rollback(True)


def test_it_writes_each_line_as_drafted(town: Town, children: list[Child], meals: Activity) -> None:
    # On PostgreSQL the lines go as arrays: a label with quotes, commas and braces, a line without a
    # child or activity, and prices in cents come back as they were drafted, each with its bookings.
    child = children[0]
    booking_ids = (book_day(child, meals, 8).pk, book_day(child, meals, 9).pk)
    run = new_march_run(town, meals)
    lines = [
        runs.DraftLine(child.pk, "", meals.pk, 'Repas, "midi" {}', 2, Decimal("3.15"), Decimal("6.30"), booking_ids),
        runs.DraftLine(None, "", None, "Remise", 1, Decimal("0.01"), Decimal("0.01"), ()),  # type: ignore[arg-type]
    ]
    family = child.family
    draft = runs.FamilyDraft(family.pk, family.number, family.name, family.name, "", (), lines)
    [invoice] = runs.issue_families(run, [draft], issued_on=TODAY, due_on=TODAY, actor=None, with_credit=())
    written = [
        (line.child_id, line.activity_id, line.label, line.quantity, line.unit_price, line.amount)
        for line in InvoiceLine.objects.filter(invoice=invoice).order_by("pk")
    ]
    assert written == [
        (child.pk, meals.pk, 'Repas, "midi" {}', 2, Decimal("3.15"), Decimal("6.30")),
        (None, None, "Remise", 1, Decimal("0.01"), Decimal("0.01")),
    ]
    first_line = InvoiceLine.objects.filter(invoice=invoice).order_by("pk")[0]
    assert set(BilledBooking.objects.values_list("booking_id", "invoice_line_id")) == {
        (booking_id, first_line.pk) for booking_id in booking_ids
    }
