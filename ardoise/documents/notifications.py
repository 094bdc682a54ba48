"""The e-mails about a family's supporting documents: staff's decision, and the reminder before one expires.

Both are mandatory (they decide whether a child may be booked) and go through the outbox
(`messaging.notifications.notify`), queued in the caller's transaction and sent after it commits.
"""

from django.urls import reverse

from ardoise.calendars.wording import date_fr
from ardoise.documents.models import DocumentStatus, SupportingDocument
from ardoise.families.models import Guardian
from ardoise.messaging.notifications import Kind, notify, render_subject


def _guardians(document: SupportingDocument) -> list[Guardian]:
    return list(Guardian.objects.filter(town_id=document.town_id, family_id=document.family_id).order_by("position"))


def _context(document: SupportingDocument, base_url: str) -> dict[str, object]:
    path = reverse("portal:supporting_documents", args=[document.family.town.slug])
    return {
        "document": document,
        "label": document.document_type.label,
        "person": document.child.full_name if document.child else document.family.name,
        "accepted": document.status == DocumentStatus.ACCEPTED,
        "valid_until": date_fr(document.valid_until, "j F Y") if document.valid_until else "",
        "url": base_url.rstrip("/") + path,
    }


def send_decision(document: SupportingDocument, base_url: str) -> list[str]:
    context = _context(document, base_url)
    town = document.family.town
    subject = render_subject("emails/document_decision_subject.txt", {**context, "town": town})
    sent = notify(town, _guardians(document), Kind.DOCUMENT_DECISION, subject, "emails/document_decision", context)
    return [email.to for email in sent]


def send_expiry_reminder(document: SupportingDocument, base_url: str) -> list[str]:
    context = _context(document, base_url)
    town = document.family.town
    subject = render_subject("emails/document_expiring_subject.txt", {**context, "town": town})
    sent = notify(town, _guardians(document), Kind.DOCUMENT_EXPIRING, subject, "emails/document_expiring", context)
    return [email.to for email in sent]
