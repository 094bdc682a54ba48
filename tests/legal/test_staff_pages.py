"""The administrator's pages: the town's part of the statement and of the notice (validated, audited), and the
register of processing with its CSV and PDF for the DPO."""

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry, AuditSettings
from ardoise.legal.models import AccessibilityStatement, ProcessingNotice
from ardoise.legal.texts import PROCESSINGS
from ardoise.privacy.models import PrivacySettings
from ardoise.towns.models import Town
from tests.billing.test_pdf import pdf_text
from tests.legal.helpers import filled_notice, html, url

pytestmark = pytest.mark.django_db

STATEMENT = {
    "audit_date": "2026-11-20",
    "criteria_met_percent": "62,5",
    "audited_by": "Access42",
    "tools": "",
    "pages_audited": "",
    "non_conforming": "Les menus PDF.",
    "derogations": "",
    "not_subject": "",
    "contact_email": "a11y@example.test",
    "contact_url": "",
    "contact_address": "",
    "multi_year_plan_url": "https://example.test/schema.pdf",
    "action_plan_url": "",
}
ADMIN_PAGES = ("legal_register", "legal_register_csv", "legal_register_pdf", "legal_accessibility", "legal_notice")


def test_it_saves_the_towns_part_of_the_statement_and_audits_it(
    client_for: Callable[[User], Client], town_admin: User, town: Town
) -> None:
    client = client_for(town_admin)
    assert "non conforme" in html(client.get(url("backoffice:legal_accessibility", town)))
    response = client.post(url("backoffice:legal_accessibility", town), STATEMENT)
    assert response.status_code == 302
    saved = AccessibilityStatement.objects.get(town=town)
    assert (str(saved.criteria_met_percent), saved.audited_by) == ("62.50", "Access42")
    entry = AuditEntry.objects.get(town=town, action="legal.accessibility_statement")
    assert entry.actor == town_admin
    assert entry.changes["criteria_met_percent"] == [None, "62.50"]
    assert entry.changes["audit_date"] == [None, "2026-11-20"]
    assert "Accessibilité : partiellement conforme" in html(client.get(url("backoffice:legal_accessibility", town)))
    # The same values again: nothing to record.
    client.post(url("backoffice:legal_accessibility", town), STATEMENT)
    assert AuditEntry.objects.filter(action="legal.accessibility_statement").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"criteria_met_percent": "150"}, "inférieure ou égale à 100"),
        ({"criteria_met_percent": "-1"}, "supérieure ou égale à 0"),
        ({"criteria_met_percent": "beaucoup"}, "Saisissez un nombre"),
        ({"audit_date": "2027-04-01"}, "ne peut pas être dans le futur"),
        ({"audit_date": ""}, "ou aucun des deux"),
        ({"criteria_met_percent": ""}, "ou aucun des deux"),
        ({"contact_email": "pas-une-adresse"}, "adresse de courriel valide"),
        ({"multi_year_plan_url": "pas une adresse"}, "URL valide"),
    ],
)
def test_it_refuses_a_wrong_statement_and_changes_nothing(
    client_for: Callable[[User], Client], town_admin: User, town: Town, change: dict[str, str], message: str
) -> None:
    response = client_for(town_admin).post(url("backoffice:legal_accessibility", town), STATEMENT | change)
    assert response.status_code == 422
    assert message in html(response)
    assert not AccessibilityStatement.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_saves_the_towns_part_of_the_notice_and_audits_it(
    client_for: Callable[[User], Client], town_admin: User, town: Town
) -> None:
    client = client_for(town_admin)
    data = dict.fromkeys(
        ("controller_name", "controller_address", "dpo_address", "retention", "security_measures", "extra"), ""
    ) | {"dpo_name": "CDG 99", "dpo_email": "dpo@example.test", "recipients": "La cuisine centrale."}
    assert client.post(url("backoffice:legal_notice", town), data).status_code == 302
    saved = ProcessingNotice.objects.get(town=town)
    assert (saved.dpo_name, saved.dpo_email) == ("CDG 99", "dpo@example.test")
    entry = AuditEntry.objects.get(town=town, action="legal.processing_notice")
    assert entry.changes["dpo_email"] == [None, "dpo@example.test"]
    assert "mailto:dpo@example.test" in html(Client().get(url("portal:privacy_notice", town)))
    response = client.post(url("backoffice:legal_notice", town), data | {"dpo_email": "dpo"})
    assert response.status_code == 422
    assert ProcessingNotice.objects.get(town=town).dpo_email == "dpo@example.test"


