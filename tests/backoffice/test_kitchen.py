"""The kitchen's meal counts: per site and day, by diet, with allergies and PAI; CSV and PDF; who may see them."""

import csv
import datetime
import io
import random
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings import counts
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Child, Diet
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory, BookingFactory, ChildFactory, SiteFactory

TUESDAY = datetime.date(2027, 3, 9)
THURSDAY = datetime.date(2027, 3, 11)


@pytest.fixture
def menu(town: Town, site: Site, other_site: Site, meals: Activity, children: list[Child]) -> dict[str, Activity]:
    """Meals at both schools on Tuesday and Thursday; one child of each diet; an allergy and a PAI.

    Tuesday, Jules Ferry: Sarah (standard), Chloé (no pork, PAI), Noah (vegetarian, allergic to eggs);
    plus a requested day and an absence, which do not count. Marie Curie: Léa (no meat) present, and
    Tom present without a booking. Thursday, Jules Ferry: Sarah.
    """
    sarah, chloe = children
    chloe.diet, chloe.has_pai, chloe.pai_details = Diet.NO_PORK, True, "Panier repas"
    chloe.save()
    noah = ChildFactory(
        town=town, site=site, first_name="Noah", last_name="BLANC", diet=Diet.VEGETARIAN, allergies="Œufs"
    )
    waiting = ChildFactory(town=town, site=site, first_name="Ana", last_name="ROUX")
    absent = ChildFactory(town=town, site=site, first_name="Eva", last_name="COLIN", allergies="Lait")
    curie = ActivityFactory(site=other_site)
    lea = ChildFactory(town=town, site=other_site, first_name="Léa", last_name="MARTIN", diet=Diet.NO_MEAT)
    tom = ChildFactory(town=town, site=other_site, first_name="Tom", last_name="GIRARD")
    for child, state in [
        (sarah, BookingState.BOOKED),
        (chloe, BookingState.BOOKED),
        (noah, BookingState.PRESENT),
        (waiting, BookingState.REQUESTED),
        (absent, BookingState.ABSENT_BILLED),
    ]:
        BookingFactory(child=child, activity=meals, date=TUESDAY, state=state)
    BookingFactory(child=lea, activity=curie, date=TUESDAY, state=BookingState.PRESENT)
    BookingFactory(child=tom, activity=curie, date=TUESDAY, state=BookingState.PRESENT_UNBOOKED)
    BookingFactory(child=sarah, activity=meals, date=THURSDAY)
    # Not a meal: morning care is not counted.
    care = ActivityFactory(site=site, garderie_matin=True)
    BookingFactory(child=sarah, activity=care, date=TUESDAY)
    return {"ferry": meals, "curie": curie}


def kitchen_url(town: Town, name: str = "kitchen", **query: str) -> str:
    base = reverse(f"backoffice:{name}", args=[town.slug])
    return base + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_it_counts_meals_per_site_day_and_diet(town: Town, site: Site, other_site: Site, menu: dict) -> None:
    result = counts.meal_counts(town, TUESDAY, THURSDAY)
    ferry = result.cell(TUESDAY, site.pk)
    assert ferry.total == 3
    assert ferry.diets == {"standard": 1, "no_pork": 1, "vegetarian": 1, "no_meat": 0}
    assert (ferry.pai, ferry.allergies) == (1, 1)
    curie = result.cell(TUESDAY, other_site.pk)
    assert curie.total == 2
    assert curie.diets["no_meat"] == 1
    assert result.by_day[TUESDAY].total == 5
    assert result.by_day[THURSDAY].total == 1
    assert result.by_site[site.pk].total == 4
    assert result.total.total == 6
    # Wednesday has no meal anywhere: not listed.
    assert result.days == [TUESDAY, THURSDAY]
    names = [child.full_name for child in result.flagged[(TUESDAY, site.pk)]]
    assert names == ["BLANC Noah", "DUPONT Chloé"]


