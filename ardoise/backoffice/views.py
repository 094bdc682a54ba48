"""The staff home: today and tomorrow at a glance, and what waits.

For each day, site and activity: the children expected and the places left
where a capacity is set; the requests waiting, per kind. A site agent sees
only their own sites. The numbers come from one grouped count, so the page
costs the same few queries whatever the number of sites and activities.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ardoise.activities.models import Activity
from ardoise.bookings.models import STATES_HOLDING_A_PLACE, Booking, BookingState, Request, RequestKind, RequestStatus
from ardoise.charts import figures, pictures
from ardoise.charts.svg import RenderedChart
from ardoise.signup.queries import waiting_families
from ardoise.towns.access import staff_required
from ardoise.towns.models import Role, Site, StaffRole, Town
from ardoise.towns.replica import reads_from_replica

# Roles that see every site of the town (a site agent only sees theirs).
TOWN_WIDE_ROLES = frozenset({Role.ADMIN, Role.FRONT_DESK, Role.KITCHEN, Role.FINANCE})
# Roles that decide on requests (the queue's roles).
REQUEST_ROLES = frozenset({Role.ADMIN, Role.FRONT_DESK})
ROLL_CALL_ROLES = frozenset({Role.ADMIN, Role.FRONT_DESK, Role.SITE_AGENT})
KITCHEN_ROLES = frozenset({Role.ADMIN, Role.FRONT_DESK, Role.KITCHEN})
FAMILY_ROLES = frozenset({Role.ADMIN, Role.FRONT_DESK})
# Roles that see money: the home adds the unpaid invoices' chart to the attendance's.
MONEY_ROLES = frozenset({Role.ADMIN, Role.FINANCE})


def url_if_exists(name: str, slug: str, **query: object) -> str:
    """The page's URL, or "" while no engineer has built it yet."""
    try:
        url = reverse(name, args=[slug])
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(query)}" if query else url


@dataclass
class ActivityLine:
    activity: Activity
    expected: int
    waiting: int
    roll_call_url: str

    @property
    def places_left(self) -> int | None:
        if self.activity.capacity is None:
            return None
        return max(self.activity.capacity - self.expected, 0)

    @property
    def full(self) -> bool:
        return self.places_left == 0


@dataclass
class SiteDay:
    site: Site
    lines: list[ActivityLine] = field(default_factory=list)


@dataclass
class Day:
    date: datetime.date
    label: str
    sites: list[SiteDay]
    kitchen_url: str

    @property
    def expected(self) -> int:
        return sum(line.expected for site in self.sites for line in site.lines)


@dataclass(frozen=True)
class Waiting:
    kind: str
    label: str
    count: int
    url: str


def _days(
    slug: str,
    days: list[tuple[datetime.date, str]],
    activities: list[Activity],
    counts: dict[tuple[int, datetime.date], tuple[int, int]],
    held: set[str],
) -> list[Day]:
    result = []
    for day, label in days:
        sites: dict[int, SiteDay] = {}
        for activity in activities:
            expected, waiting = counts.get((activity.pk, day), (0, 0))
            if day.weekday() not in (activity.weekdays or []) and not expected:
                continue
            roll_call = ""
            if held & ROLL_CALL_ROLES:
                roll_call = url_if_exists(
                    "backoffice:roll_call", slug, site=activity.site_id, activity=activity.pk, date=day.isoformat()
                )
            sites.setdefault(activity.site_id, SiteDay(activity.site)).lines.append(
                ActivityLine(activity, expected, waiting, roll_call)
            )
        kitchen = url_if_exists("backoffice:kitchen", slug, date=day.isoformat()) if held & KITCHEN_ROLES else ""
        result.append(Day(day, label, list(sites.values()), kitchen))
    return result


@reads_from_replica()
def _year_charts(town: Town, today: datetime.date, own_sites: set[int] | None, *, money: bool) -> list[RenderedChart]:
    """The year's attendance (of `own_sites` only, if given) and, for `money`, what overdue invoices still ask."""
    charts = [pictures.attendance_chart(figures.attendance(town, today, own_sites))]
    if money:
        charts.append(pictures.unpaid_chart(figures.unpaid_by_age(town, today)))
    return charts


@staff_required()
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    town = request.town  # type: ignore[attr-defined]
    slug = town.slug
    roles = list(StaffRole.objects.filter(town=town, user=request.user).select_related("site").order_by("role"))
    held = {role.role for role in roles}
    today = timezone.localdate()
    days = [today, today + datetime.timedelta(days=1)]

    activities_query = Activity.objects.filter(town=town).select_related("site").order_by("site__name", "starts_at")
    bookings = Booking.objects.filter(town=town, date__in=days, state__in=STATES_HOLDING_A_PLACE)
    own_sites: set[int] | None = None
    if not held & TOWN_WIDE_ROLES:
        own_sites = {role.site_id for role in roles if role.role == Role.SITE_AGENT and role.site_id is not None}
        activities_query = activities_query.filter(site_id__in=own_sites)
        bookings = bookings.filter(activity__site_id__in=own_sites)
    activities = list(activities_query)
    counts = {
        (row["activity_id"], row["date"]): (row["expected"], row["waiting"])
        for row in bookings.values("activity_id", "date").annotate(
            expected=Count("id"), waiting=Count("id", filter=Q(state=BookingState.REQUESTED))
        )
    }

    waiting: list[Waiting] = []
    requests_url = ""
    if held & REQUEST_ROLES:
        requests_url = url_if_exists("backoffice:requests", slug)
        pending = dict(
            Request.objects.filter(town=town, status=RequestStatus.PENDING)
            .values("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        waiting = [
            Waiting(kind, str(label), pending.get(kind, 0), f"{requests_url}?kind={kind}" if requests_url else "")
            for kind, label in RequestKind.choices
        ]
        waiting.append(
            Waiting(
                "new_families",
                str(_("Nouvelles familles")),
                waiting_families(town).count(),
                url_if_exists("backoffice:signup_queue", slug),
            )
        )

    # Pictures where people look: the year's attendance (their sites only for a site agent), and for those
    # who see money what overdue invoices still ask.
    # The year's figures from the replica: the rest of the page (today's counts, what waits) from the primary.
    context = {
        "charts": _year_charts(town, today, own_sites, money=bool(held & MONEY_ROLES)),
        "dashboard_url": url_if_exists("backoffice:finance_dashboard", slug) if held & MONEY_ROLES else "",
        "roles": roles,
        "today": today,
        "days": _days(slug, [(days[0], _("Aujourd'hui")), (days[1], _("Demain"))], activities, counts, held),
        "waiting": waiting,
        "waiting_total": sum(item.count for item in waiting),
        "requests_url": requests_url,
        "families_url": url_if_exists("backoffice:families", slug) if held & FAMILY_ROLES else "",
    }
    return render(request, "backoffice/home.html", context)