def test_it_opens_to_administrators_only(
    client_for: Callable[[User], Client],
    town: Town,
    town_admin: User,
    front_desk: User,
    finance_agent: User,
    parent: User,
    stranger: User,
) -> None:
    for name in ADMIN_PAGES:
        address = url(f"backoffice:{name}", town)
        assert client_for(town_admin).get(address).status_code == 200, name
        assert client_for(front_desk).get(address).status_code == 403, name
        assert client_for(finance_agent).get(address).status_code == 403, name
        assert client_for(parent).get(address).status_code == 404, name
        assert client_for(stranger).get(address).status_code == 404, name
    response = client_for(front_desk).post(url("backoffice:legal_accessibility", town), STATEMENT)
    assert response.status_code == 403
    assert not AccessibilityStatement.objects.exists()


def test_it_lists_the_towns_processings(client_for: Callable[[User], Client], town_admin: User, town: Town) -> None:
    filled_notice(town)
    page = html(client_for(town_admin).get(url("backoffice:legal_register", town)))
    for processing in PROCESSINGS:
        assert str(processing.name).replace("'", "&#x27;") in page
    assert "Restauration scolaire : allergies" in page
    assert "Prélèvements automatiques SEPA" in page
    assert "Centre de gestion de la fonction publique" in page
    assert page.count("Le prestataire de restauration") == len(PROCESSINGS)
    assert page.count("Aucun transfert hors de l&#x27;Union européenne.") == len(PROCESSINGS)


def test_it_exports_the_register_as_csv(client_for: Callable[[User], Client], town_admin: User, town: Town) -> None:
    filled_notice(town)
    response = client_for(town_admin).get(url("backoffice:legal_register_csv", town))
    assert response["Content-Type"].startswith("text/csv")
    assert "registre-des-traitements_saint-exemple.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(html(response)), delimiter=";"))
    assert rows[0][:3] == ["Traitement", "Responsable", "Finalités"]
    assert len(rows) == 1 + len(PROCESSINGS)
    assert {row[1] for row in rows[1:]} == {"Saint-Exemple"}
    assert all("Postes verrouillés en mairie." in row[-1] for row in rows[1:])


def test_it_prints_the_register_as_a_pdf(
    client_for: Callable[[User], Client], town_admin: User, town: Town, tmp_path: Path
) -> None:
    filled_notice(town)
    response = client_for(town_admin).get(url("backoffice:legal_register_pdf", town))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Registre des traitements — Saint-Exemple" in text
    assert "Centre de gestion de la fonction publique" in text
    assert "Prélèvements automatiques SEPA" in text


def test_the_register_and_its_downloads_take_a_fixed_number_of_queries(
    client_for: Callable[[User], Client], town_admin: User, town: Town
) -> None:
    client = client_for(town_admin)

    def count(name: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(f"backoffice:{name}", town)).status_code == 200
        return len(captured)

    names = ("legal_register", "legal_register_csv", "legal_register_pdf")
    before = {name: count(name) for name in names}
    filled_notice(town)
    after = {name: count(name) for name in names}
    assert after == before
    assert max(after.values()) <= 7
    print("Register queries:", after)  # noqa: T201 (measured for the report)


def test_the_register_says_the_towns_retention_of_a_family_file(
    client_for: Callable[[User], Client], town_admin: User, town: Town
) -> None:
    PrivacySettings.objects.create(town=town, retention_years=4)
    AuditSettings.objects.create(town=town, retention_years=2)
    page = client_for(town_admin).get(url("backoffice:legal_register", town)).content.decode()
    assert "Dossier : 4 ans après le dernier jour de service" in page
    assert "4 ans après le dernier jour de service, puis anonymisés" in page  # the messages
    assert "journal des actions : 2 ans" in page
