"""The CAF report's pages: the table, its CSV and PDF, the settings (audited), who may reach them."""

import csv
import datetime
import io
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.bookings.models import BookingState
from ardoise.caf.models import CafActivitySettings, CafSettings
from ardoise.towns.models import Site, Town
from tests.caf.fixtures import Fortnight
from tests.factories import ActivityFactory, BookingFactory, ChildFactory

# Monday 3 May 2027: the previous month is April.
NOW = datetime.datetime(2027, 5, 3, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
MARCH = {"start": "2027-03-01", "end": "2027-03-31"}


@pytest.fixture(autouse=True)
def may() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def url(town: Town, name: str = "caf_report", *args: object, **query: str) -> str:
    address = reverse(f"backoffice:{name}", args=[town.slug, *args])
    return address + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def content(response) -> str:
    body: bytes = response.getvalue()
    return body.decode("utf-8-sig")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: apt-get install poppler-utils"
    source = tmp_path / "rapport.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603 (a fixed local binary on a file we wrote)
        [pdftotext, "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def test_it_shows_the_previous_month_by_default(
    client_for: Callable[[User], Client], finance_agent: User, town: Town, fortnight: Fortnight
) -> None:
    response = client_for(finance_agent).get(url(town))
    assert response.status_code == 200
    html = content(response)
    assert "Du 1er avril 2027 au 30 avril 2027" in html
    assert "7,00" in html  # April's total
    assert "Non renseigné" in html


def test_it_shows_a_chosen_period_and_activities(
    client_for: Callable[[User], Client], finance_agent: User, town: Town, fortnight: Fortnight
) -> None:
    client = client_for(finance_agent)
    html = content(client.get(url(town, **MARCH)))
    assert "28,00" in html
    assert "1 jour réservé sans pointage, non compté." in html
    html = content(client.get(url(town, **MARCH, activities=str(fortnight.wednesday.pk))))
    assert "24,00" in html
    assert "28,00" not in html


def test_it_exports_the_table_as_csv(
    client_for: Callable[[User], Client], finance_agent: User, town: Town, fortnight: Fortnight
) -> None:
    response = client_for(finance_agent).get(url(town, "caf_report_csv", **MARCH))
    assert response.status_code == 200
    assert 'filename="rapport-caf_2027-03-01_2027-03-31.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(content(response)), delimiter=";"))
    site = "École Jules Ferry"
    assert rows == [
        ["Activité", "École", "Tranche d'âge", "Régime", "Enfants", "Présences", "Heures réalisées"],
        ["Accueil du mercredi", site, "Moins de 6 ans", "CAF", "1", "1", "8,00"],
        ["Accueil du mercredi", site, "Moins de 6 ans", "Non renseigné", "1", "1", "8,00"],
        ["Accueil du mercredi", site, "6 ans et plus", "MSA", "1", "1", "8,00"],
        ["Accueil du mercredi", site, "Total de l'activité", "", "3", "3", "24,00"],
        ["Garderie soir 16h30–18h30", site, "Moins de 6 ans", "CAF", "1", "1", "2,00"],
        ["Garderie soir 16h30–18h30", site, "6 ans et plus", "MSA", "1", "1", "2,00"],
        ["Garderie soir 16h30–18h30", site, "Total de l'activité", "", "2", "2", "4,00"],
        ["Toutes activités", "", "Moins de 6 ans", "", "2", "3", "18,00"],
        ["Toutes activités", "", "6 ans et plus", "", "1", "2", "10,00"],
        ["Toutes activités", "", "", "CAF", "1", "2", "10,00"],
        ["Toutes activités", "", "", "MSA", "1", "2", "10,00"],
        ["Toutes activités", "", "", "Non renseigné", "1", "1", "8,00"],
        ["Total", "", "", "", "3", "5", "28,00"],
    ]


def test_it_prints_the_report_as_a_pdf(
    client_for: Callable[[User], Client], town_admin: User, town: Town, fortnight: Fortnight, tmp_path: Path
) -> None:
    response = client_for(town_admin).get(url(town, "caf_report_pdf", **MARCH))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Rapport d'activité CAF du 1er mars 2027 au 31 mars 2027" in text
    assert "Total de la période 3 5 28,00" in text
    assert "Non renseigné" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2027-03-01", "end": "2028-03-31"}, "La période ne peut pas dépasser 366 jours."),
        ({"start": "2027-03-31", "end": "2027-03-01"}, "La date de fin est avant la date de début."),
        ({"start": "hier", "end": "2027-03-01"}, "La date de début n&#x27;est pas valide"),
        ({"start": "2027-03-01"}, "Indiquez le début et la fin de la période."),
        ({**MARCH, "activities": "999999"}, "pas déclarée à la CAF"),
    ],
)
def test_it_refuses_a_bad_period_or_activity(
    client_for: Callable[[User], Client], finance_agent: User, town: Town, query: dict[str, str], message: str
) -> None:
    client = client_for(finance_agent)
    response = client.get(url(town, **query))
    assert response.status_code == 400
    assert message in content(response)
    for export in ("caf_report_csv", "caf_report_pdf"):
        assert client.get(url(town, export, **query)).status_code == 400


