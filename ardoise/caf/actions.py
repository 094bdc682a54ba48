"""Changes to the CAF report's settings: the one door, atomic and audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.actions import save_settings_row
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
    return save_settings_row(
        CafSettings,
        {"town": town},
        {"age_limits": age_limits, "wednesday_cap_minutes": wednesday_cap_minutes},
        TOWN_FIELDS,
        town=town,
        actor=actor,
        action="caf.settings",
        summary="Paramètres du rapport CAF",
    )


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
    return save_settings_row(
        CafActivitySettings,
        {"town_id": activity.town_id, "activity": activity},
        {"reported": reported, "wednesday_cap_minutes": wednesday_cap_minutes, "slot_minutes": slot_minutes},
        ACTIVITY_FIELDS,
        town=activity.town,
        actor=actor,
        action="caf.activity_settings",
        summary=f"Paramètres CAF : {activity.label} ({activity.site.name})",
    )
