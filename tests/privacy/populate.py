"""A family holding a row of every kind `privacy.export` reads, `size` times over (for the query count)."""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from ardoise.activities.models import AbsenceReason
from ardoise.admissions.models import CampaignReply, EnrolmentRequest, ReenrolmentCampaign
from ardoise.audit.actions import record
from ardoise.billing.models import CreditNote, Invoice, InvoiceLine, Payment, PaymentAllocation, Reminder
from ardoise.bookings.models import Absence, Booking, BookingState, Request, RequestKind
from ardoise.calendars.models import SchoolYear
from ardoise.consents.models import ConsentAnswer
from ardoise.directdebit.models import Collection, CollectionItem, Mandate
from ardoise.documents.models import DocumentType, SupportingDocument
from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian
from ardoise.messaging.models import Attachment, Message, NotificationPreference, OutgoingEmail, Thread
from ardoise.payments.models import OnlinePayment, PaymentReversal, Refund
from ardoise.quotients.models import AllocataireIdentity, QuotientBatch, QuotientBatchResult, QuotientRecord
from ardoise.signup.models import SignupProgress
from tests.factories import (
    ChildFactory,
    ConsentKindFactory,
    EnrollmentFactory,
    GuardianFactory,
    SchoolYearFactory,
)

IBAN = "FR7630006000011234567890189"


