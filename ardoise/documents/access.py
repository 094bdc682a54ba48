"""Who may reach which supporting document or document type: 404 for anything outside the caller's reach."""

from ardoise.documents.models import DocumentType, SupportingDocument
from ardoise.families.models import Family
from ardoise.towns.access import object_or_404
from ardoise.towns.models import Town


def access_document_type(town: Town, type_id: object) -> DocumentType:
    """A document type of this town, or 404."""
    return object_or_404(DocumentType.objects.filter(town=town), pk=type_id)


def access_family_document(family: Family, document_id: object) -> SupportingDocument:
    """One of this family's documents (a parent's own), or 404."""
    return object_or_404(
        SupportingDocument.objects.filter(town_id=family.town_id, family=family).select_related(
            "document_type", "child"
        ),
        pk=document_id,
    )


def access_town_document(town: Town, document_id: object) -> SupportingDocument:
    """A document of any family of this town (staff), or 404."""
    return object_or_404(
        SupportingDocument.objects.filter(town=town).select_related("document_type", "child", "family"),
        pk=document_id,
    )
