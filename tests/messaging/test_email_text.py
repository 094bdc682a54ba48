"""E-mail subjects and plain-text bodies are text: a town or a family named with `'`, `&` or `<`
reads as written there, and is escaped exactly once in the HTML body. Every kind of e-mail is checked."""

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.html import escape

from ardoise.accounts.actions import request_password_reset, send_access
from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing import notifications as billing_notifications
from ardoise.billing.models import PaymentMethod
from ardoise.bookings.models import Request, RequestKind, RequestStatus
from ardoise.bookings.notifications import send_request_decisions
from ardoise.directdebit import actions as directdebit
from ardoise.documents import actions as documents
from ardoise.documents.models import DocumentType, SupportingDocument
from ardoise.documents.reminders import send_expiry_reminders
from ardoise.families.models import Child, Family, FileStatus, Guardian
from ardoise.messaging import actions as messaging
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.payments.actions import record_payment
from ardoise.signup import actions as signup
from ardoise.towns.models import Town
from tests.moment import NEXT_MONDAY, week
from tests.outbox import sent
from tests.payments.conftest import make_invoice

BASE = "https://ardoise.example.test/"
TOWN = "L'Étang & <Bourg>"
SURNAME = "D'Arc & <Fils>"
TODAY = datetime.date(2027, 3, 9)


@pytest.fixture
def odd_names(town: Town, family: Family, parent: User, children: list[Child]) -> None:
    """The town, the family, its guardian and children named with the characters HTML escapes."""
    town.name = TOWN
    town.regie_name = f"Régie de {TOWN}"
    town.save()
    Family.objects.filter(pk=family.pk).update(name=SURNAME.upper())
    Guardian.objects.filter(family=family).update(last_name=SURNAME)
    User.objects.filter(pk=parent.pk).update(last_name=SURNAME)
    Child.objects.filter(family=family).update(last_name=SURNAME)


def assert_text_and_html(kind: str, *, subject: str, names: tuple[str, ...] = ()) -> None:
    """The e-mail of `kind` has `subject` as written, every name raw in its text and escaped once in its HTML."""
    [email] = OutgoingEmail.objects.filter(kind=kind)
    assert email.subject == subject
    body_text, body_html = sent(email)
    for name in (TOWN, *names):
        assert name in body_text
        assert escape(name) in body_html
    for text in (email.subject, body_text):
        assert not any(entity in text for entity in ("&#x27;", "&amp;", "&lt;"))
    assert not any(raw in body_html for raw in ("<Bourg>", "<Fils>"))
    # Escaped once, not twice.
    assert not any(twice in body_html for twice in ("&amp;amp;", "&amp;#x27;", "&amp;lt;"))


@pytest.mark.usefixtures("odd_names")
def test_it_writes_a_booking_confirmation_as_text(
    town: Town, parent: User, children: list[Child], meals: Activity, client_for: Callable[[User], Client]
) -> None:
    changes = [f"{children[0].pk}:{meals.pk}:{day.isoformat()}:1" for day in week(NEXT_MONDAY)]
    response = client_for(parent).post(reverse("portal:booking_confirm", args=[town.slug]), {"change": changes})
    assert response.status_code == 302
    assert_text_and_html(
        Kind.BOOKING_CONFIRMATION,
        subject=f"{TOWN} : vos réservations sont enregistrées",
        names=(f"Marie {SURNAME}", f"Sarah {SURNAME}"),
    )


@pytest.mark.usefixtures("odd_names")
def test_it_writes_a_new_message_as_text(town: Town, family: Family, front_desk: User) -> None:
    messaging.write_to_families(
        town, front_desk, [family], "Sortie d'été & <pique-nique>", "Prévoir un K-way & des <bottes>.", base_url=BASE
    )
    assert_text_and_html(
        Kind.NEW_MESSAGE,
        subject=f"{TOWN} : nouveau message — Sortie d'été & <pique-nique>",
        names=(f"Marie {SURNAME}", "Sortie d'été & <pique-nique>", "Prévoir un K-way & des <bottes>."),
    )


