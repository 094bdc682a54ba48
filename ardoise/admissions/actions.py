"""The one door for enrolment requests: ask, decide, offer a place that frees, accept or decline it.

Every place is counted and given under a row lock on the activity (`select_for_update`), the same lock the
bookings take, so that two families accepting the last place, or two staff accepting two requests for it, can
never put more children in than its capacity. Decisions are e-mailed to the family through the outbox (sent
after the commit) and audited when staff act.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions import notifications, places, queries, tasks
from ardoise.admissions.models import (
    OPEN_STATUSES,
    EnrolmentRequest,
    EnrolmentStatus,
    ReenrolmentCampaign,
    RegistrationPeriod,
)
from ardoise.admissions.wording import period_label
from ardoise.audit import actions as audit
from ardoise.bookings import actions as bookings
from ardoise.bookings import enrollments
from ardoise.bookings.actions import FILE_NOT_ACCEPTED
from ardoise.bookings.models import Enrollment
from ardoise.calendars.days import day_status, load_closures
from ardoise.calendars.models import SchoolYear
from ardoise.calendars.wording import date_fr
from ardoise.families.models import Child
from ardoise.towns.access import family_of, is_staff_member


class AdmissionRefused(Exception):
    """A request the rules refuse; `.message` is French and shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Decision:
    """What a bulk decision did, request by request."""

    accepted: list[EnrolmentRequest] = field(default_factory=list)
    refused: list[EnrolmentRequest] = field(default_factory=list)
    # No place any more when staff accepted: put on the waiting list instead.
    waiting: list[EnrolmentRequest] = field(default_factory=list)
    # Already decided (by someone else, or withdrawn meanwhile): left as they were.
    skipped: list[EnrolmentRequest] = field(default_factory=list)
    # Could not be enrolled (a day closed since the request…), with why; left pending.
    failed: list[tuple[EnrolmentRequest, str]] = field(default_factory=list)


def _lock_activity(activity: Activity) -> Activity:
    """The activity's row, locked: every count and grant of its places happens under this lock."""
    return Activity.objects.select_for_update().select_related("town", "site").get(pk=activity.pk)


def _locked_request(request: EnrolmentRequest) -> EnrolmentRequest:
    # Only the request's row is locked (its registration period, an outer join, cannot be on PostgreSQL).
    return (
        EnrolmentRequest.objects.select_for_update(of=("self",))
        .select_related("town", "family", "child", "activity", "school_year", "registration_period")
        .get(town_id=request.town_id, pk=request.pk)
    )


def _by_staff(actor: User, request: EnrolmentRequest) -> bool:
    return is_staff_member(actor, request.town)


def _summary(request: EnrolmentRequest) -> str:
    return f"{request.child.full_name} — {request.activity.label}, {period_label(request)}"


def _audit(request: EnrolmentRequest, actor: User, action: str, changes: dict[str, object]) -> None:
    audit.record(request.town, actor, action, request, summary=_summary(request), changes=changes)


def _fits(request: EnrolmentRequest, activity: Activity) -> bool:
    taken = queries.taken_slots(
        activity, request.school_year, request.registration_period, excluding=request.pk or None
    )
    return places.fits(queries.needed_slots(request), taken, activity.capacity)


# Asking