def test_it_shows_the_counts_and_what_counts(
    client_for: Callable[[User], Client], kitchen_agent: User, town: Town, menu: dict
) -> None:
    response = client_for(kitchen_agent).get(kitchen_url(town, start="2027-03-09", end="2027-03-11"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mardi 9 mars 2027</time> — 5 repas" in html
    assert "Jeudi 11 mars 2027</time> — 1 repas" in html
    assert "BLANC Noah" in html
    assert "Allergies : Œufs" in html
    assert "PAI</strong> : Panier repas" in html
    assert "COLIN" not in html
    assert "ROUX" not in html
    assert "Ne sont pas comptés : les demandes en attente de validation, les absences" in html
    assert "@media print" in (Path(__file__).parents[2] / "ardoise/static/css/kitchen.css").read_text()


def test_it_shows_the_next_five_school_days_by_default(
    client_for: Callable[[User], Client], front_desk: User, town: Town, menu: dict
) -> None:
    response = client_for(front_desk).get(kitchen_url(town))
    assert response.status_code == 200
    # Tuesday 9, Thursday 11, Friday 12, Monday 15, Tuesday 16 March (no meal on Wednesdays).
    assert response.context["counts"].days == [datetime.date(2027, 3, day) for day in (9, 11, 12, 15, 16)]


def test_it_counts_exactly_the_bookings_on_a_generated_set(
    town: Town, site: Site, other_site: Site, meals: Activity
) -> None:
    curie = ActivityFactory(site=other_site)
    rng = random.Random(2027)
    days = [datetime.date(2027, 3, day) for day in (8, 9, 11, 12, 15)]
    expected: Counter[tuple[datetime.date, int, str]] = Counter()
    for index in range(40):
        school, activity = rng.choice([(site, meals), (other_site, curie)])
        child = ChildFactory(
            town=town,
            site=school,
            diet=rng.choice(Diet.values),
            has_pai=rng.random() < 0.2,
            allergies=rng.choice(["", "", "Gluten"]),
            first_name=f"Enfant{index}",
        )
        for day in rng.sample(days, rng.randint(0, len(days))):
            state = rng.choice(BookingState.values)
            BookingFactory(child=child, activity=activity, date=day, state=state)
            if state in ("booked", "present", "present_unbooked"):
                expected[(day, school.pk, child.diet)] += 1
    result = counts.meal_counts(town, days[0], days[-1])
    for day in days:
        for school in (site, other_site):
            cell = result.cell(day, school.pk)
            assert cell.diets == {diet: expected[(day, school.pk, diet)] for diet in Diet.values}
            assert cell.total == sum(expected[(day, school.pk, diet)] for diet in Diet.values)
    assert result.total.total == sum(expected.values())
    counted = Booking.objects.filter(activity__code="repas", state__in=counts.COUNTED_STATES)
    assert result.total.total == counted.count()
    assert result.total.pai == counted.filter(child__has_pai=True).count()
    assert result.total.allergies == counted.exclude(child__allergies="").count()


def test_it_exports_a_csv_excel_reads(
    client_for: Callable[[User], Client], kitchen_agent: User, town: Town, menu: dict
) -> None:
    response = client_for(kitchen_agent).get(kitchen_url(town, "kitchen_csv", start="2027-03-09", end="2027-03-11"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="repas_2027-03-09_2027-03-11.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Date", "École", "Repas", "Standard", "Sans porc", "Végétarien", "Sans viande",
        "dont PAI", "dont allergies", "Fermé",
    ]  # fmt: skip
    assert ["2027-03-09", "École Jules Ferry", "3", "1", "1", "1", "0", "1", "1", ""] in rows
    assert ["2027-03-09", "École Marie Curie", "2", "1", "0", "0", "1", "0", "0", ""] in rows
    assert ["2027-03-09", "Total du jour", "5", "2", "1", "1", "1", "1", "1", ""] in rows
    assert ["Période", "Total", "6", "3", "1", "1", "1", "1", "1", ""] in rows
    assert ["2027-03-09", "École Jules Ferry", "BLANC Noah", "CE2", "Végétarien", "", "Œufs"] in rows
    assert ["2027-03-09", "École Jules Ferry", "DUPONT Chloé", "CP", "Sans porc", "oui : Panier repas", ""] in rows


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: apt-get install poppler-utils"
    source = tmp_path / "repas.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603 (a fixed local binary on a file we wrote)
        [pdftotext, "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def test_it_exports_a_pdf_with_the_totals(
    client_for: Callable[[User], Client], kitchen_agent: User, town: Town, menu: dict, tmp_path: Path
) -> None:
    response = client_for(kitchen_agent).get(kitchen_url(town, "kitchen_pdf", start="2027-03-09", end="2027-03-11"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "Repas du 9 mars 2027 au 11 mars 2027" in text
    assert "Mardi 9 mars 2027 — 5 repas" in text
    assert "Total de la période 6" in text
    assert "BLANC Noah" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2027-03-09", "end": "2027-06-30"}, "La période ne peut pas dépasser 93 jours."),
        ({"start": "2027-03-11", "end": "2027-03-09"}, "La date de fin est avant la date de début."),
        ({"start": "demain"}, "La date de début n&#x27;est pas valide"),
    ],
)
def test_it_refuses_a_bad_period(
    client_for: Callable[[User], Client], kitchen_agent: User, town: Town, query: dict[str, str], message: str
) -> None:
    client = client_for(kitchen_agent)
    response = client.get(kitchen_url(town, **query))
    assert response.status_code == 400
    assert message in response.content.decode()
    for export in ("kitchen_csv", "kitchen_pdf"):
        assert client.get(kitchen_url(town, export, **query)).status_code == 400


def test_it_accepts_a_period_of_93_days(client_for: Callable[[User], Client], kitchen_agent: User, town: Town) -> None:
    response = client_for(kitchen_agent).get(kitchen_url(town, start="2027-03-01", end="2027-06-01"))
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["kitchen_agent", "front_desk", "town_admin"])
def test_it_opens_to_the_kitchen_the_front_desk_and_admins(
    request: pytest.FixtureRequest, client_for: Callable[[User], Client], town: Town, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    for name in ("kitchen", "kitchen_csv", "kitchen_pdf"):
        assert client.get(kitchen_url(town, name)).status_code == 200


@pytest.mark.parametrize(
    ("persona", "status"), [("finance_agent", 403), ("site_agent", 403), ("parent", 404), ("stranger", 404)]
)
def test_it_refuses_everyone_else(
    request: pytest.FixtureRequest, client_for: Callable[[User], Client], town: Town, persona: str, status: int
) -> None:
    client = client_for(request.getfixturevalue(persona))
    for name in ("kitchen", "kitchen_csv", "kitchen_pdf"):
        assert client.get(kitchen_url(town, name)).status_code == status


def test_it_leaves_out_another_towns_meals(
    client_for: Callable[[User], Client], kitchen_agent: User, town: Town, other_town: Town, menu: dict
) -> None:
    elsewhere = ChildFactory(town=other_town, first_name="Étranger")
    BookingFactory(child=elsewhere, activity=ActivityFactory(site=elsewhere.site), date=TUESDAY)
    result = counts.meal_counts(town, TUESDAY, TUESDAY)
    assert result.total.total == 5
    html = client_for(kitchen_agent).get(kitchen_url(town, start="2027-03-09", end="2027-03-09")).content.decode()
    assert elsewhere.site.name not in html


# The request's own (session, account, town, roles) and the counts': one grouped read of the meals, one of the
# flagged children's names; the meal activities and school years come from the town's cached reference data.
KITCHEN_QUERIES = 6


# Transactions for real: the town's reference cache keeps nothing while a change is uncommitted.
@pytest.mark.django_db(transaction=True)
def test_it_reads_the_counts_in_a_constant_number_of_queries_whatever_the_schools_days_and_children(
    client_for: Callable[[User], Client], kitchen_agent: User, town: Town, site: Site, meals: Activity
) -> None:
    client = client_for(kitchen_agent)
    activities = [meals]

    def add(children: int, days: list[datetime.date]) -> None:
        for index in range(children):
            activity = activities[index % len(activities)]
            child = ChildFactory(
                town=town,
                site=activity.site,
                has_pai=index % 2 == 0,
                allergies="Gluten" if index % 3 == 0 else "",
                diet=Diet.values[index % 4],
            )
            for day in days:
                BookingFactory(child=child, activity=activity, date=day)

    def queries(end: str) -> list[str]:
        url = kitchen_url(town, start="2027-03-08", end=end)
        assert client.get(url).status_code == 200  # fills the town's reference cache, as any process once
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    add(3, [TUESDAY])
    few = queries("2027-03-09")
    for number in range(3):
        activities.append(ActivityFactory(site=SiteFactory(town=town, name=f"École {number}")))
    add(40, [TUESDAY, THURSDAY, datetime.date(2027, 3, 16)])
    many = queries("2027-03-19")
    assert len(few) == len(many) <= KITCHEN_QUERIES, "\n".join(many)


def test_it_lists_a_child_on_each_day_and_at_each_school_in_name_order(
    town: Town, site: Site, other_site: Site, meals: Activity
) -> None:
    curie = ActivityFactory(site=other_site)
    zoe = ChildFactory(town=town, site=site, first_name="Zoé", last_name="ARNAUD", allergies="Kiwi")
    adam = ChildFactory(town=town, site=site, first_name="Adam", last_name="ZIDANE", has_pai=True)
    emma = ChildFactory(town=town, site=site, first_name="Emma", last_name="ARNAUD", has_pai=True)
    plain = ChildFactory(town=town, site=other_site, first_name="Paul", last_name="BRUN")
    ines = ChildFactory(town=town, site=other_site, first_name="Inès", last_name="CARON", allergies="Lait")
    for child in (adam, zoe, emma):
        BookingFactory(child=child, activity=meals, date=TUESDAY)
    BookingFactory(child=zoe, activity=meals, date=THURSDAY)
    BookingFactory(child=ines, activity=curie, date=THURSDAY)
    BookingFactory(child=plain, activity=curie, date=THURSDAY)
    BookingFactory(child=adam, activity=meals, date=THURSDAY, state=BookingState.ABSENT_BILLED)

    result = counts.meal_counts(town, TUESDAY, THURSDAY)
    listed = {key: [child.full_name for child in children] for key, children in result.flagged.items()}
    assert list(listed.items()) == [
        ((TUESDAY, site.pk), ["ARNAUD Emma", "ARNAUD Zoé", "ZIDANE Adam"]),
        ((THURSDAY, site.pk), ["ARNAUD Zoé"]),
        ((THURSDAY, other_site.pk), ["CARON Inès"]),
    ]
    [zoe_on_thursday] = result.flagged[(THURSDAY, site.pk)]
    assert (zoe_on_thursday.day, zoe_on_thursday.site_id, zoe_on_thursday.allergies) == (THURSDAY, site.pk, "Kiwi")
    assert result.cell(THURSDAY, other_site.pk).total == 2
    assert (result.cell(THURSDAY, other_site.pk).allergies, result.cell(TUESDAY, site.pk).pai) == (1, 2)


def test_it_never_lets_a_spreadsheet_run_a_parents_text(
    client_for: Callable[[User], Client], kitchen_agent: User, town: Town, menu: dict, children: list[Child]
) -> None:
    chloe = children[1]
    chloe.allergies, chloe.pai_details = '=HYPERLINK("http://x","y")', "@SUM(1)"
    chloe.save()
    response = client_for(kitchen_agent).get(kitchen_url(town, "kitchen_csv", start="2027-03-09", end="2027-03-09"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    [chloe_row] = [row for row in rows if "DUPONT Chloé" in row]
    assert chloe_row[-1] == '\'=HYPERLINK("http://x","y")'
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_it_lists_each_flagged_child_with_what_the_kitchen_must_know_and_escapes_a_parents_text(
    client_for: Callable[[User], Client],
    kitchen_agent: User,
    town: Town,
    menu: dict[str, Activity],
    children: list[Child],
) -> None:
    chloe = children[1]
    chloe.school_class, chloe.allergies = "CE1 <b>", "Arachide <script>alert(1)</script>"
    chloe.save()
    response = client_for(kitchen_agent).get(kitchen_url(town, start="2027-03-09", end="2027-03-09"))
    html = response.content.decode()
    assert (
        "<li><strong>DUPONT Chloé</strong> (CE1 &lt;b&gt;) · Sans porc · <strong>PAI</strong> : Panier repas"
        " · Allergies : Arachide &lt;script&gt;alert(1)&lt;/script&gt;</li>"
    ) in html
    assert "<script>alert" not in html
    # Sarah (standard diet, nothing to flag) is counted, never listed.
    assert "DUPONT Sarah" not in html


def test_it_escapes_a_site_name_in_the_rows_and_headings_written_in_python(
    client_for: Callable[[User], Client], kitchen_agent: User, town: Town, site: Site, menu: dict[str, Activity]
) -> None:
    site.name = 'École "A" & <B>'
    site.save()
    response = client_for(kitchen_agent).get(kitchen_url(town, start="2027-03-09", end="2027-03-09"))
    html = response.content.decode()
    name = "École &quot;A&quot; &amp; &lt;B&gt;"
    assert f'<tr><th scope="row">{name}</th><td class="num">3</td>' in html
    assert f'<h3 class="kitchen-flagged__title">Allergies et PAI — {name}</h3>' in html
    assert "<B>" not in html
