"""The parents' home page (seeds 001 and 003): balance, unpaid invoices, last
movements, and what each child has this week."""

import datetime
from collections import defaultdict

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ardoise.billing import statements
from ardoise.billing.balance import family_balance
from ardoise.bookings.calendar import current_week
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Child, Family
from ardoise.portal import signup
from ardoise.towns.access import parent_required

# What a parent sees as "this week" on the home page: days that are or will be spent at school.
THIS_WEEK_STATES = (
    BookingState.BOOKED,
    BookingState.REQUESTED,
    BookingState.PRESENT,
    BookingState.PRESENT_UNBOOKED,
    BookingState.ABSENCE_PENDING,
    BookingState.ABSENT_EXCUSED,
    BookingState.ABSENT_BILLED,
)


@parent_required
def home(request: HttpRequest, family: Family) -> HttpResponse:
    if not family.is_accepted:
        # A family that signed up online sees its file and its status until staff accept it.
        return render(request, "portal/signup/home.html", signup.file_context(request, family))
    today = timezone.localdate()
    monday = current_week(today)
    children = list(Child.objects.filter(town=request.town, family=family).select_related("site"))
    week: dict[int, list[Booking]] = defaultdict(list)
    for booking in (
        Booking.objects.filter(
            town=request.town,
            child__family=family,
            date__range=(monday, monday + datetime.timedelta(days=6)),
            state__in=THIS_WEEK_STATES,
        )
        .select_related("activity")
        .order_by("date", "activity__starts_at")
    ):
        week[booking.child_id].append(booking)
    context = {
        "family": family,
        "guardian": request.user.guardian,  # type: ignore[union-attr]
        "children": [(child, week.get(child.pk, [])) for child in children],
        "balance": family_balance(family),
        "unpaid": statements.unpaid_invoices(family),
        "movements": statements.last_movements(family, 5),
        "today": today,
        "monday": monday,
    }
    return render(request, "portal/home.html", context)
