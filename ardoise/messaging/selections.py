"""The families a staff member can write to at once: of a site, of an activity, with unpaid invoices."""

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ardoise.billing.models import CreditNote, Invoice, PaymentAllocation
from ardoise.bookings.models import Enrollment
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town

MONEY = DecimalField(max_digits=12, decimal_places=2)


def active_families(town: Town) -> QuerySet[Family]:
    return Family.objects.filter(town=town, archived_on__isnull=True)


def families_of_site(town: Town, site_id: int) -> QuerySet[Family]:
    children = Child.objects.filter(town=town, site_id=site_id).values("family_id")
    return active_families(town).filter(pk__in=children)


def families_of_activity(town: Town, activity_id: int) -> QuerySet[Family]:
    enrolled = Enrollment.objects.filter(town=town, activity_id=activity_id).values("child__family_id")
    return active_families(town).filter(pk__in=enrolled)


def families_with_unpaid_invoices(town: Town) -> QuerySet[Family]:
    """Families with at least one invoice not settled by its credit notes and payments (one query)."""

    def summed(model: type[CreditNote] | type[PaymentAllocation]) -> Coalesce:
        sums = (
            model.objects.filter(town=town, invoice=OuterRef("pk"))
            .order_by()
            .values("invoice")
            .annotate(s=Sum("amount"))
            .values("s")
        )
        return Coalesce(Subquery(sums, output_field=MONEY), Value(0), output_field=MONEY)

    unpaid = (
        Invoice.objects.filter(town=town)
        .annotate(settled=summed(CreditNote) + summed(PaymentAllocation))
        .filter(total__gt=F("settled"))
        .values("family_id")
    )
    return active_families(town).filter(pk__in=unpaid)
