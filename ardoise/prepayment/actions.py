"""The one door for prepayment baskets: quote, fill, pay, confirm on payment, abandon.

- `position(family)`: what the family owes (restant dû, > 0) or has in credit
  (avoir, < 0), counting the days booked and not yet invoiced at the price the
  month-end run will bill them (`family_position`: its two parts, as the pages show them);
- `amount_to_pay(cost, position)`: the basket's cost plus the restant dû, less the credit, never below 0;
- `create_basket`: the days a parent reviewed become a basket (one open basket per
  family: a new one takes the days of the one still waiting);
- `pay`: opens the online payment of a basket, or books at once when the credit covers it;
- `fulfil`: books a paid basket's days (called by the `online_payment_paid` receiver,
  inside the payment's transaction). Days that can no longer be booked are not
  booked: what was paid for them stays as credit.

Deadlines are judged at the basket's creation as long as it is paid before it
expires; capacity is judged when it is paid.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing import runs
from ardoise.billing.balance import family_balance
from ardoise.billing.models import BillingSettings
from ardoise.billing.money import ZERO, round_money
from ardoise.billing.pricing import total
from ardoise.bookings import actions as bookings
from ardoise.bookings.models import Booking, BookingState
from ardoise.calendars.wording import date_fr
from ardoise.families.models import Child, Family
from ardoise.payments import actions as payments
from ardoise.payments.providers import provider_for
from ardoise.prepayment.models import Basket, BasketLine, BasketPayment, BasketState, LineResult
from ardoise.towns import reference
from ardoise.towns.models import Town

# Minutes an unpaid basket keeps the deadlines of its creation (settings.PREPAYMENT_BASKET_MINUTES).
DEFAULT_BASKET_MINUTES = 30
# States the month-end run may bill: read to find the span of what is not invoiced yet
# (not absence_pending: a run bills nothing for it until staff decide).
_UNBILLED_STATES = (
    BookingState.BOOKED,
    BookingState.PRESENT,
    BookingState.PRESENT_UNBOOKED,
    BookingState.ABSENT_BILLED,
    BookingState.ABSENT_EXCUSED,
)


class BasketRefused(Exception):
    """Why a basket cannot be paid or resumed, in French for the parent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def basket_minutes() -> int:
    return int(getattr(settings, "PREPAYMENT_BASKET_MINUTES", DEFAULT_BASKET_MINUTES))


def _prepaid(town: Town) -> bool:
    return BillingSettings.objects.using(reference.PRIMARY).filter(town=town, prepayment=True).exists()


def in_prepayment(town: Town) -> bool:
    """Whether the town's parents pay when they book (the town's cached reference data, towns.reference)."""
    return reference.cached(town, "prepayment.in_prepayment", _prepaid)


# What the family owes


def unbilled_value(family: Family) -> Decimal:
    """Euros the family's days booked (or attended) and not yet invoiced will be billed.

    The same preview as the month-end run, over the span of those days, for this
    family only: a fixed number of queries.
    """
    town_id = family.town_id
    bounds = Booking.objects.filter(
        town_id=town_id, child__family=family, state__in=_UNBILLED_STATES, billed__isnull=True
    ).aggregate(first=Min("date"), last=Max("date"))
    if bounds["first"] is None:
        return ZERO
    activities = list(Activity.objects.filter(town_id=town_id))
    preview = runs.preview_period(family.town, bounds["first"], bounds["last"], activities, family_ids=[family.pk])
    return round_money(preview.total)


@dataclass(frozen=True)
class Position:
    """Where a family stands, as the basket page and the banner show it."""

    balance: Decimal  # euros, the account's balance (billing.balance), the home page's "Votre solde à ce jour"
    unbilled: Decimal  # euros its days booked and not yet invoiced will be billed

    @property
    def total(self) -> Decimal:
        """Restant dû (> 0) or avoir (< 0)."""
        return self.balance + self.unbilled


def family_position(family: Family) -> Position:
    return Position(balance=family_balance(family), unbilled=unbilled_value(family))


def position(family: Family) -> Decimal:
    """Restant dû (> 0) or avoir (< 0): the balance plus what is booked and not invoiced yet."""
    return family_position(family).total


