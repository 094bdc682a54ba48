"""The roll call (pointage), on a tablet: a site, a day, an activity; one tap per child.

- `roll_call`: the list of children expected (with allergy, PAI and diet flags
  and who may collect them), the counters, the search for a child who came
  without a booking, and the button that closes the roll call;
- `roll_call_mark`: present or absent for one booking; htmx swaps the row and
  the counters, a plain POST comes back to the list;
- `roll_call_add`: a child of the site who came without a booking;
- `roll_call_close`: the children nobody marked become absent per the town's rule.

Admins and the front desk reach every site; a site agent only their own sites
(another site is 404). The rules live in `bookings.attendance`.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ardoise.accounts.models import User
from ardoise.activities.access import access_site_activity
from ardoise.activities.models import Activity
from ardoise.bookings import attendance
from ardoise.bookings.access import access_site_booking
from ardoise.bookings.models import Booking, Enrollment
from ardoise.calendars.days import day_status, load_closures, school_year_for
from ardoise.calendars.opening import ClosedReason
from ardoise.calendars.wording import date_fr
from ardoise.consents import queries as consent_queries
from ardoise.families.models import Child
from ardoise.towns.access import accessible_sites, roles_of, site_ids_of, staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.ids import parse_id
from ardoise.towns.models import Role, Site, Town

ROLL_CALL_ROLES = (Role.ADMIN, Role.FRONT_DESK, Role.SITE_AGENT)
# Children shown for one search of a child who came without a booking.
SEARCH_LIMIT = 20


def _day(value: str | None, today: datetime.date) -> tuple[datetime.date, str]:
    """The day asked for (today when none), and an error in French when it cannot be read."""
    if not value:
        return today, ""
    try:
        return datetime.date.fromisoformat(value), ""
    except ValueError:
        return today, _("La date « %(value)s » n'est pas valide : voici le pointage d'aujourd'hui.") % {
            "value": value[:20]
        }


def sheet_url(town: Town, activity: Activity, day: datetime.date, **extra: str) -> str:
    query = {"site": str(activity.site_id), "date": day.isoformat(), "activity": str(activity.pk), **extra}
    return reverse("backoffice:roll_call", args=[town.slug]) + "?" + urlencode(query)


@dataclass(frozen=True)
class Candidate:
    """A child found by the search, not on the list yet."""

    child: Child
    enrolled: bool


def _search(activity: Activity, day: datetime.date, query: str, listed_ids: set[int]) -> list[Candidate]:
    terms = query.split()[:4]
    if not terms:
        return []
    children = Child.objects.filter(town_id=activity.town_id, site_id=activity.site_id).exclude(pk__in=listed_ids)
    for term in terms:
        children = children.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term))
    children = children.annotate(
        enrolled=Exists(
            Enrollment.objects.filter(
                town_id=activity.town_id,
                child=OuterRef("pk"),
                activity=activity,
                school_year__starts_on__lte=day,
                school_year__ends_on__gte=day,
            )
        )
    ).order_by("last_name", "first_name", "pk")[:SEARCH_LIMIT]
    return [Candidate(child, child.enrolled) for child in children]


def _health_visible(user: User, town: Town, site: Site) -> bool:
    """Whether the viewer may read the health flags of this site's children (see access.may_read_health)."""
    held = roles_of(user, town)
    if held.intersection({Role.ADMIN, Role.FRONT_DESK, Role.KITCHEN}):
        return True
    return Role.SITE_AGENT in held and site.pk in site_ids_of(user, town)


