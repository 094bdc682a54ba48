"""Invoice summaries, the statement (relevé de compte) and the last movements."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ardoise.billing.balance import family_balance
from ardoise.billing.models import CreditNote, Invoice, Payment, PaymentAllocation, PaymentMethod
from ardoise.billing.statements import (
    InvoiceStatus,
    invoice_summaries,
    invoice_summary,
    last_movements,
    school_year_bounds,
    school_year_of,
    statement,
    unpaid_invoices,
)
from ardoise.families.models import Family
from ardoise.towns.models import Town
from tests.factories import FamilyFactory

D = Decimal
_numbers = itertools.count(1)


def d(iso: str) -> datetime.date:
    return datetime.date.fromisoformat(iso)


def make_invoice(
    family: Family,
    total: str,
    issued_on: str,
    period: tuple[str, str] | None = None,
    number: str | None = None,
) -> Invoice:
    issued = d(issued_on)
    start, end = period or (issued_on, issued_on)
    return Invoice.objects.create(
        town=family.town,
        family=family,
        number=number or f"F-{next(_numbers)}",
        issued_on=issued,
        due_on=issued + datetime.timedelta(days=22),
        period_start=d(start),
        period_end=d(end),
        total=D(total),
        payer_name=f"M. {family.name}",
        payer_address="3 rue des Lilas\n00000 Saint-Exemple",
        regie_name=family.town.regie_name,
    )


def make_credit_note(invoice: Invoice, amount: str, issued_on: str, number: str | None = None) -> CreditNote:
    return CreditNote.objects.create(
        town=invoice.town,
        invoice=invoice,
        number=number or f"AV-{next(_numbers)}",
        issued_on=d(issued_on),
        amount=D(amount),
        reason="Absence pour raison médicale",
    )


def make_payment(
    family: Family,
    amount: str,
    received_on: str,
    settles: Invoice | None = None,
    method: str = PaymentMethod.CHEQUE,
    number: str | None = None,
) -> Payment:
    payment = Payment.objects.create(
        town=family.town,
        family=family,
        number=number or f"R-{next(_numbers)}",
        method=method,
        received_on=d(received_on),
        amount=D(amount),
    )
    if settles is not None:
        PaymentAllocation.objects.create(town=family.town, payment=payment, invoice=settles, amount=D(amount))
    return payment


# Invoice summaries and statuses


def test_it_says_an_invoice_without_payment_is_unpaid(family: Family) -> None:
    invoice = make_invoice(family, "120.60", "2015-04-08")

    [summary] = invoice_summaries(family)

    assert (summary.id, summary.number, summary.total) == (invoice.pk, invoice.number, D("120.60"))
    assert (summary.credited, summary.paid, summary.remaining) == (D("0.00"), D("0.00"), D("120.60"))
    assert summary.status == InvoiceStatus.UNPAID == "unpaid"


def test_it_says_an_invoice_partly_settled_is_partially_paid(family: Family) -> None:
    invoice = make_invoice(family, "120.60", "2015-04-08")
    make_payment(family, "20.00", "2015-04-20", settles=invoice)
    make_payment(family, "50.00", "2015-04-21", settles=invoice)

    [summary] = invoice_summaries(family)

    assert (summary.paid, summary.remaining, summary.status) == (D("70.00"), D("50.60"), "partially_paid")


def test_it_counts_a_partial_credit_note_as_partially_paid(family: Family) -> None:
    invoice = make_invoice(family, "120.60", "2015-04-08")
    make_credit_note(invoice, "4.10", "2015-04-15")

    [summary] = invoice_summaries(family)

    assert (summary.credited, summary.remaining, summary.status) == (D("4.10"), D("116.50"), "partially_paid")


def test_it_says_an_invoice_settled_by_payments_and_a_credit_note_is_paid(family: Family) -> None:
    invoice = make_invoice(family, "243.20", "2015-04-08")
    make_credit_note(invoice, "3.20", "2015-04-10")
    make_payment(family, "240.00", "2015-04-20", settles=invoice)

    [summary] = invoice_summaries(family)

    assert (summary.remaining, summary.status) == (D("0.00"), InvoiceStatus.PAID)


def test_it_says_an_invoice_fully_credited_is_cancelled(family: Family) -> None:
    invoice = make_invoice(family, "243.20", "2015-04-08")
    make_credit_note(invoice, "243.20", "2015-04-10")

    [summary] = invoice_summaries(family)

    assert (summary.credited, summary.remaining, summary.status) == (D("243.20"), D("0.00"), "cancelled")


def test_it_lists_invoices_newest_first_and_only_the_familys(family: Family, town: Town) -> None:
    older = make_invoice(family, "10.00", "2015-03-05")
    newer = make_invoice(family, "20.00", "2015-04-05")
    neighbour = FamilyFactory(town=town, number="2", name="MARTIN")
    make_invoice(neighbour, "30.00", "2015-04-05")

    assert [summary.id for summary in invoice_summaries(family)] == [newer.pk, older.pk]


def test_it_lists_unpaid_invoices_oldest_first(family: Family) -> None:
    april = make_invoice(family, "120.60", "2015-04-08", number="AL-36")
    march = make_invoice(family, "243.20", "2015-03-06", number="AL-12")
    make_payment(family, "243.20", "2015-03-20", settles=march)
    february = make_invoice(family, "80.00", "2015-02-06", number="AL-5")
    make_payment(family, "30.00", "2015-03-20", settles=february)
    cancelled = make_invoice(family, "15.00", "2015-01-06")
    make_credit_note(cancelled, "15.00", "2015-01-10")

    unpaid = unpaid_invoices(family)

    assert [(summary.id, summary.remaining) for summary in unpaid] == [
        (february.pk, D("50.00")),
        (april.pk, D("120.60")),
    ]


def test_it_does_not_list_an_invoice_settled_to_the_cent(family: Family) -> None:
    # 0.07 − 0.01 − 0.06 is a little above zero in binary floating point.
    invoice = make_invoice(family, "0.07", "2015-04-08")
    make_credit_note(invoice, "0.01", "2015-04-09")
    make_payment(family, "0.06", "2015-04-10", settles=invoice)

    assert unpaid_invoices(family) == []
    assert invoice_summaries(family)[0].status == "paid"


def test_it_summarises_one_invoice(family: Family) -> None:
    invoice = make_invoice(family, "243.20", "2015-04-08")
    make_payment(family, "100.00", "2015-04-20", settles=invoice)

    summary = invoice_summary(invoice)

    assert (summary.paid, summary.remaining, summary.status) == (D("100.00"), D("143.20"), "partially_paid")


def _count_summary_queries(family: Family) -> int:
    with CaptureQueriesContext(connection) as queries:
        invoice_summaries(family)
        unpaid_invoices(family)
    return len(queries.captured_queries)


def test_it_summarises_invoices_in_a_constant_number_of_queries(family: Family, town: Town) -> None:
    def add_settled_invoice(owner: Family, month: int) -> None:
        invoice = make_invoice(owner, "100.00", f"2015-{month:02}-05")
        make_credit_note(invoice, "10.00", f"2015-{month:02}-06")
        make_payment(owner, "40.00", f"2015-{month:02}-07", settles=invoice)
        make_payment(owner, "20.00", f"2015-{month:02}-08", settles=invoice)

    add_settled_invoice(family, 1)
    big = FamilyFactory(town=town, number="2", name="MARTIN")
    for month in range(1, 11):
        add_settled_invoice(big, month)

    one, ten = _count_summary_queries(family), _count_summary_queries(big)

    assert one == ten == 2
    assert [s.remaining for s in invoice_summaries(big)] == [D("30.00")] * 10


# Statement


def seed_001(family: Family) -> tuple[Invoice, Payment, Invoice]:
    """Seed 001's relevé for 2014–2015: two invoices and a cheque, all dated 08/04/2015."""
    february_march = make_invoice(family, "243.20", "2015-04-08", ("2015-02-01", "2015-03-31"), number="AL-12")
    cheque = make_payment(family, "243.20", "2015-04-08", settles=february_march, number="AL-228")
    april = make_invoice(family, "120.60", "2015-04-08", ("2015-04-01", "2015-04-30"), number="AL-36")
    return february_march, cheque, april