def amount_to_pay(cost: Decimal, family_position: Decimal) -> Decimal:
    """The new bookings' cost + restant dû − credit, never below 0 (a credit larger than the cost pays it all)."""
    return max(ZERO, round_money(cost + family_position))


@dataclass(frozen=True)
class Quote:
    cost: Decimal
    position: Decimal

    @property
    def amount(self) -> Decimal:
        return amount_to_pay(self.cost, self.position)

    @property
    def due(self) -> Decimal:
        """Restant dû."""
        return max(ZERO, self.position)

    @property
    def credit(self) -> Decimal:
        """Avoir."""
        return max(ZERO, -self.position)

    @property
    def credit_used(self) -> Decimal:
        return min(self.credit, self.cost)


def quote(family: Family, cost: Decimal) -> Quote:
    return Quote(cost=round_money(cost), position=position(family))


# Baskets


def open_basket(family: Family) -> Basket | None:
    """The family's basket waiting for payment (expired or not), with nothing else loaded."""
    return Basket.objects.filter(town_id=family.town_id, family=family, state=BasketState.OPEN).first()


def _lock(family: Family) -> None:
    Family.objects.select_for_update().filter(town_id=family.town_id, pk=family.pk).get()


def _label(child: Child, activity: Activity) -> str:
    return f"{child.first_name} — {activity.label}"[:200]


@dataclass
class Created:
    basket: Basket | None
    # Days of the previous basket that could not be carried over, with why.
    dropped: list[str]


def create_basket(
    family: Family,
    actor: User,
    outcomes: Sequence[bookings.Outcome],
    *,
    now: datetime.datetime,
) -> Created:
    """A basket of the days `outcomes` book (reviewed by `bookings.actions.review`), for `family`.

    The days of a basket still waiting are carried over when they can still be
    booked now; that basket is then replaced. Returns no basket when nothing is left to pay for.
    """
    with transaction.atomic():
        _lock(family)
        wanted: dict[tuple[int, int, datetime.date], tuple[Child, Activity, Decimal]] = {}
        for outcome in outcomes:
            if outcome.change.book and outcome.changes_something:
                key = (outcome.child.pk, outcome.activity.pk, outcome.change.date)
                wanted[key] = (outcome.child, outcome.activity, outcome.unit_price)
        dropped: list[str] = []
        previous = (
            Basket.objects.select_for_update()
            .filter(town_id=family.town_id, family=family, state=BasketState.OPEN)
            .first()
        )
        if previous is not None:
            carried = _carry_over(previous, wanted, now)
            for key, value in carried.accepted.items():
                wanted.setdefault(key, value)
            dropped = carried.dropped
            previous.state = BasketState.EXPIRED if previous.is_expired(now) else BasketState.REPLACED
            previous.closed_at = now
            previous.save(update_fields=["state", "closed_at"])
        if not wanted:
            return Created(None, dropped)
        cost = total(price for _child, _activity, price in wanted.values())
        family_position = position(family)
        basket = Basket.objects.create(
            town_id=family.town_id,
            family=family,
            created_by=actor,
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=basket_minutes()),
            cost=cost,
            position=family_position,
            amount=amount_to_pay(cost, family_position),
        )
        BasketLine.objects.bulk_create(
            BasketLine(
                town_id=family.town_id,
                basket=basket,
                child=child,
                activity=activity,
                day=day,
                unit_price=price,
                label=_label(child, activity),
            )
            for (_child_id, _activity_id, day), (child, activity, price) in sorted(
                wanted.items(), key=lambda item: (item[0][2], item[0][0], item[0][1])
            )
        )
    return Created(basket, dropped)


@dataclass
class _Carried:
    accepted: dict[tuple[int, int, datetime.date], tuple[Child, Activity, Decimal]]
    dropped: list[str]


