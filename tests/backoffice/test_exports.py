"""Exports: families and children, attendance over a period, as CSV and XLSX."""

import csv
import datetime
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.bookings.models import Absence, BookingState
from ardoise.families.models import Child, Family
from ardoise.towns.models import Site, Town
from tests.factories import (
    AbsenceReasonFactory,
    ActivityFactory,
    BookingFactory,
    ChildFactory,
    FamilyFactory,
    GuardianFactory,
    SiteFactory,
)

MONDAY = datetime.date(2027, 3, 15)


def url(town: Town, name: str) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug])


@pytest.fixture
def admin(client_for: Callable[[User], Client], town_admin: User) -> Client:
    return client_for(town_admin)


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def read_xlsx(response) -> list[list[object]]:
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def dupont(family: Family, parent: User, co_parent: User) -> Family:
    sarah = family.children.get(first_name="Sarah")
    sarah.allergies = "Arachide"
    sarah.has_pai = True
    sarah.save()
    return family


def test_it_exports_families_and_children_as_csv_without_health_by_default(
    admin: Client, town: Town, dupont: Family, stranger: User
) -> None:
    FamilyFactory(town=town, number="9", name="SANSENFANT")
    response = admin.get(url(town, "export_families"), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="familles-saint-exemple-')
    rows = read_csv(response)
    header = rows[0]
    assert header[:4] == ["N° famille", "Famille", "Quotient familial", "Réside dans la commune"]
    assert "Allergies" not in header
    by_child = {row[header.index("Enfant : prénom")]: row for row in rows[1:]}
    assert set(by_child) == {"Sarah", "Chloé", ""}
    sarah = by_child["Sarah"]
    assert sarah[header.index("Responsable 1 : prénom")] == "Marie"
    assert sarah[header.index("Responsable 2 : prénom")] == "Paul"
    assert sarah[header.index("École")] == "École Jules Ferry"
    assert "Arachide" not in str(rows)
    assert "DURAND" not in str(rows)  # another town's family
    assert by_child[""][1] == "SANSENFANT"
    assert AuditEntry.objects.filter(town=town, action="export.families").exists()


def test_it_adds_health_data_when_asked_by_a_role_that_may_read_it(
    admin: Client, client_for, town: Town, dupont: Family, front_desk: User
) -> None:
    for client in (admin, client_for(front_desk)):
        rows = read_csv(client.get(url(town, "export_families"), {"format": "csv", "health": "on"}))
        header = rows[0]
        assert header[-4:] == ["Allergies", "PAI", "Régime alimentaire", "Informations médicales"]
        sarah = next(row for row in rows if row[header.index("Enfant : prénom")] == "Sarah")
        assert (sarah[header.index("Allergies")], sarah[header.index("PAI")]) == ("Arachide", "oui")


def test_it_exports_families_as_xlsx_readable_back(admin: Client, town: Town, dupont: Family) -> None:
    response = admin.get(url(town, "export_families"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="familles-saint-exemple-' in response["Content-Disposition"]
    rows = read_xlsx(response)
    assert rows[0][0] == "N° famille"
    assert sorted(row[rows[0].index("Enfant : prénom")] for row in rows[1:]) == ["Chloé", "Sarah"]
    assert rows[1][2] == 800  # the quotient familial stays a number


def test_it_exports_families_in_bounded_queries(
    admin: Client, town: Town, site: Site, django_assert_max_num_queries
) -> None:
    for n in range(30):
        family = FamilyFactory(town=town, number=str(100 + n))
        GuardianFactory(family=family, user=None)
        ChildFactory(family=family, site=site)
        ChildFactory(family=family, site=site)
    with django_assert_max_num_queries(10):
        rows = read_csv(admin.get(url(town, "export_families"), {"format": "csv"}))
    assert len(rows) == 61


@pytest.fixture
def attendance(town: Town, dupont: Family, site: Site) -> Activity:
    meals = ActivityFactory(site=site)
    sarah, chloe = dupont.children.get(first_name="Sarah"), dupont.children.get(first_name="Chloé")
    BookingFactory(child=sarah, activity=meals, date=MONDAY, state=BookingState.PRESENT)
    absent = BookingFactory(child=chloe, activity=meals, date=MONDAY, state=BookingState.ABSENT_EXCUSED)
    Absence.objects.create(town=town, booking=absent, reason=AbsenceReasonFactory(town=town, label="Maladie"))
    BookingFactory(child=sarah, activity=meals, date=MONDAY + datetime.timedelta(days=1))
    BookingFactory(child=sarah, activity=meals, date=MONDAY + datetime.timedelta(days=30))  # outside the period
    other = SiteFactory(town=town, name="École Marie Curie")
    BookingFactory(child=ChildFactory(family=dupont, site=other, first_name="Léa"), date=MONDAY)
    return meals


def test_it_exports_attendance_over_a_period_as_csv(admin: Client, town: Town, attendance: Activity) -> None:
    response = admin.get(url(town, "export_attendance"), {"start": "2027-03-15", "end": "2027-03-19", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="presences-saint-exemple-2027-03-15-2027-03-19.csv"'
    rows = read_csv(response)
    assert rows[0] == ["Date", "École", "Activité", "N° famille", "Nom", "Prénom", "Classe", "État", "Motif d'absence"]
    assert rows[1:] == [
        ["15/03/2027", "École Jules Ferry", "Repas", "1", "DUPONT", "Chloé", "CP", "Absent excusé", "Maladie"],
        ["15/03/2027", "École Jules Ferry", "Repas", "1", "DUPONT", "Sarah", "CM1", "Présent", ""],
        ["15/03/2027", "École Marie Curie", "Repas", "1", "DUPONT", "Léa", "CE2", "Réservé", ""],
        ["16/03/2027", "École Jules Ferry", "Repas", "1", "DUPONT", "Sarah", "CM1", "Réservé", ""],
    ]
    assert AuditEntry.objects.filter(town=town, action="export.attendance").exists()


def test_it_filters_attendance_by_site_and_exports_xlsx(
    admin: Client, town: Town, site: Site, attendance: Activity
) -> None:
    params = {"start": "2027-03-15", "end": "2027-03-19", "site": site.pk, "format": "xlsx"}
    rows = read_xlsx(admin.get(url(town, "export_attendance"), params))
    assert [row[5] for row in rows[1:]] == ["Chloé", "Sarah", "Sarah"]
    assert rows[1][7] == "Absent excusé"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2027-03-19", "end": "2027-03-15"}, "La fin de la période doit suivre son début."),
        ({"start": "2026-01-01", "end": "2027-03-15"}, "La période ne peut dépasser un an."),
        ({"start": "hier", "end": "2027-03-15"}, "Saisissez une date valide."),
        ({"format": "pdf"}, "Sélectionnez un choix valide"),
        ({"site": "999999"}, "Sélectionnez un choix valide"),
    ],
)
def test_it_refuses_a_bad_period_or_format(admin: Client, town: Town, params: dict[str, str], message: str) -> None:
    query = {"start": "2027-03-15", "end": "2027-03-19", "format": "csv"} | params
    response = admin.get(url(town, "export_attendance"), query)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_it_refuses_another_towns_site_in_the_filter(
    admin: Client, town: Town, other_town: Town, attendance: Activity
) -> None:
    foreign = SiteFactory(town=other_town)
    response = admin.get(
        url(town, "export_attendance"), {"start": "2027-03-15", "end": "2027-03-19", "site": foreign.pk}
    )
    assert response.status_code == 422


def test_it_shows_the_exports_page_with_the_health_choice(admin: Client, town: Town) -> None:
    page = admin.get(url(town, "exports")).content.decode()
    assert "Inclure les données de santé" in page


@pytest.mark.parametrize("name", ["exports", "export_families", "export_attendance"])
@pytest.mark.parametrize("persona", ["site_agent", "kitchen_agent"])
def test_it_refuses_other_roles_with_403(
    request: pytest.FixtureRequest, client_for, town: Town, name: str, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url(town, name), {"format": "csv"}).status_code == 403


def test_it_lets_finance_export_the_families_and_reach_the_money_exports(
    client_for, town: Town, finance_agent: User, dupont: Family
) -> None:
    client = client_for(finance_agent)
    page = client.get(url(town, "exports"))
    assert page.status_code == 200
    html = page.content.decode()
    assert url(town, "invoicing_unpaid_csv") in html
    assert url(town, "deposit_slips") in html
    assert "Inclure les données de santé" not in html
    assert url(town, "export_attendance") not in html
    rows = read_csv(client.get(url(town, "export_families"), {"format": "csv"}))
    assert {row[rows[0].index("Enfant : prénom")] for row in rows[1:]} == {"Sarah", "Chloé"}


def test_it_never_gives_finance_health_data(client_for, town: Town, finance_agent: User, dupont: Family) -> None:
    client = client_for(finance_agent)
    rows = read_csv(client.get(url(town, "export_families"), {"format": "csv", "health": "on"}))
    assert "Allergies" not in rows[0]
    assert "Arachide" not in str(rows)
    # The attendance carries absence reasons, which may be medical.
    assert client.get(url(town, "export_attendance"), {"start": "2027-03-15", "end": "2027-03-19"}).status_code == 403


@pytest.mark.parametrize("name", ["exports", "export_families", "export_attendance"])
@pytest.mark.parametrize("persona", ["parent", "stranger"])
def test_it_answers_404_to_parents_and_other_towns(
    request: pytest.FixtureRequest, client_for, town: Town, name: str, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url(town, name), {"format": "csv"}).status_code == 404


def test_it_lets_the_front_desk_export(client_for, town: Town, front_desk: User, family: Family) -> None:
    client = client_for(front_desk)
    assert client.get(url(town, "exports")).status_code == 200
    rows = read_csv(client.get(url(town, "export_families"), {"format": "csv"}))
    assert len(rows) == 3
    assert Child.objects.filter(town=town).count() == 2


ATTACK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def hostile(family: Family, parent: User, co_parent: User) -> Family:
    """A family whose parents typed formulas into every text they could."""
    marie = parent.guardian
    marie.last_name, marie.address, marie.city = ATTACK, "+33 rue du Calcul", "@SUM(1+1)"
    marie.save()
    sarah = family.children.get(first_name="Sarah")
    sarah.allergies, sarah.health_notes, sarah.last_name = "-2+3+cmd|' /C calc'!A0", "\t=1+1", ATTACK
    sarah.save()
    return family


def test_it_never_lets_a_spreadsheet_run_a_parents_text_in_csv(admin: Client, town: Town, hostile: Family) -> None:
    rows = read_csv(admin.get(url(town, "export_families"), {"format": "csv", "health": "on"}))
    header = rows[0]
    sarah = next(row for row in rows[1:] if row[header.index("Enfant : prénom")] == "Sarah")
    assert sarah[header.index("Responsable 1 : nom")] == "'" + ATTACK
    assert sarah[header.index("Adresse")] == "'+33 rue du Calcul"
    assert sarah[header.index("Ville")] == "'@SUM(1+1)"
    assert sarah[header.index("Enfant : nom")] == "'" + ATTACK
    assert sarah[header.index("Allergies")] == "'-2+3+cmd|' /C calc'!A0"
    assert sarah[header.index("Informations médicales")] == "'\t=1+1"


def test_it_never_lets_a_spreadsheet_run_a_parents_text_in_xlsx(admin: Client, town: Town, hostile: Family) -> None:
    response = admin.get(url(town, "export_families"), {"format": "xlsx", "health": "on"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = {cell.value for cell in cells}
    assert "'" + ATTACK in values
    assert "'+33 rue du Calcul" in values


def test_it_never_lets_a_spreadsheet_run_a_childs_name_in_the_attendance(
    admin: Client, town: Town, hostile: Family, site: Site
) -> None:
    BookingFactory(child=hostile.children.get(first_name="Sarah"), activity=ActivityFactory(site=site), date=MONDAY)
    query = {"start": MONDAY.isoformat(), "end": MONDAY.isoformat()}
    rows = read_csv(admin.get(url(town, "export_attendance"), {**query, "format": "csv"}))
    assert "'" + ATTACK in rows[1]
    response = admin.get(url(town, "export_attendance"), {**query, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert not [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
