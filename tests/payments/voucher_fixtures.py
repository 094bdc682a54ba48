"""A town that accepts CESU for its evening care, chèques-vacances for its evening care and Wednesdays, and a
family with a child under 6 (Léo) and one over (Emma), whose invoices bill each line with its booked days."""

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal

from ardoise.activities.models import Activity
from ardoise.billing.models import BilledBooking, Invoice, InvoiceLine
from ardoise.bookings.models import BookingState
from ardoise.families.models import Child, Family
from ardoise.payments.models import VoucherActivity, VoucherKind
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory, BookingFactory, ChildFactory, FamilyFactory

_numbers = itertools.count(1)
JANUARY = [datetime.date(2027, 1, day) for day in (4, 5, 7, 8)]
FEBRUARY = [datetime.date(2027, 2, day) for day in (1, 2, 4, 5)]


@dataclass
class Setting:
    family: Family
    young: Child  # Léo, 4 in 2027
    older: Child  # Emma, 8 in 2027
    care: Activity  # evening care: CESU and chèques-vacances
    canteen: Activity  # meals: neither
    wednesday: Activity  # Wednesday centre: chèques-vacances only


def voucher_setting(town: Town, site: Site, number: str = "50") -> Setting:
    family = FamilyFactory(town=town, number=number, name="PETIT")
    young = ChildFactory(family=family, site=site, first_name="Léo", birth_date=datetime.date(2022, 6, 15))
    older = ChildFactory(family=family, site=site, first_name="Emma", birth_date=datetime.date(2018, 9, 2))
    care = ActivityFactory(town=town, site=site, garderie_soir=True)
    canteen = ActivityFactory(town=town, site=site)
    wednesday = ActivityFactory(town=town, site=site, mercredi=True)
    for kind, activity in ((VoucherKind.CESU, care), (VoucherKind.ANCV, care), (VoucherKind.ANCV, wednesday)):
        VoucherActivity.objects.get_or_create(town=town, kind=kind, activity=activity)
    return Setting(family, young, older, care, canteen, wednesday)


def billed_invoice(
    family: Family,
    lines: list[tuple[Child, Activity, str, list[datetime.date]]],
    issued_on: datetime.date = datetime.date(2027, 1, 31),
) -> Invoice:
    """An issued invoice of `lines` (child, activity, amount, billed days), each day a present booking."""
    total = sum((Decimal(amount) for _child, _activity, amount, _days in lines), Decimal("0.00"))
    invoice = Invoice.objects.create(
        town=family.town,
        family=family,
        number=f"2027-{next(_numbers) + 500:06d}",
        issued_on=issued_on,
        due_on=issued_on + datetime.timedelta(days=20),
        period_start=issued_on.replace(day=1),
        period_end=issued_on,
        total=total,
        payer_name=f"M. {family.name}",
        regie_name=family.town.regie_name,
    )
    for child, activity, amount, days in lines:
        line = InvoiceLine.objects.create(
            town=family.town,
            invoice=invoice,
            child=child,
            activity=activity,
            label=f"{activity.label} {child.first_name}",
            quantity=len(days),
            unit_price=(Decimal(amount) / max(len(days), 1)).quantize(Decimal("0.01")),
            amount=Decimal(amount),
        )
        for day in days:
            booking = BookingFactory(child=child, activity=activity, date=day, state=BookingState.PRESENT)
            BilledBooking.objects.create(town=family.town, booking=booking, invoice_line=line)
    return invoice