def _check_request(
    child: Child,
    activity: Activity,
    school_year: SchoolYear,
    registration_period: RegistrationPeriod | None,
    weekly_pattern: Sequence[int],
    days: Sequence[datetime.date],
    actor: User,
    now: datetime.datetime,
) -> None:
    today = timezone.localdate(now)
    town_ids = {child.town_id, activity.town_id, school_year.town_id}
    if registration_period is not None:
        town_ids.add(registration_period.town_id)
    if len(town_ids) != 1:
        raise AdmissionRefused(_("Activité ou période inconnue."))
    family = family_of(actor)
    if family is not None and family.pk != child.family_id:
        raise AdmissionRefused(_("Cet enfant n'est pas de votre famille."))
    if not child.family.is_accepted:
        # A family that signed up online asks for nothing until staff accept its file (ardoise.signup).
        raise AdmissionRefused(str(FILE_NOT_ACCEPTED))
    if activity.site_id != child.site_id:
        raise AdmissionRefused(
            _("%(activity)s n'est pas proposé à l'école de %(child)s.")
            % {"activity": activity.label, "child": child.first_name}
        )
    if school_year.ends_on < today:
        raise AdmissionRefused(_("L'année scolaire %(year)s est terminée.") % {"year": school_year})
    if any(not isinstance(day, int) or day not in activity.weekdays for day in weekly_pattern):
        raise AdmissionRefused(
            _("%(activity)s n'a pas lieu certains des jours choisis : choisissez parmi ses jours d'ouverture.")
            % {"activity": activity.label}
        )
    if registration_period is None:
        if Enrollment.objects.filter(
            town_id=child.town_id, child=child, activity=activity, school_year=school_year
        ).exists():
            raise AdmissionRefused(
                _("%(child)s est déjà inscrit(e) à %(activity)s pour l'année %(year)s.")
                % {"child": child.first_name, "activity": activity.label, "year": school_year}
            )
    else:
        _check_period(child, activity, school_year, registration_period, days, actor, now)
    if queries.open_request_exists(child, activity, school_year, registration_period):
        raise AdmissionRefused(
            _("Une demande est déjà en cours pour %(child)s en %(activity)s.")
            % {"child": child.first_name, "activity": activity.label}
        )


def _check_period(
    child: Child,
    activity: Activity,
    school_year: SchoolYear,
    period: RegistrationPeriod,
    days: Sequence[datetime.date],
    actor: User,
    now: datetime.datetime,
) -> None:
    if period.activity_id != activity.pk or not school_year.contains(period.first_day):
        raise AdmissionRefused(_("Activité ou période inconnue."))
    if period.last_day < timezone.localdate(now):
        raise AdmissionRefused(_("La période « %(period)s » est terminée.") % {"period": period.label})
    if not is_staff_member(actor, child.town) and not (period.opens_at <= now < period.closes_at):
        raise AdmissionRefused(
            _("Les inscriptions pour « %(period)s » sont ouvertes du %(opens)s au %(closes)s.")
            % {
                "period": period.label,
                "opens": date_fr(period.opens_at, "j F Y à H\\hi"),
                "closes": date_fr(period.closes_at, "j F Y à H\\hi"),
            }
        )
    if not days:
        raise AdmissionRefused(_("Choisissez au moins un jour."))
    closures = load_closures(child.town, period.first_day, period.last_day)
    zone = school_year.zone
    for day in days:
        if not (period.first_day <= day <= period.last_day) or not day_status(day, activity, zone, closures, now).open:
            raise AdmissionRefused(
                _("%(activity)s n'a pas lieu le %(day)s.")
                % {"activity": activity.label, "day": date_fr(day, "l j F Y")}
            )
    if EnrolmentRequest.objects.filter(
        town_id=child.town_id,
        child=child,
        activity=activity,
        registration_period=period,
        status=EnrolmentStatus.ACCEPTED,
    ).exists():
        raise AdmissionRefused(
            _("%(child)s est déjà inscrit(e) pour « %(period)s ».")
            % {"child": child.first_name, "period": period.label}
        )


def request_enrolment(
    child: Child,
    activity: Activity,
    *,
    school_year: SchoolYear,
    registration_period: RegistrationPeriod | None = None,
    weekly_pattern: Sequence[int] = (),
    days: Sequence[datetime.date] = (),
    comment: str = "",
    campaign: ReenrolmentCampaign | None = None,
    actor: User,
    now: datetime.datetime | None = None,
) -> EnrolmentRequest:
    """A family (or staff for it) asks to enrol `child` in `activity` for a school year or a registration period.

    Refused (AdmissionRefused, nothing changed) when the rules say no; otherwise the places decide: none left
    → on the waiting list; a place and an activity that needs validation → pending for staff; a place
    otherwise → accepted and enrolled at once.
    """
    now = now or timezone.now()
    pattern = sorted(set(weekly_pattern)) if registration_period is None else []
    wanted_days = sorted(set(days)) if registration_period is not None else []
    _check_request(child, activity, school_year, registration_period, pattern, wanted_days, actor, now)
    with transaction.atomic():
        locked = _lock_activity(activity)
        # Checked again under the lock: a double click waits here, then finds the first request.
        if queries.open_request_exists(child, locked, school_year, registration_period):
            raise AdmissionRefused(
                _("Une demande est déjà en cours pour %(child)s en %(activity)s.")
                % {"child": child.first_name, "activity": locked.label}
            )
        request = EnrolmentRequest(
            town_id=child.town_id,
            family_id=child.family_id,
            child=child,
            activity=locked,
            school_year=school_year,
            registration_period=registration_period,
            weekly_pattern=pattern,
            days=[day.isoformat() for day in wanted_days],
            comment=comment.strip(),
            campaign=campaign,
            created_by=actor,
            created_at=now,
        )
        request.town = locked.town
        if not _fits(request, locked):
            request.status = EnrolmentStatus.WAITING
            request.waiting_since = now
        elif locked.needs_validation:
            request.status = EnrolmentStatus.PENDING
        else:
            request.status = EnrolmentStatus.ACCEPTED
            request.decided_at = now
        request.save()
        if request.status == EnrolmentStatus.ACCEPTED:
            _enrol(request, actor, now)
        if _by_staff(actor, request):
            _audit(request, actor, "enrolment_request.create", {"status": [None, request.status]})
        if request.status in (EnrolmentStatus.ACCEPTED, EnrolmentStatus.WAITING):
            notifications.send_enrolment_decision(request)
    return request


