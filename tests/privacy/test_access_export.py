"""Right of access: `privacy.export.collect`, its JSON and PDF, for parents and for administrators."""

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.families.models import Child, Family, Guardian
from ardoise.messaging.models import OutgoingEmail
from ardoise.payments.models import OnlinePayment
from ardoise.privacy import export, export_pdf
from ardoise.towns.models import Town
from tests.factories import FamilyFactory, GuardianFactory
from tests.privacy.populate import IBAN, populate

WEASYPRINT = "ardoise.billing.pdf.WeasyPrintRenderer"


def portal_url(town: Town, name: str) -> str:
    return reverse(f"portal:{name}", args=[town.slug])


def staff_url(town: Town, name: str, family: Family) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, family.pk])


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: apt-get install poppler-utils"
    source = tmp_path / "donnees.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603 (a fixed local binary on a file we wrote)
        [pdftotext, "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _installed(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


@pytest.fixture
def full_family(family: Family, parent: User) -> Family:
    populate(family, 1)
    return family


# Completeness


def test_it_names_every_model_that_holds_a_family_a_child_or_a_guardian() -> None:
    """A new model with a key to Family, Child or Guardian must be exported or excluded with a reason."""
    holders = {
        model._meta.label
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in {Family, Child, Guardian}
    }
    listed = set(export.EXPORTED) | set(export.NOT_EXPORTED)
    assert holders - listed == set(), "add them to privacy.export.EXPORTED (and collect) or NOT_EXPORTED"
    installed = {label for label in listed if _installed(label)}  # a list may name a model merged later
    assert installed - holders == set(), "these no longer hold a family: remove them"
    assert all(reason.strip() for reason in export.NOT_EXPORTED.values())


def test_it_fills_every_exported_section(full_family: Family) -> None:
    data = export.collect(full_family)
    for label, path in export.EXPORTED.items():
        values: list[Any] = [data]
        for part in path.split("."):
            values = [item[part] for value in values for item in (value if isinstance(value, list) else [value])]
        assert any(values), f"{label} should appear under {path}"
    json.dumps(data)  # plain data only


def test_it_gives_health_data_bank_details_and_attendance(full_family: Family) -> None:
    data = export.collect(full_family)
    sarah = next(child for child in data["children"] if child["first_name"] == "Sarah")
    assert set(sarah["health"]) == {
        "allergies",
        "has_pai",
        "pai_details",
        "diet",
        "wears_glasses",
        "doctor",
        "health_notes",
    }
    populated = next(child for child in data["children"] if child["first_name"].startswith("Enfant"))
    assert populated["health"]["allergies"] == "Arachide"
    assert populated["authorised_persons"][0]["last_name"] == "GRAND"
    assert data["family"]["iban"] == IBAN  # in full: the export goes to the family only
    assert data["mandates"][0]["iban"] == IBAN
    states = {booking["state"] for booking in data["bookings"]}
    assert {"Présent", "Absent excusé"} <= states
    assert any(booking["absence"] and booking["absence"]["reason"] == "Raison médicale" for booking in data["bookings"])
    invoice = data["invoices"][0]
    assert invoice["total"] == "12.30"
    assert invoice["lines"][0]["unit_price"] == "4.10"
    assert invoice["issued_on"] == "2027-04-08"
    assert data["payments"][0]["settles"] == [{"invoice": invoice["number"], "amount": "11.30"}]
    assert re.search(r"\+0[12]:00$", data["consents"][0]["answered_at"])  # Europe/Paris
    assert data["audit"][-1]["by"] == "famille"
    assert any(entry["action"] == "invoice.issue" for entry in data["audit"])


def test_it_leaves_out_secrets(full_family: Family, parent: User) -> None:
    parent.set_password("un-mot-de-passe-long")
    parent.save()
    OutgoingEmail.objects.create(
        town=full_family.town, kind="password", to=parent.email, subject="Mot de passe", body_text="/reset/secret-link/"
    )
    text = export.as_json(export.collect(full_family)).decode()
    assert parent.password not in text
    assert "secret-link" not in text
    assert "argon2" not in text
    assert "pbkdf2" not in text
    assert "md5$" not in text
    for online in OnlinePayment.objects.filter(family=full_family):
        assert str(online.token) not in text
    assert full_family.calendar_token not in text
    assert '"password":' not in text
    assert '"token":' not in text


def test_it_holds_nothing_of_another_family(full_family: Family, outsider: User, town: Town) -> None:
    martin = Family.objects.get(town=town, number="2")
    text = export.as_json(export.collect(full_family)).decode()
    assert "Léo" not in text
    assert "MARTIN" not in text
    assert "julie.martin" not in text
    assert "Sarah" not in export.as_json(export.collect(martin)).decode()


def test_it_reads_in_a_fixed_number_of_queries(full_family: Family, town: Town) -> None:
    big = FamilyFactory(town=town, number="77", name="GRANDE")
    GuardianFactory(family=big, town=town, email="grande@example.test")
    populate(big, 8, tag="B")
    with CaptureQueriesContext(connection) as small_run:
        export.collect(Family.objects.get(pk=full_family.pk))
    with CaptureQueriesContext(connection) as big_run:
        data = export.collect(Family.objects.get(pk=big.pk))
    assert len(data["bookings"]) == 24
    assert len(data["invoices"]) == 8
    assert len(big_run) == len(small_run), [query["sql"][:80] for query in big_run]
    assert len(big_run) <= 34  # measured: 34, whatever the size


def test_it_downloads_a_big_family_in_a_bounded_number_of_queries(
    client_for: Callable[[User], Client], parent: User, family: Family, town: Town, django_assert_max_num_queries: Any
) -> None:
    populate(family, 8)
    client = client_for(parent)
    # Measured: 39 — the session, the user, the family, the consent gate, collect's 34 and the audit line.
    with django_assert_max_num_queries(39):
        response = client.get(portal_url(town, "my_data_json"))
    assert len(json.loads(body(response))["bookings"]) == 24


# Pure rendering


def test_it_reads_dates_and_booleans_in_french() -> None:
    assert export_pdf.text("2027-04-08") == "08/04/2027"
    assert export_pdf.text("2027-04-08T10:05:00+02:00") == "08/04/2027 10:05"
    assert export_pdf.text(True) == "oui"
    assert export_pdf.text(None) == "—"
    assert export_pdf.text({"allergies": "Arachide"}) == "Allergies : Arachide"


def test_it_says_so_when_a_section_is_empty() -> None:
    blocks = export_pdf.sections({"family": {"name": "DUPONT"}, "guardians": []})
    assert blocks[0].rows == [["Nom", "DUPONT"]]
    assert blocks[1].layout == "empty"


# Parent pages


def test_it_explains_the_right_and_offers_both_formats(
    client_for: Callable[[User], Client], parent: User, town: Town
) -> None:
    response = client_for(parent).get(portal_url(town, "my_data"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mes données" in html
    assert "article 15" in html
    assert portal_url(town, "my_data_json") in html
    assert portal_url(town, "my_data_pdf") in html
    assert portal_url(town, "my_data") in client_for(parent).get(portal_url(town, "record")).content.decode()


def test_it_downloads_the_json_and_audits_the_access(
    client_for: Callable[[User], Client], parent: User, full_family: Family, town: Town
) -> None:
    response = client_for(parent).get(portal_url(town, "my_data_json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="donnees-famille-1-')
    data = json.loads(body(response))
    assert data["family"]["name"] == "DUPONT"
    entry = AuditEntry.objects.get(town=town, action="privacy.access_export")
    assert entry.actor == parent
    assert entry.object_id == full_family.pk
    assert entry.changes == {"format": "json", "staff": False}
    assert "Arachide" not in entry.summary + json.dumps(entry.changes)


def test_it_prints_a_readable_pdf(
    client_for: Callable[[User], Client], parent: User, full_family: Family, town: Town, settings: Any, tmp_path: Path
) -> None:
    settings.ARDOISE_PDF_RENDERER = WEASYPRINT
    response = client_for(parent).get(portal_url(town, "my_data_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(body(response), tmp_path)
    invoice = export.collect(full_family)["invoices"][0]["number"]
    for expected in ("Vos données personnelles", "Sarah", "Chloé", "Enfant0", invoice, "Arachide", "Factures"):
        assert expected in text
    assert AuditEntry.objects.filter(town=town, action="privacy.access_export", changes__format="pdf").count() == 1


@pytest.mark.parametrize("name", ["my_data", "my_data_json", "my_data_pdf"])
def test_it_refuses_staff_and_other_towns(
    client_for: Callable[[User], Client], name: str, town: Town, town_admin: User, stranger: User
) -> None:
    assert client_for(town_admin).get(portal_url(town, name)).status_code == 404
    assert client_for(stranger).get(portal_url(town, name)).status_code == 404
    assert Client().get(portal_url(town, name)).status_code == 302


# Staff pages


def test_it_lets_an_administrator_produce_the_data(
    client_for: Callable[[User], Client], town_admin: User, full_family: Family, town: Town
) -> None:
    client = client_for(town_admin)
    page = client.get(staff_url(town, "family", full_family)).content.decode()
    assert "Produire les données (demande écrite)" in page
    assert (
        staff_url(town, "family_data_json", full_family)
        in client.get(staff_url(town, "family_data", full_family)).content.decode()
    )
    response = client.get(staff_url(town, "family_data_json", full_family))
    assert response.status_code == 200
    assert json.loads(body(response))["family"]["number"] == "1"
    entry = AuditEntry.objects.get(town=town, action="privacy.access_export")
    assert entry.actor == town_admin
    assert entry.changes == {"format": "json", "staff": True}
    assert client.get(staff_url(town, "family_data_pdf", full_family))["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("name", ["family_data", "family_data_json", "family_data_pdf"])
def test_it_is_for_administrators_only(
    client_for: Callable[[User], Client], name: str, front_desk: User, parent: User, family: Family, town: Town
) -> None:
    assert client_for(front_desk).get(staff_url(town, name, family)).status_code == 403
    assert client_for(parent).get(staff_url(town, name, family)).status_code == 404
    assert not AuditEntry.objects.filter(action="privacy.access_export").exists()


def test_it_hides_the_button_from_other_staff(
    client_for: Callable[[User], Client], front_desk: User, family: Family, town: Town
) -> None:
    page = client_for(front_desk).get(staff_url(town, "family", family)).content.decode()
    assert "Produire les données" not in page


def test_it_answers_404_for_another_towns_family(
    client_for: Callable[[User], Client], town_admin: User, stranger: User, town: Town
) -> None:
    durand = Family.objects.get(name="DURAND")
    for name in ("family_data", "family_data_json", "family_data_pdf"):
        url = reverse(f"backoffice:{name}", args=[town.slug, durand.pk])
        assert client_for(town_admin).get(url).status_code == 404
