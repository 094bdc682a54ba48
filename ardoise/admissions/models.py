"""Admissions: a child's place in an activity for a period.

A family asks (`EnrolmentRequest`) to enrol a child in an activity for a school year or for one of the
town's registration periods (holidays, a term of Wednesdays). The activity's capacity decides: accepted
(an `bookings.Enrollment` is made), refused with a reason, or put on the waiting list, ordered by the town's
priority rule (`AdmissionSettings`); when a place frees, the first on the list is offered it for a set delay.
A re-enrolment campaign (`ReenrolmentCampaign`) asks every family to confirm next year's requests.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity, validate_weekdays
from ardoise.bookings.models import Enrollment
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child, Family
from ardoise.towns.models import TownScoped


class PriorityRule(models.TextChoices):
    REQUEST_DATE = "request_date", _("Date de la demande")
    SIBLINGS_FIRST = "siblings_first", _("Fratries d'abord, puis date de la demande")
    RESIDENTS_FIRST = "residents_first", _("Habitants de la commune d'abord, puis date de la demande")


class AdmissionSettings(TownScoped):
    """How a town orders its waiting lists and how long a family has to take a place offered."""

    priority_rule = models.CharField(
        _("ordre de la liste d'attente"), max_length=20, choices=PriorityRule.choices, default=PriorityRule.REQUEST_DATE
    )
    offer_delay_hours = models.PositiveSmallIntegerField(_("délai pour accepter une place (heures)"), default=72)

    class Meta:
        verbose_name = _("réglages des inscriptions")
        constraints = [models.UniqueConstraint(fields=["town"], name="admissionsettings_one_per_town")]


class PeriodUnit(models.TextChoices):
    DAY = "day", _("À la journée")
    WEEK = "week", _("À la semaine complète")


class RegistrationPeriod(TownScoped):
    """Days of an activity that families register for online between two instants (ALSH vacances, a term of
    Wednesdays): by the day or by whole weeks."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="registration_periods")
    label = models.CharField(_("libellé"), max_length=200, help_text=_("Vacances d'hiver 2027…"))
    first_day = models.DateField(_("premier jour"))
    last_day = models.DateField(_("dernier jour"))
    opens_at = models.DateTimeField(_("ouverture des inscriptions"))
    closes_at = models.DateTimeField(_("clôture des inscriptions"))
    unit = models.CharField(_("inscription"), max_length=10, choices=PeriodUnit.choices, default=PeriodUnit.DAY)

    class Meta:
        verbose_name = _("période d'inscription")
        verbose_name_plural = _("périodes d'inscription")
        ordering = ["first_day", "activity"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="registrationperiod_days_in_order"
            ),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="registrationperiod_closes_after_opening"
            ),
        ]
        indexes = [models.Index(fields=["town", "activity", "first_day"])]

    def __str__(self) -> str:
        return self.label


class ReenrolmentCampaign(TownScoped):
    """The town asks every family to confirm its children, activities and patterns for the coming school year."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="+")
    opens_on = models.DateField(_("ouverture"))
    closes_on = models.DateField(_("clôture"))
    message = models.TextField(_("message aux familles"), blank=True)

    class Meta:
        verbose_name = _("campagne de réinscription")
        ordering = ["-opens_on"]
        constraints = [
            models.UniqueConstraint(fields=["town", "school_year"], name="reenrolmentcampaign_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="reenrolmentcampaign_dates_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Réinscriptions')} {self.school_year}"


class CampaignReply(TownScoped):
    """A family's answer to a re-enrolment campaign; its requests carry `campaign`."""

    campaign = models.ForeignKey(ReenrolmentCampaign, on_delete=models.CASCADE, related_name="replies")
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("réponse à la campagne de réinscription")
        constraints = [models.UniqueConstraint(fields=["campaign", "family"], name="campaignreply_one_per_family")]


class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", _("En attente de décision")
    WAITING = "waiting", _("Sur liste d'attente")
    OFFERED = "offered", _("Place proposée")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")
    WITHDRAWN = "withdrawn", _("Retirée par la famille")
    LAPSED = "lapsed", _("Place proposée non acceptée à temps")


# Requests still alive: at most one per child, activity and period.
OPEN_STATUSES = frozenset({EnrolmentStatus.PENDING, EnrolmentStatus.WAITING, EnrolmentStatus.OFFERED})


class EnrolmentRequest(TownScoped):
    """A family's request to enrol a child in an activity for a school year or a registration period."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="enrolment_requests")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="enrolment_requests")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="enrolment_requests")
    # The school year the period belongs to (a holiday period: the year of its first day).
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="+")
    # A holiday / Wednesdays registration; null: the whole school year.
    registration_period = models.ForeignKey(
        RegistrationPeriod, null=True, blank=True, on_delete=models.CASCADE, related_name="requests"
    )
    # School-year requests: the weekdays wanted every week (Monday = 0); empty: booked day by day.
    weekly_pattern = models.JSONField(_("jours réguliers"), default=list, blank=True, validators=[validate_weekdays])
    # Registration-period requests: the days wanted, ISO dates (a whole week is its open days).
    days = models.JSONField(_("jours demandés"), default=list, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.PENDING
    )
    # Why it was refused (always given), or withdrawn.
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    # On the waiting list: since when, and the order (the priority rule's, then the administrator's).
    waiting_since = models.DateTimeField(null=True, blank=True)
    waiting_position = models.PositiveIntegerField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    enrollment = models.ForeignKey(Enrollment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    campaign = models.ForeignKey(
        ReenrolmentCampaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("demande d'inscription")
        verbose_name_plural = _("demandes d'inscription")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["town", "activity", "status"]),
            models.Index(fields=["town", "family", "status"]),
        ]

    def __str__(self) -> str:
        period = self.registration_period or self.school_year
        return f"{self.child} — {self.activity.label} {period} ({self.get_status_display()})"
