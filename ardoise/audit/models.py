"""The audit trail of staff changes: who did what, when, with old and new values."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.towns.models import TownScoped


class AuditEntry(TownScoped):
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # A dotted verb such as "booking.book" or "family.update".
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=50)
    object_id = models.PositiveBigIntegerField(null=True)
    summary = models.CharField(max_length=300)
    # {"field": [old, new]} for updates; free-form details otherwise.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("entrée du journal")
        ordering = ["-at"]
        indexes = [models.Index(fields=["town", "at"]), models.Index(fields=["town", "object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.summary}"


# Years an audit entry is kept by default. Five: the entries prove who changed a family's bookings, bills and
# record and when; the Trésor public recovers a town's unpaid bills for four years from the title
# (CGCT L. 1617-5), and disputes over them follow it, so the proof outlives that by a year; five years is also
# the civil law's common limitation period (code civil, article 2224). Health values are never in the
# entries (`audit.actions.REDACTED_FIELDS`), so keeping them that long keeps no health data.
DEFAULT_RETENTION_YEARS = 5
MIN_RETENTION_YEARS = 1
MAX_RETENTION_YEARS = 10


class AuditSettings(TownScoped):
    """The town's choices for its audit trail: how long an entry is kept (the daily purge deletes older ones)."""

    # Whole years after an entry's date; the purge deletes the entries older than that.
    retention_years = models.PositiveSmallIntegerField(
        _("conservation du journal (années)"),
        default=DEFAULT_RETENTION_YEARS,
        validators=[MinValueValidator(MIN_RETENTION_YEARS), MaxValueValidator(MAX_RETENTION_YEARS)],
    )

    class Meta:
        verbose_name = _("paramètres du journal")
        constraints = [
            models.UniqueConstraint(fields=["town"], name="auditsettings_one_per_town"),
            models.CheckConstraint(
                condition=models.Q(retention_years__gte=MIN_RETENTION_YEARS, retention_years__lte=MAX_RETENTION_YEARS),
                name="auditsettings_retention_within_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.retention_years}"
