"""Activities (prestations) a town runs at its sites, and its absence reasons."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ardoise.calendars.deadlines import DeadlineKind, DeadlineRule
from ardoise.towns.models import Site, TownScoped


def validate_weekdays(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ValidationError(_("Les jours doivent être une liste de 0 (lundi) à 6 (dimanche)."))
    if len(set(value)) != len(value):
        raise ValidationError(_("Un jour est répété."))


class Activity(TownScoped):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="activities")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("libellé"), max_length=200)
    # Weekdays the activity runs, Monday = 0 … Sunday = 6.
    weekdays = models.JSONField(_("jours"), default=list, validators=[validate_weekdays])
    starts_at = models.TimeField(_("début"), null=True, blank=True)
    ends_at = models.TimeField(_("fin"), null=True, blank=True)
    # Places per day; null means no limit.
    capacity = models.PositiveIntegerField(_("capacité par jour"), null=True, blank=True)
    needs_validation = models.BooleanField(_("réservation validée par le service"), default=False)
    # Wednesday centres may run during school holidays.
    runs_in_school_holidays = models.BooleanField(_("fonctionne pendant les vacances scolaires"), default=False)
    # Holiday centres (ALSH vacances) run in school holidays only: closed on every school day.
    holidays_only = models.BooleanField(_("seulement pendant les vacances scolaires"), default=False, db_default=False)

    # The deadline (date butoir) rule, see calendars.deadlines.
    deadline_kind = models.CharField(_("type de date butoir"), max_length=20, choices=DeadlineKind.choices)
    # weekly: the weekday of the previous week (Monday = 0).
    deadline_weekday = models.PositiveSmallIntegerField(_("jour de la semaine"), null=True, blank=True)
    # working_days: how many working days before the service day.
    deadline_days = models.PositiveSmallIntegerField(_("nombre de jours ouvrés"), null=True, blank=True)
    # Local (Europe/Paris) time of day the deadline falls at.
    deadline_time = models.TimeField(_("heure limite"), null=True, blank=True)
    # fixed: one instant closing every day of the period.
    deadline_fixed_at = models.DateTimeField(_("date limite fixe"), null=True, blank=True)
    deadline_skips_public_holidays = models.BooleanField(_("les jours fériés ne comptent pas"), default=False)

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")
        ordering = ["site__name", "starts_at", "label"]
        constraints = [
            models.UniqueConstraint(fields=["town", "site", "code"], name="activity_unique_code_per_site"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.site})"

    @property
    def deadline_rule(self) -> DeadlineRule:
        return DeadlineRule(
            kind=DeadlineKind(self.deadline_kind),
            weekday=self.deadline_weekday,
            days=self.deadline_days,
            time=self.deadline_time or datetime.time(0, 0),
            fixed_at=self.deadline_fixed_at,
            skip_public_holidays=self.deadline_skips_public_holidays,
        )

    def clean(self) -> None:
        try:
            self.deadline_rule.validate()
        except ValueError as error:
            raise ValidationError(str(error)) from error


class AbsenceReason(TownScoped):
    """A reason a parent may give for an absence (the town's list, seed 001)."""

    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("libellé"), max_length=200)
    billed = models.BooleanField(_("le jour reste facturé"), default=False)
    document_required = models.BooleanField(_("justificatif demandé"), default=False)
    # Waiting period (jours de carence): the first N days of a run of absences
    # under this reason are billed, the following ones not.
    waiting_days = models.PositiveSmallIntegerField(_("jours de carence"), default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("motif d'absence")
        ordering = ["position", "label"]
        constraints = [models.UniqueConstraint(fields=["town", "code"], name="absencereason_unique_code")]

    def __str__(self) -> str:
        return self.label
