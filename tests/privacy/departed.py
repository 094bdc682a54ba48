"""A family that left long ago, with a little of everything Ardoise may hold on a family, and a way to search
the whole database for its personal data (shared by the privacy tests and the browser journey)."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from ardoise.accounts.models import LoginFailure
from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.billing.balance import family_balance
from ardoise.billing.models import CreditNote, Invoice, Payment, PaymentAllocation, Reminder
from ardoise.bookings.models import Absence, Booking, BookingState, Request, RequestKind
from ardoise.consents.models import ConsentAnswer
from ardoise.directdebit.models import Mandate, MandateState
from ardoise.documents.models import Concerns, DocumentType, SupportingDocument
from ardoise.families.models import AuthorisedPerson, Child, Family
from ardoise.messaging.models import Message, OutgoingEmail, Thread
from ardoise.payments.models import OnlinePayment
from ardoise.quotients.models import AllocataireIdentity
from ardoise.towns.models import Site, Town
from tests.factories import AbsenceReasonFactory, ConsentKindFactory, FamilyFactory, GuardianFactory
from tests.messaging.factories import PDF, make_attachment, make_thread

# Their last service day: Friday 30 June 2023; with 3 years of retention they are past it from 30 June 2026.
LAST_SERVICE_DAY = datetime.date(2023, 6, 30)
# Rare words, so that finding one in the database means it is theirs.
FAMILY_NAME = "QUARTERMAINE"
GUARDIAN_FIRST = "Ophélestine"
CHILD_FIRST = "Zéphyrinou"
EMAIL = "ophelestine.quartermaine@example.test"
PHONE = "06 91 82 73 64"
STREET = "12 rue des Peupliers-Argentés"
PERSON = "Gontranville"
IBAN = "FR7630006000011234567890189"
IDENTITY = ("quartermaine", "ophélestine", "zéphyrinou", "ophelestine.quartermaine", "06 91 82 73 64", "peupliers")
# Where the payer's name stays, as the accounting requires: the issued invoice, as issued.
ACCOUNTING_COLUMNS = {("billing_invoice", "payer_name"), ("billing_invoice", "payer_address")}


def make_departed(town: Town, site: Site, activity: Activity, number: str = "77") -> Family:
    email = EMAIL if number == "77" else f"{number}.{EMAIL}"
    family = FamilyFactory(town=town, number=number, name=FAMILY_NAME, caf_number="7654321", iban=IBAN, bic="BDFEFRPP")
    Family.objects.filter(pk=family.pk).update(created_at=datetime.datetime(2019, 8, 20, 9, 0, tzinfo=datetime.UTC))
    guardian = GuardianFactory(
        family=family,
        first_name=GUARDIAN_FIRST,
        email=email,
        mobile_phone=PHONE,
        address=STREET,
        employer="Boulangerie Quartermaine",
    )
    child = Child.objects.create(
        town=town,
        family=family,
        site=site,
        first_name=CHILD_FIRST,
        last_name=FAMILY_NAME,
        sex="M",
        birth_date=datetime.date(2016, 2, 29),
        school_class="CM2",
        allergies="arachide",
        has_pai=True,
        pai_details="stylo d'adrénaline dans le cartable de Zéphyrinou",
        doctor="Dr Quartermaine-Martin",
        health_notes="asthme",
    )
    AuthorisedPerson.objects.create(
        town=town, child=child, first_name="Mamie", last_name=PERSON, relationship="grand-mère", phone=PHONE
    )
    Booking.objects.create(town=town, child=child, activity=activity, date=LAST_SERVICE_DAY, state=BookingState.PRESENT)
    absent = Booking.objects.create(
        town=town,
        child=child,
        activity=activity,
        date=LAST_SERVICE_DAY - datetime.timedelta(days=1),
        state=BookingState.ABSENT_EXCUSED,
    )
    absence = Absence(
        town=town,
        booking=absent,
        reason=AbsenceReasonFactory(town=town),
        comment="Zéphyrinou est malade",
    )
    absence.document.save("certificat-quartermaine.pdf", ContentFile(PDF), save=False)
    absence.save()
    Request.objects.create(
        town=town, family=family, kind=RequestKind.values[0], child=child, comment="Merci, Ophélestine QUARTERMAINE"
    )
    invoice = Invoice.objects.create(
        town=town,
        family=family,
        number=f"2023-000{number}",
        issued_on=datetime.date(2023, 7, 5),
        due_on=datetime.date(2023, 7, 31),
        period_start=datetime.date(2023, 6, 1),
        period_end=datetime.date(2023, 6, 30),
        total=Decimal("42.50"),
        payer_name=f"{FAMILY_NAME} {GUARDIAN_FIRST}",
        payer_address=f"{STREET}\n00000 {town.name}",
    )
    sent_on = datetime.date(2023, 8, 5)
    Reminder.objects.create(
        town=town, invoice=invoice, level=1, sent_on=sent_on, remaining=Decimal("42.50"), recipients=email
    )
    payment = Payment.objects.create(
        town=town,
        family=family,
        number=f"R-2023-{number}",
        method="transfer",
        received_on=datetime.date(2023, 7, 20),
        amount=Decimal("42.50"),
    )
    PaymentAllocation.objects.create(town=town, payment=payment, invoice=invoice, amount=Decimal("42.50"))
    OnlinePayment.objects.create(
        town=town, family=family, invoice=invoice, provider="simulator", amount=Decimal("42.50"), email=email
    )
    Mandate.objects.create(
        town=town,
        family=family,
        reference=f"ARD-{town.pk}-{family.pk}-1",
        debtor_name=f"{GUARDIAN_FIRST} {FAMILY_NAME}",
        iban=IBAN,
        bic="BDFEFRPP",
        signed_on=datetime.date(2021, 9, 1),
        state=MandateState.REVOKED,
        revoked_on=datetime.date(2023, 7, 1),
    )
    AllocataireIdentity.objects.create(
        town=town,
        family=family,
        birth_name=FAMILY_NAME,
        first_names=GUARDIAN_FIRST,
        birth_date=datetime.date(1985, 5, 5),
        sex="F",
    )
    kind = ConsentKindFactory(town=town)
    ConsentAnswer.objects.create(
        town=town, kind=kind, family=family, child=child, version=1, given=True, answered_at=timezone.now()
    )
    document_type, _created = DocumentType.objects.get_or_create(
        town=town, label="Carnet de vaccinations", defaults={"concerns": Concerns.CHILD}
    )
    document = SupportingDocument(
        town=town,
        family=family,
        child=child,
        document_type=document_type,
        file_name="vaccins-zephyrinou-quartermaine.pdf",
        content_type="application/pdf",
        size=len(PDF),
        dated_on=datetime.date(2022, 9, 1),
        valid_from=datetime.date(2022, 9, 1),
    )
    document.file.save("vaccins.pdf", ContentFile(PDF), save=False)
    document.save()
    make_thread(family, subject="Zéphyrinou et la cantine")
    make_attachment(family, name="quartermaine.pdf")
    written = datetime.datetime(2023, 6, 20, 17, 0, tzinfo=datetime.UTC)  # before they left
    Thread.objects.filter(family=family).update(created_at=written, last_message_at=written)
    Message.objects.filter(thread__family=family).update(created_at=written)
    OutgoingEmail.objects.create(
        town=town, kind="message", to=email, subject="Bonjour Ophélestine", body_text="Bonjour Ophélestine QUARTERMAINE"
    )
    LoginFailure.objects.create(town=town, login=email, ip_address="192.0.2.1")
    audit.record(town, None, "family.update", family, changes={"name": [None, FAMILY_NAME]})
    audit.record(town, None, "guardian.update", guardian, changes={"email": [None, email]})
    audit.record(town, None, "child.update", child, changes={"first_name": [None, CHILD_FIRST]})
    return family


def accounting_snapshot(town: Town) -> dict[str, Any]:
    """What the accounting sees: each invoice as issued, each payment, and the town's totals."""
    return {
        "invoices": list(
            Invoice.objects.filter(town=town)
            .order_by("number")
            .values_list("number", "family_id", "total", "issued_on", "payer_name", "payer_address")
        ),
        "payments": list(
            Payment.objects.filter(town=town).order_by("number").values_list("number", "family_id", "amount")
        ),
        "invoiced": Invoice.objects.filter(town=town).aggregate(s=Sum("total"))["s"],
        "paid": Payment.objects.filter(town=town).aggregate(s=Sum("amount"))["s"],
        "credited": CreditNote.objects.filter(town=town).aggregate(s=Sum("amount"))["s"],
        "balances": {family.pk: family_balance(family) for family in Family.objects.filter(town=town)},
        "service_days": Booking.objects.filter(town=town).count(),
    }


def occurrences(words: tuple[str, ...] = IDENTITY) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value anywhere in the database that contains one of `words`
    (case-insensitive), outside the accounting's columns."""
    found: list[tuple[str, str, str]] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [column.name for column in connection.introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608 (table names from the introspection)
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = _text(value)
                    if text is None or (table, column) in ACCOUNTING_COLUMNS:
                        continue
                    lowered = text.lower()
                    if any(word in lowered for word in words):
                        found.append((table, column, text[:120]))
    return found


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return None