def _carry_over(
    previous: Basket,
    wanted: dict[tuple[int, int, datetime.date], tuple[Child, Activity, Decimal]],
    now: datetime.datetime,
) -> _Carried:
    """The previous basket's days that can still be booked now (reviewed again), and why others cannot."""
    by_child: dict[int, list[BasketLine]] = defaultdict(list)
    children: dict[int, Child] = {}
    for line in previous.lines.select_related("child", "child__family", "activity"):
        if (line.child_id, line.activity_id, line.day) in wanted:
            continue
        by_child[line.child_id].append(line)
        children[line.child_id] = line.child
    carried = _Carried({}, [])
    for child_id, lines in by_child.items():
        child = children[child_id]
        review = bookings.review(child, [bookings.Change(line.day, line.activity_id, True) for line in lines], now=now)
        refused = {(refusal.date, refusal.activity_id) for refusal in review.refusals}
        carried.dropped += [f"{child.first_name} — {refusal.message}" for refusal in review.refusals]
        for outcome in review.outcomes:
            if (outcome.change.date, outcome.activity.pk) in refused or not outcome.changes_something:
                continue
            key = (child_id, outcome.activity.pk, outcome.change.date)
            carried.accepted[key] = (child, outcome.activity, outcome.unit_price)
    return carried


def renew(basket: Basket, actor: User, *, now: datetime.datetime) -> Created:
    """Take up a basket again (after it expired): its days reviewed now, in a new basket."""
    if basket.state != BasketState.OPEN:
        raise BasketRefused(_("Ce panier n'est plus en attente de paiement."))
    return create_basket(basket.family, actor, [], now=now)


def abandon(basket: Basket, *, now: datetime.datetime) -> Basket:
    """ "Tout supprimer": the basket's days are not booked. A payment that still succeeds stays as credit."""
    with transaction.atomic():
        _lock(basket.family)
        locked = Basket.objects.select_for_update().get(pk=basket.pk)
        if locked.state != BasketState.OPEN:
            raise BasketRefused(_("Ce panier n'est plus en attente de paiement."))
        locked.state = BasketState.ABANDONED
        locked.closed_at = now
        locked.save(update_fields=["state", "closed_at"])
    return locked


@dataclass
class Checkout:
    """Where `pay` leaves the parent: the provider's page, or nothing to pay (booked with the credit)."""

    redirect_url: str | None
    basket: Basket


def pay(basket: Basket, *, email: str, url_for: payments.UrlBuilder, now: datetime.datetime) -> Checkout:
    """Pay a waiting basket: the amount is computed again (the family's position may have moved).

    When the credit covers it, the days are booked at once. Below the provider's
    minimum, the minimum is asked and the rest stays as credit. While a payment of
    the basket is pending, the parent is sent back to it (payments.start_online_order).
    Raises BasketRefused or payments.PaymentRefused with the reason.
    """
    if basket.state != BasketState.OPEN:
        raise BasketRefused(_("Ce panier n'est plus en attente de paiement."))
    if basket.is_expired(now):
        raise BasketRefused(
            _("Ce panier a expiré : reprenez-le pour vérifier les jours encore disponibles, puis payez.")
        )
    family = basket.family
    with transaction.atomic():
        _lock(family)
        family_position = position(family)
        amount = amount_to_pay(basket.cost, family_position)
        Basket.objects.filter(pk=basket.pk).update(position=family_position, amount=amount)
        basket.position, basket.amount = family_position, amount
        if amount == ZERO:
            fulfil(basket, now=now)
            return Checkout(None, basket)
    provider = provider_for(family.town)
    if provider is not None and amount < provider.minimum:
        amount = provider.minimum

    def still_waiting() -> Decimal:
        # Under the family's lock: a payment settled meanwhile may have booked (or closed) the basket.
        if Basket.objects.filter(pk=basket.pk).values_list("state", flat=True).get() != BasketState.OPEN:
            raise BasketRefused(_("Ce panier n'est plus en attente de paiement."))
        return amount

    # One payment waits per basket (its reference): paying again sends the parent back to it, or is refused.
    online, url = payments.start_online_order(
        family,
        amount_due=still_waiting,
        reference=payments.payfip_reference(f"PANIER{basket.pk}"),
        subject=_("Réservations %(town)s — panier %(number)s") % {"town": family.town.name, "number": basket.pk},
        email=email,
        url_for=url_for,
        invoice=None,
    )
    BasketPayment.objects.get_or_create(online=online, defaults={"town_id": basket.town_id, "basket": basket})
    return Checkout(url, basket)


def _actor(basket: Basket) -> User:
    if basket.created_by is not None:
        return basket.created_by
    # The parent's account is gone: any account of the family books (the day is the family's).
    user = User.objects.filter(town_id=basket.town_id, guardian__family_id=basket.family_id).first()
    if user is None:
        raise BasketRefused(_("Aucun compte de la famille pour enregistrer ces réservations."))
    return user


