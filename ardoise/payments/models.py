"""Payments beyond the billing.Payment row: numbering, deposit slips, refunds,
online card payments and each town's payment provider.

Amounts are euros as Decimal with two places; integer cents only at a
provider's edge (PayFiP's `montant`).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity
from ardoise.billing.models import ZERO, Invoice, Payment, money_field
from ardoise.families.models import Family
from ardoise.towns.models import TownScoped


class CounterKind(models.TextChoices):
    PAYMENT = "payment", _("Règlement")
    DEPOSIT_SLIP = "deposit_slip", _("Bordereau de remise")
    REFUND = "refund", _("Remboursement")
    REVERSAL = "reversal", _("Annulation de règlement")


class Counter(TownScoped):
    """Last number given per town, kind and year; locked (select_for_update) while numbering."""

    kind = models.CharField(max_length=20, choices=CounterKind.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["town", "kind", "year"], name="payments_counter_unique")]


class DepositMethod(models.TextChoices):
    """What a deposit slip (bordereau de remise) carries: cheques or cash to the bank, CESU titres to the
    CRCESU (Centre de remboursement du CESU), chèques-vacances to the ANCV. Values are the payments' methods."""

    CHEQUE = "cheque", _("Chèques")
    CASH = "cash", _("Espèces")
    CESU = "cesu", _("CESU (remise au CRCESU)")
    ANCV = "ancv", _("Chèques-vacances (remise à l'ANCV)")