@pytest.mark.usefixtures("odd_names")
def test_it_writes_a_request_decision_as_text(family: Family, children: list[Child]) -> None:
    decided = Request.objects.create(
        town=family.town,
        family=family,
        kind=RequestKind.RECORD_CHANGE,
        status=RequestStatus.REFUSED,
        child=Child.objects.get(pk=children[0].pk),
        target="child",
        reason="Pièce d'identité & <justificatif> manquants",
    )
    send_request_decisions(Family.objects.get(pk=family.pk), [decided], base_url=BASE)
    assert_text_and_html(
        Kind.REQUEST_DECISION,
        subject=f"{TOWN} : votre demande a été refusée",
        names=(f"Marie {SURNAME}", f"Dossier de Sarah {SURNAME}", "Pièce d'identité & <justificatif> manquants"),
    )


@pytest.mark.usefixtures("odd_names")
def test_it_writes_the_access_and_password_emails_as_text(town: Town, parent: User) -> None:
    parent.refresh_from_db()
    send_access(town, parent, BASE)
    assert_text_and_html(Kind.ACCOUNT_ACCESS, subject=f"{TOWN} : activez votre compte", names=(f"Marie {SURNAME}",))

    User.objects.filter(pk=parent.pk).update(last_login=datetime.datetime(2027, 1, 4, 9, tzinfo=datetime.UTC))
    request_password_reset(town, parent.email, RequestFactory().get("/", REMOTE_ADDR="192.0.2.10"))
    assert_text_and_html(
        Kind.PASSWORD, subject=f"{TOWN} : choisissez un nouveau mot de passe", names=(f"Marie {SURNAME}",)
    )


@pytest.mark.usefixtures("odd_names")
def test_it_writes_the_invoice_and_reminder_emails_as_text(family: Family) -> None:
    invoice = make_invoice(Family.objects.get(pk=family.pk), "25.00")
    billing_notifications.send_invoice_available(invoice, BASE)
    assert_text_and_html(Kind.INVOICE_AVAILABLE, subject=f"{TOWN} : votre facture {invoice.number} est disponible")

    billing_notifications.send_reminder(invoice, 1, "25,00 €", BASE)
    assert_text_and_html(Kind.REMINDER, subject=f"{TOWN} : rappel, facture {invoice.number} à régler")


@pytest.mark.usefixtures("odd_names")
def test_it_writes_the_payment_email_as_text(family: Family) -> None:
    record_payment(
        Family.objects.get(pk=family.pk),
        None,
        method=PaymentMethod.CASH,
        received_on=datetime.date(2027, 3, 8),
        amount=Decimal("40.00"),
    )
    assert_text_and_html(Kind.PAYMENT_RECEIVED, subject=f"{TOWN} : votre règlement de 40,00 € est enregistré")


@pytest.mark.usefixtures("odd_names")
def test_it_writes_the_rejected_debit_email_as_text(town: Town, family: Family) -> None:
    today = datetime.date(2027, 3, 9)
    directdebit.save_creditor_settings(
        town, None, ics="FR72ZZZ123456", name="Régie", iban="FR7630006000011234567890189", bic=""
    )
    family = Family.objects.get(pk=family.pk)
    directdebit.create_mandate(
        family,
        None,
        debtor_name=f"Marie {SURNAME}",
        iban="FR76 3000 6000 0100 0100 0000 215",
        bic="",
        signed_on=datetime.date(2026, 9, 1),
        today=today,
    )
    invoice = make_invoice(family, "25.00", issued_on=datetime.date(2027, 2, 15))
    collection = directdebit.create_collection(town, None, collection_date=datetime.date(2027, 3, 10), today=today)
    [item] = collection.items.all()
    later = datetime.date(2027, 3, 20)
    directdebit.record_rejection(item, None, reason="AM04", rejected_on=later, today=later)
    assert_text_and_html(
        Kind.DIRECT_DEBIT_REJECTED, subject=f"{TOWN} : le prélèvement de la facture {invoice.number} a été rejeté"
    )


