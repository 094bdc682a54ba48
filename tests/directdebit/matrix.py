"""Rows of direct debit for the permission matrix (tests/backoffice/test_permissions.py): made on demand."""

import datetime

from ardoise.billing.models import Invoice, Payment
from ardoise.directdebit.models import Collection, CollectionItem, Mandate
from ardoise.families.models import Family

DAY = datetime.date(2027, 3, 10)


def mandate_of(family: Family) -> Mandate:
    mandate, _created = Mandate.objects.get_or_create(
        town_id=family.town_id,
        family=family,
        state="active",
        defaults={
            "reference": f"ARD-TEST-{family.number}-1",
            "debtor_name": "Marie DUPONT",
            "iban": "FR7630006000010001000000215",
            "bic": "AGRIFRPPXXX",
            "signed_on": datetime.date(2026, 9, 1),
        },
    )
    return mandate


def item_of(family: Family) -> CollectionItem:
    existing = CollectionItem.objects.filter(town_id=family.town_id, family=family).first()
    if existing is not None:
        return existing
    invoice = Invoice.objects.filter(town_id=family.town_id, family=family).order_by("pk").first()
    assert invoice is not None
    collection = Collection.objects.create(
        town_id=family.town_id,
        number="PR2027-000001",
        collection_date=DAY,
        item_count=1,
        total=invoice.total,
        xml=b"<?xml version='1.0' encoding='UTF-8'?><Document/>",
        message_id="TEST-PR2027-000001",
    )
    payment = Payment.objects.create(
        town_id=family.town_id,
        family=family,
        number="R2027-900001",
        method="direct_debit",
        received_on=DAY,
        amount=invoice.total,
    )
    return CollectionItem.objects.create(
        town_id=family.town_id,
        collection=collection,
        family=family,
        mandate=mandate_of(family),
        invoice=invoice,
        payment=payment,
        amount=invoice.total,
        sequence_type="FRST",
        end_to_end_id=invoice.number,
    )
