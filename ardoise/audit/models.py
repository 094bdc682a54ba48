"""The audit trail of staff changes: who did what, when, with old and new values."""

from django.conf import settings
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
