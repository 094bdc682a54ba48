"""Prepayment on the portal (seed 002, "Paiement immédiat"): the basket a parent pays when booking.

In a town in prepayment, the planning's review shows the "Récapitulatif" (day,
child, activity, unit price, cost), the restant dû or avoir and "À payer", with
one "Payer" button: `checkout` applies the cancellations at once, puts the new
days in a basket and sends the parent to the payment provider. The days are
booked when the provider confirms the payment (`prepayment.receivers`).

- `basket`: the basket waiting for payment (pay, take up again, "Tout supprimer") and the last ones paid;
- `basket_detail`: one basket, with what the payment booked and what stayed as credit.

The rules live in `prepayment.actions`.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ardoise.accounts.models import User
from ardoise.billing.money import ZERO, format_euros
from ardoise.bookings import actions as bookings
from ardoise.bookings.proposals import Proposal
from ardoise.families.models import Family
from ardoise.payments.actions import PaymentRefused
from ardoise.payments.views import absolute_urls
from ardoise.portal import signup
from ardoise.prepayment import actions as prepayment
from ardoise.prepayment.access import access_basket
from ardoise.prepayment.models import Basket, BasketLine, BasketState
from ardoise.towns.access import parent_required

in_prepayment = prepayment.in_prepayment

# How many closed baskets the basket page lists below the one waiting.
HISTORY = 5


def _recap(proposal: Proposal) -> list[dict[str, Any]]:
    """The "Récapitulatif": one line per new day, by date."""
    lines = [
        {
            "date": outcome.change.date,
            "child": review.child.first_name,
            "activity": outcome.activity.label,
            "unit_price": format_euros(outcome.unit_price),
            "requested": outcome.state == "requested",
        }
        for review in proposal.reviews
        for outcome in review.booked
    ]
    return sorted(lines, key=lambda line: (line["date"], line["child"], line["activity"]))


def render_review(
    request: HttpRequest, family: Family, proposal: Proposal, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The planning's review in a prepayment town: the recap, the restant dû or avoir, and "Payer"."""
    waiting = prepayment.open_basket(family)
    cost = proposal.total + (waiting.cost if waiting is not None else ZERO)
    context |= {
        "recap": _recap(proposal),
        "cancelled": [(review.child, outcome) for review in proposal.reviews for outcome in review.cancelled],
        "quote": prepayment.quote(family, cost),
        "waiting": waiting,
    }
    if proposal.errors:
        status = 422
    template = (
        "portal/baskets/review_fragment.html" if request.headers.get("HX-Request") else "portal/baskets/review.html"
    )
    return render(request, template, context, status=status)


def checkout(request: HttpRequest, family: Family, proposal: Proposal, context: dict[str, Any]) -> HttpResponse:
    """The planning's confirmation in a prepayment town: cancel at once, put the new days in a basket, pay."""
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    if proposal.refusals:
        messages.error(request, _("Rien n'a été enregistré : certains changements ne sont plus possibles."))
        return render_review(request, family, proposal, context, status=409)
    cancelled = sum(len(review.cancelled) for review in proposal.reviews)
    try:
        with transaction.atomic():
            # The cancellations are saved at once, through the one door (which confirms them by e-mail).
            bookings.apply_family(
                family,
                [(review.child, [outcome.change for outcome in review.cancelled]) for review in proposal.reviews],
                actor=user,
                now=now,
                base_url=request.build_absolute_uri("/"),
            )
            booked = [outcome for review in proposal.reviews for outcome in review.booked]
            created = (
                prepayment.create_basket(family, user, booked, now=now) if booked else prepayment.Created(None, [])
            )
    except bookings.BatchRefused:
        messages.error(request, _("Rien n'a été enregistré : certains changements ne sont plus possibles."))
        return render_review(request, family, proposal, context, status=409)
    if cancelled:
        messages.success(
            request,
            ngettext(
                "%(n)d jour annulé. Ce qui a déjà été payé pour ce jour reste en avoir.",
                "%(n)d jours annulés. Ce qui a déjà été payé pour ces jours reste en avoir.",
                cancelled,
            )
            % {"n": cancelled},
        )
    for reason in created.dropped:
        messages.warning(request, _("Retiré de votre panier : %(reason)s") % {"reason": reason})
    if created.basket is None:
        return redirect(context["planning_url"])
    return _pay(request, created.basket)