@pytest.fixture
def alsh(town: Town) -> Town:
    town.regie_name = "Régie garderie ALSH"
    town.save()
    return town


def test_it_reproduces_the_statement_of_seed_001(alsh: Town, family: Family) -> None:
    seed_001(family)

    relevé = statement(family, 2014, town=alsh)

    assert (relevé.school_year, relevé.starts_on, relevé.ends_on) == (2014, d("2014-09-01"), d("2015-08-31"))
    assert relevé.opening_balance == D("0.00")
    assert [(op.reference, op.date, op.label, op.regie, op.debit, op.credit) for op in relevé.operations] == [
        ("AL-12", d("2015-04-08"), "Facture : 01/02/2015 - 31/03/2015", "Régie garderie ALSH", D("243.20"), D("0.00")),
        ("AL-36", d("2015-04-08"), "Facture : 01/04/2015 - 30/04/2015", "Régie garderie ALSH", D("120.60"), D("0.00")),
        ("AL-228", d("2015-04-08"), "Règlement : Chèque", "Régie garderie ALSH", D("0.00"), D("243.20")),
    ]
    assert (relevé.total_debit, relevé.total_credit, relevé.balance) == (D("363.80"), D("243.20"), D("120.60"))


def test_it_carries_the_previous_years_balance_as_opening(alsh: Town, family: Family) -> None:
    last_year = make_invoice(family, "80.00", "2014-06-05", ("2014-05-01", "2014-05-31"))
    make_payment(family, "30.00", "2014-06-20", settles=last_year)
    seed_001(family)

    relevé = statement(family, 2014)

    assert relevé.opening_balance == D("50.00")
    assert [op.balance for op in relevé.operations] == [D("293.20"), D("413.80"), D("170.60")]
    assert relevé.balance == D("170.60")
    assert statement(family, 2013).balance == relevé.opening_balance


