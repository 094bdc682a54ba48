"""Which families of a town are past retention, and why each is listed or refused, in a fixed number of queries.

One query reads, for every family not yet pseudonymised, its last service day, its creation, its balance and its
latest activity (invoice, payment, login, message); the pure rules of `retention` decide the rest.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DateField, DateTimeField, F, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from ardoise.accounts.models import User
from ardoise.billing.balance import Balance
from ardoise.billing.models import Invoice, Payment
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Family
from ardoise.messaging.models import Thread
from ardoise.privacy import retention
from ardoise.privacy.models import DEFAULT_RETENTION_YEARS, PrivacySettings, Pseudonymisation
from ardoise.towns.models import Town

# A day the family was served, or booked to be: anything but a refused request or a cancelled day.
SERVICE_STATES = tuple(
    state for state in BookingState.values if state not in (BookingState.REFUSED, BookingState.CANCELLED)
)


def retention_years(town: Town) -> int:
    found = PrivacySettings.objects.filter(town=town).values_list("retention_years", flat=True).first()
    return found if found is not None else DEFAULT_RETENTION_YEARS


@dataclass
class Candidate:
    """A family past retention: why it is listed and, if refused, why."""

    family_id: int
    number: str
    name: str
    anchor: datetime.date
    # True: the anchor is the last service day; False: the family never had one (creation day).
    served: bool
    ends_on: datetime.date
    balance: Decimal
    last_activity: datetime.date | None
    refusals: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.refusals


def _latest(rows: QuerySet, key: str, value: str, output: DateField | DateTimeField) -> Subquery:  # type: ignore[type-arg]
    return Subquery(rows.order_by().values(key).annotate(latest=Max(value)).values("latest"), output_field=output)


def _rows(town: Town, family_ids: list[int] | None) -> Iterable[Mapping[str, Any]]:
    family = OuterRef("pk")
    families = Family.objects.filter(town=town)
    if family_ids is not None:
        families = families.filter(pk__in=family_ids)
    return (
        families.exclude(pk__in=Pseudonymisation.objects.filter(town=town).values("family_id"))
        .annotate(
            last_service_day=_latest(
                Booking.objects.filter(town=town, child__family=family, state__in=SERVICE_STATES),
                "child__family",
                "date",
                DateField(),
            ),
            last_invoice_day=_latest(
                Invoice.objects.filter(town=town, family=family), "family", "issued_on", DateField()
            ),
            last_payment_day=_latest(
                Payment.objects.filter(town=town, family=family), "family", "received_on", DateField()
            ),
            last_login=_latest(
                User.objects.filter(town=town, guardian__family=family),
                "guardian__family",
                "last_login",
                DateTimeField(),
            ),
            last_message=_latest(
                Thread.objects.filter(town=town, family=family), "family", "last_message_at", DateTimeField()
            ),
            balance=Balance(F("pk"), town.pk),
        )
        .order_by("number")
        .values(
            "pk",
            "number",
            "name",
            "created_at",
            "last_service_day",
            "last_invoice_day",
            "last_payment_day",
            "last_login",
            "last_message",
            "balance",
        )
    )


def candidates(
    town: Town, today: datetime.date, family_ids: list[int] | None = None, years: int | None = None
) -> list[Candidate]:
    """The families past retention on `today` (not yet pseudonymised), refused ones with their reasons.

    Two queries whatever the number of families (the setting, then the families); `family_ids` narrows it.
    """
    if years is None:
        years = retention_years(town)
    found: list[Candidate] = []
    for row in _rows(town, family_ids):
        created_on = timezone.localdate(row["created_at"])
        anchor = retention.anchor_of(row["last_service_day"], created_on)
        if not retention.is_past_retention(anchor, years, today):
            continue
        balance = row["balance"]
        instants = [row["last_login"], row["last_message"]]
        days = [
            *(day for day in (row["last_service_day"], row["last_invoice_day"], row["last_payment_day"]) if day),
            *(timezone.localdate(instant) for instant in instants if instant is not None),
        ]
        last_activity = max(days) if days else None
        standing = retention.Standing(balance=balance, last_activity=last_activity)
        found.append(
            Candidate(
                family_id=row["pk"],
                number=row["number"],
                name=row["name"],
                anchor=anchor,
                served=row["last_service_day"] is not None,
                ends_on=retention.retention_ends_on(anchor, years),
                balance=balance,
                last_activity=last_activity,
                refusals=retention.refusals(standing, today),
            )
        )
    return found
