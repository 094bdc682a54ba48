"""Creditor settings, mandates, collections and rejections: the actions."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from lxml import etree

from ardoise.audit.models import AuditEntry
from ardoise.billing.balance import family_balance
from ardoise.billing.models import Payment, PaymentMethod
from ardoise.billing.statements import invoice_summary, statement
from ardoise.directdebit import actions, pain008
from ardoise.directdebit.models import CollectionItem, ItemStatus, Mandate, MandateState
from ardoise.messaging.models import OutgoingEmail
from ardoise.payments.actions import record_payment
from ardoise.payments.models import PaymentReversal, ReversalReason
from tests.directdebit.conftest import COLLECTION_DAY, ICS, TODAY, make_invoice, sign_mandate
from tests.factories import FamilyFactory, GuardianFactory
from tests.outbox import sent_text

D = Decimal
LATER = datetime.date(2027, 3, 20)
NS = {"p": pain008.NAMESPACE}


def collect(town, actor=None, day=COLLECTION_DAY, today=TODAY):  # type: ignore[no-untyped-def]
    return actions.create_collection(town, actor, collection_date=day, today=today)


def reject(item, actor=None, reason="AM04", on=LATER):  # type: ignore[no-untyped-def]
    return actions.record_rejection(item, actor, reason=reason, rejected_on=on, today=on)


# Creditor settings


def test_it_saves_the_creditor_settings_and_audits_them(town, finance_agent):
    saved = actions.save_creditor_settings(
        town, finance_agent, ics="fr72 zzz 123456", name="Régie", iban="FR76 3000 6000 0112 3456 7890 189", bic=""
    )
    assert (saved.ics, saved.iban, saved.bic) == (ICS, "FR7630006000011234567890189", "AGRIFRPPXXX")
    actions.save_creditor_settings(town, finance_agent, ics=ICS, name="Régie", iban=saved.iban, bic="BNPAFRPP")
    entries = AuditEntry.objects.filter(action="direct_debit.creditor").order_by("pk")
    assert entries[1].changes == {"bic": ["AGRIFRPPXXX", "BNPAFRPP"]}


def test_it_refuses_a_wrong_creditor_identifier(town):
    with pytest.raises(actions.DirectDebitRefused, match="clé de contrôle"):
        actions.save_creditor_settings(
            town, None, ics="FR12ZZZ123456", name="Régie", iban="DE89370400440532013000", bic=""
        )


# Mandates


def test_it_gives_each_mandate_a_unique_reference(town, family, finance_agent):
    first = sign_mandate(family)
    assert first.reference == "ARD-SAINT-EXEMPLE-1-1"
    assert first.iban == "FR7630006000010001000000215"
    assert first.bic == "AGRIFRPPXXX"
    assert first.masked_iban == "FR76 **** **** **** **** ***0 215"
    actions.revoke_mandate(first, finance_agent, revoked_on=TODAY, today=TODAY)
    second = sign_mandate(family)
    assert second.reference == "ARD-SAINT-EXEMPLE-1-2"
    assert AuditEntry.objects.filter(action__startswith="direct_debit.mandate").count() == 3
    # The audit keeps the IBAN masked.
    assert "0001000000215" not in str(AuditEntry.objects.filter(action="direct_debit.mandate_create").first().changes)


def test_it_keeps_references_within_35_characters(town, family):
    town.slug = "communaute-de-communes-du-grand-exemple"
    family.number = "2027-000123456"
    assert len(actions.mandate_reference(town, family, 12)) <= 35
    assert actions.mandate_reference(town, family, 12).endswith("-2027-000123456-12")


def test_it_allows_one_active_mandate_per_family(family):
    sign_mandate(family)
    with pytest.raises(actions.DirectDebitRefused, match="déjà un mandat actif"):
        sign_mandate(family)
    with pytest.raises(IntegrityError), transaction.atomic():
        Mandate.objects.create(
            town=family.town, family=family, reference="X", debtor_name="X", iban="X", bic="X", signed_on=TODAY
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"iban": "FR7630006000010001000000216"}, "clé de contrôle"),
        ({"bic": "AGRIXXPP"}, "pays"),
        ({"signed_on": TODAY + datetime.timedelta(days=1)}, "futur"),
        ({"debtor_name": "  "}, "titulaire"),
    ],
)
def test_it_refuses_a_wrong_mandate_in_french(family, fields, message):
    data = {
        "debtor_name": "Marie DUPONT",
        "iban": "FR7630006000010001000000215",
        "bic": "",
        "signed_on": TODAY,
        **fields,
    }
    with pytest.raises(actions.DirectDebitRefused, match=message):
        actions.create_mandate(family, None, today=TODAY, **data)
    assert not Mandate.objects.exists()


def test_it_refuses_to_revoke_twice_or_before_signature(family):
    mandate = sign_mandate(family)
    with pytest.raises(actions.DirectDebitRefused, match="précéder"):
        actions.revoke_mandate(mandate, None, revoked_on=datetime.date(2026, 8, 1), today=TODAY)
    actions.revoke_mandate(mandate, None, revoked_on=TODAY, today=TODAY)
    with pytest.raises(actions.DirectDebitRefused, match="déjà révoqué"):
        actions.revoke_mandate(mandate, None, revoked_on=TODAY, today=TODAY)
    mandate.refresh_from_db()
    assert mandate.state == MandateState.REVOKED


# Collections


def test_it_previews_open_invoices_of_families_with_a_mandate(town, family, creditor, finance_agent):
    martin = FamilyFactory(town=town, number="2", name="MARTIN")
    without_mandate = FamilyFactory(town=town, number="3", name="SANS")
    sign_mandate(family)
    sign_mandate(martin, "Julie MARTIN")
    open_invoice = make_invoice(family, "40.00")
    paid = make_invoice(family, "10.00", datetime.date(2027, 1, 31))
    record_payment(family, finance_agent, method=PaymentMethod.CHEQUE, received_on=TODAY, amount=D("10.00"))
    partly = make_invoice(martin, "30.00")
    record_payment(martin, finance_agent, method=PaymentMethod.CASH, received_on=TODAY, amount=D("12.50"))
    make_invoice(without_mandate, "99.00")

    planned = actions.plan(town, COLLECTION_DAY)

    assert [(debit.invoice.id, debit.amount, debit.sequence_type) for debit in planned] == [
        (open_invoice.pk, D("40.00"), "FRST"),
        (partly.pk, D("17.50"), "FRST"),
    ]
    assert paid.pk not in [debit.invoice.id for debit in planned]


def test_it_debits_each_invoice_with_an_allocated_payment(town, family, creditor, finance_agent):
    sign_mandate(family)
    invoices = [make_invoice(family, "40.00"), make_invoice(family, "2.35")]

    collection = collect(town, finance_agent)

    assert collection.number == "PR2027-000001"
    assert (collection.item_count, collection.total) == (2, D("42.35"))
    items = list(CollectionItem.objects.filter(collection=collection).order_by("pk"))
    assert [item.end_to_end_id for item in items] == [invoice.number for invoice in invoices]
    for item, invoice in zip(items, invoices, strict=True):
        assert item.payment.method == PaymentMethod.DIRECT_DEBIT
        assert item.payment.received_on == COLLECTION_DAY
        assert [(a.invoice_id, a.amount) for a in item.payment.allocations.all()] == [(invoice.pk, invoice.total)]
        assert invoice_summary(invoice).status == "paid"
    assert family_balance(family) == D("0.00")
    root = etree.fromstring(bytes(collection.xml))
    pain008.validate(bytes(collection.xml))
    assert root.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=NS) == ["42.35"]
    assert root.xpath("//p:RmtInf/p:Ustrd/text()", namespaces=NS) == [
        f"Facture {invoices[0].number} Saint-Exemple",
        f"Facture {invoices[1].number} Saint-Exemple",
    ]
    assert AuditEntry.objects.filter(action="direct_debit.collection_create", actor=finance_agent).exists()


def test_it_debits_an_invoice_only_from_its_due_date(town, family, creditor):
    # The invoice, with its due date and the mandate, is the debtor's pre-notification.
    sign_mandate(family)
    due = make_invoice(family, "40.00")  # due 7 March
    later = make_invoice(family, "25.00", datetime.date(2027, 3, 1))  # due 21 March
    assert [debit.invoice.id for debit in actions.plan(town, COLLECTION_DAY)] == [due.pk]
    assert [debit.invoice.id for debit in actions.plan(town, datetime.date(2027, 3, 22))] == [due.pk, later.pk]
    collection = collect(town)
    assert [item.invoice_id for item in collection.items.all()] == [due.pk]


def test_it_uses_frst_then_rcur(town, family, creditor):
    mandate = sign_mandate(family)
    make_invoice(family, "40.00")
    first = collect(town)
    make_invoice(family, "25.00", datetime.date(2027, 3, 31))
    second = collect(town, day=datetime.date(2027, 4, 21), today=datetime.date(2027, 4, 1))

    assert [item.sequence_type for item in first.items.all()] == ["FRST"]
    assert [item.sequence_type for item in second.items.all()] == ["RCUR"]
    root = etree.fromstring(bytes(second.xml))
    assert root.xpath("//p:SeqTp/text()", namespaces=NS) == ["RCUR"]
    mandate.refresh_from_db()
    assert mandate.first_collection_done


def test_it_never_debits_an_invoice_twice(town, family, creditor):
    sign_mandate(family)
    make_invoice(family, "40.00")
    collect(town)
    payments = Payment.objects.count()

    with pytest.raises(actions.DirectDebitRefused, match="Aucune facture"):
        collect(town, day=datetime.date(2027, 3, 11))

    assert Payment.objects.count() == payments
    assert CollectionItem.objects.count() == 1


def test_the_database_refuses_a_second_standing_debit_of_an_invoice(town, family, creditor):
    sign_mandate(family)
    make_invoice(family, "40.00")
    item = collect(town).items.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionItem.objects.create(
            town=town,
            collection=item.collection,
            family=family,
            mandate=item.mandate,
            invoice=item.invoice,
            payment=Payment.objects.create(
                town=town, family=family, number="X1", method="direct_debit", received_on=TODAY, amount=1
            ),
            amount=1,
            sequence_type="RCUR",
            end_to_end_id="X",
        )


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (TODAY, "postérieure"),
        (datetime.date(2027, 3, 1), "postérieure"),
        (datetime.date(2027, 3, 13), "jour ouvré"),  # a Saturday
        (datetime.date(2027, 3, 29), "jour ouvré"),  # Easter Monday, a TARGET holiday
        (datetime.date(2028, 6, 1), "plus d'un an"),
    ],
)
def test_it_refuses_a_collection_date_banks_do_not_work(town, family, creditor, day, message):
    sign_mandate(family)
    make_invoice(family, "40.00")
    with pytest.raises(actions.DirectDebitRefused, match=message):
        collect(town, day=day)
    assert not CollectionItem.objects.exists()


def test_it_refuses_a_collection_without_creditor_settings(town, family):
    sign_mandate(family)
    make_invoice(family, "40.00")
    with pytest.raises(actions.DirectDebitRefused, match="identifiant créancier"):
        collect(town)
    assert not Payment.objects.exists()


def test_it_leaves_out_revoked_mandates(town, family, creditor):
    mandate = sign_mandate(family)
    actions.revoke_mandate(mandate, None, revoked_on=TODAY, today=TODAY)
    make_invoice(family, "40.00")
    assert actions.plan(town, COLLECTION_DAY) == []


# Rejections


def test_a_rejection_reopens_the_invoice_and_shows_on_the_statement(town, family, parent, creditor, finance_agent):
    sign_mandate(family)
    invoice = make_invoice(family, "40.00")
    item = collect(town).items.get()

    rejected = reject(item, finance_agent)

    assert rejected.status == ItemStatus.REJECTED
    assert rejected.reject_reason == "AM04"
    reversal = PaymentReversal.objects.get()
    assert (reversal.payment_id, reversal.reason, reversal.amount) == (
        item.payment_id,
        ReversalReason.REJECTED_DEBIT,
        D("40.00"),
    )
    assert reversal.detail == "AM04 — Provision insuffisante"
    assert invoice_summary(invoice).remaining == D("40.00")
    assert family_balance(family) == D("40.00")
    kinds = [(op.kind, op.debit, op.credit) for op in statement(family, 2026).operations]
    assert kinds == [
        ("invoice", D("40.00"), D("0.00")),
        ("payment", D("0.00"), D("40.00")),
        ("reversal", D("40.00"), D("0.00")),
    ]
    assert AuditEntry.objects.filter(action="direct_debit.reject", actor=finance_agent).exists()


def test_a_rejection_emails_the_family(town, family, parent, co_parent, creditor):
    sign_mandate(family)
    invoice = make_invoice(family, "40.00")
    item = collect(town).items.get()

    reject(item, reason="AC04")

    emails = OutgoingEmail.objects.filter(kind="direct_debit_rejected").order_by("to")
    assert [email.to for email in emails] == ["marie.dupont@example.test", "paul.dupont@example.test"]
    assert invoice.number in emails[0].subject
    text = sent_text(emails[0])
    assert "AC04 — Compte clôturé" in text
    assert "40,00" in text


def test_a_rejection_is_recorded_once(town, family, creditor):
    sign_mandate(family)
    make_invoice(family, "40.00")
    item = collect(town).items.get()
    reject(item)
    with pytest.raises(actions.DirectDebitRefused, match="déjà enregistré"):
        reject(item, reason="MS02")
    assert PaymentReversal.objects.count() == 1
    assert OutgoingEmail.objects.filter(kind="direct_debit_rejected").count() == 0  # the family has no guardian here


@pytest.mark.parametrize(
    ("reason", "on", "today", "message"),
    [
        ("XX99", LATER, LATER, "inconnu"),
        ("AM04", datetime.date(2027, 3, 9), LATER, "précéder"),
        ("AM04", LATER, COLLECTION_DAY, "futur"),
    ],
)
def test_it_refuses_a_rejection_that_makes_no_sense(town, family, creditor, reason, on, today, message):
    sign_mandate(family)
    make_invoice(family, "40.00")
    item = collect(town).items.get()
    with pytest.raises(actions.DirectDebitRefused, match=message):
        actions.record_rejection(item, None, reason=reason, rejected_on=on, today=today)
    item.refresh_from_db()
    assert item.status == ItemStatus.DEBITED
    assert not PaymentReversal.objects.exists()


def test_a_rejected_invoice_is_collected_again_first_again(town, family, creditor):
    GuardianFactory(family=family, email="marie.dupont@example.test")
    sign_mandate(family)
    invoice = make_invoice(family, "40.00")
    first = collect(town).items.get()
    reject(first)

    again = collect(town, day=datetime.date(2027, 3, 23), today=LATER).items.get()

    assert again.invoice_id == invoice.pk
    # The first debit never came through: the next one is a first one again.
    assert again.sequence_type == "FRST"
    assert invoice_summary(invoice).status == "paid"
    assert family_balance(family) == D("0.00")