@staff_required(*ROLL_CALL_ROLES)
@require_GET
def roll_call(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    user: User = request.user
    today = timezone.localdate()
    sites = list(accessible_sites(user, town))
    if not sites:
        raise Http404
    site_id = parse_id(request.GET.get("site"))
    if site_id is None and "site" not in request.GET:
        site = sites[0]
    else:
        site = next((candidate for candidate in sites if candidate.pk == site_id), None)  # type: ignore[assignment]
        if site is None:
            raise Http404
    day, date_error = _day(request.GET.get("date"), today)
    activities = list(Activity.objects.filter(town=town, site=site).order_by("starts_at", "label"))
    year = school_year_for(town, day)
    zone = year.zone if year else town.zone
    closures = load_closures(town, day, day)
    now = timezone.now()
    statuses = {activity.pk: day_status(day, activity, zone, closures, now) for activity in activities}
    activity: Activity | None = None
    if "activity" in request.GET:
        activity_id = parse_id(request.GET.get("activity"))
        activity = next((candidate for candidate in activities if candidate.pk == activity_id), None)
        if activity is None:
            raise Http404
    elif activities:
        # The first activity running that day, else the first one.
        activity = next((a for a in activities if statuses[a.pk].open), activities[0])

    context: dict[str, object] = {
        "sites": sites,
        "site": site,
        "day": day,
        "today": today,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "date_error": date_error,
        "activities": [(candidate, statuses[candidate.pk]) for candidate in activities],
        "activity": activity,
        "health_visible": _health_visible(user, town, site),
        "query": request.GET.get("q", "")[:100].strip(),
    }
    if activity is not None:
        status = statuses[activity.pk]
        sheet = attendance.load_sheet(activity, day)
        _note_consents(town, sheet.bookings)
        candidates = (
            _search(activity, day, str(context["query"]), {booking.child_id for booking in sheet.bookings})
            if context["query"]
            else []
        )
        context |= {
            "status": status,
            "closed_reason": status.closed_reason,
            "is_holiday": status.closed_reason in (ClosedReason.PUBLIC_HOLIDAY, ClosedReason.SCHOOL_HOLIDAY),
            "sheet": sheet,
            "counters": sheet.counters,
            "candidates": candidates,
            "is_future": day > today,
            "is_past": day < today,
            "undeclared_billed": town.bill_undeclared_absences,
        }
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "search-results":
            return render(request, "backoffice/roll_call.html#search_results", context)
    return render(request, "backoffice/roll_call.html", context, status=400 if date_error else 200)


def _note_consents(town: Town, bookings: list[Booking]) -> None:
    """Each listed child's `consent_notes`: the consents shown on roll call that are not given ("Photo : non")."""
    notes = consent_queries.roll_call_notes(town, [booking.child for booking in bookings])
    for booking in bookings:
        booking.child.consent_notes = notes.get(booking.child_id, [])  # type: ignore[attr-defined]


def _row_response(request: AuthedRequest, booking: Booking, error: str = "", status: int = 200) -> HttpResponse:
    """The booking's row and, out of band, the counters: what htmx swaps after a tap."""
    row = attendance.load_sheet(booking.activity, booking.date)
    listed = next((candidate for candidate in row.bookings if candidate.pk == booking.pk), None)
    _note_consents(request.town, [listed] if listed else [])
    context = {
        "booking": listed,
        "removed_id": booking.pk,
        "counters": row.counters,
        "day": booking.date,
        "activity": booking.activity,
        "today": timezone.localdate(),
        "health_visible": _health_visible(request.user, request.town, booking.activity.site),
        "row_error": error,
    }
    return render(request, "backoffice/roll_call_row_fragment.html", context, status=status)


@staff_required(*ROLL_CALL_ROLES)
@require_POST
def roll_call_mark(request: AuthedRequest, booking_id: int) -> HttpResponse:
    booking = access_site_booking(request.user, request.town, booking_id)
    town: Town = request.town
    mark = request.POST.get("mark", "")
    is_htmx = bool(request.headers.get("HX-Request"))
    error = ""
    if mark not in ("present", "absent"):
        error = _("Choisissez « Présent » ou « Absent ».")
    else:
        action = attendance.mark_present if mark == "present" else attendance.mark_absent
        try:
            action(booking, actor=request.user)
        except attendance.AttendanceRefused as refused:
            error = refused.message
    if is_htmx:
        return _row_response(request, booking, error, status=422 if error else 200)
    if error:
        messages.error(request, error)
    return redirect(sheet_url(town, booking.activity, booking.date) + f"#booking-{booking.pk}")


def _activity_and_day(request: AuthedRequest, data: QueryDict) -> tuple[Activity, datetime.date | None]:
    activity = access_site_activity(request.user, request.town, parse_id(data.get("activity")))
    try:
        day = datetime.date.fromisoformat(data.get("date", ""))
    except ValueError:
        day = None
    return activity, day


@staff_required(*ROLL_CALL_ROLES)
@require_POST
def roll_call_add(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    activity, day = _activity_and_day(request, request.POST)
    if day is None:
        messages.error(request, _("La date n'est pas valide."))
        return redirect(sheet_url(town, activity, timezone.localdate()))
    child = Child.objects.filter(town=town, site_id=activity.site_id, pk=parse_id(request.POST.get("child"))).first()
    if child is None:
        messages.error(request, _("Cet enfant n'est pas inscrit dans cette école : cherchez-le de nouveau."))
        return redirect(sheet_url(town, activity, day))
    try:
        marked = attendance.add_unbooked_child(child, activity, day, actor=request.user)
    except attendance.AttendanceRefused as refused:
        messages.error(request, refused.message)
        return redirect(sheet_url(town, activity, day))
    if marked.changed:
        messages.success(
            request,
            _("%(child)s est ajouté(e) à la liste : %(state)s.")
            % {"child": child.full_name, "state": marked.booking.get_state_display()},
        )
    else:
        messages.info(request, _("%(child)s était déjà dans la liste.") % {"child": child.full_name})
    return redirect(sheet_url(town, activity, day) + f"#booking-{marked.booking.pk}")


@staff_required(*ROLL_CALL_ROLES)
@require_POST
def roll_call_close(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    activity, day = _activity_and_day(request, request.POST)
    if day is None:
        messages.error(request, _("La date n'est pas valide."))
        return redirect(sheet_url(town, activity, timezone.localdate()))
    try:
        absent = attendance.close_roll_call(activity, day, actor=request.user)
    except attendance.AttendanceRefused as refused:
        messages.error(request, refused.message)
        return redirect(sheet_url(town, activity, day))
    billed = _("facturés") if town.bill_undeclared_absences else _("non facturés")
    messages.success(
        request,
        ngettext(
            "Pointage du %(day)s clôturé : %(n)s enfant non pointé est marqué absent (%(billed)s).",
            "Pointage du %(day)s clôturé : %(n)s enfants non pointés sont marqués absents (%(billed)s).",
            absent,
        )
        % {"day": date_fr(day, "l j F"), "n": absent, "billed": billed}
        if absent
        else _("Pointage du %(day)s clôturé : tous les enfants étaient pointés.") % {"day": date_fr(day, "l j F")},
    )
    return redirect(sheet_url(town, activity, day))