def test_it_gives_a_running_balance_after_each_operation(family: Family) -> None:
    september = make_invoice(family, "100.00", "2025-10-03", ("2025-09-01", "2025-09-30"), number="2025-000001")
    make_payment(family, "60.00", "2025-10-10", method=PaymentMethod.CARD, number="P-1")
    make_credit_note(september, "8.20", "2025-10-12", number="AV-1")
    make_invoice(family, "90.00", "2025-11-04", ("2025-10-01", "2025-10-31"), number="2025-000002")
    make_payment(family, "121.80", "2025-11-20", method=PaymentMethod.DIRECT_DEBIT, number="P-2")

    relevé = statement(family, 2025)

    assert [(op.reference, op.label, op.balance) for op in relevé.operations] == [
        ("2025-000001", "Facture : 01/09/2025 - 30/09/2025", D("100.00")),
        ("P-1", "Règlement : Carte bancaire en ligne", D("40.00")),
        ("AV-1", "Avoir sur facture 2025-000001", D("31.80")),
        ("2025-000002", "Facture : 01/10/2025 - 31/10/2025", D("121.80")),
        ("P-2", "Règlement : Prélèvement", D("0.00")),
    ]
    assert relevé.operations[2].invoice_id == september.pk
    assert relevé.balance == D("0.00")


def test_it_puts_31_august_in_the_ending_year_and_1_september_in_the_next(family: Family) -> None:
    august = make_invoice(family, "31.00", "2015-08-31")
    september = make_invoice(family, "9.00", "2015-09-01")
    make_payment(family, "5.00", "2015-08-31")

    ending, starting = statement(family, 2014), statement(family, 2015)

    assert [op.id for op in ending.operations if op.kind == "invoice"] == [august.pk]
    assert [op.id for op in starting.operations] == [september.pk]
    assert (ending.balance, starting.opening_balance, starting.balance) == (D("26.00"), D("26.00"), D("35.00"))
    assert school_year_bounds(2015) == (d("2015-09-01"), d("2016-08-31"))
    assert (school_year_of(d("2015-08-31")), school_year_of(d("2015-09-01"))) == (2014, 2015)


def test_it_leaves_out_other_families(family: Family, town: Town, other_town: Town) -> None:
    make_invoice(family, "10.00", "2015-04-08")
    neighbour = FamilyFactory(town=town, number="2", name="MARTIN")
    theirs = make_invoice(neighbour, "99.00", "2015-04-08")
    make_credit_note(theirs, "9.00", "2015-04-09")
    make_payment(neighbour, "50.00", "2015-04-09")

    relevé = statement(family, 2014)

    assert [op.debit for op in relevé.operations] == [D("10.00")]
    assert relevé.balance == D("10.00")


