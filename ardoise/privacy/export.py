"""Right of access (RGPD article 15): everything Ardoise holds on a family, as plain data.

`collect(family)` returns a JSON-serialisable dict — amounts as strings ("12.50"), dates ISO, aware
datetimes in Europe/Paris, choices as their French label — read in a fixed number of queries whatever
the family's size. The JSON download and the PDF (`export_pdf`) both come from it, for the parent
(portal) and for staff answering a written request (back office).

What is left out, on purpose: password hashes, API tokens, the private calendar token, online payment
tokens (secrets, not data about the person), and the stored files themselves (listed by name and
date, not embedded). The bank details are given in full: the export goes to the family only.

`EXPORTED` and `NOT_EXPORTED` name every model holding a foreign key to a family, a child or a
guardian; a test walks the models so that a new one cannot be forgotten.
"""

import datetime
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from ardoise.accounts.models import User
from ardoise.admissions.models import CampaignReply, EnrolmentRequest
from ardoise.audit.actions import record
from ardoise.audit.models import AuditEntry
from ardoise.billing.models import CreditNote, Invoice, InvoiceLine, Payment, PaymentAllocation, Reminder
from ardoise.bookings.models import Absence, Booking, Enrollment, Request
from ardoise.consents.models import ConsentAnswer
from ardoise.directdebit.models import CollectionItem, Mandate
from ardoise.documents.models import SupportingDocument
from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian
from ardoise.messaging.models import Attachment, Message, NotificationPreference, OutgoingEmail, Thread
from ardoise.messaging.notifications import Kind, render
from ardoise.payments.models import OnlinePayment, PaymentReversal, Refund
from ardoise.quotients.models import AllocataireIdentity, QuotientBatchResult, QuotientRecord
from ardoise.signup.models import SignupProgress

FORMAT = "ardoise-droit-d-acces/1"

# Every model with a foreign key to Family, Child or Guardian, and the export's key that holds it.
EXPORTED: dict[str, str] = {
    "families.Guardian": "guardians",
    "families.Child": "children",
    "families.AuthorisedPerson": "children.authorised_persons",
    "messaging.NotificationPreference": "guardians.notification_preferences",
    "bookings.Enrollment": "enrolments",
    "bookings.Booking": "bookings",
    "bookings.Request": "requests",
    "admissions.EnrolmentRequest": "enrolment_requests",
    "admissions.CampaignReply": "reenrolment_replies",
    "signup.SignupProgress": "signup",
    "billing.Invoice": "invoices",
    "billing.InvoiceLine": "invoices.lines",
    "billing.Payment": "payments",
    "payments.Refund": "refunds",
    "payments.PaymentReversal": "reversals",
    "payments.OnlinePayment": "online_payments",
    "directdebit.Mandate": "mandates",
    "directdebit.CollectionItem": "direct_debits",
    "documents.SupportingDocument": "documents",
    "consents.ConsentAnswer": "consents",
    "quotients.QuotientRecord": "quotients.history",
    "quotients.AllocataireIdentity": "quotients.allocataire",
    "quotients.QuotientBatchResult": "quotients.fetches",
    "messaging.Thread": "messages",
}

# Models with such a key that the export leaves out, each with why.
NOT_EXPORTED: dict[str, str] = {
    # Prepayment baskets (days put in a basket, paid online) live on the same floor as privacy, which
    # may not import them (.importlinter: prepayment | treasury | privacy are independent). What a
    # basket became is exported anyway: the booked days (bookings), the online payment
    # (online_payments) and the money (payments).
    "prepayment.Basket": "same floor as privacy: its bookings and payments are exported",
    "prepayment.BasketLine": "same floor as privacy: its bookings and payments are exported",
    # The retention's record that a family was pseudonymised (branch privacy-retention): by then nothing
    # personal is left to export, and the record itself holds no personal datum.
    "privacy.Pseudonymisation": "the fact of a pseudonymisation: nothing personal is left by then",
}


