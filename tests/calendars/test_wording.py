"""Dates in words read the French way: "1er décembre", never "1 décembre" nor "5 Déc 2026".

One helper writes them (`calendars.wording.date_fr`, the `date_fr` template filter); a scan of
the templates and the code fails when a date in words bypasses it.
"""

import datetime
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.bookings.models import Request, RequestKind
from ardoise.bookings.notifications import request_subject
from ardoise.calendars.wording import date_fr
from ardoise.families.models import Child, Family, Sex
from tests.factories import BookingFactory

ARDOISE = Path(__file__).resolve().parents[2] / "ardoise"
DECEMBER_1 = datetime.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("day", "fmt", "written"),
    [
        (DECEMBER_1, "j F Y", "1er décembre 2026"),
        (DECEMBER_1, "l j F Y", "mardi 1er décembre 2026"),
        (DECEMBER_1, "l j F", "mardi 1er décembre"),
        (DECEMBER_1, "D j", "mar 1er"),
        (datetime.date(2026, 12, 5), "j F Y", "5 décembre 2026"),
        (datetime.date(2026, 12, 31), "l j F Y", "jeudi 31 décembre 2026"),
        # Numeric dates stay numeric, escaped letters stay letters.
        (DECEMBER_1, "d/m/Y", "01/12/2026"),
        (DECEMBER_1, "D j/m", "mar 1/12"),
        (
            datetime.datetime(2026, 12, 1, 8, 5, tzinfo=ZoneInfo("Europe/Paris")),
            "j F \\à H\\hi",
            "1er décembre à 08h05",
        ),
    ],
)
def test_it_writes_the_first_of_the_month_as_1er(day: datetime.date, fmt: str, written: str) -> None:
    assert date_fr(day, fmt) == written


def test_it_writes_an_aware_moment_in_paris_time() -> None:
    moment = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)  # 1 December, 00:30 in Paris
    assert date_fr(moment, "j F Y à H\\hi") == "1er décembre 2026 à 00h30"
    assert date_fr(None, "j F Y") == ""


def test_it_gives_templates_the_filter_without_loading_it() -> None:
    template = Template('{{ day|date_fr:"l j F Y"|capfirst }} · {{ other|date_fr:"j F" }} · {{ none|date_fr:"j F" }}.')
    rendered = template.render(Context({"day": DECEMBER_1, "other": datetime.date(2027, 3, 2), "none": None}))
    assert rendered == "Mardi 1er décembre 2026 · 2 mars · ."


def test_it_shows_1er_on_the_parents_home(town: Any, parent: User, client_for: Any) -> None:
    with time_machine.travel(datetime.datetime(2027, 3, 1, 10, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        page = client_for(parent).get(reverse("portal:home", args=[town.slug])).content.decode()
    assert "Lundi 1er mars 2027" in page


def test_it_writes_1er_in_the_request_decision_email(family: Family, parent: User) -> None:
    child = family.children.get(first_name="Sarah")
    booking = BookingFactory(child=child, date=datetime.date(2027, 3, 1))
    item = Request(town=family.town, family=family, kind=RequestKind.BOOKING, child=child, booking=booking)
    assert request_subject(item).endswith(", lundi 1er mars 2027")


# The scan: every date in words goes through date_fr.

WORD_LETTERS = set("FlDNEM")


def format_letters(fmt: str) -> list[tuple[str, str]]:
    """Each unescaped letter of a Django date format, with the character after it."""
    letters = []
    index = 0
    while index < len(fmt):
        if fmt[index] == "\\":
            index += 2
            continue
        letters.append((fmt[index], fmt[index + 1 : index + 2]))
        index += 1
    return letters


def day_in_words(fmt: str) -> bool:
    letters = format_letters(fmt)
    day = any(letter == "j" and after not in ("/", ".", "-") for letter, after in letters)
    return day and bool({letter for letter, _ in letters} & WORD_LETTERS)


def abbreviated_month(fmt: str) -> bool:
    return any(letter in ("M", "b") for letter, _ in format_letters(fmt))


def test_it_tells_a_day_in_words_from_a_numeric_date() -> None:
    assert day_in_words("l j F Y")
    assert day_in_words("D j")
    assert day_in_words("j F")
    assert not day_in_words("d/m/Y")
    assert not day_in_words("D j/m")
    assert not day_in_words("F Y")
    assert abbreviated_month("j M Y")
    assert not abbreviated_month("j F Y \\M")


def sources(pattern: str) -> list[Path]:
    return sorted(path for path in ARDOISE.rglob(pattern) if "migrations" not in path.parts)


TEMPLATE_DATE = re.compile(r"""\|(date_fr|date)\b(?::(["'])(.*?)\2)?""")
PYTHON_DATE = re.compile(r"""\b(date_format|date_fr)\(\s*[^,()]+(?:\([^()]*\))?,\s*(["'])(.*?)\2""")


def test_it_writes_every_date_in_words_of_templates_through_date_fr() -> None:
    wrong = []
    for path in sources("*.html") + sources("*.txt"):
        for match in TEMPLATE_DATE.finditer(path.read_text()):
            name, fmt = match.group(1), match.group(3)
            where = f"{path.relative_to(ARDOISE)}: {match.group(0)}"
            if fmt is None:
                wrong.append(f"{where} (Django's default format says '1 décembre')")
            elif abbreviated_month(fmt):
                wrong.append(f"{where} (write the month in full)")
            elif name == "date" and day_in_words(fmt):
                wrong.append(f"{where} (use date_fr)")
    assert wrong == []


def test_it_writes_every_date_in_words_of_the_code_through_date_fr() -> None:
    wrong = []
    for path in sources("*.py"):
        text = path.read_text()
        for match in PYTHON_DATE.finditer(text):
            name, fmt = match.group(1), match.group(3).replace("\\\\", "\\")
            if abbreviated_month(fmt) or (name == "date_format" and day_in_words(fmt)):
                wrong.append(f"{path.relative_to(ARDOISE)}: {match.group(0)}")
        wrong += [f"{path.relative_to(ARDOISE)}: {m}" for m in re.findall(r"strftime\([^)]*%[aAbBe][^)]*\)", text)]
    assert wrong == []
    # The scan sees the code's dates: it would catch the calls it checks.
    assert PYTHON_DATE.search('formats.date_format(timezone.localtime(moment), "j F Y")')


# Né, née


@pytest.mark.parametrize(("sex", "words"), [(Sex.FEMALE, "née le"), (Sex.MALE, "né le"), ("", "né(e) le")])
def test_it_says_born_by_the_childs_sex(sex: str, words: str) -> None:
    assert Child(sex=sex).born_on == words


def test_it_shows_nee_and_ne_on_the_record_pages(
    town: Any, family: Family, parent: User, front_desk: User, client_for: Any
) -> None:
    Child.objects.filter(family=family, first_name="Sarah").update(sex=Sex.FEMALE, birth_date=datetime.date(2018, 3, 1))
    Child.objects.filter(family=family, first_name="Chloé").update(sex=Sex.MALE)
    portal = client_for(parent).get(reverse("portal:record", args=[town.slug])).content.decode()
    staff = client_for(front_desk).get(reverse("backoffice:family", args=[town.slug, family.pk])).content.decode()
    for page in (portal, staff):
        assert "née le 1er mars 2018" in page
        assert "né le " in page
        assert "né(e)" not in page
