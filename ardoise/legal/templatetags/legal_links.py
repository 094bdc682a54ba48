"""The footer's links to the town's statements, with the accessibility level the law asks every page to state."""

from typing import Any

from django import template
from django.utils import timezone

from ardoise.legal.queries import conformity_of

register = template.Library()


@register.inclusion_tag("legal/_footer_links.html", takes_context=True)
def legal_links(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    town = getattr(request, "town", None) or context.get("town")
    if town is None or not getattr(town, "slug", None):
        return {"town": None}
    return {"town": town, "conformity": conformity_of(town, timezone.localdate())}
