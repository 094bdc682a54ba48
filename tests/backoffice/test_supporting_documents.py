"""Staff's "Pièces à vérifier": view, accept (with corrected dates) or refuse with a reason, one by one or in
bulk, each decision e-mailed and audited; lists of missing and expiring documents with CSV exports; the admin's
document types; the family's page. Another town's document is 404; a site agent is refused."""

import datetime
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.documents.models import DocumentStatus, DocumentType, SupportingDocument
from ardoise.families.models import Child, Family
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.towns.models import Town
from tests.documents.fixtures import INSURANCE, PDF
from tests.factories import FamilyFactory
from tests.outbox import sent_text


def url(town: Town, name: str, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


def test_it_lists_pending_documents_and_shows_the_file(
    town: Town,
    front_desk: User,
    parent: User,
    children: list[Child],
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
    client_for: Callable[[User], Client],
) -> None:
    document = uploaded(insurance, children[0], accepted=False)
    client = client_for(front_desk)
    html = client.get(url(town, "supporting_documents")).content.decode()
    assert "DUPONT" in html
    assert "attestation.pdf" in html
    assert client.get(url(town, "supporting_document_file", document.pk)).content == PDF


def test_it_accepts_one_with_corrected_dates_emails_and_audits(
    town: Town,
    front_desk: User,
    parent: User,
    children: list[Child],
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
    client_for: Callable[[User], Client],
) -> None:
    document = uploaded(insurance, children[0], accepted=False)
    response = client_for(front_desk).post(
        url(town, "supporting_document", document.pk),
        {"decision": "accept", "valid_from": "2026-09-01", "valid_until": "2027-07-31"},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == DocumentStatus.ACCEPTED
    assert document.valid_until == datetime.date(2027, 7, 31)
    assert document.checked_by == front_desk
    [email] = OutgoingEmail.objects.filter(kind=Kind.DOCUMENT_DECISION)
    assert "pièce acceptée" in email.subject
    assert "31 juillet 2027" in sent_text(email)
    assert AuditEntry.objects.filter(action="document.accepted", object_id=document.pk).exists()


def test_it_refuses_without_a_reason_then_with_one(
    town: Town,
    front_desk: User,
    parent: User,
    children: list[Child],
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
    client_for: Callable[[User], Client],
) -> None:
    document = uploaded(insurance, children[0], accepted=False)
    client = client_for(front_desk)
    target = url(town, "supporting_document", document.pk)
    response = client.post(target, {"decision": "refuse", "valid_from": "2026-09-01", "reason": " "})
    assert response.status_code == 422
    assert "Indiquez le motif du refus" in response.content.decode()
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING
    client.post(target, {"decision": "refuse", "valid_from": "2026-09-01", "reason": "Attestation d'un autre enfant"})
    document.refresh_from_db()
    assert document.status == DocumentStatus.REFUSED
    [email] = OutgoingEmail.objects.filter(kind=Kind.DOCUMENT_DECISION)
    assert "Attestation d'un autre enfant" in sent_text(email)
    assert AuditEntry.objects.filter(action="document.refused").count() == 1


def test_it_decides_in_bulk_and_refuses_a_bulk_refusal_without_reason(
    town: Town,
    front_desk: User,
    parent: User,
    children: list[Child],
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
    client_for: Callable[[User], Client],
) -> None:
    documents = [uploaded(insurance, child, accepted=False) for child in children]
    client = client_for(front_desk)
    ids = [str(document.pk) for document in documents]
    response = client.post(url(town, "supporting_documents_decide"), {"document": ids, "decision": "refuse"})
    assert response.status_code == 422
    assert SupportingDocument.objects.filter(status=DocumentStatus.PENDING).count() == 2
    response = client.post(url(town, "supporting_documents_decide"), {"document": ids, "decision": "accept"})
    assert response.status_code == 302
    assert SupportingDocument.objects.filter(status=DocumentStatus.ACCEPTED).count() == 2
    assert AuditEntry.objects.filter(action="document.accepted").count() == 2
    # Both guardians' address is one: one e-mail per decision.
    assert OutgoingEmail.objects.filter(kind=Kind.DOCUMENT_DECISION).count() == 2


def test_it_answers_404_for_another_towns_document_and_403_to_a_site_agent(
    town: Town,
    other_town: Town,
    front_desk: User,
    site_agent: User,
    stranger: User,
    children: list[Child],
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
    client_for: Callable[[User], Client],
) -> None:
    other = FamilyFactory(town=other_town, number="9", name="AILLEURS")
    other_type = DocumentType.objects.create(town=other_town, label="Autre")
    foreign = SupportingDocument.objects.create(
        town=other_town,
        family=other,
        document_type=other_type,
        file="x.pdf",
        file_name="x.pdf",
        content_type="application/pdf",
        size=3,
        dated_on=datetime.date(2026, 9, 1),
        valid_from=datetime.date(2026, 9, 1),
    )
    client = client_for(front_desk)
    assert client.get(url(town, "supporting_document", foreign.pk)).status_code == 404
    assert client.get(url(town, "supporting_document_file", foreign.pk)).status_code == 404
    response = client.post(url(town, "supporting_documents_decide"), {"document": [foreign.pk], "decision": "accept"})
    assert response.status_code == 422
    foreign.refresh_from_db()
    assert foreign.status == DocumentStatus.PENDING
    assert client_for(site_agent).get(url(town, "supporting_documents")).status_code == 403
    assert client_for(stranger).get(url(town, "supporting_documents")).status_code == 404
    assert client_for(front_desk).get(url(town, "supporting_document_types")).status_code == 403
    assert "Types de pièces" not in client.get(url(town, "supporting_documents")).content.decode()


def test_it_lists_missing_and_expiring_documents_and_exports_them(
    town: Town,
    front_desk: User,
    family: Family,
    children: list[Child],
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
    client_for: Callable[[User], Client],
) -> None:
    uploaded(insurance, children[0], dated_on=datetime.date(2026, 4, 1))  # until 31 March 2027
    client = client_for(front_desk)
    missing = client.get(url(town, "supporting_documents_missing") + "?format=csv")
    assert missing["Content-Type"].startswith("text/csv")
    rows = missing.getvalue().decode().splitlines()
    assert rows[0].lstrip("\ufeff") == "numero_famille;famille;enfant;piece;etat;motif_refus"
    assert rows[1:] == [f"1;DUPONT;{children[1].full_name};{INSURANCE};Manquante;"]
    expiring = client.get(url(town, "supporting_documents_expiring") + "?format=csv")
    rows = expiring.getvalue().decode().splitlines()
    assert rows[1:] == [f"1;DUPONT;{children[0].full_name};{INSURANCE};2027-03-31"]
    assert "DUPONT" in client.get(url(town, "supporting_documents_expiring")).content.decode()


def test_the_family_page_shows_each_childs_documents(
    town: Town,
    front_desk: User,
    family: Family,
    children: list[Child],
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
    client_for: Callable[[User], Client],
) -> None:
    uploaded(insurance, children[0])
    html = client_for(front_desk).get(url(town, "family", family.pk)).content.decode()
    assert "Pièces justificatives" in html
    assert "Valide" in html
    assert "Manquante" in html


def test_the_admin_creates_and_edits_a_type_audited(
    town: Town, town_admin: User, wednesdays: Activity, client_for: Callable[[User], Client], media_root: None
) -> None:
    client = client_for(town_admin)
    fields = {
        "label": "Certificat médical",
        "concerns": "child",
        "activities": [wednesdays.pk],
        "validity_months": "12",
        "checked_by_staff": "on",
        "position": "4",
    }
    assert client.post(url(town, "supporting_document_type_new"), fields).status_code == 302
    document_type = DocumentType.objects.get(town=town, label="Certificat médical")
    assert list(document_type.activities.all()) == [wednesdays]
    response = client.post(url(town, "supporting_document_type_new"), fields)
    assert response.status_code == 422
    assert "porte déjà ce libellé" in response.content.decode()
    edit = {**fields, "validity_months": "", "activities": []}
    assert client.post(url(town, "supporting_document_type_edit", document_type.pk), edit).status_code == 302
    document_type.refresh_from_db()
    assert document_type.validity_months is None
    assert AuditEntry.objects.filter(action__startswith="document_type.").count() == 2
    assert client.get(url(town, "supporting_document_type_edit", 2**63)).status_code == 404