def _enrol(request: EnrolmentRequest, actor: User, now: datetime.datetime) -> None:
    """Make the enrolment a request was accepted for: the Enrollment of its year (with its weekly pattern),
    and for a registration period the days it asked for, booked as staff would. Raises AdmissionRefused."""
    try:
        if request.registration_period_id is None:
            enrollment = enrollments.enrol(
                request.child, request.activity, request.school_year, request.weekly_pattern, actor=actor
            )
        else:
            enrollment = Enrollment.objects.filter(
                town_id=request.town_id, child=request.child, activity=request.activity, school_year=request.school_year
            ).first() or enrollments.enrol(request.child, request.activity, request.school_year, [], actor=actor)
            changes = [
                bookings.Change(datetime.date.fromisoformat(day), request.activity_id, True) for day in request.days
            ]
            bookings.apply(request.child, changes, actor=actor, as_staff=True, now=now)
    except enrollments.EnrollmentRefused as refused:
        raise AdmissionRefused(refused.message) from refused
    except bookings.BatchRefused as refused:
        raise AdmissionRefused(" ".join(refusal.message for refusal in refused.refusals)) from refused
    request.enrollment = enrollment
    request.save(update_fields=["enrollment"])


# Staff's decisions


def accept_requests(
    requests: Iterable[EnrolmentRequest], *, actor: User, now: datetime.datetime | None = None
) -> Decision:
    """Staff accept pending requests, one by one or in bulk: each re-checks its places under the activity's
    lock; one whose place has gone meanwhile goes to the waiting list (said in the Decision)."""
    now = now or timezone.now()
    decision = Decision()
    for request in sorted(requests, key=lambda item: (item.created_at, item.pk)):
        try:
            with transaction.atomic():
                _lock_activity(request.activity)
                locked = _locked_request(request)
                if locked.status != EnrolmentStatus.PENDING:
                    decision.skipped.append(locked)
                    continue
                if _fits(locked, locked.activity):
                    _enrol(locked, actor, now)
                    locked.status = EnrolmentStatus.ACCEPTED
                    decision.accepted.append(locked)
                else:
                    locked.status = EnrolmentStatus.WAITING
                    # On the list from the day it asked, not from the day staff looked at it.
                    locked.waiting_since = locked.created_at
                    decision.waiting.append(locked)
                locked.decided_by = actor
                locked.decided_at = now
                locked.save(update_fields=["status", "waiting_since", "decided_by", "decided_at"])
                _audit(locked, actor, "enrolment_request.accept", {"status": [EnrolmentStatus.PENDING, locked.status]})
                notifications.send_enrolment_decision(locked)
        except AdmissionRefused as refused:
            decision.failed.append((request, refused.message))
    return decision


