"""API v1: the family's supporting documents (pièces justificatives): the types asked, where each stands,
uploads, and the family's own files.

A router attached to `api` (api.py), sharing its bearer authentication and exception handlers. The paths are
`supporting-documents…`: `documents` already names the town's published documents (api/messaging.py).
The upload is multipart (the one call of the API that is not JSON), checked as the portal's is.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from ardoise.api.schemas import Id
from ardoise.documents import actions
from ardoise.documents.access import access_document_type, access_family_document
from ardoise.documents.models import SupportingDocument
from ardoise.documents.queries import document_types, family_dossier
from ardoise.documents.requirements import fact_of
from ardoise.documents.status import standing_on
from ardoise.families.access import access_child
from ardoise.families.models import Family
from ardoise.messaging.queries import download
from ardoise.towns.access import family_of

router = Router(tags=["pièces justificatives"])


class ErrorOut(Schema):
    detail: str


class DocumentTypeOut(Schema):
    id: int
    label: str
    concerns: str  # family or child
    activity_ids: list[int]
    validity_months: int | None
    checked_by_staff: bool
    only_with_pai: bool


class DocumentOut(Schema):
    id: int
    type_id: int
    child_id: int | None
    file_name: str
    content_type: str
    size: int
    dated_on: datetime.date
    valid_from: datetime.date
    valid_until: datetime.date | None
    status: str  # pending, accepted, refused
    refusal_reason: str
    # This document's state today: pending, valid, expiring, expired, refused.
    state: str
    uploaded_at: datetime.datetime
    url: str


class AskedOut(Schema):
    type_id: int
    child_id: int | None
    # missing, pending, valid, expiring (ends within 30 days), expired, refused.
    state: str
    valid_until: datetime.date | None
    refusal_reason: str


class DossierOut(Schema):
    asked: list[AskedOut]
    documents: list[DocumentOut]


def _family(request: HttpRequest) -> Family:
    family = family_of(request.auth)  # type: ignore[attr-defined]
    if family is None:
        raise Http404
    return family


def _document_out(document: SupportingDocument, today: datetime.date, slug: str) -> dict[str, Any]:
    return {
        "id": document.pk,
        "type_id": document.document_type_id,
        "child_id": document.child_id,
        "file_name": document.file_name,
        "content_type": document.content_type,
        "size": document.size,
        "dated_on": document.dated_on,
        "valid_from": document.valid_from,
        "valid_until": document.valid_until,
        "status": document.status,
        "refusal_reason": document.refusal_reason,
        "state": standing_on([fact_of(document)], today).state.value,
        "uploaded_at": timezone.localtime(document.uploaded_at),
        "url": f"/{slug}/api/v1/supporting-documents/{document.pk}/file",
    }


@router.get("document-types", response=list[DocumentTypeOut], summary="Les types de pièces justificatives")
def list_document_types(request: HttpRequest) -> Any:
    family = _family(request)
    return [
        {
            "id": document_type.pk,
            "label": document_type.label,
            "concerns": document_type.concerns,
            "activity_ids": [activity.pk for activity in document_type.activities.all()],
            "validity_months": document_type.validity_months,
            "checked_by_staff": document_type.checked_by_staff,
            "only_with_pai": document_type.only_with_pai,
        }
        for document_type in document_types(family.town)
    ]


@router.get(
    "supporting-documents",
    response=DossierOut,
    summary="Les pièces demandées à la famille et à chaque enfant, leur état, et les pièces déposées",
)
def list_supporting_documents(request: HttpRequest) -> Any:
    family = _family(request)
    today = timezone.localdate()
    dossier = family_dossier(family, today)
    slug = family.town.slug
    documents = {document.pk: document for line in dossier.lines for document in line.documents}
    return {
        "asked": [
            {
                "type_id": line.document_type.pk,
                "child_id": line.child.pk if line.child else None,
                "state": line.state.value,
                "valid_until": line.standing.until,
                "refusal_reason": line.refusal_reason,
            }
            for line in dossier.lines
        ],
        "documents": [_document_out(document, today, slug) for document in documents.values()],
    }


@router.post(
    "supporting-documents",
    response={201: DocumentOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Déposer une pièce (multipart : type_id, child_id pour une pièce d'enfant, dated_on, file)",
)
def upload_supporting_document(
    request: HttpRequest,
    type_id: Form[Id],
    dated_on: Form[datetime.date],
    file: File[UploadedFile],
    child_id: Form[Id | None] = None,
) -> Any:
    """The file is a PDF, JPEG or PNG of at most 5 MB, checked by its content (422 otherwise); a type or child
    unknown to the family: 404; a document already expired, or dated more than a year ahead: 409."""
    family = _family(request)
    document_type = access_document_type(family.town, type_id)
    child = access_child(family, child_id) if child_id is not None else None
    today = timezone.localdate()
    try:
        document = actions.upload(family, request.auth, document_type, child, dated_on, file, today=today)  # type: ignore[attr-defined]
    except ValidationError as error:
        return Status(422, {"detail": " ".join(error.messages)})
    except actions.DocumentRefused as refused:
        return Status(409, {"detail": refused.message})
    return Status(201, _document_out(document, today, family.town.slug))


@router.get(
    "supporting-documents/{document_id}/file",
    response={200: None, 404: ErrorOut},
    summary="Le fichier d'une pièce de la famille",
)
def supporting_document_file(request: HttpRequest, document_id: int) -> HttpResponse:
    family = _family(request)
    document = access_family_document(family, document_id)
    return download(document.file, document.file_name, document.content_type)
