"""School years and closures: the town's side of the calendar.

Public and school holidays come from maintained data (see calendars.opening),
never from these tables.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ardoise.towns.models import Site, TownScoped, Zone


class SchoolYear(TownScoped):
    # The calendar year in which the school year starts: 2026 for 2026–2027.
    start_year = models.PositiveSmallIntegerField(_("année de rentrée"))
    starts_on = models.DateField(_("premier jour"))
    ends_on = models.DateField(_("dernier jour"))
    zone = models.CharField(_("zone de vacances scolaires"), max_length=1, choices=Zone.choices)

    class Meta:
        verbose_name = _("année scolaire")
        ordering = ["start_year"]
        constraints = [
            models.UniqueConstraint(fields=["town", "start_year"], name="schoolyear_unique_per_town"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="schoolyear_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_year}–{self.start_year + 1}"

    def contains(self, day: datetime.date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Closure(TownScoped):
    """Days a site (or every site) or one activity does not run: strike, training day…"""

    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text=_("Vide : toutes les écoles")
    )
    activity = models.ForeignKey(
        "activities.Activity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Vide : toutes les activités"),
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    label = models.CharField(_("motif"), max_length=200)

    class Meta:
        verbose_name = _("fermeture")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="closure_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["town", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("La fin doit suivre le début.")})