@pytest.mark.usefixtures("odd_names", "media_root")
def test_it_writes_the_supporting_document_emails_as_text(
    family: Family, children: list[Child], front_desk: User
) -> None:
    odd_type = DocumentType.objects.create(town=family.town, label="Attestation d'assurance & <RC>", validity_months=12)
    family = Family.objects.get(pk=family.pk)
    sarah = Child.objects.get(pk=children[0].pk)
    upload = SimpleUploadedFile("assurance.pdf", b"%PDF-1.4\n%%EOF\n")
    document = documents.upload(family, None, odd_type, sarah, datetime.date(2026, 4, 1), upload, today=TODAY)
    documents.decide(document, front_desk, documents.Decision(False, "Nom & <prénom> illisibles"), base_url=BASE)
    assert_text_and_html(
        Kind.DOCUMENT_DECISION,
        subject=f"{TOWN} : pièce refusée (Attestation d'assurance & <RC>, Sarah {SURNAME})",
        names=(f"Marie {SURNAME}", "Nom & <prénom> illisibles"),
    )
    SupportingDocument.objects.filter(pk=document.pk).update(status="accepted")
    send_expiry_reminders(family.town, today=TODAY, base_url=BASE)
    assert_text_and_html(
        Kind.DOCUMENT_EXPIRING,
        subject=f"{TOWN} : Attestation d'assurance & <RC> de Sarah {SURNAME} expire le 31 mars 2027",
        names=(f"Marie {SURNAME}",),
    )


def test_it_writes_the_signup_confirmation_as_text(town: Town) -> None:
    Town.objects.filter(pk=town.pk).update(name=TOWN, signup_open=True)
    town.refresh_from_db()
    signup.start_signup(
        town,
        first_name="Marie",
        last_name=SURNAME,
        email="marie@example.test",
        password="x" * 12,
        ip=None,
        base_url=BASE,
    )
    assert_text_and_html(
        Kind.SIGNUP_CONFIRMATION, subject=f"{TOWN} : confirmez votre adresse e-mail", names=(f"Marie {SURNAME}",)
    )


@pytest.mark.usefixtures("odd_names")
def test_it_writes_the_signup_existing_account_email_as_text(town: Town, parent: User) -> None:
    Town.objects.filter(pk=town.pk).update(signup_open=True)
    town.refresh_from_db()
    signup.start_signup(
        town, first_name="Marie", last_name=SURNAME, email=parent.email, password="x" * 12, ip=None, base_url=BASE
    )
    assert_text_and_html(
        Kind.SIGNUP_EXISTING_ACCOUNT, subject=f"{TOWN} : vous avez déjà un compte", names=(f"Marie {SURNAME}",)
    )


@pytest.mark.usefixtures("odd_names")
def test_it_writes_the_signup_decision_as_text(town: Town, family: Family, parent: User, front_desk: User) -> None:
    Family.objects.filter(pk=family.pk).update(file_status=FileStatus.SUBMITTED)
    town.refresh_from_db()
    reason = "Justificatif d'adresse & <illisible>"
    signup.decide(town, [family.pk], accept=False, reason=reason, actor=front_desk, base_url=BASE)
    assert_text_and_html(
        Kind.SIGNUP_DECISION, subject=f"{TOWN} : votre dossier est à compléter", names=(f"Marie {SURNAME}", reason)
    )


def test_it_checks_every_kind_of_email() -> None:
    """A new kind of e-mail gets its test above."""
    checked = {
        Kind.BOOKING_CONFIRMATION,
        Kind.NEW_MESSAGE,
        Kind.REQUEST_DECISION,
        Kind.ACCOUNT_ACCESS,
        Kind.PASSWORD,
        Kind.INVOICE_AVAILABLE,
        Kind.REMINDER,
        Kind.PAYMENT_RECEIVED,
        Kind.DIRECT_DEBIT_REJECTED,
        Kind.DOCUMENT_DECISION,
        Kind.DOCUMENT_EXPIRING,
        Kind.SIGNUP_CONFIRMATION,
        Kind.SIGNUP_EXISTING_ACCOUNT,
        Kind.SIGNUP_DECISION,
        # tests/admissions/test_emails.py
        Kind.ENROLMENT_DECISION,
        Kind.PLACE_OFFERED,
        # tests/admissions/test_campaign_emails.py
        Kind.REENROLMENT_REMINDER,
    }
    assert set(Kind) == checked
