"""Every change to direct debit: creditor settings, mandates, collections, rejections.

Each action is atomic and audited. Collections and rejections lock the families'
rows first (as payments.actions does), so that they run one after the other with
any other operation on the same family's money. Amounts are Decimal euros.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import holidays
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.audit.actions import changes_between, record
from ardoise.billing import statements
from ardoise.billing.models import Payment, PaymentAllocation, PaymentMethod
from ardoise.families.models import Family
from ardoise.payments.actions import PaymentRefused, next_number, reverse_payment
from ardoise.payments.models import CounterKind, ReversalReason
from ardoise.towns.models import Town, take_number

from . import pain008
from .banking import BankDetailsRefused, check_bic, check_iban, check_ics, mask_iban, sepa_identifier, sepa_text
from .models import (
    Collection,
    CollectionCounter,
    CollectionItem,
    CreditorSettings,
    ItemStatus,
    Mandate,
    MandateState,
    RejectReason,
    SequenceType,
)
from .notifications import send_debit_rejected

# How far ahead a collection may be dated.
MAX_DAYS_AHEAD = 366


class DirectDebitRefused(Exception):
    """An operation refused, with a message for the person who asked (French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Creditor settings


@transaction.atomic
def save_creditor_settings(
    town: Town, actor: User | None, *, ics: str, name: str, iban: str, bic: str
) -> CreditorSettings:
    try:
        ics = check_ics(ics)
        iban = check_iban(iban)
        bic = check_bic(bic, iban)
    except BankDetailsRefused as refused:
        raise DirectDebitRefused(refused.message) from None
    name = sepa_text(name, 70)
    if not name:
        raise DirectDebitRefused(_("Indiquez le nom du créancier."))
    current = CreditorSettings.objects.select_for_update().filter(town=town).first()
    fields = ("ics", "name", "iban", "bic")
    before = {field: getattr(current, field) for field in fields} if current else {}
    after = {"ics": ics, "name": name, "iban": iban, "bic": bic}
    if current is None:
        current = CreditorSettings.objects.create(town=town, **after)
    else:
        for field, value in after.items():
            setattr(current, field, value)
        current.updated_at = timezone.now()
        current.save()
    record(
        town,
        actor,
        "direct_debit.creditor",
        current,
        f"Paramètres de prélèvement : ICS {ics}",
        changes_between(before, after),
    )
    return current


# Mandates


def mandate_reference(town: Town, family: Family, n: int) -> str:
    """ARD-<town>-<family number>-<n>: unique per town, at most 35 SEPA characters."""
    tail = f"-{sepa_identifier(family.number, 16).upper()}-{n}"
    head = f"ARD-{sepa_identifier(town.slug, 35).upper()}"[: 35 - len(tail)].rstrip("-/")
    return f"{head}{tail}"


def _lock(family: Family) -> None:
    Family.objects.select_for_update().filter(town_id=family.town_id, pk=family.pk).get()


@transaction.atomic
def create_mandate(
    family: Family,
    actor: User | None,
    *,
    debtor_name: str,
    iban: str,
    bic: str,
    signed_on: datetime.date,
    today: datetime.date,
) -> Mandate:
    """A new active mandate for the family (at most one active at a time)."""
    try:
        iban = check_iban(iban)
        bic = check_bic(bic, iban)
    except BankDetailsRefused as refused:
        raise DirectDebitRefused(refused.message) from None
    name = sepa_text(debtor_name, 70)
    if not name:
        raise DirectDebitRefused(_("Indiquez le titulaire du compte."))
    if signed_on > today:
        raise DirectDebitRefused(_("La date de signature ne peut pas être dans le futur."))
    _lock(family)
    if Mandate.objects.filter(town_id=family.town_id, family=family, state=MandateState.ACTIVE).exists():
        raise DirectDebitRefused(_("Cette famille a déjà un mandat actif : révoquez-le d'abord."))
    count = Mandate.objects.filter(town_id=family.town_id, family=family).count()
    mandate = Mandate.objects.create(
        town_id=family.town_id,
        family=family,
        reference=mandate_reference(family.town, family, count + 1),
        debtor_name=debtor_name.strip()[:70],
        iban=iban,
        bic=bic,
        signed_on=signed_on,
        created_by=actor,
    )
    record(
        family.town,
        actor,
        "direct_debit.mandate_create",
        mandate,
        f"Mandat {mandate.reference} de la famille {family.number}",
        {"iban": [None, mask_iban(iban)], "bic": [None, bic], "signed_on": [None, signed_on.isoformat()]},
    )
    return mandate


@transaction.atomic
def revoke_mandate(mandate: Mandate, actor: User | None, *, revoked_on: datetime.date, today: datetime.date) -> Mandate:
    _lock(mandate.family)
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.state != MandateState.ACTIVE:
        raise DirectDebitRefused(_("Ce mandat est déjà révoqué."))
    if revoked_on > today:
        raise DirectDebitRefused(_("La date de révocation ne peut pas être dans le futur."))
    if revoked_on < mandate.signed_on:
        raise DirectDebitRefused(_("La révocation ne peut pas précéder la signature du mandat."))
    mandate.state = MandateState.REVOKED
    mandate.revoked_on = revoked_on
    mandate.save(update_fields=["state", "revoked_on"])
    record(
        mandate.family.town,
        actor,
        "direct_debit.mandate_revoke",
        mandate,
        f"Révocation du mandat {mandate.reference}",
        {
            "state": [MandateState.ACTIVE.value, MandateState.REVOKED.value],
            "revoked_on": [None, revoked_on.isoformat()],
        },
    )
    return mandate


# Collections


def is_target_business_day(day: datetime.date) -> bool:
    """Whether the euro's settlement system (TARGET) works that day: not a weekend nor one of its holidays."""
    return day.weekday() < 5 and day not in holidays.financial_holidays("XECB", years=day.year)


def check_collection_date(day: datetime.date, today: datetime.date) -> datetime.date:
    if day <= today:
        raise DirectDebitRefused(_("La date de prélèvement doit être postérieure à aujourd'hui."))
    if day > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise DirectDebitRefused(_("La date de prélèvement est à plus d'un an."))
    if not is_target_business_day(day):
        raise DirectDebitRefused(
            _("Les banques ne prélèvent pas ce jour-là (week-end ou jour férié bancaire) : choisissez un jour ouvré.")
        )
    return day


def next_business_day(today: datetime.date) -> datetime.date:
    day = today + datetime.timedelta(days=1)
    while not is_target_business_day(day):
        day += datetime.timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class PlannedDebit:
    """One invoice a collection would debit."""

    mandate: Mandate
    invoice: statements.InvoiceSummary
    # Euros: what remains due on the invoice.
    amount: Decimal
    sequence_type: str

    @property
    def family(self) -> Family:
        return self.mandate.family


def plan(town: Town, on: datetime.date) -> list[PlannedDebit]:
    """What a collection on `on` would debit: the open invoices of the families with an active mandate
    that are due by then (the invoice, with its due date and the mandate, is the debtor's
    pre-notification: nothing is debited before the date it announced), less those already in a
    debit that stands. Three queries, whatever the number of families."""
    mandates = {
        mandate.family_id: mandate
        for mandate in Mandate.objects.filter(town=town, state=MandateState.ACTIVE).select_related("family")
    }
    if not mandates:
        return []
    in_progress = set(
        CollectionItem.objects.filter(town=town, family_id__in=mandates)
        .exclude(status=ItemStatus.REJECTED)
        .values_list("invoice_id", flat=True)
    )
    # One query for every mandated family's invoices with their credit notes and payments.
    unpaid = statements.unpaid_invoices_by_family(town.pk, mandates)
    planned = []
    for mandate in sorted(mandates.values(), key=lambda mandate: (mandate.family.name, mandate.family.number)):
        sequence = SequenceType.RECURRENT if mandate.first_collection_done else SequenceType.FIRST
        planned.extend(
            PlannedDebit(mandate, summary, summary.remaining, sequence)
            for summary in unpaid.get(mandate.family_id, [])
            # An invoice handed over to the comptable public is collected by the Trésor public, not debited here.
            if summary.id not in in_progress and summary.due_on <= on and not summary.handed_over
        )
    return planned


def _next_collection_number(town: Town, year: int) -> str:
    return f"PR{year}-{take_number(CollectionCounter, town=town, year=year):06d}"


def message_of(
    town: Town, creditor: CreditorSettings, number: str, day: datetime.date, debits: list[PlannedDebit]
) -> pain008.Message:
    return pain008.Message(
        message_id=sepa_identifier(f"ARDOISE-{town.pk}-{number}"),
        created_at=timezone.localtime(),
        collection_date=day,
        creditor=pain008.Creditor(name=creditor.name, iban=creditor.iban, bic=creditor.bic, ics=creditor.ics),
        debits=[
            pain008.Debit(
                end_to_end_id=debit.invoice.number,
                amount=debit.amount,
                mandate_id=debit.mandate.reference,
                mandate_signed_on=debit.mandate.signed_on,
                debtor_name=debit.mandate.debtor_name,
                debtor_iban=debit.mandate.iban,
                debtor_bic=debit.mandate.bic,
                remittance=f"Facture {debit.invoice.number} {town.name}",
                sequence_type=debit.sequence_type,
            )
            for debit in debits
        ],
    )


@transaction.atomic
def create_collection(
    town: Town, actor: User | None, *, collection_date: datetime.date, today: datetime.date
) -> Collection:
    """Debit every open invoice of the families with an active mandate on `collection_date`.

    One item and one direct-debit Payment (allocated to its invoice) per invoice,
    the pain.008 file stored with the collection. An invoice already in a debit
    that stands is never debited again.
    """
    check_collection_date(collection_date, today)
    creditor = CreditorSettings.objects.filter(town=town).first()
    if creditor is None:
        raise DirectDebitRefused(_("Renseignez d'abord l'identifiant créancier et le compte de la régie."))
    # Lock the mandated families (always in the same order), then plan again under the locks.
    mandated = Mandate.objects.filter(town=town, state=MandateState.ACTIVE).values("family_id")
    list(Family.objects.select_for_update().filter(town=town, pk__in=mandated).order_by("pk").values_list("pk"))
    debits = plan(town, collection_date)
    if not debits:
        raise DirectDebitRefused(_("Aucune facture à prélever : rien n'a été créé."))
    number = _next_collection_number(town, collection_date.year)
    message = message_of(town, creditor, number, collection_date, debits)
    try:
        xml = pain008.build(message)
    except pain008.InvalidFile as invalid:
        raise DirectDebitRefused(
            _("Le fichier de prélèvement serait refusé par la banque : %(errors)s") % {"errors": invalid}
        ) from None
    collection = Collection.objects.create(
        town=town,
        number=number,
        collection_date=collection_date,
        item_count=len(debits),
        total=pain008.control_sum(message.debits),
        xml=xml,
        message_id=message.message_id,
        created_by=actor,
    )
    items = []
    for debit in debits:
        payment = Payment.objects.create(
            town=town,
            family=debit.family,
            number=next_number(town, CounterKind.PAYMENT, collection_date.year),
            method=PaymentMethod.DIRECT_DEBIT,
            received_on=collection_date,
            amount=debit.amount,
            reference=debit.mandate.reference,
            recorded_by=actor,
        )
        PaymentAllocation.objects.create(town=town, payment=payment, invoice_id=debit.invoice.id, amount=debit.amount)
        items.append(
            CollectionItem(
                town=town,
                collection=collection,
                family=debit.family,
                mandate=debit.mandate,
                invoice_id=debit.invoice.id,
                payment=payment,
                amount=debit.amount,
                sequence_type=debit.sequence_type,
                end_to_end_id=debit.invoice.number[:35],
            )
        )
    try:
        with transaction.atomic():
            CollectionItem.objects.bulk_create(items)
    except IntegrityError:
        raise DirectDebitRefused(_("Une de ces factures vient d'être prélevée : recommencez.")) from None
    first = {debit.mandate.pk for debit in debits if debit.sequence_type == SequenceType.FIRST}
    Mandate.objects.filter(town=town, pk__in=first).update(first_collection_done=True)
    record(
        town,
        actor,
        "direct_debit.collection_create",
        collection,
        f"Remise de prélèvements {number} du {collection_date:%d/%m/%Y} : {len(items)} prélèvement(s), "
        f"{collection.total:.2f} €",
        {"invoices": [debit.invoice.number for debit in debits]},
    )
    return collection


# Rejections


@transaction.atomic
def record_rejection(
    item: CollectionItem,
    actor: User | None,
    *,
    reason: str,
    rejected_on: datetime.date,
    today: datetime.date,
    base_url: str = "",
) -> CollectionItem:
    """The bank returned this debit: the payment is reversed, the invoice open again, the family told."""
    if reason not in RejectReason.values:
        raise DirectDebitRefused(_("Motif de rejet inconnu."))
    if rejected_on > today:
        raise DirectDebitRefused(_("La date du rejet ne peut pas être dans le futur."))
    _lock(item.family)
    item = CollectionItem.objects.select_related("collection", "payment", "mandate", "invoice", "family__town").get(
        town_id=item.town_id, pk=item.pk
    )
    if item.status == ItemStatus.REJECTED:
        raise DirectDebitRefused(_("Ce rejet est déjà enregistré."))
    if rejected_on < item.collection.collection_date:
        raise DirectDebitRefused(_("Le rejet ne peut pas précéder la date du prélèvement."))
    label = RejectReason(reason).label
    try:
        reversal = reverse_payment(
            item.payment, actor, reason=ReversalReason.REJECTED_DEBIT, reversed_on=rejected_on, detail=str(label)
        )
    except PaymentRefused as refused:
        raise DirectDebitRefused(refused.message) from None
    item.status = ItemStatus.REJECTED
    item.reject_reason = reason
    item.rejected_on = rejected_on
    item.reversal = reversal
    item.rejected_by = actor
    item.save(update_fields=["status", "reject_reason", "rejected_on", "reversal", "rejected_by"])
    # A first debit that did not come through: the next one under the mandate is a first one again.
    if (
        item.sequence_type == SequenceType.FIRST
        and not CollectionItem.objects.filter(town_id=item.town_id, mandate=item.mandate)
        .filter(~Q(status=ItemStatus.REJECTED))
        .exists()
    ):
        Mandate.objects.filter(pk=item.mandate_id).update(first_collection_done=False)
    record(
        item.family.town,
        actor,
        "direct_debit.reject",
        item,
        f"Rejet du prélèvement de la facture {item.invoice.number} ({reason}), famille {item.family.number}",
        {"status": [ItemStatus.DEBITED.value, ItemStatus.REJECTED.value], "reason": reason},
    )
    send_debit_rejected(item, base_url)
    return item
