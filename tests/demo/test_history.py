"""Last school year in the demo town (demo/history.py): a year of roll calls, invoices and payments for the charts."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from ardoise.billing.models import BilledBooking, Invoice, InvoiceLine, InvoicingRun
from ardoise.bookings.models import BILLABLE_STATES, Booking
from ardoise.charts import figures
from ardoise.families.models import Family
from tests.demo.dates import TODAY

pytestmark = pytest.mark.django_db
LAST_YEAR = (datetime.date(2025, 11, 1), datetime.date(2026, 7, 31))  # twelve months before 18 November 2026


def test_it_invoices_and_collects_every_month_of_the_last_twelve(demo):
    months = figures.money_by_month(demo, TODAY)
    invoiced = [month.month for month in months if month.invoiced > 0]
    paid = [month.month for month in months if month.paid > 0]
    # December to August (last year's November to July), and October (this year's September): summer has none.
    assert len(invoiced) >= 9
    assert len(paid) >= 10
    assert all(month.rate is None or Decimal(50) <= month.rate <= Decimal(100) for month in months)


def test_it_leaves_unpaid_amounts_of_several_ages(demo):
    bands = [band for band in figures.unpaid_by_age(demo, TODAY) if band.amount > 0]
    assert len(bands) >= 3
    assert bands[-1].high is None  # some over 90 days


def test_it_bills_last_years_days_once_and_exactly(demo):
    dupont = Family.objects.get(town=demo, number="1001")
    # DUPONT's account is seed 001's (demo.ledger), not the history's.
    history = Invoice.objects.filter(town=demo, run__isnull=True, period_start__gte=LAST_YEAR[0]).exclude(family=dupont)
    assert not InvoicingRun.objects.filter(town=demo, period_start__lt=datetime.date(2026, 9, 1)).exists()
    billable = Booking.objects.filter(town=demo, date__range=LAST_YEAR, state__in=BILLABLE_STATES).exclude(
        child__family=dupont
    )
    billed = BilledBooking.objects.filter(town=demo, invoice_line__invoice__in=history)
    assert set(billed.values_list("booking_id", flat=True)) == set(billable.values_list("pk", flat=True))
    quantities = InvoiceLine.objects.filter(invoice__in=history).aggregate(days=Sum("quantity"))["days"]
    assert quantities == billed.count()
    for invoice in history.annotate(lines_total=Sum("lines__amount")):
        assert invoice.total == invoice.lines_total
        assert invoice.due_on == invoice.issued_on + datetime.timedelta(days=30)
    # One invoice per family and month; DUPONT's days of last year are only seed 001's.
    per_month = history.values("family", "period_start").annotate(n=Count("id"))
    assert {row["n"] for row in per_month} == {1}
    assert not BilledBooking.objects.filter(booking__child__family=dupont, invoice_line__invoice__in=history).exists()


def test_it_numbers_last_years_invoices_in_date_order(demo):
    numbers = list(
        Invoice.objects.filter(town=demo, number__startswith="2025-")
        .order_by("number")
        .values_list("issued_on", flat=True)
    )
    assert numbers
    assert numbers == sorted(numbers)