def populate(family: Family, size: int = 1, *, tag: str = "") -> None:
    town = family.town
    on = {"town": town}
    guardian = Guardian.objects.filter(family=family).first() or GuardianFactory(family=family, town=town)
    NotificationPreference.objects.get_or_create(guardian=guardian, defaults=on)
    family.iban = IBAN
    family.tax_reference = "1234567890123"
    family.save()
    year = SchoolYear.objects.filter(town=town).first() or SchoolYearFactory(town=town)
    reason = AbsenceReason.objects.filter(town=town).first() or AbsenceReason.objects.create(
        code="medical", label="Raison médicale", **on
    )
    doc_type = DocumentType.objects.filter(town=town).first() or DocumentType.objects.create(
        label="Attestation d'assurance", **on
    )
    kind = ConsentKindFactory(town=town)
    campaign = ReenrolmentCampaign.objects.filter(town=town).first() or ReenrolmentCampaign.objects.create(
        school_year=year, opens_on=datetime.date(2027, 5, 1), closes_on=datetime.date(2027, 6, 15), **on
    )
    batch = QuotientBatch.objects.filter(town=town).first() or QuotientBatch.objects.create(
        year=2027, applies_from=datetime.date(2027, 1, 1), **on
    )
    collection = Collection.objects.create(
        number=f"P{tag}{family.pk}",
        collection_date=datetime.date(2027, 5, 5),
        item_count=size,
        total=Decimal(size),
        xml=b"<x/>",
        message_id=f"M{tag}{family.pk}",
        **on,
    )
    mandate = Mandate.objects.create(
        family=family,
        reference=f"ARD-{family.pk}-{tag}",
        debtor_name="DUPONT Marie",
        iban=IBAN,
        bic="AGRIFRPP",
        signed_on=datetime.date(2027, 1, 10),
        **on,
    )
    QuotientBatchResult.objects.create(batch=batch, family=family, kind="found", value=800, **on)
    CampaignReply.objects.create(campaign=campaign, family=family, **on)
    SignupProgress.objects.get_or_create(family=family, defaults=on)
    AllocataireIdentity.objects.get_or_create(
        family=family,
        defaults={"birth_name": "DUPONT", "first_names": "Marie", "birth_date": datetime.date(1985, 2, 3), "sex": "F"}
        | on,
    )
    thread = Thread.objects.create(family=family, subject="Question cantine", last_message_at=timezone.now(), **on)
    for n in range(size):
        child = ChildFactory(
            family=family, town=town, first_name=f"Enfant{tag}{n}", allergies="Arachide", diet="Sans viande"
        )
        AuthorisedPerson.objects.create(child=child, first_name="Jeanne", last_name="GRAND", phone="0600000000", **on)
        enrolment = EnrollmentFactory(child=child, town=town, school_year=year)
        activity = enrolment.activity
        for day in range(3):
            booking = Booking.objects.create(
                child=child,
                activity=activity,
                date=datetime.date(2027, 3, 1) + datetime.timedelta(days=7 * n + day),
                state=BookingState.PRESENT if day else BookingState.ABSENT_EXCUSED,
                **on,
            )
            if not day:
                Absence.objects.create(booking=booking, reason=reason, **on)
        Request.objects.create(family=family, kind=RequestKind.RECORD_CHANGE, child=child, **on)
        EnrolmentRequest.objects.create(family=family, child=child, activity=activity, school_year=year, **on)
        invoice = Invoice.objects.create(
            family=family,
            number=f"2027-{tag}{family.pk:03d}{n:03d}",
            issued_on=datetime.date(2027, 4, 8),
            due_on=datetime.date(2027, 4, 30),
            period_start=datetime.date(2027, 3, 1),
            period_end=datetime.date(2027, 3, 31),
            total=Decimal("12.30"),
            payer_name="DUPONT Marie",
            **on,
        )
        InvoiceLine.objects.create(
            invoice=invoice,
            child=child,
            activity=activity,
            label="Repas",
            quantity=3,
            unit_price=Decimal("4.10"),
            amount=Decimal("12.30"),
            **on,
        )
        CreditNote.objects.create(
            invoice=invoice, number=f"AV{tag}{family.pk}-{n}", issued_on=datetime.date(2027, 4, 9),
            amount=Decimal("1.00"), reason="Erreur", **on,
        )  # fmt: skip
        Reminder.objects.create(
            invoice=invoice, level=1, sent_on=datetime.date(2027, 5, 2), remaining=Decimal("11.30"), **on
        )
        payment = Payment.objects.create(
            family=family, number=f"R{tag}{family.pk}-{n}", method="cheque", received_on=datetime.date(2027, 4, 10),
            amount=Decimal("11.30"), **on,
        )  # fmt: skip
        PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=Decimal("11.30"), **on)
        Refund.objects.create(
            family=family, number=f"RB{tag}{family.pk}-{n}", refunded_on=datetime.date(2027, 4, 11),
            amount=Decimal("1.00"), method="transfer", reason="Trop-perçu", **on,
        )  # fmt: skip
        PaymentReversal.objects.create(
            payment=payment, family=family, number=f"AN{tag}{family.pk}-{n}", reversed_on=datetime.date(2027, 4, 12),
            amount=Decimal("11.30"), reason="bounced_cheque", **on,
        )  # fmt: skip
        OnlinePayment.objects.create(
            family=family, provider="simulator", amount=Decimal("12.30"), invoice=invoice,
            reference=invoice.number, **on,
        )  # fmt: skip
        CollectionItem.objects.create(
            collection=collection, family=family, mandate=mandate, invoice=invoice, payment=payment,
            amount=Decimal("12.30"), sequence_type="FRST", end_to_end_id=f"E{tag}{family.pk}-{n}", **on,
        )  # fmt: skip
        SupportingDocument.objects.create(
            family=family, child=child, document_type=doc_type, file=ContentFile(b"%PDF", name="assurance.pdf"),
            file_name="assurance.pdf", content_type="application/pdf", size=4,
            dated_on=datetime.date(2026, 9, 1), valid_from=datetime.date(2026, 9, 1), **on,
        )  # fmt: skip
        ConsentAnswer.objects.create(kind=kind, family=family, child=child, version=1, given=True,
                                     answered_at=timezone.now(), **on)  # fmt: skip
        QuotientRecord.objects.create(
            family=family, value=800 + n, source="caf", applies_from=datetime.date(2027, 1, 1 + n), **on
        )
        message = Message.objects.create(thread=thread, from_staff=bool(n % 2), body=f"Bonjour {n}", **on)
        Attachment.objects.create(
            message=message, file=ContentFile(b"x", name="photo.jpg"), name="photo.jpg", content_type="image/jpeg",
            size=1, **on,
        )  # fmt: skip
        if guardian.email:
            OutgoingEmail.objects.create(
                kind="new_message", to=guardian.email, subject="Nouveau message", body_text="…", **on
            )
        record(town, None, "child.update", child, summary=f"Enfant {child.first_name} modifié")
        record(town, None, "invoice.issue", invoice, summary=f"Facture {invoice.number}")
    record(town, guardian.user, "family.update", family, summary="Famille modifiée")
    # Every child answered, so that the portal's consent gate lets the parent through.
    for unanswered in Child.objects.filter(family=family).exclude(consent_answers__kind=kind):
        ConsentAnswer.objects.create(kind=kind, family=family, child=unanswered, version=1, given=False,
                                     answered_at=timezone.now(), **on)  # fmt: skip
    assert Child.objects.filter(family=family).count() >= size