def test_it_refuses_another_towns_activity(
    client_for: Callable[[User], Client], finance_agent: User, town: Town, other_town: Town
) -> None:
    elsewhere = ActivityFactory(town=other_town)
    client = client_for(finance_agent)
    assert client.get(url(town, **MARCH, activities=str(elsewhere.pk))).status_code == 400
    assert client.get(url(town, "caf_report_activity", elsewhere.pk)).status_code == 404
    assert client.post(url(town, "caf_report_activity", elsewhere.pk), {"reported": ""}).status_code == 404
    assert not CafActivitySettings.objects.exists()


@pytest.mark.parametrize("persona", ["finance_agent", "town_admin"])
def test_it_opens_to_finance_and_administrators(
    request: pytest.FixtureRequest, client_for: Callable[[User], Client], town: Town, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    for name in ("caf_report", "caf_report_csv", "caf_report_pdf", "caf_report_settings"):
        assert client.get(url(town, name)).status_code == 200


@pytest.mark.parametrize(
    ("persona", "status"), [("front_desk", 403), ("kitchen_agent", 403), ("parent", 404), ("stranger", 404)]
)
def test_it_refuses_everyone_else(
    request: pytest.FixtureRequest, client_for: Callable[[User], Client], town: Town, persona: str, status: int
) -> None:
    client = client_for(request.getfixturevalue(persona))
    for name in ("caf_report", "caf_report_csv", "caf_report_pdf", "caf_report_settings"):
        assert client.get(url(town, name)).status_code == status
    assert client.post(url(town, "caf_report_settings"), {"age_limits": "3"}).status_code == status
    assert not CafSettings.objects.exists()


def test_it_saves_the_towns_settings_and_audits_them(
    client_for: Callable[[User], Client], town_admin: User, town: Town, fortnight: Fortnight
) -> None:
    client = client_for(town_admin)
    response = client.post(url(town, "caf_report_settings"), {"age_limits": "3; 6 12", "wednesday_cap": "7,5"})
    assert response.status_code == 302
    settings = CafSettings.objects.get(town=town)
    assert (settings.age_limits, settings.wednesday_cap_minutes) == ([3, 6, 12], 450)
    entry = AuditEntry.objects.get(town=town, action="caf.settings")
    assert entry.actor == town_admin
    assert entry.changes == {"age_limits": [[6], [3, 6, 12]], "wednesday_cap_minutes": [480, 450]}
    html = content(client.get(url(town, **MARCH)))
    assert "3 à 5 ans" in html
    assert "6 à 11 ans" in html
    # Saving the same values again records nothing.
    client.post(url(town, "caf_report_settings"), {"age_limits": "3, 6, 12", "wednesday_cap": "7,50"})
    assert AuditEntry.objects.filter(action="caf.settings").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"age_limits": "6, 3", "wednesday_cap": ""}, "croissantes"),
        ({"age_limits": "six", "wednesday_cap": ""}, "Indiquez des âges en années"),
        ({"age_limits": "0", "wednesday_cap": ""}, "entre 1 et 25 ans"),
        ({"age_limits": "6", "wednesday_cap": "7,33"}, "minutes entières"),
        ({"age_limits": "6", "wednesday_cap": "30"}, "inférieure ou égale à 24"),
    ],
)
def test_it_refuses_wrong_settings_and_changes_nothing(
    client_for: Callable[[User], Client], finance_agent: User, town: Town, data: dict[str, str], message: str
) -> None:
    response = client_for(finance_agent).post(url(town, "caf_report_settings"), data)
    assert response.status_code == 422
    assert message in content(response)
    assert not CafSettings.objects.exists()
    assert not AuditEntry.objects.filter(action="caf.settings").exists()


