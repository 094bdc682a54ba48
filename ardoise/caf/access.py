"""The activities the CAF report's settings reach: the town's, or 404."""

from ardoise.activities.models import Activity
from ardoise.towns.access import object_or_404
from ardoise.towns.models import Town


def access_caf_activity(town: Town, activity_id: object) -> Activity:
    """An activity of `town` with its CAF settings (any site: the report is the town's), or 404."""
    activities = Activity.objects.filter(town=town).select_related("site", "town", "caf_settings")
    return object_or_404(activities, pk=activity_id)