def fulfil(basket: Basket, *, now: datetime.datetime) -> Basket:
    """Book a paid basket's days, in the caller's transaction; mark it paid.

    Only a basket still waiting is booked (paid twice, abandoned or replaced:
    nothing happens, the money stays as credit). Paid before it expired, the
    deadlines are those of its creation; later, those of now.
    """
    locked = Basket.objects.select_for_update().select_related("family").get(pk=basket.pk)
    if locked.state != BasketState.OPEN:
        return locked
    judged_at = locked.created_at if now <= locked.expires_at else now
    actor = _actor(locked)
    lines = list(locked.lines.select_related("child", "activity"))
    by_child: dict[int, list[BasketLine]] = defaultdict(list)
    for line in lines:
        by_child[line.child_id].append(line)
    for child_lines in by_child.values():
        _book(child_lines, actor, judged_at)
    BasketLine.objects.bulk_update(lines, ["result", "message"])
    locked.state = BasketState.PAID
    locked.closed_at = now
    locked.save(update_fields=["state", "closed_at"])
    basket.state, basket.closed_at = locked.state, locked.closed_at
    return locked


def _book(lines: list[BasketLine], actor: User, judged_at: datetime.datetime) -> None:
    """Book one child's lines; the ones refused (full, deadline passed…) are left out, with why."""
    child = lines[0].child
    pending = {(line.day, line.activity_id): line for line in lines}
    while pending:
        before = len(pending)
        changes = [bookings.Change(day, activity_id, True) for day, activity_id in pending]
        try:
            result = bookings.apply(child, changes, actor=actor, now=judged_at)
        except bookings.BatchRefused as refused:
            for refusal in refused.refusals:
                line = pending.pop((refusal.date, refusal.activity_id), None)
                if line is not None:
                    line.result = LineResult.NOT_BOOKED
                    line.message = refusal.message[:300]
            if len(pending) == before:  # A refusal of the batch as a whole: none of its days is booked.
                for line in pending.values():
                    line.result = LineResult.NOT_BOOKED
                    line.message = refused.refusals[0].message[:300]
                break
            continue
        for outcome in result.outcomes:
            line = pending.pop((outcome.change.date, outcome.activity.pk))
            if not outcome.changes_something:
                line.result = LineResult.NOT_BOOKED
                line.message = _("Ce jour était déjà réservé.")
            elif outcome.state == BookingState.REQUESTED:
                line.result = LineResult.REQUESTED
            else:
                line.result = LineResult.BOOKED
        break


def confirm_paid_basket(online_id: int, *, now: datetime.datetime) -> Basket | None:
    """The `online_payment_paid` receiver's work: book the basket of that payment, if it has one."""
    link = BasketPayment.objects.filter(online_id=online_id).select_related("basket").first()
    if link is None:
        return None
    return fulfil(link.basket, now=now)


def deadline_text(moment: datetime.datetime) -> str:
    return date_fr(moment, "j F Y à H\\hi")  # in Paris time


# The JSON API: no unpaid booking through the back door


def payment_required(
    child: Child, changes: Sequence[bookings.Change], *, now: datetime.datetime
) -> list[bookings.Refusal]:
    """In a prepayment town, the changes that would book a day without paying for it (API v1 refuses them).

    Cancellations and days already booked pass; elsewhere, nothing is refused here.
    """
    booking = [change for change in changes if change.book]
    if not booking or not in_prepayment(child.family.town):
        return []
    review = bookings.review(child, booking, now=now)
    return [
        bookings.Refusal(
            outcome.change.date,
            outcome.activity.pk,
            "payment_required",
            _(
                "Dans cette commune, les réservations se paient en ligne au moment de réserver : "
                "réservez le %(day)s sur le portail famille."
            )
            % {"day": date_fr(outcome.change.date, "l j F Y")},
        )
        for outcome in review.outcomes
        if outcome.changes_something
    ]


PAYMENT_REQUIRED_DETAIL = _lazy(
    "Rien n'a été enregistré : dans cette commune, réserver demande de payer en ligne sur le portail famille."
)
