"""Who may reach which activity on a site: 404 (Http404) for anything outside the caller's reach."""

from django.http import Http404

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.towns.access import accessible_sites, object_or_404
from ardoise.towns.models import Town


def access_site_activity(user: User, town: Town, activity_id: int | None) -> Activity:
    """An activity at a site the staff member works at (every site for admins and the front desk), or 404."""
    if activity_id is None:
        raise Http404
    return object_or_404(
        Activity.objects.filter(town=town, site__in=accessible_sites(user, town)).select_related("site", "town"),
        pk=activity_id,
    )
