"""The private calendar feed (portal:ical): the iCalendar text and who may read it."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.bookings.models import BookingState
from ardoise.families import actions
from ardoise.portal.ical import Event, escape_text, fold, render_calendar
from tests.factories import ActivityFactory, BookingFactory, EnrollmentFactory, SchoolYearFactory
from tests.moment import NEXT_MONDAY, NOW


def unfold(text: str) -> list[str]:
    """Content lines back from the wire (RFC 5545 §3.1): CRLF, then a space continues a line."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    return text[:-2].replace("\r\n ", "").split("\r\n")


def events_of(lines: list[str]) -> list[dict[str, str]]:
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return events


# The pure function


def test_it_escapes_text():
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_it_folds_long_lines_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "é" * 100 + "x" * 50
    folded = fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 2
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part[1:] if i else part for i, part in enumerate(parts)) == line
    assert fold("SHORT:x") == "SHORT:x"


def test_it_renders_a_calendar():
    events = [
        Event(
            uid="booking-1@x",
            day=datetime.date(2027, 3, 29),
            summary="Repas — Sarah",
            starts_at=datetime.time(11, 30),
            ends_at=datetime.time(13, 30),
            location="École, Jules; Ferry",
        ),
        Event(uid="booking-2@x", day=datetime.date(2027, 3, 31), summary="Mercredi — Chloé", tentative=True),
    ]
    text = render_calendar(events, name="Saint-Exemple — DUPONT", now=NOW)
    lines = unfold(text)
    assert lines[:3] == ["BEGIN:VCALENDAR", "PRODID:-//Ardoise//Portail famille//FR", "VERSION:2.0"]
    assert lines[-1] == "END:VCALENDAR"
    assert "BEGIN:VTIMEZONE" in lines
    assert "TZID:Europe/Paris" in lines
    first, second = events_of(lines)
    assert first["UID"] == "booking-1@x"
    assert first["DTSTAMP"] == "20270309T090000Z"  # 10:00 in Paris, in UTC
    assert first["DTSTART;TZID=Europe/Paris"] == "20270329T113000"  # after the clocks change: local time kept
    assert first["DTEND;TZID=Europe/Paris"] == "20270329T133000"
    assert first["SUMMARY"] == "Repas — Sarah"
    assert first["LOCATION"] == "École\\, Jules\\; Ferry"
    assert first["STATUS"] == "CONFIRMED"
    assert second["DTSTART;VALUE=DATE"] == "20270331"
    assert second["DTEND;VALUE=DATE"] == "20270401"
    assert second["STATUS"] == "TENTATIVE"
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_it_leaves_out_the_time_zone_when_every_event_is_all_day():
    text = render_calendar([Event(uid="u", day=datetime.date(2027, 3, 31), summary="x")], name="n", now=NOW)
    assert "VTIMEZONE" not in text


# The feed


@pytest.fixture
def feed(town, family) -> str:
    return reverse("portal:ical", args=[town.slug, family.calendar_token])


def test_it_serves_the_booked_days_without_login(feed, children, meals, wednesdays):
    sarah, chloe = children
    kept = [
        BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY),
        BookingFactory(child=chloe, activity=wednesdays, date=datetime.date(2027, 3, 17), state=BookingState.REQUESTED),
        BookingFactory(child=sarah, activity=meals, date=datetime.date(2027, 3, 1), state=BookingState.PRESENT),
        BookingFactory(child=sarah, activity=meals, date=datetime.date(2027, 7, 2)),  # end of the school year
    ]
    for day, state in [
        (datetime.date(2027, 3, 16), BookingState.CANCELLED),
        (datetime.date(2027, 3, 18), BookingState.REFUSED),
        (datetime.date(2027, 3, 19), BookingState.ABSENT_EXCUSED),
        (datetime.date(2027, 2, 1), BookingState.PRESENT),  # more than a month ago
    ]:
        BookingFactory(child=sarah, activity=meals, date=day, state=state)
    BookingFactory(child=sarah, activity=meals, date=datetime.date(2027, 9, 6))  # next school year
    response = Client().get(feed)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    events = events_of(unfold(response.content.decode()))
    assert sorted(event["UID"] for event in events) == sorted(f"booking-{b.pk}@saint-exemple.ardoise" for b in kept)
    by_uid = {event["UID"]: event for event in events}
    meal = by_uid[f"booking-{kept[0].pk}@saint-exemple.ardoise"]
    assert meal["SUMMARY"] == "Repas — Sarah"
    assert meal["DTSTART;TZID=Europe/Paris"] == "20270315T113000"
    assert by_uid[f"booking-{kept[1].pk}@saint-exemple.ardoise"]["STATUS"] == "TENTATIVE"
    # UIDs are stable from one fetch to the next.
    again = events_of(unfold(Client().get(feed).content.decode()))
    assert [event["UID"] for event in again] == [event["UID"] for event in events]


def test_it_makes_all_day_events_for_activities_without_times(feed, children, town, family, frozen):
    activity = ActivityFactory(site=children[0].site, code="sortie", label="Sortie", starts_at=None, ends_at=None)
    EnrollmentFactory(child=children[0], activity=activity, school_year=SchoolYearFactory(town=town, start_year=2026))
    BookingFactory(child=children[0], activity=activity, date=NEXT_MONDAY)
    text = Client().get(feed).content.decode()
    assert "DTSTART;VALUE=DATE:20270315" in text
    assert re.search(r"DTSTART;TZID", text) is None


def test_it_shows_only_the_familys_days(feed, children, meals, outsider, frozen):
    leo = outsider.guardian.family.children.get()
    BookingFactory(child=leo, activity=meals, date=NEXT_MONDAY)
    BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY)
    text = Client().get(feed).content.decode()
    assert "Sarah" in text
    assert "Léo" not in text


def test_it_answers_404_to_an_unknown_or_revoked_token(town, family, other_town, stranger):
    assert Client().get(reverse("portal:ical", args=[town.slug, "inconnu"])).status_code == 404
    old = family.calendar_token
    actions.regenerate_calendar_token(family)
    assert Client().get(reverse("portal:ical", args=[town.slug, old])).status_code == 404
    # A family's token works only under its own town.
    their_token = stranger.guardian.family.calendar_token
    assert Client().get(reverse("portal:ical", args=[town.slug, their_token])).status_code == 404
    assert Client().get(reverse("portal:ical", args=[other_town.slug, their_token])).status_code == 200