ACCOUNT_LINK_KINDS = frozenset({Kind.ACCOUNT_ACCESS, Kind.PASSWORD, Kind.SIGNUP_CONFIRMATION})
HEALTH_FIELDS = ["allergies", "has_pai", "pai_details", "diet", "wears_glasses", "doctor", "health_notes"]


# Values as JSON: amounts as strings, dates ISO, aware datetimes in Europe/Paris.


def plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, float):
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(item) for item in value]
    return str(value)


def row(obj: models.Model, names: Iterable[str], **extra: Any) -> dict[str, Any]:
    """The named fields of `obj` as plain values (a choice as its label), then `extra`."""
    out: dict[str, Any] = {}
    for name in names:
        field = obj._meta.get_field(name)
        if getattr(field, "choices", None):
            display = getattr(obj, f"get_{name}_display")()
            out[name] = plain(display) if getattr(obj, name) not in (None, "") else None
        else:
            out[name] = plain(getattr(obj, name))
    out.update({key: plain(value) for key, value in extra.items()})
    return out


def collect(family: Family) -> dict[str, Any]:
    """Everything held on `family`, in a fixed number of queries."""
    town_id = family.town_id
    scope = {"town_id": town_id}

    guardians = list(Guardian.objects.filter(family=family, **scope).select_related("user").order_by("position"))
    user_ids = {guardian.user_id for guardian in guardians if guardian.user_id}
    preferences = {
        pref.guardian_id: pref for pref in NotificationPreference.objects.filter(guardian__family=family, **scope)
    }
    children = list(Child.objects.filter(family=family, **scope).select_related("site").order_by("birth_date", "pk"))
    names = {child.pk: child.full_name for child in children}
    people: dict[int, list[AuthorisedPerson]] = {}
    for person in AuthorisedPerson.objects.filter(child__family=family, **scope).order_by("pk"):
        people.setdefault(person.child_id, []).append(person)

    def child_name(child_id: int | None) -> str | None:
        return names.get(child_id) if child_id else None

    def guardian_row(guardian: Guardian) -> dict[str, Any]:
        user = guardian.user
        pref = preferences.get(guardian.pk)
        return row(
            guardian,
            [
                "position",
                "civility",
                "first_name",
                "last_name",
                "relationship",
                "marital_status",
                "address",
                "postcode",
                "city",
                "home_phone",
                "work_phone",
                "mobile_phone",
                "email",
                "profession",
                "employer",
                "employer_address",
                "email_consent",
                "sms_consent",
            ],
            account=row(user, ["email", "first_name", "last_name", "is_active", "date_joined", "last_login"])
            if user
            else None,
            notification_preferences=row(pref, ["new_message", "booking_confirmation", "request_decision"])
            if pref
            else None,
        )

    def child_row(child: Child) -> dict[str, Any]:
        return row(
            child,
            ["first_name", "last_name", "sex", "birth_date", "school_class", "may_leave_alone"],
            site=child.site.name if child.site_id else None,
            health=row(
                child, ["allergies", "has_pai", "pai_details", "diet", "wears_glasses", "doctor", "health_notes"]
            ),
            authorised_persons=[
                row(person, ["first_name", "last_name", "relationship", "phone"]) for person in people.get(child.pk, [])
            ],
        )

    enrolments = [
        row(
            enrolment,
            ["weekly_pattern", "created_at"],
            child=child_name(enrolment.child_id),
            activity=enrolment.activity.label,
            school_year=str(enrolment.school_year),
        )
        for enrolment in Enrollment.objects.filter(child__family=family, **scope)
        .select_related("activity", "school_year")
        .order_by("school_year__start_year", "child_id", "pk")
    ]
    absences = {
        absence.booking_id: absence
        for absence in Absence.objects.filter(booking__child__family=family, **scope).select_related("reason")
    }
    bookings = []
    for booking in (
        Booking.objects.filter(child__family=family, **scope).select_related("activity").order_by("date", "child_id")
    ):
        absence = absences.get(booking.pk)
        bookings.append(
            row(
                booking,
                ["date", "state", "refusal_reason", "created_at", "updated_at"],
                child=child_name(booking.child_id),
                activity=booking.activity.label,
                absence=row(
                    # Whether a document came with it, not its storage name (the file is not embedded).
                    absence,
                    ["comment", "declared_at"],
                    reason=absence.reason.label,
                    document=bool(absence.document),
                )
                if absence
                else None,
            )
        )
    requests = [
        row(
            request,
            ["kind", "status", "target", "changes", "comment", "created_at", "decided_at", "reason"],
            child=child_name(request.child_id),
        )
        for request in Request.objects.filter(family=family, **scope).order_by("created_at", "pk")
    ]
    enrolment_requests = [
        row(
            request,
            [
                "weekly_pattern",
                "days",
                "comment",
                "status",
                "reason",
                "waiting_since",
                "offered_at",
                "offer_expires_at",
                "created_at",
                "decided_at",
            ],
            child=child_name(request.child_id),
            activity=request.activity.label,
            school_year=str(request.school_year) if request.school_year_id else None,
            registration_period=str(request.registration_period) if request.registration_period_id else None,
        )
        for request in EnrolmentRequest.objects.filter(family=family, **scope)
        .select_related("activity", "school_year", "registration_period")
        .order_by("created_at", "pk")
    ]
    replies = [
        row(reply, ["submitted_at"], campaign=str(reply.campaign))
        for reply in CampaignReply.objects.filter(family=family, **scope).select_related("campaign__school_year")
    ]
    signup = [row(progress, ["steps_done"]) for progress in SignupProgress.objects.filter(family=family, **scope)]

    lines: dict[int, list[dict[str, Any]]] = {}
    for line in InvoiceLine.objects.filter(invoice__family=family, **scope).select_related("activity").order_by("pk"):
        lines.setdefault(line.invoice_id, []).append(
            row(
                line,
                ["label", "quantity", "unit_price", "amount"],
                child=child_name(line.child_id),
                activity=line.activity.label if line.activity else None,
            )
        )
    reminders: dict[int, list[dict[str, Any]]] = {}
    for reminder in Reminder.objects.filter(invoice__family=family, **scope).order_by("sent_on", "pk"):
        reminders.setdefault(reminder.invoice_id, []).append(row(reminder, ["level", "sent_on", "remaining"]))
    invoices = [
        row(
            invoice,
            [
                "number",
                "issued_on",
                "due_on",
                "period_start",
                "period_end",
                "total",
                "payer_name",
                "payer_address",
                "regie_name",
                "notified_at",
                "handed_over_at",
            ],
            lines=lines.get(invoice.pk, []),
            reminders=reminders.get(invoice.pk, []),
        )
        for invoice in Invoice.objects.filter(family=family, **scope).order_by("issued_on", "number")
    ]
    credit_notes = [
        row(note, ["number", "issued_on", "amount", "reason"], invoice=note.invoice.number)
        for note in CreditNote.objects.filter(invoice__family=family, **scope)
        .select_related("invoice")
        .order_by("issued_on", "number")
    ]
    allocations: dict[int, list[dict[str, Any]]] = {}
    for allocation in (
        PaymentAllocation.objects.filter(payment__family=family, **scope).select_related("invoice").order_by("pk")
    ):
        allocations.setdefault(allocation.payment_id, []).append(
            {"invoice": allocation.invoice.number, "amount": plain(allocation.amount)}
        )
    payments = [
        row(
            payment,
            ["number", "method", "received_on", "amount", "reference", "bank"],
            settles=allocations.get(payment.pk, []),
        )
        for payment in Payment.objects.filter(family=family, **scope).order_by("received_on", "number")
    ]
    refunds = [
        row(refund, ["number", "refunded_on", "amount", "method", "reason"])
        for refund in Refund.objects.filter(family=family, **scope).order_by("refunded_on", "number")
    ]
    reversals = [
        row(reversal, ["number", "reversed_on", "amount", "reason", "detail"], payment=reversal.payment.number)
        for reversal in PaymentReversal.objects.filter(family=family, **scope)
        .select_related("payment")
        .order_by("reversed_on", "number")
    ]
    online_payments = [
        # Not the provider's token nor its raw answer (`details`): secrets of the transaction.
        row(online, ["provider", "amount", "email", "reference", "subject", "state", "created_at", "updated_at"])
        for online in OnlinePayment.objects.filter(family=family, **scope).order_by("created_at", "pk")
    ]
    mandates = [
        row(mandate, ["reference", "debtor_name", "iban", "bic", "signed_on", "state", "revoked_on", "created_at"])
        for mandate in Mandate.objects.filter(family=family, **scope).order_by("signed_on", "pk")
    ]
    direct_debits = [
        row(
            item,
            ["amount", "sequence_type", "end_to_end_id", "status", "reject_reason", "rejected_on"],
            collection_date=item.collection.collection_date,
            invoice=item.invoice.number if item.invoice_id else None,
            mandate=item.mandate.reference if item.mandate_id else None,
        )
        for item in CollectionItem.objects.filter(family=family, **scope)
        .select_related("collection", "invoice", "mandate")
        .defer("collection__xml")
        .order_by("pk")
    ]
    documents = [
        # Listed, not embedded: the files stay with the service, which sends a copy on request.
        row(
            document,
            [
                "file_name",
                "content_type",
                "size",
                "dated_on",
                "valid_from",
                "valid_until",
                "status",
                "refusal_reason",
                "uploaded_at",
                "checked_at",
                "replaced_at",
            ],
            document_type=document.document_type.label,
            child=child_name(document.child_id),
        )
        for document in SupportingDocument.objects.filter(family=family, **scope)
        .select_related("document_type")
        .order_by("uploaded_at", "pk")
    ]
    consents = [
        row(
            answer,
            ["version", "given", "answered_at"],
            consent=answer.kind.label,
            child=child_name(answer.child_id),
            answered_by_family=answer.answered_by_id in user_ids,
        )
        for answer in ConsentAnswer.objects.filter(family=family, **scope)
        .select_related("kind")
        .order_by("answered_at", "pk")
    ]
    quotients = {
        "history": [
            row(record_, ["value", "source", "fetched_at", "applies_from", "reference_month"])
            for record_ in QuotientRecord.objects.filter(family=family, **scope).order_by("applies_from", "pk")
        ],
        "allocataire": [
            row(
                identity,
                [
                    "birth_name",
                    "first_names",
                    "birth_date",
                    "sex",
                    "birth_commune_code",
                    "birth_country_code",
                    "updated_at",
                ],
            )
            for identity in AllocataireIdentity.objects.filter(family=family, **scope)
        ],
        "fetches": [
            row(result, ["kind", "value", "message", "at"])
            for result in QuotientBatchResult.objects.filter(family=family, **scope).order_by("at", "pk")
        ],
    }

    attachments: dict[int, list[dict[str, Any]]] = {}
    for attachment in Attachment.objects.filter(message__thread__family=family, **scope).order_by("pk"):
        attachments.setdefault(attachment.message_id, []).append(row(attachment, ["name", "content_type", "size"]))
    thread_messages: dict[int, list[dict[str, Any]]] = {}
    for message in Message.objects.filter(thread__family=family, **scope).order_by("created_at", "pk"):
        thread_messages.setdefault(message.thread_id, []).append(
            row(message, ["from_staff", "body", "created_at", "read_at"], attachments=attachments.get(message.pk, []))
        )
    threads = [
        row(thread, ["subject", "created_at", "family_deleted_at"], messages=thread_messages.get(thread.pk, []))
        for thread in Thread.objects.filter(family=family, **scope).order_by("created_at", "pk")
    ]
    addresses = {guardian.email for guardian in guardians if guardian.email}
    emails = [
        row(
            email,
            ["kind", "to", "subject", "status", "created_at", "sent_at"],
            # An account's e-mails carry a link that opens it (password, first access, sign-up): not their text.
            # A queued e-mail is rendered here as it will be sent.
            body_text=None if email.kind in ACCOUNT_LINK_KINDS else render(email, family.town)[0],
        )
        for email in OutgoingEmail.objects.filter(to__in=addresses, **scope).order_by("created_at", "pk")
    ]

    return {
        "format": FORMAT,
        "generated_at": plain(timezone.now()),
        "town": family.town.name,
        "family": row(
            family,
            [
                "number",
                "name",
                "quotient_familial",
                "resident",
                "caf_number",
                "caf_regime",
                "qf_consent_at",
                "tax_reference",
                "iban",
                "bic",
                "account_holder",
                "bank_name",
                "archived_on",
                "file_status",
                "file_submitted_at",
                "file_refusal_reason",
                "created_at",
            ],
        ),
        "guardians": [guardian_row(guardian) for guardian in guardians],
        "children": [child_row(child) for child in children],
        "enrolments": enrolments,
        "bookings": bookings,
        "requests": requests,
        "enrolment_requests": enrolment_requests,
        "reenrolment_replies": replies,
        "signup": signup,
        "invoices": invoices,
        "credit_notes": credit_notes,
        "payments": payments,
        "refunds": refunds,
        "reversals": reversals,
        "online_payments": online_payments,
        "mandates": mandates,
        "direct_debits": direct_debits,
        "documents": documents,
        "consents": consents,
        "quotients": quotients,
        "messages": threads,
        "emails": emails,
        "audit": _audit(family, guardians, children, user_ids),
    }


