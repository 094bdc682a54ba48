"""Checking a document a family uploads (an absence's justificatif, later a
message's attachment): PDF, JPEG or PNG, at most 5 MB.

The type is read from the file's first bytes (its magic number), not trusted
from the name or the Content-Type the browser sends: a renamed executable or a
PNG called `certificat.pdf` is refused. The name's extension must agree with
what the bytes say, so that the file opens with the right program later.
"""

from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# 5 MB (mebibytes: what a phone and a file manager call "5 Mo").
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class DocumentType:
    label: str
    content_type: str
    extensions: tuple[str, ...]
    magic: bytes


DOCUMENT_TYPES = (
    DocumentType("PDF", "application/pdf", (".pdf",), b"%PDF-"),
    DocumentType("JPEG", "image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
    DocumentType("PNG", "image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
)
# What a file input may offer to pick (a hint for the browser, not a check).
ACCEPT = ",".join([",".join(kind.extensions) for kind in DOCUMENT_TYPES] + [k.content_type for k in DOCUMENT_TYPES])
ALLOWED_LABEL = "PDF, JPEG ou PNG"


def sniff(head: bytes) -> DocumentType | None:
    """The document type the first bytes of a file announce, if it is one we accept."""
    for kind in DOCUMENT_TYPES:
        if head.startswith(kind.magic):
            return kind
    return None


def validate_document(upload: UploadedFile) -> DocumentType:
    """The type of an acceptable document; raises ValidationError (in French) otherwise.

    Leaves the file positioned at its start, ready to be saved.
    """
    size = upload.size or 0
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("Le fichier est trop lourd (%(size)s) : 5 Mo au maximum.") % {"size": _megabytes(size)},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(
            _("Ce fichier n'est ni un PDF, ni une image JPEG ou PNG : joignez un document %(allowed)s.")
            % {"allowed": ALLOWED_LABEL},
            code="wrong_type",
        )
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in kind.extensions:
        raise ValidationError(
            _(
                "Le fichier « %(name)s » est en réalité un %(real)s : "
                "renommez-le en %(extension)s ou joignez un autre document."
            )
            % {"name": upload.name, "real": kind.label, "extension": kind.extensions[0]},
            code="wrong_extension",
        )
    return kind


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
