"""Invoices and payments of the demo town: DUPONT's statement of seed 001.

Last school year, DUPONT was billed 243.20 for February–March, paid it by
cheque, then was billed 120.60 for April, still unpaid: it owes 120.60. The
invoice lines are days × unit prices of the family's tariff, and the days are
present bookings, so that every line can be traced to the planning.
"""

import calendar
import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import transaction

from ardoise.activities.models import Activity
from ardoise.billing.models import Invoice, InvoiceLine, Payment, PaymentAllocation
from ardoise.billing.runs import next_invoice_number
from ardoise.calendars.deadlines import PARIS
from ardoise.calendars.opening import is_public_holiday
from ardoise.families.models import Child
from ardoise.payments.actions import next_number
from ardoise.payments.models import CounterKind, DepositMethod, DepositSlip, DepositSlipEntry
from ardoise.towns.models import Town

from . import spec
from .bulk import insert
from .people import FamilyPlan

# (child's first name, activity code, days billed). Sums: 243.20 and 120.60 at QF 800.
FEBRUARY_MARCH = [
    ("Sarah", "repas", 22),
    ("Chloé", "repas", 22),
    ("Sarah", "garderie_soir", 16),
    ("Chloé", "garderie_soir", 16),
    ("Sarah", "garderie_matin", 8),
    ("Sarah", "etude", 10),
    ("Chloé", "mercredi", 3),
]
APRIL = [
    ("Sarah", "repas", 6),
    ("Chloé", "repas", 6),
    ("Sarah", "garderie_soir", 6),
    ("Chloé", "garderie_soir", 6),
    ("Sarah", "garderie_matin", 7),
    ("Chloé", "garderie_matin", 4),
    ("Sarah", "etude", 4),
    ("Sarah", "mercredi", 2),
    ("Chloé", "mercredi", 2),
]
TOTALS = {"february_march": Decimal("243.20"), "april": Decimal("120.60")}


@dataclass(frozen=True)
class Period:
    key: str
    starts_on: datetime.date
    ends_on: datetime.date
    lines: list[tuple[str, str, int]]
    issued_on: datetime.date