def refuse_requests(
    requests: Iterable[EnrolmentRequest], reason: str, *, actor: User, now: datetime.datetime | None = None
) -> Decision:
    """Staff refuse open requests (pending, waiting or offered) with a reason, required: without one nothing
    changes (AdmissionRefused). A refused offer frees its place, offered to the next on the list."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise AdmissionRefused(_("Donnez le motif du refus : il est envoyé à la famille."))
    decision = Decision()
    freed: dict[int, Activity] = {}
    with transaction.atomic():
        for request in sorted(requests, key=lambda item: (item.activity_id, item.pk)):
            _lock_activity(request.activity)
            locked = _locked_request(request)
            if locked.status not in OPEN_STATUSES:
                decision.skipped.append(locked)
                continue
            previous = locked.status
            locked.status = EnrolmentStatus.REFUSED
            locked.reason = reason[:300]
            locked.decided_by = actor
            locked.decided_at = now
            locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
            _audit(locked, actor, "enrolment_request.refuse", {"status": [previous, locked.status], "reason": reason})
            notifications.send_enrolment_decision(locked)
            decision.refused.append(locked)
            if previous == EnrolmentStatus.OFFERED:
                freed[locked.activity_id] = locked.activity
        for activity in freed.values():
            offer_free_places(activity, now=now)
    return decision


def withdraw_request(request: EnrolmentRequest, *, actor: User, now: datetime.datetime | None = None) -> None:
    """The family (or staff for it) withdraws an open request, or declines the place offered."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_activity(request.activity)
        locked = _locked_request(request)
        if locked.status not in OPEN_STATUSES:
            raise AdmissionRefused(_("Cette demande n'est plus en cours."))
        previous = locked.status
        locked.status = EnrolmentStatus.WITHDRAWN
        locked.decided_by = actor
        locked.decided_at = now
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        if _by_staff(actor, locked):
            _audit(locked, actor, "enrolment_request.withdraw", {"status": [previous, locked.status]})
        if previous == EnrolmentStatus.OFFERED:
            offer_free_places(locked.activity, now=now)


# Offers


def accept_offer(request: EnrolmentRequest, *, actor: User, now: datetime.datetime | None = None) -> EnrolmentRequest:
    """The family takes the place offered: accepted and enrolled. Refused once the delay has passed (the offer
    lapses, the next on the list is offered the place) or when the offer is no longer in progress."""
    now = now or timezone.now()
    refusal = ""
    with transaction.atomic():
        activity = _lock_activity(request.activity)
        locked = _locked_request(request)
        if locked.status != EnrolmentStatus.OFFERED:
            raise AdmissionRefused(_("Cette place n'est plus proposée."))
        if places.is_expired(locked.offer_expires_at, now):
            _lapse(locked, now)
            offer_free_places(activity, now=now)
            refusal = _("Le délai pour accepter cette place est passé : elle a été proposée à la suite.")
        elif not _fits(locked, activity):
            # The capacity was lowered since the offer: back on the list, at its rank.
            locked.status = EnrolmentStatus.WAITING
            locked.offered_at = locked.offer_expires_at = None
            locked.save(update_fields=["status", "offered_at", "offer_expires_at"])
            refusal = _("Cette place n'est plus disponible : votre demande reste sur la liste d'attente.")
        else:
            _enrol(locked, actor, now)
            locked.status = EnrolmentStatus.ACCEPTED
            locked.decided_by = actor
            locked.decided_at = now
            locked.save(update_fields=["status", "decided_by", "decided_at"])
            if _by_staff(actor, locked):
                _audit(locked, actor, "enrolment_request.accept_offer", {"status": ["offered", "accepted"]})
            notifications.send_enrolment_decision(locked)
    if refusal:
        # Raised after the commit: what it changed (lapsed, back on the list) stays.
        raise AdmissionRefused(refusal)
    return locked


def _lapse(request: EnrolmentRequest, now: datetime.datetime) -> None:
    request.status = EnrolmentStatus.LAPSED
    request.decided_at = now
    request.save(update_fields=["status", "decided_at"])
    notifications.send_enrolment_decision(request)


