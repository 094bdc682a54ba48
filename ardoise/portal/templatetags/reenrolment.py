"""The re-enrolment banner on the parent's home page, while a campaign is open."""

from typing import Any

from django import template
from django.utils import timezone

from ardoise.admissions import campaigns
from ardoise.towns.access import family_of

register = template.Library()


@register.inclusion_tag("portal/reenrolment/_banner.html", takes_context=True)
def reenrolment_banner(context: template.Context) -> dict[str, Any]:
    """Nothing unless a campaign is open today; else its year, closing date and whether the family replied."""
    request: Any = context.get("request")
    town = getattr(request, "town", None)
    shown: dict[str, Any] = {"campaign": None, "town": town}
    if town is None or not request.user.is_authenticated:
        return shown
    family = family_of(request.user)
    campaign = campaigns.open_campaign(town, timezone.localdate())
    if family is None or campaign is None:
        return shown
    return shown | {"campaign": campaign, "replied": campaigns.reply_of(campaign, family) is not None}