def next_working_day(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5 or is_public_holiday(day):
        day += datetime.timedelta(days=1)
    return day


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def dupont_periods(spring_year: int) -> list[Period]:
    """The two invoiced periods of last school year, whose spring falls in `spring_year`."""
    return [
        Period(
            "february_march",
            datetime.date(spring_year, 2, 1),
            datetime.date(spring_year, 3, 31),
            FEBRUARY_MARCH,
            next_working_day(datetime.date(spring_year, 4, 8)),
        ),
        Period(
            "april",
            datetime.date(spring_year, 4, 1),
            datetime.date(spring_year, 4, 30),
            APRIL,
            next_working_day(datetime.date(spring_year, 5, 7)),
        ),
    ]


def cheque_day(spring_year: int) -> datetime.date:
    return next_working_day(datetime.date(spring_year, 4, 22))


class Ledger:
    """Writes the demo's invoices and payments, numbered by the town's own counters
    (billing.runs.next_invoice_number, payments.actions.next_number) as runs and staff do."""

    def __init__(self, town: Town, counts: Counter[str]):
        self.town = town
        self.counts = counts

    def invoice(
        self,
        plan: FamilyPlan,
        period: Period,
        activities: dict[str, Activity],
        billed: dict[tuple[str, str, str], list[Any]],
    ) -> Invoice:
        family = plan.family
        children = {child_plan.child.first_name: child_plan.child for child_plan in plan.children}
        lines = [self.line(children[name], activities[code], days, plan) for name, code, days in period.lines]
        total = sum((line.amount for line in lines), Decimal("0.00"))
        if total != TOTALS[period.key]:
            raise AssertionError(f"{period.key}: lines sum to {total}, not {TOTALS[period.key]}")
        first_guardian = plan.guardians[0]
        invoice = Invoice(
            town=self.town,
            family=family,
            number=self.next_invoice_number(period.issued_on),
            issued_on=period.issued_on,
            due_on=month_end(period.issued_on),
            period_start=period.starts_on,
            period_end=period.ends_on,
            total=total,
            payer_name=f"{first_guardian.last_name} {first_guardian.first_name}",  # as runs write it
            payer_address=f"{first_guardian.address}\n{first_guardian.postcode} {first_guardian.city}",
            regie_name=spec.REGIE_NAME,
            created_at=datetime.datetime.combine(period.issued_on, datetime.time(9), tzinfo=PARIS),
        )
        insert([invoice], self.counts)
        for line in lines:
            line.invoice = invoice
        insert(lines, self.counts)
        self.link_billed_bookings(period, lines, billed)
        return invoice

    def link_billed_bookings(
        self, period: Period, lines: list[InvoiceLine], billed: dict[tuple[str, str, str], list[Any]]
    ) -> None:
        """Mark the bookings of each line as billed, so that no invoicing run bills them again.

        Written against billing's BilledBooking, looked up by name while that
        model is being written in parallel.
        """
        try:
            billed_booking = apps.get_model("billing", "BilledBooking")
        except LookupError:
            return
        rows = [
            billed_booking(town=self.town, booking_id=getattr(handle, "pk", handle), invoice_line=line)
            for (name, code, _), line in zip(period.lines, lines, strict=True)
            for handle in billed[(period.key, name, code)]
        ]
        insert(rows, self.counts)

    def line(self, child: Child, activity: Activity, days: int, plan: FamilyPlan) -> InvoiceLine:
        price = next(a.price for a in spec.ACTIVITIES if a.code == activity.code)
        unit = spec.unit_price(
            price,
            quotient_familial=plan.family.quotient_familial,
            resident=plan.family.resident,
            has_pai=child.has_pai,
        )
        return InvoiceLine(
            town=self.town,
            child=child,
            activity=activity,
            label=activity.label,  # the PDF groups lines under each child, as runs write them
            quantity=days,
            unit_price=unit,
            amount=unit * days,
        )

    def payment(
        self,
        plan: FamilyPlan,
        *,
        amount: Decimal,
        method: str,
        received_on: datetime.date,
        reference: str = "",
        bank: str = "",
        settles: Sequence[Invoice] = (),
        recorded_by_id: int | None = None,
    ) -> Payment:
        payment = Payment(
            town=self.town,
            family=plan.family,
            number=self.next_payment_number(received_on),
            method=method,
            received_on=received_on,
            amount=amount,
            reference=reference,
            bank=bank,
            recorded_by_id=recorded_by_id,
            created_at=datetime.datetime.combine(received_on, datetime.time(10), tzinfo=PARIS),
        )
        insert([payment], self.counts)
        left, allocations = amount, []
        for invoice in settles:
            part = min(left, invoice.total)
            allocations.append(PaymentAllocation(town=self.town, payment=payment, invoice=invoice, amount=part))
            left -= part
        insert(allocations, self.counts)
        return payment

    def deposit(self, payments: Sequence[Payment], *, deposited_on: datetime.date, created_by_id: int | None) -> None:
        """Cheques taken to the bank on one deposit slip (bordereau de remise)."""
        with transaction.atomic():
            number = next_number(self.town, CounterKind.DEPOSIT_SLIP, deposited_on.year)
        slip = DepositSlip(
            town=self.town,
            number=number,
            method=DepositMethod.CHEQUE,
            deposited_on=deposited_on,
            total=sum((payment.amount for payment in payments), Decimal("0.00")),
            created_by_id=created_by_id,
            created_at=datetime.datetime.combine(deposited_on, datetime.time(11), tzinfo=PARIS),
        )
        insert([slip], self.counts)
        insert([DepositSlipEntry(town=self.town, slip=slip, payment=payment) for payment in payments], self.counts)

    def next_invoice_number(self, issued_on: datetime.date) -> str:
        with transaction.atomic():
            return next_invoice_number(self.town.pk, issued_on.year)

    def next_payment_number(self, received_on: datetime.date) -> str:
        with transaction.atomic():
            return next_number(self.town, CounterKind.PAYMENT, received_on.year)
