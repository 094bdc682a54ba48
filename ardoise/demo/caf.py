"""The CAF activity report in the demo town: the CAF's usual age bands (under 6, 6 and over), Wednesdays capped
at 8 hours (the Wednesday centre runs 9), and the lunch break not reported. The roll calls the demo already
took (every open day of the school year up to yesterday) give the report its figures."""

from collections import Counter
from collections.abc import Iterable

from ardoise.activities.models import Activity
from ardoise.caf.models import CafActivitySettings, CafSettings
from ardoise.towns.models import Town

AGE_LIMITS = [6]
WEDNESDAY_CAP_MINUTES = 8 * 60
# The lunch break (pause méridienne) is not declared to the CAF in the demo town.
NOT_REPORTED = {"repas"}


def create_caf_settings(town: Town, activities: Iterable[Activity], counts: Counter[str]) -> None:
    CafSettings.objects.create(town=town, age_limits=AGE_LIMITS, wednesday_cap_minutes=WEDNESDAY_CAP_MINUTES)
    counts["caf.CafSettings"] += 1
    rows = CafActivitySettings.objects.bulk_create(
        CafActivitySettings(town=town, activity=activity, reported=activity.code not in NOT_REPORTED)
        for activity in activities
    )
    counts["caf.CafActivitySettings"] += len(rows)