def test_it_refuses_a_statement_in_another_town(family: Family, other_town: Town) -> None:
    with pytest.raises(ValueError, match="another town"):
        statement(family, 2014, town=other_town)


def test_it_builds_a_statement_in_a_constant_number_of_queries(family: Family) -> None:
    family = Family.objects.select_related("town").get(pk=family.pk)
    seed_001(family)
    with CaptureQueriesContext(connection) as few:
        statement(family, 2014)
    for month in range(1, 7):
        invoice = make_invoice(family, "10.00", f"2015-{month:02}-05")
        make_credit_note(invoice, "1.00", f"2015-{month:02}-06")
        make_payment(family, "9.00", f"2015-{month:02}-07", settles=invoice)
    with CaptureQueriesContext(connection) as many:
        statement(family, 2014)

    # The opening balance, then invoices, credit notes, payments and refunds.
    assert len(few.captured_queries) == len(many.captured_queries) == 6


# Last movements


def test_it_gives_the_last_five_movements_newest_first_with_their_balance(family: Family) -> None:
    first = make_invoice(family, "50.00", "2024-06-05")
    make_payment(family, "50.00", "2024-06-20", settles=first)
    seed_001_dates = make_invoice(family, "100.00", "2025-10-03", number="2025-000001")
    make_credit_note(seed_001_dates, "10.00", "2025-10-05", number="AV-1")
    make_payment(family, "30.00", "2025-10-10", number="P-1")
    make_invoice(family, "40.00", "2025-11-03", number="2025-000002")

    movements = last_movements(family)

    assert [(op.reference, op.balance) for op in movements] == [
        ("2025-000002", D("100.00")),
        ("P-1", D("60.00")),
        ("AV-1", D("90.00")),
        ("2025-000001", D("100.00")),
        (movements[4].reference, D("0.00")),
    ]
    assert movements[4].kind == "payment"
    assert [op.reference for op in last_movements(family, n=2)] == ["2025-000002", "P-1"]
    assert last_movements(family, n=0) == []


# Money is never lost

AMOUNTS = st.decimals(min_value=D("0.01"), max_value=D("900.00"), places=2)
DAYS = st.integers(min_value=0, max_value=3 * 365)
EPOCH = datetime.date(2023, 6, 1)
OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["invoice", "credit_note", "payment"]), DAYS, AMOUNTS, st.integers(0, 50)),
    max_size=14,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_it_never_loses_money(town: Town, operations: list[tuple[str, int, Decimal, int]]) -> None:
    family = FamilyFactory(town=town)
    invoices: list[tuple[Invoice, Decimal]] = []  # (invoice, what is left to credit on it)
    expected = D("0.00")
    for kind, day, amount, pick in operations:
        on = (EPOCH + datetime.timedelta(days=day)).isoformat()
        if kind == "invoice":
            invoices.append((make_invoice(family, str(amount), on), amount))
            expected += amount
        elif kind == "payment":
            make_payment(family, str(amount), on)
            expected -= amount
        elif invoices:
            index = pick % len(invoices)
            invoice, creditable = invoices[index]
            credit = min(amount, creditable)
            if credit > 0:
                make_credit_note(invoice, str(credit), max(on, invoice.issued_on.isoformat()))
                invoices[index] = (invoice, creditable - credit)
                expected -= credit

    years = range(school_year_of(EPOCH), school_year_of(EPOCH + datetime.timedelta(days=3 * 365)) + 1)
    statements = [statement(family, year) for year in years]
    for relevé in statements:
        debits = sum((op.debit for op in relevé.operations), D("0.00"))
        credits = sum((op.credit for op in relevé.operations), D("0.00"))
        assert relevé.balance == relevé.opening_balance + debits - credits
        running = relevé.opening_balance
        for op in relevé.operations:
            running += op.debit - op.credit
            assert op.balance == running
    for previous, following in itertools.pairwise(statements):
        assert following.opening_balance == previous.balance
    assert statements[0].opening_balance == D("0.00")
    assert statements[-1].balance == expected == family_balance(family)
    assert sum(len(relevé.operations) for relevé in statements) == (
        Invoice.objects.filter(family=family).count()
        + CreditNote.objects.filter(invoice__family=family).count()
        + Payment.objects.filter(family=family).count()
    )
    movements = last_movements(family, n=3)
    assert movements == [] or movements[0].balance == expected
