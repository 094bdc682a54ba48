"""Template tags that put messaging on other apps' pages without touching their views:
the town's news (home and login pages) and the parent's unread messages."""

from typing import Any

from django import template
from django.utils import timezone

from ardoise.messaging import queries
from ardoise.messaging.models import News
from ardoise.towns.access import family_of

register = template.Library()


@register.simple_tag(takes_context=True)
def current_news(context: template.Context, limit: int = 3) -> list[News]:
    """The town's news published today (one query)."""
    town = getattr(context.get("request"), "town", None)
    if town is None:
        return []
    return queries.town_news(town, timezone.localdate(), limit)


@register.simple_tag(takes_context=True)
def unread_messages(context: template.Context) -> int:
    """How many of the service's messages the logged-in parent has not read (one query)."""
    request: Any = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    family = family_of(request.user)
    if family is None:
        return 0
    return queries.unread_for_family(family)
