"""Changes to the CAF report's settings: the one door, atomic and audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.actions import changes_between, record, snapshot
from ardoise.caf.models import CafActivitySettings, CafSettings, validate_age_limits
from ardoise.towns.models import Town

TOWN_FIELDS = ("age_limits", "wednesday_cap_minutes")
ACTIVITY_FIELDS = ("reported", "wednesday_cap_minutes", "slot_minutes")


class CafSettingsRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def save_town_settings(
    town: Town, actor: User | None, *, age_limits: list[int], wednesday_cap_minutes: int | None
) -> CafSettings:
    """The town's age bands (limits in whole years, ascending) and Wednesday cap (minutes, None: no cap)."""
    try:
        validate_age_limits(age_limits)
    except ValidationError as error:
        raise CafSettingsRefused(" ".join(error.messages)) from None
    if wednesday_cap_minutes is not None and wednesday_cap_minutes <= 0:
        raise CafSettingsRefused(_("Le plafond du mercredi doit être positif."))
    current = CafSettings.objects.select_for_update().filter(town=town).first()
    before = snapshot(current, TOWN_FIELDS) if current else {}
    if current is None:
        current = CafSettings(town=town)
    current.age_limits = age_limits
    current.wednesday_cap_minutes = wednesday_cap_minutes
    current.updated_at = timezone.now()
    current.save()
    changes = changes_between(before, snapshot(current, TOWN_FIELDS))
    if changes:
        record(town, actor, "caf.settings", current, "Paramètres du rapport CAF", changes)
    return current


@transaction.atomic
def save_activity_settings(
    activity: Activity,
    actor: User | None,
    *,
    reported: bool,
    wednesday_cap_minutes: int | None,
    slot_minutes: int | None,
) -> CafActivitySettings:
    """Whether `activity` is reported, its own Wednesday cap and slot length (minutes; None: the town's cap,
    the activity's times)."""
    for minutes in (wednesday_cap_minutes, slot_minutes):
        if minutes is not None and minutes <= 0:
            raise CafSettingsRefused(_("Une durée doit être positive."))
    locked = CafActivitySettings.objects.select_for_update()
    current = locked.filter(town_id=activity.town_id, activity=activity).first()
    before = snapshot(current, ACTIVITY_FIELDS) if current else {}
    if current is None:
        current = CafActivitySettings(town_id=activity.town_id, activity=activity)
    current.reported = reported
    current.wednesday_cap_minutes = wednesday_cap_minutes
    current.slot_minutes = slot_minutes
    current.updated_at = timezone.now()
    current.save()
    changes = changes_between(before, snapshot(current, ACTIVITY_FIELDS))
    if changes:
        record(
            activity.town,
            actor,
            "caf.activity_settings",
            current,
            f"Paramètres CAF : {activity.label} ({activity.site.name})",
            changes,
        )
    return current