def offer_free_places(activity: Activity, *, now: datetime.datetime | None = None) -> list[EnrolmentRequest]:
    """Offer each free place of `activity` to the first `waiting` request that fits, list by list (a school
    year, a registration period), for the town's delay; each family is e-mailed. Returns the offers made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    offered: list[EnrolmentRequest] = []
    with transaction.atomic():
        locked = _lock_activity(activity)
        lists = (
            EnrolmentRequest.objects.filter(
                town_id=locked.town_id, activity=locked, status=EnrolmentStatus.WAITING, school_year__ends_on__gte=today
            )
            .exclude(registration_period__last_day__lt=today)
            .values_list("school_year_id", "registration_period_id")
            .distinct()
        )
        if not lists:
            return []
        delay = queries.admission_settings(locked.town).offer_delay_hours
        for school_year_id, period_id in sorted(set(lists), key=lambda key: (key[0], key[1] or 0)):
            school_year = SchoolYear.objects.get(pk=school_year_id)
            period = RegistrationPeriod.objects.get(pk=period_id) if period_id else None
            waiting = queries.waiting_list(locked, school_year, period)
            taken = queries.taken_slots(locked, school_year, period)
            chosen = set(
                places.choose_offers(
                    [(request.pk, queries.needed_slots(request)) for request in waiting], taken, locked.capacity
                )
            )
            for request in waiting:
                if request.pk not in chosen:
                    continue
                request.status = EnrolmentStatus.OFFERED
                request.offered_at = now
                request.offer_expires_at = places.offer_deadline(now, delay)
                request.save(update_fields=["status", "offered_at", "offer_expires_at"])
                notifications.send_place_offered(request)
                tasks.schedule_lapse(request.offer_expires_at)
                offered.append(request)
    return offered


def lapse_expired_offers(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: offers whose delay has passed lapse, and their places go to the next on the list;
    places freed in registration periods are offered. Returns how many lapsed."""
    now = now or timezone.now()
    activity_ids = set(queries.expired_offers(now).values_list("activity_id", flat=True))
    # A booked day cancelled in a registration period frees its place here: the booking doors do not know the
    # waiting lists, and this catches every way a day frees (planning, on behalf, API, closures).
    activity_ids |= set(
        EnrolmentRequest.objects.filter(
            status=EnrolmentStatus.WAITING, registration_period__last_day__gte=timezone.localdate(now)
        ).values_list("activity_id", flat=True)
    )
    count = 0
    for activity in Activity.objects.filter(pk__in=activity_ids).order_by("pk"):
        with transaction.atomic():
            locked = _lock_activity(activity)
            for request in queries.expired_offers(now).filter(activity=locked).select_for_update():
                _lapse(request, now)
                count += 1
            offer_free_places(locked, now=now)
    return count


def withdraw_enrolment(enrollment: Enrollment, *, actor: User, now: datetime.datetime | None = None) -> int:
    """Staff withdraw a child from an activity for a school year (coming bookings cancelled: returns how
    many), and the place it held is offered to the next on the waiting list."""
    now = now or timezone.now()
    with transaction.atomic():
        activity = _lock_activity(enrollment.activity)
        cancelled = enrollments.unenrol(enrollment, actor=actor, today=timezone.localdate(now))
        offer_free_places(activity, now=now)
    return cancelled


def withdraw_own_enrolment(enrollment: Enrollment, *, actor: User, now: datetime.datetime | None = None) -> int:
    """A family withdraws its child from an activity (as `withdraw_enrolment`); refused once the school year is
    over, since there is nothing left to cancel nor any place to free."""
    now = now or timezone.now()
    if enrollment.school_year.ends_on < timezone.localdate(now):
        raise AdmissionRefused(_("Cette année scolaire est terminée : il n'y a plus rien à désinscrire."))
    return withdraw_enrolment(enrollment, actor=actor, now=now)


def move_on_waiting_list(request: EnrolmentRequest, position: int, *, actor: User) -> list[EnrolmentRequest]:
    """The administrator puts a waiting request at `position` (1 first) of its list: the whole list's order is
    written down (`waiting_position`), so it no longer follows the priority rule. Audited. Returns the list."""
    with transaction.atomic():
        _lock_activity(request.activity)
        locked = _locked_request(request)
        if locked.status != EnrolmentStatus.WAITING:
            raise AdmissionRefused(_("Cette demande n'est plus sur la liste d'attente."))
        ordered = queries.waiting_list(locked.activity, locked.school_year, locked.registration_period)
        before = [item.pk for item in ordered]
        after = places.moved(before, locked.pk, position)
        by_pk = {item.pk: item for item in ordered}
        for rank, pk in enumerate(after, start=1):
            item = by_pk[pk]
            if item.waiting_position != rank:
                item.waiting_position = rank
                item.save(update_fields=["waiting_position"])
        _audit(
            locked,
            actor,
            "waiting_list.move",
            {"rank": [before.index(locked.pk) + 1, after.index(locked.pk) + 1]},
        )
    return [by_pk[pk] for pk in after]
