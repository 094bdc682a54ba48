"""What the RGPD lifecycle keeps: the town's retention setting and which families were pseudonymised.

A family past retention keeps its row (its invoices, payments and credit notes point at it, and the accounting
needs them); its personal data are removed or replaced by a pseudonym (`privacy.pseudonymise`). A
`Pseudonymisation` row says it was done, so running again touches it no more.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.families.models import Family
from ardoise.towns.models import Town, TownScoped

# The town's default: personal data kept 3 years after a family's last service day (the CNIL's reference for
# school canteen and périscolaire processing allows "a few years" after the child leaves).
DEFAULT_RETENTION_YEARS = 3
# Bounds a town may choose, in whole years.
MIN_RETENTION_YEARS = 1
MAX_RETENTION_YEARS = 10


class PrivacySettings(TownScoped):
    """The town's retention of families' personal data, and what the daily listing found last."""

    town = models.OneToOneField(Town, on_delete=models.CASCADE, related_name="privacy_settings")
    # Whole years after the family's last service day (or its creation when it never had one).
    retention_years = models.PositiveSmallIntegerField(
        _("durée de conservation (années après le dernier jour de service)"), default=DEFAULT_RETENTION_YEARS
    )
    # The day the daily task last listed the families past retention, and how many it found.
    last_listed_on = models.DateField(_("dernière liste le"), null=True, blank=True)
    last_listed_count = models.PositiveIntegerField(_("familles à anonymiser"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("paramètres de conservation des données")


class Pseudonymisation(TownScoped):
    """A family whose personal data were removed (one row per family; its presence makes a run idempotent)."""

    family = models.OneToOneField(Family, on_delete=models.PROTECT, related_name="pseudonymisation")
    done_at = models.DateTimeField(default=timezone.now)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The anchor of the retention period when it was done (last service day, or creation day), kept for the
    # record of why: a date alone identifies nobody.
    anchor_day = models.DateField()

    class Meta:
        verbose_name = _("famille anonymisée")
        indexes = [models.Index(fields=["town", "done_at"])]