def _pay(request: HttpRequest, basket: Basket) -> HttpResponse:
    detail = reverse("portal:basket_detail", args=[request.town.slug, basket.pk])  # type: ignore[attr-defined]
    try:
        checkout = prepayment.pay(
            basket,
            email=request.user.email,
            url_for=absolute_urls(request),
            now=timezone.now(),  # type: ignore[union-attr]
        )
    except (prepayment.BasketRefused, PaymentRefused) as refused:
        messages.error(request, refused.message)
        return redirect(detail)
    if checkout.redirect_url is None:
        messages.success(request, _("Réglé avec votre avoir : vos réservations sont enregistrées."))
        return redirect(detail)
    return redirect(checkout.redirect_url)


def _baskets(family: Family) -> Any:
    lines = BasketLine.objects.select_related("child", "activity").order_by("day", "child__first_name", "activity_id")
    return Basket.objects.filter(town_id=family.town_id, family=family).prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def _basket_context(family: Family, shown: Basket | None, waiting: Basket | None) -> dict[str, Any]:
    parts = prepayment.family_position(family)
    position = parts.total
    return {
        "family": family,
        "parts": parts,
        "position": position,
        "credit": -position,
        "now": timezone.now(),
        "waiting": waiting,
        "expired": waiting is not None and waiting.is_expired(),
        "quote": prepayment.Quote(waiting.cost, position) if waiting is not None else None,
        "shown": shown,
    }


def prepayment_town_required[**P](
    view: Callable[Concatenate[HttpRequest, Family, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, Family, P], HttpResponse]:
    """Baskets exist only where parents pay when they book: elsewhere their pages answer 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, family: Family, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not in_prepayment(request.town):  # type: ignore[attr-defined]
            raise Http404
        return view(request, family, *args, **kwargs)

    return wrapper


@require_GET
@parent_required
@signup.file_not_accepted
@prepayment_town_required
def basket(request: HttpRequest, family: Family) -> HttpResponse:
    baskets = list(_baskets(family)[: HISTORY + 1])
    waiting = next((item for item in baskets if item.state == BasketState.OPEN), None)
    context = _basket_context(family, None, waiting) | {
        "history": [item for item in baskets if item is not waiting][:HISTORY],
    }
    return render(request, "portal/baskets/basket.html", context)


@require_GET
@parent_required
@prepayment_town_required
def basket_detail(request: HttpRequest, family: Family, basket_id: int) -> HttpResponse:
    found = get_object_or_404(_baskets(family), pk=basket_id)
    waiting = found if found.state == BasketState.OPEN else None
    context = _basket_context(family, found, waiting) | {"history": [] if waiting else [found]}
    return render(request, "portal/baskets/basket.html", context)


@require_POST
@parent_required
@signup.file_not_accepted
@prepayment_town_required
def basket_pay(request: HttpRequest, family: Family, basket_id: int) -> HttpResponse:
    return _pay(request, access_basket(family, basket_id))


@require_POST
@parent_required
@prepayment_town_required
def basket_renew(request: HttpRequest, family: Family, basket_id: int) -> HttpResponse:
    found = access_basket(family, basket_id)
    try:
        created = prepayment.renew(found, request.user, now=timezone.now())  # type: ignore[arg-type]
    except prepayment.BasketRefused as refused:
        messages.error(request, refused.message)
        return redirect("portal:basket", request.town.slug)  # type: ignore[attr-defined]
    for reason in created.dropped:
        messages.warning(request, _("Retiré de votre panier : %(reason)s") % {"reason": reason})
    if created.basket is None:
        messages.error(
            request, _("Plus aucun jour de ce panier ne peut être réservé : il est clos, rien n'a été payé.")
        )
        return redirect("portal:basket", request.town.slug)  # type: ignore[attr-defined]
    messages.info(request, _("Panier repris : vérifiez-le puis payez."))
    return redirect("portal:basket_detail", request.town.slug, created.basket.pk)  # type: ignore[attr-defined]


@require_POST
@parent_required
@prepayment_town_required
def basket_abandon(request: HttpRequest, family: Family, basket_id: int) -> HttpResponse:
    found = access_basket(family, basket_id)
    try:
        prepayment.abandon(found, now=timezone.now())
    except prepayment.BasketRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Panier supprimé : ces jours ne sont pas réservés."))
    return redirect("portal:planning", request.town.slug)  # type: ignore[attr-defined]
