"""A family's balance: what it owes (positive) or has in credit (negative).

balance = invoices − credit notes − payments, in euros, two places. Each sum is
one aggregate query, whatever the number of invoices and payments.
"""

from decimal import Decimal

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from ardoise.billing.models import CreditNote, Invoice, Payment
from ardoise.families.models import Family

CENT = Decimal("0.01")


def _sum(queryset: QuerySet, field: str) -> Decimal:
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))
    total = queryset.aggregate(total=Coalesce(Sum(field), zero))["total"]
    return Decimal(total)


def family_balance(family: Family) -> Decimal:
    """Euros the family owes today (negative when it has credit)."""
    invoiced = _sum(Invoice.objects.filter(town_id=family.town_id, family=family), "total")
    credited = _sum(CreditNote.objects.filter(town_id=family.town_id, invoice__family=family), "amount")
    paid = _sum(Payment.objects.filter(town_id=family.town_id, family=family), "amount")
    return (invoiced - credited - paid).quantize(CENT)