def _audit(family: Family, guardians: list[Guardian], children: list[Child], user_ids: set[int]) -> list[Any]:
    """The audit trail's entries about the family's records (one query): what was done, when, by whom
    (the family or the service: staff names are not the family's data)."""
    town_id = family.town_id
    mine = {"town_id": town_id}
    related = {
        "authorisedperson": AuthorisedPerson.objects.filter(child__family=family, **mine),
        "invoice": Invoice.objects.filter(family=family, **mine),
        "payment": Payment.objects.filter(family=family, **mine),
        "booking": Booking.objects.filter(child__family=family, **mine),
        "request": Request.objects.filter(family=family, **mine),
        "enrolmentrequest": EnrolmentRequest.objects.filter(family=family, **mine),
        "mandate": Mandate.objects.filter(family=family, **mine),
        "supportingdocument": SupportingDocument.objects.filter(family=family, **mine),
    }
    about = (
        Q(object_type="family", object_id=family.pk)
        | Q(object_type="guardian", object_id__in=[guardian.pk for guardian in guardians])
        | Q(object_type="child", object_id__in=[child.pk for child in children])
    )
    for object_type, queryset in related.items():
        # Subqueries: still one query, however many rows the family has.
        about |= Q(object_type=object_type, object_id__in=queryset.values("pk"))
    return [
        row(entry, ["at", "action", "summary", "changes"], by="famille" if entry.actor_id in user_ids else "service")
        for entry in AuditEntry.objects.filter(about, town_id=town_id).order_by("at", "pk")
    ]


def record_access(family: Family, actor: User, *, file_format: str, staff: bool) -> None:
    """The audit trail's line for an export: who, which family, which format — never the data."""
    record(
        family.town,
        actor,
        "privacy.access_export",
        family,
        summary=f"Droit d'accès : données de la famille {family.number} ({file_format.upper()})"
        + (" produites par le service" if staff else " téléchargées par la famille"),
        changes={"format": file_format, "staff": staff},
    )


def as_json(data: dict[str, Any]) -> bytes:
    """The export as a UTF-8 JSON file, indented for a person to read."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def filename(family: Family, extension: str) -> str:
    """donnees-famille-<number>-<day>.<extension>: the family's number is ASCII-safe for a header."""
    number = "".join(char for char in family.number if char.isalnum() or char in "-_") or str(family.pk)
    return f"donnees-famille-{number}-{timezone.localdate():%Y-%m-%d}.{extension}"
