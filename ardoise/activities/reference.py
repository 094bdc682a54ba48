"""The town's activities and absence reasons as every planning and booking reads them: cached per process
(towns.reference), handed out as copies a caller may change."""

from collections.abc import Iterable
from types import MappingProxyType

from ardoise.activities.models import AbsenceReason, Activity
from ardoise.towns import reference
from ardoise.towns.models import Town


def _all_activities(town: Town) -> MappingProxyType[int, Activity]:
    # In the model's order (site name, start time, label), their sites with them.
    return MappingProxyType(
        {
            activity.pk: activity
            for activity in Activity.objects.using(reference.PRIMARY).filter(town=town).select_related("site")
        }
    )


def _all_reasons(town: Town) -> tuple[AbsenceReason, ...]:
    return tuple(AbsenceReason.objects.using(reference.PRIMARY).filter(town=town).order_by("position", "label"))


def activities(town: Town, ids: Iterable[int] | None = None) -> dict[int, Activity]:
    """The town's activities (or those of `ids` that exist), in the model's order: site name, start time, label."""
    every = reference.cached(town, "activities.activities", _all_activities)
    wanted = None if ids is None else set(ids)
    return {pk: reference.copy_of(activity) for pk, activity in every.items() if wanted is None or pk in wanted}


def activities_of_code(town: Town, code: str) -> dict[int, Activity]:
    """The town's activities of `code` (e.g. every site's `repas`), in the model's order."""
    every = reference.cached(town, "activities.activities", _all_activities)
    return {pk: reference.copy_of(activity) for pk, activity in every.items() if activity.code == code}


def absence_reasons(town: Town) -> list[AbsenceReason]:
    """The town's absence reasons in their order (position, label)."""
    return [reference.copy_of(reason) for reason in reference.cached(town, "activities.absence_reasons", _all_reasons)]
