"""Parents' "Pièces justificatives": what is asked and where it stands, uploads checked as attachments are,
typed fields kept on a bad upload, and only the family's own files downloaded."""

import datetime
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.documents.actions import Decision, decide
from ardoise.documents.models import DocumentStatus, DocumentType, SupportingDocument
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.documents.fixtures import INSURANCE, PDF, PNG, pdf


def page(client: Client, town: Town) -> str:
    response = client.get(reverse("portal:supporting_documents", args=[town.slug]))
    assert response.status_code == 200
    return response.content.decode()


def post_upload(client: Client, town: Town, **fields: Any) -> Any:
    return client.post(reverse("portal:supporting_document_upload", args=[town.slug]), fields)


def test_it_lists_each_asked_type_with_its_state_dates_and_refusal_reason(
    town: Town,
    parent: User,
    front_desk: User,
    children: list[Child],
    insurance: DocumentType,
    vaccinations: DocumentType,
    quotient: DocumentType,
    uploaded: Callable[..., SupportingDocument],
    client_for: Callable[[User], Client],
) -> None:
    uploaded(insurance, children[0], dated_on=datetime.date(2026, 4, 1))  # ends 31 March 2027: expiring
    refused = uploaded(vaccinations, children[1], accepted=False)
    decide(refused, front_desk, Decision(False, "Pages illisibles"), base_url="https://x.test/")
    html = page(client_for(parent), town)
    assert escape(INSURANCE) in html
    assert "Expire bientôt" in html
    assert "Valable jusqu'au 31 mars 2027" in html
    assert "Refusée" in html
    assert "Pages illisibles" in html
    assert "Justificatif de quotient familial" in html
    assert "Manquante" in html


def test_it_uploads_a_certificate_which_waits_for_staff(
    town: Town, parent: User, children: list[Child], insurance: DocumentType, client_for: Callable[[User], Client]
) -> None:
    client = client_for(parent)
    response = post_upload(
        client, town, target=f"{insurance.pk}:{children[0].pk}", dated_on="2026-09-01", file=pdf("assurance.pdf")
    )
    assert response.status_code == 302
    document = SupportingDocument.objects.get()
    assert (document.child, document.status, document.valid_until) == (
        children[0],
        DocumentStatus.PENDING,
        datetime.date(2027, 8, 31),
    )
    # Stored under a name nobody can guess, the parent's name kept for the download.
    assert "assurance" not in str(document.file.name)
    assert document.file_name == "assurance.pdf"
    assert "En cours de vérification" in page(client, town)


def test_it_refuses_a_bad_file_and_keeps_what_was_typed(
    town: Town, parent: User, children: list[Child], insurance: DocumentType, client_for: Callable[[User], Client]
) -> None:
    client = client_for(parent)
    target = f"{insurance.pk}:{children[0].pk}"
    response = post_upload(client, town, target=target, dated_on="2026-10-02", file=pdf("assurance.pdf", PNG))
    assert response.status_code == 422
    html = response.content.decode()
    assert "est en réalité un PNG" in html
    assert 'value="2026-10-02"' in html
    assert f'value="{target}" selected' in html
    assert not SupportingDocument.objects.exists()


def test_it_refuses_a_document_already_expired(
    town: Town, parent: User, children: list[Child], insurance: DocumentType, client_for: Callable[[User], Client]
) -> None:
    response = post_upload(
        client_for(parent),
        town,
        target=f"{insurance.pk}:{children[0].pk}",
        dated_on="2025-09-01",
        file=pdf(),
    )
    assert response.status_code == 422
    assert "plus valable depuis le 31 août 2026" in response.content.decode()
    assert not SupportingDocument.objects.exists()


def test_it_refuses_another_familys_child_as_a_choice(
    town: Town,
    parent: User,
    outsider: User,
    children: list[Child],
    insurance: DocumentType,
    client_for: Callable[[User], Client],
) -> None:
    leo = outsider.guardian.family.children.get()
    response = post_upload(
        client_for(parent), town, target=f"{insurance.pk}:{leo.pk}", dated_on="2026-09-01", file=pdf()
    )
    assert response.status_code == 422
    assert not SupportingDocument.objects.exists()


def test_it_downloads_the_familys_own_file_only(
    town: Town,
    other_town: Town,
    parent: User,
    outsider: User,
    stranger: User,
    children: list[Child],
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
    client_for: Callable[[User], Client],
) -> None:
    document = uploaded(insurance, children[0])
    url = reverse("portal:supporting_document_file", args=[town.slug, document.pk])
    response = client_for(parent).get(url)
    assert response.status_code == 200
    assert response.content == PDF
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(stranger).get(reverse("portal:supporting_documents", args=[town.slug])).status_code == 404
    missing = reverse("portal:supporting_document_file", args=[town.slug, 2**63])
    assert client_for(parent).get(missing).status_code == 404


def test_it_asks_the_insurance_only_of_children_enrolled_in_an_activity_that_needs_it(
    town: Town,
    parent: User,
    children: list[Child],
    wednesdays: Activity,
    insurance: DocumentType,
    client_for: Callable[[User], Client],
) -> None:
    wednesdays.enrollments.filter(child=children[1]).delete()
    html = page(client_for(parent), town)
    sarah, chloe = html.split(children[1].full_name)
    assert escape(INSURANCE) in sarah
    assert escape(INSURANCE) not in chloe
