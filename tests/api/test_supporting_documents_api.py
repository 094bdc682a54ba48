"""API v1: document types, the family's supporting documents with their state, multipart upload (201, 422 for a
bad file or field, 409 for what the rules refuse) and the family's own files (another family's: 404)."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ardoise.accounts.models import User
from ardoise.documents.models import DocumentStatus, DocumentType, SupportingDocument
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.api.test_api import Api, login
from tests.documents.fixtures import INSURANCE, PDF, PNG

pytestmark = pytest.mark.usefixtures("media_root")


def upload(api: Api, fields: dict[str, object]) -> Any:
    return api.client.post(api.base + "supporting-documents", fields, headers=api.headers())


def test_it_lists_the_types_and_what_is_asked_with_its_state(
    parent: User, children: list[Child], insurance: DocumentType, quotient: DocumentType
) -> None:
    api = login(parent)
    types = api.get("document-types").json()
    assert [item["label"] for item in types] == [INSURANCE, "Justificatif de quotient familial"]
    assert types[0]["activity_ids"] == [insurance.activities.get().pk]
    dossier = api.get("supporting-documents").json()
    asked = {(item["type_id"], item["child_id"]): item["state"] for item in dossier["asked"]}
    assert asked == {
        (quotient.pk, None): "missing",
        (insurance.pk, children[0].pk): "missing",
        (insurance.pk, children[1].pk): "missing",
    }
    assert dossier["documents"] == []


def test_it_uploads_then_lists_and_downloads_the_document(
    parent: User, children: list[Child], insurance: DocumentType
) -> None:
    api = login(parent)
    file = SimpleUploadedFile("assurance.pdf", PDF, content_type="application/pdf")
    fields = {"type_id": insurance.pk, "child_id": children[0].pk, "dated_on": "2026-09-01", "file": file}
    response = upload(api, fields)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["state"], body["valid_until"]) == ("pending", "pending", "2027-08-31")
    dossier = api.get("supporting-documents").json()
    assert [document["id"] for document in dossier["documents"]] == [body["id"]]
    assert {item["state"] for item in dossier["asked"] if item["child_id"] == children[0].pk} == {"pending"}
    downloaded = api.client.get(body["url"], headers=api.headers())
    assert downloaded.status_code == 200
    assert downloaded.content == PDF


def test_it_answers_422_for_a_bad_file_or_field_and_409_for_an_expired_document(
    parent: User, children: list[Child], insurance: DocumentType
) -> None:
    api = login(parent)
    base = {"type_id": insurance.pk, "child_id": children[0].pk, "dated_on": "2026-09-01"}
    png = SimpleUploadedFile("assurance.pdf", PNG, content_type="application/pdf")
    response = upload(api, {**base, "file": png})
    assert response.status_code == 422
    assert "en réalité un PNG" in response.json()["detail"]
    response = upload(api, {**base, "dated_on": "hier", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 422
    response = upload(api, {**base, "dated_on": "2025-01-10", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 409
    assert "plus valable depuis le 9 janvier 2026" in response.json()["detail"]
    response = upload(
        api, {"type_id": insurance.pk, "dated_on": "2026-09-01", "file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert response.status_code == 409
    assert not SupportingDocument.objects.exists()


def test_another_familys_document_child_or_town_is_404(
    other_town: Town,
    parent: User,
    outsider: User,
    children: list[Child],
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
) -> None:
    document = uploaded(insurance, children[0])
    assert document.status == DocumentStatus.ACCEPTED
    theirs = login(outsider)
    assert theirs.get(f"supporting-documents/{document.pk}/file").status_code == 404
    assert theirs.get("supporting-documents").json()["documents"] == []
    fields = {
        "type_id": insurance.pk,
        "child_id": children[0].pk,
        "dated_on": "2026-09-01",
        "file": SimpleUploadedFile("a.pdf", PDF),
    }
    assert upload(theirs, fields).status_code == 404
    other_town_type = DocumentType.objects.create(town=other_town, label="Autre")
    fields = {"type_id": other_town_type.pk, "dated_on": "2026-09-01", "file": SimpleUploadedFile("a.pdf", PDF)}
    assert upload(login(parent), fields).status_code == 404
    assert login(parent).get(f"supporting-documents/{2**63}/file").status_code == 404
    assert datetime.date(2026, 9, 1) == document.dated_on