class DepositSlip(TownScoped):
    """A bordereau de remise: cheques (or cash) taken to the bank together."""

    number = models.CharField(_("numéro"), max_length=20)
    method = models.CharField(_("nature"), max_length=20, choices=DepositMethod.choices)
    deposited_on = models.DateField(_("date de remise"))
    # Sum of the slip's payments, euros.
    total = money_field(_("total"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bordereau de remise")
        ordering = ["-deposited_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["town", "number"], name="depositslip_unique_number")]

    def __str__(self) -> str:
        return self.number


class DepositSlipEntry(TownScoped):
    """One payment on a slip; a payment is banked on one slip at most."""

    slip = models.ForeignKey(DepositSlip, on_delete=models.CASCADE, related_name="entries")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="deposit_entry")


class VoucherKind(models.TextChoices):
    """Titres a family pays with at the desk; values are the payments' methods."""

    CESU = "cesu", _("CESU")
    ANCV = "ancv", _("Chèques-vacances (ANCV)")


class Voucher(TownScoped):
    """One titre (a CESU or a chèque-vacances) of a payment; a payment may be made of several.

    A titre is handed over once: its number is unique per town and kind among the titres of payments that stand.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="vouchers")
    kind = models.CharField(_("nature"), max_length=10, choices=VoucherKind.choices)
    # The number printed on the titre, upper case, without spaces.
    number = models.CharField(_("numéro du titre"), max_length=30)
    # Face value of the titre, euros.
    value = models.DecimalField(_("valeur"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])
    # False once its payment is reversed (an entry error, most often): the titre may then be recorded again.
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("titre de paiement")
        ordering = ["payment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "kind", "number"], condition=models.Q(active=True), name="voucher_unique_number"
            ),
            models.CheckConstraint(condition=models.Q(value__gt=0), name="voucher_value_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class VoucherActivity(TownScoped):
    """The town accepts titres of `kind` for `activity` (a town setting: which activities CESU or
    chèques-vacances pay; CESU only for children under 6, see vouchers.py)."""

    kind = models.CharField(_("nature"), max_length=10, choices=VoucherKind.choices)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("activité payable par titres")
        constraints = [
            models.UniqueConstraint(fields=["town", "kind", "activity"], name="voucheractivity_unique"),
        ]


class RefundMethod(models.TextChoices):
    TRANSFER = "transfer", _("Virement")
    CHEQUE = "cheque", _("Chèque du Trésor public")
    CASH = "cash", _("Espèces")


class Refund(TownScoped):
    """Money given back to a family out of its credit (balance negative)."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="refunds")
    number = models.CharField(_("numéro"), max_length=20)
    refunded_on = models.DateField(_("date"))
    # Euros, at most the family's credit when recorded.
    amount = money_field(_("montant"))
    method = models.CharField(_("mode"), max_length=20, choices=RefundMethod.choices)
    reason = models.CharField(_("motif"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("remboursement")
        ordering = ["-refunded_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["town", "number"], name="refund_unique_number"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
        ]
        indexes = [models.Index(fields=["town", "family", "refunded_on"])]


class ReversalReason(models.TextChoices):
    """Why money recorded as received was not, in the end."""

    BOUNCED_CHEQUE = "bounced_cheque", _("Chèque impayé")
    REJECTED_DEBIT = "rejected_debit", _("Prélèvement rejeté")
    ENTRY_ERROR = "entry_error", _("Erreur de saisie")


class PaymentReversal(TownScoped):
    """A payment cancelled after the fact (bounced cheque, rejected debit, entry error).

    The payment row stays as it was; the reversal is an operation of its own,
    dated and numbered, that counts as a debit on the family's account and
    frees the invoices the payment had settled.
    """

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="payment_reversals")
    number = models.CharField(_("numéro"), max_length=20)
    reversed_on = models.DateField(_("date"))
    # Euros: always the whole payment.
    amount = money_field(_("montant"))
    reason = models.CharField(_("motif"), max_length=20, choices=ReversalReason.choices)
    # Free text: the bank's return code for a rejected debit, the cheque's story, the mistake.
    detail = models.CharField(_("précision"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("annulation de règlement")
        ordering = ["-reversed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["town", "number"], name="reversal_unique_number"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="reversal_amount_positive"),
        ]
        indexes = [models.Index(fields=["town", "family", "reversed_on"])]


class ProviderKind(models.TextChoices):
    SIMULATOR = "simulator", _("Simulateur (démonstration, aucun argent réel)")
    PAYFIP_WS = "payfip_ws", _("PayFiP (DGFiP)")
    NONE = "none", _("Pas de paiement en ligne")


class Saisie(models.TextChoices):
    """PayFiP's entry mode."""

    TEST = "T", _("T — test")
    ACTIVATION = "X", _("X — activation")
    PRODUCTION = "W", _("W — production")


class ProviderConfig(TownScoped):
    """The town's online payment provider; without one, see providers.config_for()."""

    provider = models.CharField(_("prestataire"), max_length=20, choices=ProviderKind.choices)
    # PayFiP's client number (6 digits, given by the DGFiP).
    numcli = models.CharField(_("numéro client PayFiP (numcli)"), max_length=6, blank=True)
    saisie = models.CharField(_("mode de saisie"), max_length=1, choices=Saisie.choices, default=Saisie.TEST)

    class Meta:
        verbose_name = _("paiement en ligne")
        constraints = [models.UniqueConstraint(fields=["town"], name="providerconfig_one_per_town")]


class OnlineState(models.TextChoices):
    INITIATED = "initiated", _("En cours")
    PAID = "paid", _("Payé")
    REFUSED = "refused", _("Refusé")
    CANCELLED = "cancelled", _("Abandonné")
    EXPIRED = "expired", _("Expiré")
    # Not answered within its time (actions.pending_minutes), a new attempt took its place; the provider is
    # still asked about it, and what it says was paid is credited (as credit once the invoice is settled).
    SUPERSEDED = "superseded", _("Remplacé par une nouvelle tentative")
    REJECTED = "rejected", _("Rejeté (ne correspond pas)")
    ERROR = "error", _("Erreur du prestataire")


class OnlinePayment(TownScoped):
    """One attempt to pay by card with the town's provider: an invoice, or (no invoice) a
    prepayment basket, whose app listens to `signals.online_payment_paid`.

    What is paid is named by `reference` (an invoice's number, a basket's PANIER<id>): one operation
    at most is waiting for its answer (`initiated`) per reference, so that an invoice or a basket is
    never paid twice through two operations (actions.start_online_order, and the constraint below).
    """

    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="online_payments"
    )
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="online_payments")
    provider = models.CharField(max_length=20, choices=ProviderKind.choices)
    # Our own reference, in the notification and return URLs.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The provider's operation id (PayFiP's idOp); empty until the provider answered.
    idop = models.CharField(max_length=64, blank=True)
    # Euros asked for: what remained due on the invoice when the parent clicked "Payer".
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    email = models.EmailField(blank=True)
    # PayFiP's refdet as sent ([A-Za-z0-9]); the provider's answer must carry it back.
    reference = models.CharField(max_length=30, default="")
    # What the parent pays for, shown by the provider (PayFiP's objet) and on the result page.
    subject = models.CharField(max_length=100, default="")
    # The provider's page for this operation, where a parent who closed it is sent back while it is pending.
    redirect_url = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=20, choices=OnlineState.choices, default=OnlineState.INITIATED)
    # The provider's authorisation number (numauto) once paid.
    authorisation = models.CharField(max_length=64, blank=True)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="online")
    # What the provider said when asked, for the régie's records.
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("paiement en ligne")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "provider", "idop"], condition=~models.Q(idop=""), name="onlinepayment_unique_idop"
            ),
            # One operation waiting for its answer per invoice or basket (issue 10: one invoice paid twice).
            models.UniqueConstraint(
                fields=["town", "reference"],
                condition=models.Q(state="initiated") & ~models.Q(reference=""),
                name="onlinepayment_one_pending_per_reference",
            ),
        ]

    @property
    def amount_cents(self) -> int:
        return int(self.amount * 100)


class SimulatedOperation(TownScoped):
    """The simulator's own record of an operation: what PayFiP keeps on its side."""

    idop = models.CharField(max_length=64, unique=True)
    refdet = models.CharField(max_length=30)
    # Cents, as PayFiP counts.
    amount_cents = models.PositiveIntegerField()
    # "" while waiting, then "P" (paid) or "R" (refused), PayFiP's resultrans codes.
    result = models.CharField(max_length=1, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
