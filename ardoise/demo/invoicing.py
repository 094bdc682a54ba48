"""This school year's invoicing in the demo town: one real run a month, then what the families paid.

Every month of the school year up to the month before last is invoiced by the
month-end run finance would have issued (`billing.runs`: create, preview, issue),
on the first working day from the 8th of the next month. Last month is left for
finance to invoice in the demo ("Nouvelle facturation" proposes it).

Then the families pay, so that statements, reminders and tax certificates have
content:
- the families with a SEPA mandate (2 to 8) by direct debit, a collection
  (`directdebit.actions.create_collection`) on each due date already passed;
- DUPONT (family 1) each invoice by cheque, allocated to that invoice: its unpaid
  April invoice of last school year stays the 120.60 it owes (seed 001);
- the others by cheque, card, transfer, cash or CESU, a few days after the invoice;
  every sixth family (5, 11, 17…) leaves its last two invoices unpaid, so that
  reminders have overdue invoices to chase.
Cheques are banked on one deposit slip a month.
"""

import datetime
import random
from collections import Counter

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing import runs
from ardoise.billing.models import Invoice, PaymentMethod
from ardoise.directdebit import actions as direct_debits
from ardoise.towns.models import Town

from . import ledger
from .calendar import YearSpan
from .direct_debit import MANDATED_FAMILIES
from .people import FamilyPlan

# The first day of the next month on which a month's invoices are issued.
ISSUE_DAY = 8
# Families that leave their last invoices unpaid: every sixth from family 5.
UNPAID_EVERY, UNPAID_FROM, UNPAID_LAST = 6, 5, 2
DESK_METHODS = [
    PaymentMethod.CHEQUE,
    PaymentMethod.CARD,
    PaymentMethod.TRANSFER,
    PaymentMethod.CHEQUE,
    PaymentMethod.CASH,
]
CESU_METHOD_EVERY = 7  # every seventh family pays its care in CESU
BANKS = ["Crédit Agricole", "Banque Populaire", "Crédit Mutuel", "La Banque Postale", "Caisse d'Épargne"]


def months_to_invoice(year: YearSpan, today: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """(first, last day) of each month of the school year up to the month before last."""
    before_last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1) - datetime.timedelta(days=1)
    months = []
    first = year.starts_on.replace(day=1)
    while first <= min(before_last, year.ends_on):
        months.append((first, ledger.month_end(first)))
        first = ledger.month_end(first) + datetime.timedelta(days=1)
    return months


def invoice_this_year(
    town: Town,
    year: YearSpan,
    today: datetime.date,
    plans: list[FamilyPlan],
    finance: User,
    rng: random.Random,
    counts: Counter[str],
) -> None:
    activities = list(Activity.objects.filter(town=town).order_by("pk"))
    book = ledger.Ledger(town, counts)
    by_family = {plan.family.pk: plan for plan in plans}
    issued: list[list[Invoice]] = []
    for first, last in months_to_invoice(year, today):
        issued_on = ledger.next_working_day(ledger.month_end(first) + datetime.timedelta(days=ISSUE_DAY))
        run = runs.create_run(town, finance, period_start=first, period_end=last, activities=activities)
        invoices = runs.issue_run(run, finance, today=issued_on).invoices
        counts["billing.Invoice"] += len(invoices)
        issued.append(invoices)
    for position, invoices in enumerate(issued):
        months_left = len(issued) - position
        cheques = []
        for invoice in invoices:
            plan = by_family[invoice.family_id]
            if plan.family.number in MANDATED_FAMILIES:
                continue
            if plan.index % UNPAID_EVERY == UNPAID_FROM and months_left <= UNPAID_LAST:
                continue
            method = _method_of(plan)
            received_on = min(
                ledger.next_working_day(invoice.issued_on + datetime.timedelta(days=rng.randint(2, 20))),
                today - datetime.timedelta(days=1),
            )
            payment = book.payment(
                plan,
                amount=invoice.total,
                method=method,
                received_on=received_on,
                reference=f"Chèque n° {rng.randint(1000000, 9999999)}" if method == PaymentMethod.CHEQUE else "",
                bank=rng.choice(BANKS) if method == PaymentMethod.CHEQUE else "",
                settles=[invoice],
                recorded_by_id=None if method == PaymentMethod.CARD else finance.pk,
            )
            if method == PaymentMethod.CHEQUE:
                cheques.append(payment)
        if cheques:
            last_cheque = max(payment.received_on for payment in cheques)
            book.deposit(
                cheques,
                deposited_on=min(ledger.next_working_day(last_cheque + datetime.timedelta(days=1)), today),
                created_by_id=finance.pk,
            )
        if invoices:
            _collect(town, finance, invoices[0].due_on, today)


def _method_of(plan: FamilyPlan) -> str:
    if plan.index == 1:
        return PaymentMethod.CHEQUE  # as DUPONT paid in seed 001
    if plan.index % CESU_METHOD_EVERY == 0:
        return PaymentMethod.CESU
    return DESK_METHODS[plan.index % len(DESK_METHODS)]


def _collect(town: Town, finance: User, due_on: datetime.date, today: datetime.date) -> None:
    """The direct debits of the invoices due on `due_on`, on the first bank business day from then, if passed."""
    day = due_on
    while not direct_debits.is_target_business_day(day):
        day += datetime.timedelta(days=1)
    if day >= today or not direct_debits.plan(town, day):
        return
    # Prepared the business day before, as finance would.
    direct_debits.create_collection(town, finance, collection_date=day, today=day - datetime.timedelta(days=1))
