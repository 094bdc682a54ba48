"""The prepayment banner on the parent's home and planning pages: restant dû or avoir, and the basket waiting."""

from typing import Any

from django import template

from ardoise.billing.money import ZERO
from ardoise.prepayment import actions
from ardoise.prepayment.models import Basket, BasketState
from ardoise.towns.access import family_of

register = template.Library()


@register.inclusion_tag("portal/baskets/_banner.html", takes_context=True)
def basket_banner(context: template.Context) -> dict[str, Any]:
    """Nothing outside a prepayment town; else the family's position and its basket waiting (constant queries)."""
    request: Any = context.get("request")
    town = getattr(request, "town", None)
    shown: dict[str, Any] = {"show": False, "town": town}
    if town is None or not request.user.is_authenticated or not actions.in_prepayment(town):
        return shown
    family = family_of(request.user)
    if family is None:
        return shown
    parts = actions.family_position(family)
    position = parts.total
    waiting = (
        Basket.objects.filter(town_id=family.town_id, family=family, state=BasketState.OPEN)
        .prefetch_related("lines")
        .first()
    )
    return shown | {
        "show": True,
        "position": position,
        "parts": parts,
        "due": max(ZERO, position),
        "credit": -position,
        "waiting": waiting,
        "waiting_days": len(waiting.lines.all()) if waiting is not None else 0,
    }
