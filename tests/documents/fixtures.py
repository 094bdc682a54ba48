"""Document types and uploads shared by the supporting documents' tests (a plugin of tests/conftest.py), the
DUPONTs at Tuesday 9 March 2027."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from ardoise.activities.models import Activity
from ardoise.documents import actions
from ardoise.documents.models import Concerns, DocumentStatus, DocumentType, SupportingDocument
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
INSURANCE = "Attestation d'assurance (responsabilité civile)"


@pytest.fixture
def media_root(settings: Any, tmp_path: Any) -> None:
    """Uploaded files go to the test's own folder (every fixture below asks for it)."""
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(name: str = "attestation.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def insurance(town: Town, wednesdays: Activity, media_root: None) -> DocumentType:
    """Asked of each child, valid 12 months, needed by the Wednesday centre."""
    document_type = DocumentType.objects.create(
        town=town, label=INSURANCE, concerns=Concerns.CHILD, validity_months=12, position=1
    )
    document_type.activities.set([wednesdays])
    return document_type


@pytest.fixture
def vaccinations(town: Town, media_root: None) -> DocumentType:
    """Asked of every child, never expires, needed for nothing."""
    return DocumentType.objects.create(town=town, label="Carnet de vaccinations", concerns=Concerns.CHILD, position=2)


@pytest.fixture
def quotient(town: Town, media_root: None) -> DocumentType:
    return DocumentType.objects.create(
        town=town, label="Justificatif de quotient familial", concerns=Concerns.FAMILY, validity_months=12, position=3
    )


@pytest.fixture
def uploaded(family: Family, media_root: None) -> Callable[..., SupportingDocument]:
    """`uploaded(type, child, dated_on=…, accepted=True)`: a document of the DUPONTs, accepted by default."""

    def make(
        document_type: DocumentType,
        child: Child | None,
        *,
        dated_on: datetime.date = datetime.date(2026, 9, 1),
        accepted: bool = True,
        today: datetime.date = datetime.date(2027, 3, 9),
    ) -> SupportingDocument:
        document = actions.upload(family, None, document_type, child, dated_on, pdf(), today=today)
        if accepted:
            SupportingDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.ACCEPTED)
            document.refresh_from_db()
        return document

    return make


def make_supporting_document(family: Family) -> SupportingDocument:
    """A pending document of `family` (for the pages' access matrices), its type made on demand."""
    document_type, _created = DocumentType.objects.get_or_create(
        town=family.town, label="Carnet de vaccinations", defaults={"concerns": Concerns.CHILD}
    )
    document = SupportingDocument(
        town=family.town,
        family=family,
        child=family.children.order_by("pk").first(),
        document_type=document_type,
        file_name="carnet.pdf",
        content_type="application/pdf",
        size=len(PDF),
        dated_on=datetime.date(2026, 9, 1),
        valid_from=datetime.date(2026, 9, 1),
    )
    document.file.save("carnet.pdf", ContentFile(PDF), save=False)
    document.save()
    return document
