"""The family's private calendar feed (iCalendar, RFC 5545), for a phone calendar.

The URL carries the family's secret token instead of a login, since calendar
apps subscribe without one; regenerating the token (on "Mon dossier") revokes
the old URL. The text is written by hand: `render_calendar` is a pure function
of the events, tested on its own.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ardoise.bookings.models import Booking, BookingState
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Family
from ardoise.towns.http import TownRequest

PARIS = "Europe/Paris"
PRODID = "-//Ardoise//Portail famille//FR"
# Days shown: booked, waiting for staff, or attended.
FEED_STATES = (BookingState.BOOKED, BookingState.REQUESTED, BookingState.PRESENT)
MAX_LINE_OCTETS = 75

# Europe/Paris since 1996: CET in winter, CEST from the last Sunday of March to
# the last Sunday of October. RFC 5545 §3.6.5 wants one VTIMEZONE per TZID used.
VTIMEZONE_PARIS = (
    "BEGIN:VTIMEZONE",
    f"TZID:{PARIS}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class Event:
    uid: str
    day: datetime.date
    summary: str
    # Local (Europe/Paris) times; None for an all-day event.
    starts_at: datetime.time | None = None
    ends_at: datetime.time | None = None
    description: str = ""
    location: str = ""
    tentative: bool = False


def escape_text(value: str) -> str:
    """TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, newline."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character.

    Continuation lines start with one space, which counts in their 75 octets.
    """
    if len(line.encode()) <= MAX_LINE_OCTETS:
        return line
    parts: list[str] = []
    current, size, limit = "", 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, MAX_LINE_OCTETS - 1
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _date(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def _local(day: datetime.date, time: datetime.time) -> str:
    return f"{_date(day)}T{time:%H%M%S}"


def _event_lines(event: Event, stamp: str) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{escape_text(event.uid)}", f"DTSTAMP:{stamp}"]
    if event.starts_at is not None:
        ends_at = (
            event.ends_at
            or (datetime.datetime.combine(event.day, event.starts_at) + datetime.timedelta(hours=1)).time()
        )
        lines += [
            f"DTSTART;TZID={PARIS}:{_local(event.day, event.starts_at)}",
            f"DTEND;TZID={PARIS}:{_local(event.day, ends_at)}",
        ]
    else:
        lines += [
            f"DTSTART;VALUE=DATE:{_date(event.day)}",
            f"DTEND;VALUE=DATE:{_date(event.day + datetime.timedelta(days=1))}",
        ]
    lines.append(f"SUMMARY:{escape_text(event.summary)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    lines += ["STATUS:TENTATIVE" if event.tentative else "STATUS:CONFIRMED", "TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def render_calendar(events: Iterable[Event], *, name: str, now: datetime.datetime) -> str:
    """A VCALENDAR of `events`: CRLF line endings, escaped text, lines folded at 75 octets."""
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    events = list(events)
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{PARIS}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
    ]
    if any(event.starts_at is not None for event in events):
        lines += VTIMEZONE_PARIS
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def feed_window(town_id: int, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From a month ago to the end of the current school year (or of the next, in summer)."""
    start = today - datetime.timedelta(days=31)
    ends_on = (
        SchoolYear.objects.filter(town_id=town_id, ends_on__gte=today)
        .order_by("ends_on")
        .values_list("ends_on", flat=True)
        .first()
    )
    return start, ends_on or today + datetime.timedelta(days=366)


def booking_events(family: Family, start: datetime.date, end: datetime.date, host: str) -> list[Event]:
    bookings = (
        Booking.objects.filter(
            town_id=family.town_id, child__family=family, date__range=(start, end), state__in=FEED_STATES
        )
        .select_related("child", "activity__site")
        .order_by("date", "activity__starts_at", "child__birth_date", "pk")
    )
    return [
        Event(
            uid=f"booking-{booking.pk}@{host}",
            day=booking.date,
            summary=f"{booking.activity.label} — {booking.child.first_name}",
            starts_at=booking.activity.starts_at,
            ends_at=booking.activity.ends_at,
            description=f"{booking.child.full_name} : {booking.get_state_display()}",
            location=booking.activity.site.name,
            tentative=booking.state == BookingState.REQUESTED,
        )
        for booking in bookings
    ]


@require_GET
def calendar_feed(request: TownRequest, token: str) -> HttpResponse:
    family = Family.objects.filter(town=request.town, calendar_token=token, archived_on__isnull=True).first()
    if family is None or not token:
        raise Http404
    start, end = feed_window(family.town_id, timezone.localdate())
    host = f"{request.town.slug}.ardoise"
    events = booking_events(family, start, end, host)
    name = f"{request.town.name} — {family.name}"
    body = render_calendar(events, name=name, now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ardoise.ics"'
    # The URL is a secret: no shared cache may keep it, no page may leak it.
    response["Cache-Control"] = "private, max-age=900"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
