"""Enrollments, bookings, absences and the requests that wait for staff."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import AbsenceReason, Activity, validate_weekdays
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child, Family
from ardoise.towns.models import TownScoped


class Enrollment(TownScoped):
    """A child registered for an activity for a school year (inscription)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="enrollments")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="enrollments")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="+")
    # Regular registration (inscription régulière): weekdays booked every week,
    # Monday = 0; empty when the family books day by day.
    weekly_pattern = models.JSONField(_("jours réguliers"), default=list, blank=True, validators=[validate_weekdays])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inscription")
        constraints = [
            models.UniqueConstraint(fields=["child", "activity", "school_year"], name="enrollment_unique"),
        ]
        indexes = [models.Index(fields=["town", "activity", "school_year"])]

    def __str__(self) -> str:
        return f"{self.child} — {self.activity.label} {self.school_year}"


class BookingState(models.TextChoices):
    REQUESTED = "requested", _("Demande en attente")
    BOOKED = "booked", _("Réservé")
    REFUSED = "refused", _("Refusé")
    CANCELLED = "cancelled", _("Annulé")
    PRESENT = "present", _("Présent")
    # An absence whose billing waits for staff: its reason asks for a document
    # (bookings.actions.declare_absence). Accepted: the reason's rule; refused: absent_billed.
    ABSENCE_PENDING = "absence_pending", _("Absence en cours de traitement")
    ABSENT_EXCUSED = "absent_excused", _("Absent excusé")
    ABSENT_BILLED = "absent_billed", _("Absent facturé")
    PRESENT_UNBOOKED = "present_unbooked", _("Présent sans réservation")


# States that take a place against the activity's capacity.
STATES_HOLDING_A_PLACE = frozenset(
    {BookingState.REQUESTED, BookingState.BOOKED, BookingState.PRESENT, BookingState.PRESENT_UNBOOKED}
)
# States that are billed at invoicing time. A pending absence is not, nor is it
# free: a run bills nothing for it until staff decide (billing.runs reports it).
BILLABLE_STATES = frozenset(
    {BookingState.BOOKED, BookingState.PRESENT, BookingState.ABSENT_BILLED, BookingState.PRESENT_UNBOOKED}
)


def absence_state(reason: AbsenceReason, *, waiting: bool) -> str:
    """The state of a day declared absent under `reason`: pending while staff check the document the
    reason asks for (`waiting`: its request is still pending), then billed or not as the reason says.
    (A refused absence is billed: `decisions.refuse_requests`.)"""
    if waiting:
        return BookingState.ABSENCE_PENDING
    return BookingState.ABSENT_BILLED if reason.billed else BookingState.ABSENT_EXCUSED


class Booking(TownScoped):
    """One child, one activity, one day. Cancelling keeps the row (state cancelled)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="bookings")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="bookings")
    date = models.DateField(_("jour"))
    state = models.CharField(_("état"), max_length=20, choices=BookingState.choices)
    # Reason given by staff when refusing a requested booking.
    refusal_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("réservation")
        constraints = [
            models.UniqueConstraint(fields=["child", "activity", "date"], name="booking_one_per_child_activity_day"),
        ]
        indexes = [
            # The child last, so that the kitchen's counts of a week read this index alone (an index-only
            # scan on PostgreSQL) rather than one heap page per booking.
            models.Index(fields=["town", "activity", "date", "state", "child"], name="booking_activity_day_child"),
            models.Index(fields=["town", "child", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.child} — {self.activity.code} {self.date:%d/%m/%Y} ({self.get_state_display()})"


class Absence(TownScoped):
    """An absence declared on a booked day, with a reason from the town's list."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="absence")
    reason = models.ForeignKey(AbsenceReason, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("commentaire"), blank=True)
    document = models.FileField(_("justificatif"), upload_to="absences/%Y/%m/", blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("absence")


class RequestKind(models.TextChoices):
    BOOKING = "booking", _("Réservation")
    ABSENCE = "absence", _("Absence")
    RECORD_CHANGE = "record_change", _("Modification du dossier")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")


class Request(TownScoped):
    """Something a family asked that waits for staff: a booking to validate,
    an absence to acknowledge, a change to the family or child record."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("type"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(_("statut"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="requests")
    # Record changes: the model and object changed, and {"field": [old, new]}.
    target = models.CharField(max_length=50, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why staff refused; shown to the family.
    reason = models.CharField(_("motif"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("demande")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["town", "status", "created_at"]),
            models.Index(fields=["town", "family", "created_at"]),
        ]
