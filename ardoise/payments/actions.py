"""Every change to payments: staff-recorded payments and their allocation, deposit
slips, refunds, and online card payments.

Each action is atomic and locks the family's row first, so that two operations
on one family's money run one after the other. Staff actions are audited; online
payments are audited with no actor. Amounts are Decimal euros, two places.

Lock order, everywhere: the family's row, then its online operations (the one
pending for an invoice or basket, the one being settled), then the numbering
counters. The provider is never called while a lock is held.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.actions import record
from ardoise.billing import statements
from ardoise.billing.balance import family_balance, sum_of
from ardoise.billing.models import Invoice, Payment, PaymentAllocation, PaymentMethod
from ardoise.billing.money import CENT, ZERO, format_euros
from ardoise.families.models import Family
from ardoise.payments.models import (
    Counter,
    CounterKind,
    DepositMethod,
    DepositSlip,
    DepositSlipEntry,
    OnlinePayment,
    OnlineState,
    PaymentReversal,
    Refund,
    ReversalReason,
    Voucher,
    VoucherActivity,
    VoucherKind,
)
from ardoise.payments.notifications import send_payment_received
from ardoise.payments.providers import (
    Order,
    Provider,
    ProviderError,
    Result,
    Verified,
    provider_for,
    provider_of_kind,
)
from ardoise.payments.signals import online_payment_paid
from ardoise.payments.voucher_queries import accepted_activities, invoice_rooms
from ardoise.payments.vouchers import Titre, is_titre_number, normalise_number, total_of
from ardoise.towns.models import Town, take_number

logger = logging.getLogger("ardoise.payments")

# Methods staff record at the desk with a single reference; card and direct debit come from providers.
DESK_METHODS = (PaymentMethod.CHEQUE, PaymentMethod.CASH, PaymentMethod.TRANSFER)
# Titres staff record at the desk, each with its number and value (payments.vouchers): CESU, chèques-vacances.
VOUCHER_METHODS = (PaymentMethod.CESU, PaymentMethod.ANCV)
_PREFIX = {
    CounterKind.PAYMENT: "R",
    CounterKind.DEPOSIT_SLIP: "B",
    CounterKind.REFUND: "RB",
    CounterKind.REVERSAL: "AN",
}


# Builds the absolute "notification" or "return" URL of an online payment.
type UrlBuilder = Callable[[str, OnlinePayment], str]


class PaymentRefused(Exception):
    """An operation refused, with a message for the person who asked (French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Why the régie takes no payment for an invoice handed over to the comptable public (treasury).
HANDED_OVER = gettext_lazy(
    "Cette facture a été transmise au Trésor public : elle se règle auprès du comptable public, plus à la régie."
)


def check_amount(amount: Decimal) -> Decimal:
    """A positive amount with at most two decimals, or PaymentRefused."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PaymentRefused(_("Montant invalide."))
    if amount <= ZERO:
        raise PaymentRefused(_("Le montant doit être positif."))
    if amount >= Decimal("100000000"):
        raise PaymentRefused(_("Montant trop élevé."))
    if amount != amount.quantize(CENT):
        raise PaymentRefused(_("Le montant a au plus deux décimales."))
    return amount.quantize(CENT)


def next_number(town: Town, kind: str, year: int) -> str:
    """The next number of `kind` in `town` and `year`, without gaps: the counter row is locked until commit."""
    return f"{_PREFIX[CounterKind(kind)]}{year}-{take_number(Counter, town=town, kind=kind, year=year):06d}"


def _lock(family: Family) -> None:
    Family.objects.select_for_update().filter(town_id=family.town_id, pk=family.pk).get()


def free_credit(family: Family) -> Decimal:
    """Money received (and not reversed) neither allocated to an invoice nor refunded, in one query."""
    town_id = family.town_id
    payments = Payment.objects.filter(town_id=town_id, family=OuterRef("pk"), reversal__isnull=True)
    allocations = PaymentAllocation.objects.filter(town_id=town_id, payment__family=OuterRef("pk"))
    refunds = Refund.objects.filter(town_id=town_id, family=OuterRef("pk"))
    sums = (
        Family.objects.filter(pk=family.pk)
        .annotate(
            paid=sum_of(payments.values("family"), "amount"),
            allocated=sum_of(allocations.values("payment__family"), "amount"),
            refunded=sum_of(refunds.values("family"), "amount"),
        )
        .values("paid", "allocated", "refunded")
        .get()
    )
    return sums["paid"] - sums["allocated"] - sums["refunded"]


def _allocate(payment: Payment, first: Invoice | None = None) -> list[PaymentAllocation]:
    """Settle the family's open invoices with what is free of `payment`: `first` first, then oldest first."""
    family = payment.family
    if PaymentReversal.objects.filter(town_id=payment.town_id, payment=payment).exists():
        return []
    allocated = payment.allocations.aggregate(s=Sum("amount"))["s"] or ZERO
    left = min(payment.amount - allocated, free_credit(family))
    # An invoice handed over to the comptable public is paid at the Trésor public: the régie's money skips it.
    open_invoices = [summary for summary in statements.unpaid_invoices(family) if not summary.handed_over]
    if first is not None:
        open_invoices.sort(key=lambda summary: summary.id != first.pk)
    # Titres pay only the eligible part of each invoice (payments.vouchers); what they cannot pay stays as credit.
    room: dict[int, Decimal] | None = None
    if payment.method in VOUCHER_METHODS and left > ZERO:
        rooms = invoice_rooms(payment.town_id, open_invoices)
        room = {invoice_id: invoice_room.capacity(payment.method) for invoice_id, invoice_room in rooms.items()}
    created = []
    for summary in open_invoices:
        if left <= ZERO:
            break
        amount = min(left, summary.remaining)
        if room is not None:
            amount = min(amount, room.get(summary.id, ZERO))
            if amount <= ZERO:
                continue
        created.append(
            PaymentAllocation.objects.create(
                town_id=payment.town_id, payment=payment, invoice_id=summary.id, amount=amount
            )
        )
        left -= amount
    return created


def _describe(allocations: Iterable[PaymentAllocation]) -> dict[str, str]:
    return {str(allocation.invoice_id): f"{allocation.amount:.2f}" for allocation in allocations}


def families_with_credit(town_id: int) -> set[int]:
    """Ids of the town's families whose money received is not all allocated or refunded, in three
    grouped queries: a run settles only their new invoices, instead of asking every family."""
    credit: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for family_id, paid in (
        Payment.objects.filter(town_id=town_id, reversal__isnull=True)
        .values("family")
        .annotate(s=Sum("amount"))
        .values_list("family", "s")
    ):
        credit[family_id] += paid
    for family_id, used in (
        PaymentAllocation.objects.filter(town_id=town_id)
        .values("payment__family")
        .annotate(s=Sum("amount"))
        .values_list("payment__family", "s")
    ):
        credit[family_id] -= used
    for family_id, refunded in (
        Refund.objects.filter(town_id=town_id).values("family").annotate(s=Sum("amount")).values_list("family", "s")
    ):
        credit[family_id] -= refunded
    return {family_id for family_id, amount in credit.items() if amount > ZERO}


def settle_open_invoices(family: Family) -> list[PaymentAllocation]:
    """Let the family's credit settle its open invoices, oldest first, from its oldest payments.

    Called when something may have opened an invoice the credit can pay: an
    invoice issued (prepaid money, an overpayment), a payment reversed.
    """
    if free_credit(family) <= ZERO:
        return []
    with transaction.atomic():
        _lock(family)
        with_room = (
            Payment.objects.filter(town_id=family.town_id, family=family, reversal__isnull=True)
            .annotate(allocated=Coalesce(Sum("allocations__amount"), ZERO))
            .filter(amount__gt=F("allocated"))
            .order_by("received_on", "pk")
        )
        return [allocation for payment in with_room for allocation in _allocate(payment)]


# Staff-recorded payments


@transaction.atomic
def record_payment(
    family: Family,
    actor: User | None,
    *,
    method: str,
    received_on: datetime.date,
    amount: Decimal,
    reference: str = "",
    bank: str = "",
    titres: Iterable[Titre] = (),
) -> Payment:
    """A payment received at the desk, allocated to the oldest open invoices; any surplus stays as credit.

    CESU and chèques-vacances come as `titres` (number and value each, their sum is the amount): numbers
    never seen before in the town, and no more than they may pay on the family's open invoices (no change
    is given on a titre; see payments.vouchers).
    """
    amount = check_amount(amount)
    titres = [Titre(number=normalise_number(titre.number), value=titre.value) for titre in titres]
    if method not in DESK_METHODS and method not in VOUCHER_METHODS:
        raise PaymentRefused(_("Mode de règlement inconnu."))
    if method in VOUCHER_METHODS:
        _check_titres(family, method, amount, titres)
    elif titres:
        raise PaymentRefused(_("Seuls les CESU et les chèques-vacances se saisissent avec des numéros de titre."))
    _lock(family)
    if method in VOUCHER_METHODS:
        _check_voucher_room(family, method, amount)
    payment = Payment.objects.create(
        town_id=family.town_id,
        family=family,
        number=next_number(family.town, CounterKind.PAYMENT, received_on.year),
        method=method,
        received_on=received_on,
        amount=amount,
        reference=reference,
        bank=bank,
        recorded_by=actor,
    )
    if titres:
        try:
            with transaction.atomic():
                Voucher.objects.bulk_create(
                    Voucher(town_id=family.town_id, payment=payment, kind=method, number=each.number, value=each.value)
                    for each in titres
                )
        except IntegrityError:
            # Another desk recorded one of these titres meanwhile (the unique number per town and kind).
            raise PaymentRefused(_("Un de ces titres vient d'être enregistré par ailleurs.")) from None
    allocations = _allocate(payment)
    changes: dict[str, object] = {"allocations": _describe(allocations)}
    if titres:
        changes["titres"] = {titre.number: f"{titre.value:.2f}" for titre in titres}
    record(
        family.town,
        actor,
        "payment.record",
        payment,
        f"Règlement {payment.number} de {amount:.2f} € ({payment.get_method_display()}), famille {family.number}",
        changes=changes,
    )
    send_payment_received(payment)
    return payment


def _check_titres(family: Family, method: str, amount: Decimal, titres: list[Titre]) -> None:
    """The titres of a payment by CESU or chèques-vacances: some, each once, adding up to the amount, and
    none already handed over in the town."""
    if not titres:
        raise PaymentRefused(_("Indiquez les titres remis : leur numéro et leur valeur, un par ligne."))
    numbers = [titre.number for titre in titres]
    wrong = next((number for number in numbers if not is_titre_number(number)), None)
    if wrong is not None:
        raise PaymentRefused(
            _("Le numéro « %(number)s » n'est pas celui d'un titre (4 à 30 chiffres ou lettres).") % {"number": wrong}
        )
    for titre in titres:
        if not isinstance(titre.value, Decimal) or not titre.value.is_finite() or titre.value <= ZERO:
            raise PaymentRefused(_("La valeur d'un titre est un montant positif."))
        if titre.value != titre.value.quantize(CENT):
            raise PaymentRefused(_("La valeur d'un titre a au plus deux décimales."))
    if len(set(numbers)) != len(numbers):
        raise PaymentRefused(_("Un même numéro de titre est saisi deux fois."))
    if total_of(titres) != amount:
        raise PaymentRefused(
            _("Les titres font %(titres)s et le montant saisi %(amount)s : le montant est la somme des titres.")
            % {"titres": format_euros(total_of(titres)), "amount": format_euros(amount)}
        )
    already = (
        Voucher.objects.filter(town_id=family.town_id, kind=method, number__in=numbers, active=True)
        .select_related("payment")
        .order_by("number")
        .first()
    )
    if already is not None:
        raise PaymentRefused(
            _("Le titre n° %(number)s a déjà été remis (règlement %(payment)s).")
            % {"number": already.number, "payment": already.payment.number}
        )


def voucher_room(family: Family, method: str) -> Decimal:
    """What titres of `method` may still pay on the family's open invoices, euros (five queries); an invoice
    handed over to the comptable public is paid at the Trésor public, not with titres at the régie."""
    payable = [summary for summary in statements.unpaid_invoices(family) if not summary.handed_over]
    rooms = invoice_rooms(family.town_id, payable)
    return sum((room.capacity(method) for room in rooms.values()), ZERO)


def _check_voucher_room(family: Family, method: str, amount: Decimal) -> None:
    """Refuse titres worth more than they may pay on the family's open invoices (called under its lock)."""
    room = voucher_room(family, method)
    if amount <= room:
        return
    if method == PaymentMethod.CESU:
        rule = _(
            "Le CESU ne paie que la garde des enfants de moins de 6 ans le jour de l'accueil, dans les activités "
            "que la commune accepte en CESU."
        )
    else:
        rule = _("Les chèques-vacances ne paient que les activités que la commune accepte en chèques-vacances.")
    if room <= ZERO:
        limit = _("Aucune facture à payer de la famille ne peut l'être par ces titres.")
    else:
        limit = _(
            "Sur les factures à payer de la famille, ces titres peuvent payer au plus %(room)s ; les titres "
            "présentés font %(amount)s, et aucune monnaie n'est rendue sur un titre."
        ) % {"room": format_euros(room), "amount": format_euros(amount)}
    raise PaymentRefused(f"{rule} {limit}")


@transaction.atomic
def set_voucher_activities(town: Town, actor: User | None, accepted: dict[str, Iterable[int]]) -> None:
    """Which activities CESU and chèques-vacances pay in `town` ({kind: activity ids}); audited.

    An activity of another town is refused; nothing changes then.
    """
    wanted: dict[str, set[int]] = {kind: set(accepted.get(kind, ())) for kind in VoucherKind.values}
    labels = dict(Activity.objects.filter(town=town).values_list("pk", "label"))
    if any(activity_id not in labels for ids in wanted.values() for activity_id in ids):
        raise PaymentRefused(_("Une des activités choisies n'est pas celle de la commune."))
    before = accepted_activities(town.pk)
    VoucherActivity.objects.filter(town=town).delete()
    VoucherActivity.objects.bulk_create(
        VoucherActivity(town=town, kind=kind, activity_id=activity_id)
        for kind, ids in wanted.items()
        for activity_id in sorted(ids)
    )
    changes = {
        kind: [sorted(labels.get(pk, str(pk)) for pk in before.get(kind, ())), sorted(labels[pk] for pk in ids)]
        for kind, ids in wanted.items()
        if set(before.get(kind, ())) != ids
    }
    record(town, actor, "payments.vouchers", None, "Activités payables en CESU et chèques-vacances", changes=changes)


@transaction.atomic
def reallocate(payment: Payment, actor: User | None, invoice: Invoice | None = None) -> list[PaymentAllocation]:
    """Undo the payment's allocations and redo them: `invoice` first when chosen, then the oldest open ones."""
    family = payment.family
    if invoice is not None and (invoice.town_id != payment.town_id or invoice.family_id != payment.family_id):
        raise PaymentRefused(_("Cette facture n'est pas celle de la famille."))
    if invoice is not None and invoice.handed_over_at is not None:
        raise PaymentRefused(str(HANDED_OVER))
    _lock(family)
    if PaymentReversal.objects.filter(town_id=payment.town_id, payment=payment).exists():
        raise PaymentRefused(_("Ce règlement a été annulé."))
    before = _describe(payment.allocations.all())
    payment.allocations.all().delete()
    allocations = _allocate(payment, first=invoice)
    record(
        family.town,
        actor,
        "payment.reallocate",
        payment,
        f"Réaffectation du règlement {payment.number}",
        changes={"allocations": [before, _describe(allocations)]},
    )
    return allocations


@transaction.atomic
def reverse_payment(
    payment: Payment,
    actor: User | None,
    *,
    reason: str,
    reversed_on: datetime.date,
    detail: str = "",
) -> PaymentReversal:
    """Cancel a payment that never came through: a bounced cheque, a rejected direct debit, an entry error.

    The payment stays as recorded; a numbered reversal of its whole amount is
    added, the invoices it settled are open again, and whatever credit the
    family still has settles them (oldest first) as a payment would.
    """
    if reason not in ReversalReason.values:
        raise PaymentRefused(_("Motif d'annulation inconnu."))
    family = payment.family
    _lock(family)
    if PaymentReversal.objects.filter(town_id=payment.town_id, payment=payment).exists():
        raise PaymentRefused(_("Ce règlement est déjà annulé."))
    if reversed_on < payment.received_on:
        raise PaymentRefused(_("L'annulation ne peut pas précéder le règlement."))
    released = _describe(payment.allocations.all())
    payment.allocations.all().delete()
    # Its titres (CESU, chèques-vacances) are no longer handed over: they may be recorded again.
    Voucher.objects.filter(town_id=payment.town_id, payment=payment).update(active=False)
    reversal = PaymentReversal.objects.create(
        town_id=payment.town_id,
        payment=payment,
        family=family,
        number=next_number(family.town, CounterKind.REVERSAL, reversed_on.year),
        reversed_on=reversed_on,
        amount=payment.amount,
        reason=reason,
        detail=detail.strip()[:300],
        recorded_by=actor,
    )
    settled = settle_open_invoices(family)
    record(
        family.town,
        actor,
        "payment.reverse",
        reversal,
        f"Annulation {reversal.number} du règlement {payment.number} ({reversal.get_reason_display()}), "
        f"famille {family.number}",
        changes={"allocations": [released, _describe(settled)], "detail": reversal.detail},
    )
    return reversal


def release_excess(invoice: Invoice) -> dict[str, str]:
    """After a credit note, give back to the family's credit what its payments put on `invoice` beyond
    what the invoice still bills (latest payments first); that credit then settles the family's other
    open invoices (settle_open_invoices), as after a reversal. Returns {payment id: euros released}.

    Called within the credit note's transaction.
    """
    family = invoice.family
    _lock(family)
    excess = -statements.invoice_summary(invoice).remaining
    released: dict[str, str] = {}
    if excess <= ZERO:
        return released
    latest_first = PaymentAllocation.objects.filter(town_id=invoice.town_id, invoice=invoice).order_by(
        "-payment__received_on", "-payment_id", "-pk"
    )
    for allocation in latest_first:
        if excess <= ZERO:
            break
        cut = min(excess, allocation.amount)
        if cut == allocation.amount:
            allocation.delete()
        else:
            allocation.amount -= cut
            allocation.save(update_fields=["amount"])
        released[str(allocation.payment_id)] = f"{cut:.2f}"
        excess -= cut
    settle_open_invoices(family)
    return released


# Deposit slips (bordereaux de remise)


def unbanked_payments(town: Town, method: str) -> list[Payment]:
    """Cheques, cash or titres (CESU, chèques-vacances) received and not yet on a slip, oldest first."""
    return list(
        Payment.objects.filter(town=town, method=method, deposit_entry__isnull=True, reversal__isnull=True)
        .select_related("family")
        .order_by("received_on", "pk")
    )


@transaction.atomic
def create_deposit_slip(
    town: Town, actor: User | None, *, method: str, payment_ids: Iterable[int], deposited_on: datetime.date
) -> DepositSlip:
    if method not in DepositMethod.values:
        raise PaymentRefused(_("Un bordereau porte des chèques, des espèces, des CESU ou des chèques-vacances."))
    ids = set(payment_ids)
    # Lock the payments only: "not yet on a slip" is an outer join, which PostgreSQL cannot lock.
    payments = list(
        Payment.objects.select_for_update(of=("self",))
        .filter(town=town, method=method, pk__in=ids, deposit_entry__isnull=True, reversal__isnull=True)
        .order_by("received_on", "pk")
    )
    if not payments:
        raise PaymentRefused(_("Choisissez au moins un règlement à remettre."))
    if len(payments) != len(ids):
        raise PaymentRefused(_("Un des règlements choisis est déjà remis ou n'est pas de cette nature."))
    slip = DepositSlip.objects.create(
        town=town,
        number=next_number(town, CounterKind.DEPOSIT_SLIP, deposited_on.year),
        method=method,
        deposited_on=deposited_on,
        total=sum((payment.amount for payment in payments), ZERO),
        created_by=actor,
    )
    DepositSlipEntry.objects.bulk_create(
        DepositSlipEntry(town=town, slip=slip, payment=payment) for payment in payments
    )
    record(
        town,
        actor,
        "deposit_slip.create",
        slip,
        f"Bordereau {slip.number} : {len(payments)} règlement(s), {slip.total:.2f} €",
        changes={"payments": [payment.number for payment in payments]},
    )
    return slip


# Refunds


@transaction.atomic
def refund(
    family: Family,
    actor: User | None,
    *,
    amount: Decimal,
    refunded_on: datetime.date,
    method: str,
    reason: str,
) -> Refund:
    """Give back part or all of the family's credit (never more)."""
    amount = check_amount(amount)
    if not reason.strip():
        raise PaymentRefused(_("Indiquez le motif du remboursement."))
    _lock(family)
    credit = -family_balance(family)
    if amount > credit:
        raise PaymentRefused(
            _("Le remboursement dépasse l'avoir de la famille (%(credit)s €).") % {"credit": f"{max(credit, ZERO):.2f}"}
        )
    created = Refund.objects.create(
        town_id=family.town_id,
        family=family,
        number=next_number(family.town, CounterKind.REFUND, refunded_on.year),
        refunded_on=refunded_on,
        amount=amount,
        method=method,
        reason=reason.strip(),
        recorded_by=actor,
    )
    record(
        family.town,
        actor,
        "refund.create",
        created,
        f"Remboursement {created.number} de {amount:.2f} € à la famille {family.number}",
        changes={"reason": reason.strip()},
    )
    return created


# Online payments


# Operations the provider may still say were paid: they are asked, and credited if so.
OPEN_STATES = (OnlineState.INITIATED, OnlineState.SUPERSEDED)


def pending_minutes() -> int:
    """Minutes an operation not answered yet keeps its invoice or basket to itself."""
    return settings.ONLINE_PAYMENT_PENDING_MINUTES


def start_online_payment(invoice: Invoice, email: str, url_for: UrlBuilder) -> tuple[OnlinePayment, str]:
    """Open an operation with the town's provider for what remains due on `invoice`;
    returns it and where to send the parent.

    `url_for(name, online)` builds the absolute notification ("notification") and return ("return") URLs.
    """

    def remaining() -> Decimal:
        summary = statements.invoice_summary(invoice)
        if summary.handed_over:
            raise PaymentRefused(str(HANDED_OVER))
        left = summary.remaining
        if left <= ZERO:
            raise PaymentRefused(_("Cette facture est déjà réglée."))
        return left

    return start_online_order(
        invoice.family,
        amount_due=remaining,
        reference=payfip_reference(invoice.number),
        subject=f"Facture {invoice.number} {invoice.town.name}",
        email=email,
        url_for=url_for,
        invoice=invoice,
    )


def start_online_order(
    family: Family,
    *,
    amount_due: Callable[[], Decimal],
    reference: str,
    subject: str,
    email: str,
    url_for: UrlBuilder,
    invoice: Invoice | None = None,
) -> tuple[OnlinePayment, str]:
    """Open an operation for what is paid under `reference` (an invoice's remainder, or a prepayment
    basket when `invoice` is None); returns it and where to send the parent.

    `amount_due()` says how much, under the family's lock (it raises to refuse: nothing left to pay…).
    One operation waits for its answer per reference: while one is pending (younger than
    pending_minutes()), the parent is sent back to it during the provider's lifetime of its page when
    it asks the same amount, and refused otherwise; later it is superseded and a new one opens (what
    the provider still says it paid is credited, as credit once the invoice is settled). The provider
    is first asked about the pending one: paid or refused in a tab since closed, it no longer waits.
    """
    town = family.town
    provider = provider_for(town)
    if provider is None:
        raise PaymentRefused(_("Le paiement en ligne n'est pas proposé par la commune."))
    waiting = OnlinePayment.objects.filter(town=town, reference=reference, state=OnlineState.INITIATED).first()
    if waiting is not None:
        check_online_payment(waiting)
    now = timezone.now()
    with transaction.atomic():
        _lock(family)
        amount = check_amount(amount_due())
        if amount < provider.minimum:
            raise PaymentRefused(
                _("Le paiement en ligne n'est possible qu'à partir de %(minimum)s € : réglez ce solde au guichet.")
                % {"minimum": f"{provider.minimum:.2f}".replace(".", ",")}
            )
        pending = (
            OnlinePayment.objects.select_for_update()
            .filter(town=town, reference=reference, state=OnlineState.INITIATED)
            .first()
        )
        if pending is not None and _still_pending(pending, provider, now):
            if pending.redirect_url and pending.amount == amount and now - pending.created_at < provider.lifetime:
                return pending, pending.redirect_url  # the same payment asked again: back to its page
            raise PaymentRefused(_pending_message(pending))
        if pending is not None:
            pending.state = OnlineState.SUPERSEDED
            pending.updated_at = now
            pending.save(update_fields=["state", "updated_at"])
            record(town, None, "online_payment.supersede", pending, f"Paiement en ligne remplacé : {pending.subject}")
        online = OnlinePayment.objects.create(
            town=town,
            invoice=invoice,
            family=family,
            provider=provider.kind,
            amount=amount,
            email=email,
            reference=reference,
            subject=subject[:100],
            created_at=now,
            updated_at=now,
        )
    order = Order(
        reference=reference,
        year=timezone.localdate().year if invoice is None else invoice.issued_on.year,
        amount=amount,
        email=email,
        subject=online.subject,
        notification_url=url_for("notification", online),
        return_url=url_for("return", online),
    )
    try:
        created = provider.create(order)
    except ProviderError as error:
        logger.error("Online payment %s: the provider refused to create it: %s", online.token, error)
        OnlinePayment.objects.filter(pk=online.pk).update(state=OnlineState.ERROR, updated_at=timezone.now())
        raise PaymentRefused(_("Le service de paiement ne répond pas. Réessayez plus tard.")) from error
    online.idop = created.idop
    online.redirect_url = created.redirect_url[:500]
    online.save(update_fields=["idop", "redirect_url"])
    return online, created.redirect_url


def _still_pending(pending: OnlinePayment, provider: Provider, now: datetime.datetime) -> bool:
    """Whether `pending` still keeps its reference to itself: opened with the town's provider of now,
    within pending_minutes()."""
    return pending.provider == provider.kind and now - pending.created_at < datetime.timedelta(
        minutes=pending_minutes()
    )


def _pending_message(pending: OnlinePayment) -> str:
    def at(moment: datetime.datetime) -> str:
        return formats.time_format(timezone.localtime(moment), "H\\hi")

    return _(
        "Un paiement en ligne est déjà en cours pour « %(subject)s », commencé à %(started)s : terminez-le sur la "
        "page du service de paiement ou, s'il n'a pas abouti, réessayez à partir de %(until)s."
    ) % {
        "subject": pending.subject,
        "started": at(pending.created_at),
        "until": at(pending.created_at + datetime.timedelta(minutes=pending_minutes())),
    }


def payfip_reference(number: str) -> str:
    """The refdet sent for an invoice or basket number: without punctuation (PayFiP allows [A-Za-z0-9])."""
    return "".join(character for character in number if character.isascii() and character.isalnum())[:30]


def _reject(online: OnlinePayment, why: str, verified: Verified) -> None:
    logger.warning(
        "Online payment %s (idop %s) rejected: %s; provider said %s", online.token, online.idop, why, verified.details
    )
    online.state = OnlineState.REJECTED
    online.details = {"rejected": why, **verified.details}
    online.updated_at = timezone.now()
    online.save(update_fields=["state", "details", "updated_at"])
    record(online.town, None, "online_payment.reject", online, f"Paiement en ligne rejeté : {why}")


@transaction.atomic
def settle_online_payment(online: OnlinePayment, verified: Verified) -> OnlinePayment:
    """Apply what the provider said: credit once on success, whatever the number of notifications."""
    _lock(online.family)
    online = OnlinePayment.objects.select_for_update(of=("self",)).select_related("invoice", "family").get(pk=online.pk)
    if online.state not in OPEN_STATES or verified.result == Result.WAITING:
        return online
    if verified.idop != online.idop:
        _reject(online, f"operation {verified.idop!r} instead of {online.idop!r}", verified)
        return online
    if verified.result != Result.PAID:
        online.state = {
            Result.REFUSED: OnlineState.REFUSED,
            Result.CANCELLED: OnlineState.CANCELLED,
            Result.EXPIRED: OnlineState.EXPIRED,
        }.get(verified.result, OnlineState.ERROR)
        online.details = verified.details
        online.updated_at = timezone.now()
        online.save(update_fields=["state", "details", "updated_at"])
        return online
    if verified.amount_cents != online.amount_cents:
        _reject(online, f"amount {verified.amount_cents} cents instead of {online.amount_cents}", verified)
        return online
    if verified.reference != online.reference:
        _reject(online, f"reference {verified.reference!r} instead of {online.reference!r}", verified)
        return online
    today = timezone.localdate()
    payment = Payment.objects.create(
        town_id=online.town_id,
        family=online.family,
        number=next_number(online.town, CounterKind.PAYMENT, today.year),
        method=PaymentMethod.CARD,
        received_on=today,
        amount=online.amount,
        reference=(verified.authorisation or online.idop)[:100],
        bank=online.get_provider_display()[:100],
    )
    allocations = _allocate(payment, first=online.invoice)
    online.state = OnlineState.PAID
    online.payment = payment
    online.authorisation = verified.authorisation
    online.details = verified.details
    online.updated_at = timezone.now()
    online.save(update_fields=["state", "payment", "authorisation", "details", "updated_at"])
    record(
        online.town,
        None,
        "payment.online",
        payment,
        f"Paiement en ligne {payment.number} de {payment.amount:.2f} € : {online.subject}",
        changes={"idop": online.idop, "allocations": _describe(allocations)},
    )
    online_payment_paid.send(sender=OnlinePayment, online=online, payment=payment)
    send_payment_received(payment)
    return online


def check_online_payment(online: OnlinePayment, posted_idop: str | None = None) -> OnlinePayment:
    """Ask the provider about the operation and settle it; `posted_idop` is only compared, never trusted."""
    if posted_idop and posted_idop != online.idop:
        logger.warning(
            "Online payment %s: notification for operation %r, expected %r; ignored",
            online.token,
            posted_idop,
            online.idop,
        )
        return online
    if online.state not in OPEN_STATES or not online.idop:
        return online
    provider = provider_of_kind(online.town, online.provider)
    if provider is None:
        logger.warning("Online payment %s: its provider %s is no longer the town's", online.token, online.provider)
        return online
    try:
        verified = provider.verify(online.idop, online.created_at)
    except ProviderError as error:
        logger.error("Online payment %s: the provider could not be asked: %s", online.token, error)
        return online
    return settle_online_payment(online, verified)