def test_it_saves_an_activitys_settings_and_audits_them(
    client_for: Callable[[User], Client], finance_agent: User, town: Town, fortnight: Fortnight
) -> None:
    client = client_for(finance_agent)
    address = url(town, "caf_report_activity", fortnight.evening.pk)
    assert client.get(address).status_code == 200
    response = client.post(address, {"reported": "on", "wednesday_cap": "", "slot": "1,5"})
    assert response.status_code == 302
    own = CafActivitySettings.objects.get(activity=fortnight.evening)
    assert (own.reported, own.wednesday_cap_minutes, own.slot_minutes) == (True, None, 90)
    entry = AuditEntry.objects.get(town=town, action="caf.activity_settings")
    assert entry.changes["slot_minutes"] == [None, 90]
    html = content(client.get(url(town, **MARCH, activities=str(fortnight.evening.pk))))
    assert "3,00" in html  # two evenings of 1 h 30
    client.post(address, {"wednesday_cap": "", "slot": ""})  # unticked: no longer reported
    assert content(client.get(url(town, "caf_report_csv", **MARCH))).count("Garderie soir") == 0


def test_it_lists_the_report_in_the_staff_menu(
    client_for: Callable[[User], Client], finance_agent: User, front_desk: User, town: Town
) -> None:
    address = url(town)
    assert f'href="{address}"' in content(client_for(finance_agent).get(reverse("backoffice:home", args=[town.slug])))
    assert f'href="{address}"' not in content(client_for(front_desk).get(reverse("backoffice:home", args=[town.slug])))


def test_it_reads_the_page_and_its_downloads_in_a_constant_number_of_queries(
    client_for: Callable[[User], Client], finance_agent: User, town: Town, site: Site, fortnight: Fortnight
) -> None:
    client = client_for(finance_agent)

    def queries(name: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(town, name, **MARCH))
            assert response.status_code == 200
            response.getvalue()
        return len(captured)

    names = ("caf_report", "caf_report_csv", "caf_report_pdf")
    few = {name: queries(name) for name in names}
    for index in range(25):
        kid = ChildFactory(town=town, site=site, birth_date=datetime.date(2017 + index % 6, 1 + index % 12, 1))
        for day in (datetime.date(2027, 3, 2), datetime.date(2027, 3, 3)):
            for activity in (fortnight.evening, fortnight.wednesday):
                BookingFactory(child=kid, activity=activity, date=day, state=BookingState.PRESENT)
    ActivityFactory(site=site, garderie_matin=True)
    assert {name: queries(name) for name in names} == few
    print("CAF report queries:", few)  # noqa: T201 (measured for the report)


def test_it_shows_each_activitys_settings(
    client_for: Callable[[User], Client], finance_agent: User, town: Town, fortnight: Fortnight
) -> None:
    CafActivitySettings.objects.create(town=town, activity=fortnight.wednesday, wednesday_cap_minutes=390)
    html = content(client_for(finance_agent).get(url(town, "caf_report_settings")))
    assert "6,50 h" in html  # the Wednesday centre's own cap
    assert "(propre à l'activité)" in html
    assert "1,00 h (durée fixée)" in html  # the study has no times
    assert "8,00 h" in html  # the town's cap for the others


def test_it_keeps_the_activities_chosen_without_dates(
    client_for: Callable[[User], Client], finance_agent: User, town: Town, fortnight: Fortnight
) -> None:
    response = client_for(finance_agent).get(url(town, activities=str(fortnight.study.pk)))
    html = content(response)
    assert "Du 1er avril 2027 au 30 avril 2027" in html
    assert f"activities={fortnight.study.pk}" in html  # the downloads keep the choice
    assert "Garderie soir" not in html.split("<table", 1)[1]
