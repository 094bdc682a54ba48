"""What the CAF activity report needs to know beyond the roll calls: the town's age bands and Wednesday
cap, and per activity whether it is reported, its own Wednesday cap and how long its slot lasts.

A town without `CafSettings` reports with `DEFAULT_AGE_LIMITS` and no Wednesday cap; an activity without
`CafActivitySettings` is reported, with the town's cap and the length of its own times.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity
from ardoise.towns.models import Town, TownScoped

# The CAF's usual split: under 6 (maternelle) and 6 and over.
DEFAULT_AGE_LIMITS = (6,)
# Oldest limit a town may set, in years (children's services stop well before).
MAX_AGE_LIMIT = 25


def default_age_limits() -> list[int]:
    return list(DEFAULT_AGE_LIMITS)


def validate_age_limits(value: object) -> None:
    if not isinstance(value, list) or any(type(limit) is not int for limit in value):
        raise ValidationError(_("Les limites d'âge doivent être une liste d'années."))
    if any(limit < 1 or limit > MAX_AGE_LIMIT for limit in value):
        raise ValidationError(_("Une limite d'âge doit être entre 1 et %(max)s ans.") % {"max": MAX_AGE_LIMIT})
    if sorted(set(value)) != value:
        raise ValidationError(_("Les limites d'âge doivent être croissantes et sans doublon."))


class CafSettings(TownScoped):
    """The town's rules for the CAF activity report."""

    town = models.OneToOneField(Town, on_delete=models.CASCADE, related_name="caf_settings")
    # Age band limits in whole years, ascending: [6] makes "moins de 6 ans" and "6 ans et plus";
    # [] makes one band. The age is the child's on the service day.
    age_limits = models.JSONField(_("limites d'âge"), default=default_age_limits, validators=[validate_age_limits])
    # At most this many minutes counted per child, activity and Wednesday; null: no cap.
    wednesday_cap_minutes = models.PositiveIntegerField(_("plafond du mercredi (minutes)"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("paramètres du rapport CAF")


class CafActivitySettings(TownScoped):
    """One activity's rules for the CAF activity report."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="caf_settings")
    reported = models.BooleanField(_("déclarée à la CAF"), default=True)
    # Replaces the town's Wednesday cap for this activity (minutes); null: the town's cap.
    wednesday_cap_minutes = models.PositiveIntegerField(_("plafond du mercredi (minutes)"), null=True, blank=True)
    # Length of one slot in minutes, for an activity whose times do not give it; null: its times.
    slot_minutes = models.PositiveIntegerField(_("durée d'une séance (minutes)"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("paramètres CAF d'une activité")
