"""The tax certificate (attestation fiscale) of a family for a calendar year.

It states the amounts the family paid during the year for the care of its
children under 7 (born in year − 6 or later, that is under 7 on 31 December),
which parents declare for the childcare tax credit.

What counts as childcare is decided by activity code: before- and after-school
care and the Wednesday centre (`CHILDCARE_CODES`). Meals (`repas`) are food,
not care, and supervised study (`etude`) is schooling support: neither counts.

"Paid during the year": each payment received in the year settles invoices
(`PaymentAllocation`); the part of an allocation that counts is in proportion
to the invoice's childcare lines for that child (amount × lines ÷ invoice
total), rounded half-up per invoice and child.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone

from ardoise.billing.models import InvoiceLine, PaymentAllocation
from ardoise.billing.money import ZERO, format_euros, round_money
from ardoise.billing.pdf import get_renderer
from ardoise.families.models import Child, Family

CHILDCARE_CODES = frozenset({"garderie_matin", "garderie_soir", "mercredi"})
# The youngest age that no longer counts, on 31 December of the year.
AGE_LIMIT = 7


@dataclass(frozen=True, slots=True)
class CertifiedChild:
    name: str
    birth_date: datetime.date
    # Euros paid in the year for this child's care.
    amount: Decimal


@dataclass(frozen=True, slots=True)
class TaxCertificate:
    family: Family
    year: int
    children: list[CertifiedChild]

    @property
    def total(self) -> Decimal:
        return sum((child.amount for child in self.children), ZERO)


def counts(birth_date: datetime.date, year: int) -> bool:
    """Whether a child born on `birth_date` is under 7 on 31 December of `year`."""
    return birth_date.year > year - AGE_LIMIT


def tax_certificate(family: Family, year: int) -> TaxCertificate:
    """The family's certificate for `year`, in three queries."""
    town_id = family.town_id
    paid_by_invoice = dict(
        PaymentAllocation.objects.filter(town_id=town_id, invoice__family=family, payment__received_on__year=year)
        .order_by()
        .values("invoice_id")
        .annotate(s=Sum("amount"))
        .values_list("invoice_id", "s")
    )
    lines = InvoiceLine.objects.filter(
        town_id=town_id, invoice_id__in=list(paid_by_invoice), activity__code__in=CHILDCARE_CODES
    ).values_list("invoice_id", "invoice__total", "child_id", "amount")
    shares: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    totals: dict[int, Decimal] = {}
    for invoice_id, invoice_total, child_id, amount in lines:
        if child_id is None:
            continue
        shares[(invoice_id, child_id)] += amount
        totals[invoice_id] = invoice_total
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (invoice_id, child_id), care in shares.items():
        if totals[invoice_id] > ZERO:
            amounts[child_id] += round_money(paid_by_invoice[invoice_id] * care / totals[invoice_id])
    children = [
        CertifiedChild(child.full_name, child.birth_date, amounts[child.pk])
        for child in Child.objects.filter(town_id=town_id, family=family, pk__in=list(amounts)).order_by(
            "birth_date", "pk"
        )
        if counts(child.birth_date, year) and amounts[child.pk] > ZERO
    ]
    return TaxCertificate(family=family, year=year, children=children)


def render_tax_certificate_pdf(certificate: TaxCertificate) -> bytes:
    family = certificate.family
    town = family.town
    guardians = list(family.guardians.filter(town_id=family.town_id).order_by("position", "pk"))
    html = render_to_string(
        "billing/tax_certificate_pdf.html",
        {
            "certificate": certificate,
            "town": town,
            "town_address_lines": [line for line in town.address.splitlines() if line.strip()],
            "family": family,
            "guardians": guardians,
            "children": [(child, format_euros(child.amount)) for child in certificate.children],
            "total": format_euros(certificate.total),
            "today": timezone.localdate(),
        },
    )
    return get_renderer().render(html)
