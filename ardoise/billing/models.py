"""Tariffs, invoices, credit notes and payments.

All amounts are euros as Decimal with two places (unit tariffs too); rounding
is half-up per line (billing.money). An issued invoice is never edited: a
credit note corrects it. A family's balance is always
invoices − credit notes − payments.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity
from ardoise.families.models import Child, Family
from ardoise.towns.models import TownScoped

ZERO = Decimal("0.00")


def money_field(verbose_name: str, **kwargs: object) -> models.DecimalField:
    """A non-negative amount in euros with two decimal places."""
    return models.DecimalField(
        verbose_name, max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)], **kwargs
    )


class TariffMode(models.TextChoices):
    PER_UNIT = "per_unit", _("À l'unité (par jour réservé)")
    MONTHLY_FLAT = "monthly_flat", _("Forfait mensuel")


class Tariff(TownScoped):
    """How much one unit of an activity costs a given family, from a date on."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="tariffs")
    valid_from = models.DateField(_("applicable à partir du"))
    mode = models.CharField(_("mode"), max_length=20, choices=TariffMode.choices, default=TariffMode.PER_UNIT)
    # Price when no band applies (or the family has no quotient familial).
    base_price = money_field(_("prix de base"))
    # Replaces the band price for families living outside the town; null: same price.
    non_resident_price = money_field(_("prix hors commune"), null=True, blank=True)
    # Packed-lunch price for a child with a PAI; null: same price.
    pai_price = money_field(_("prix PAI (panier repas)"), null=True, blank=True)
    # Price of a day the child came without a booking; null: same price.
    penalty_price = money_field(_("prix sans réservation"), null=True, blank=True)
    # The penalty applies from the N-th unbooked day of the month (1 = always).
    penalty_from_nth = models.PositiveSmallIntegerField(_("pénalité à partir du N-ième jour"), default=1)
    # Percentage off for the 2nd, 3rd… child of the family enrolled ("10" = 10 %).
    sibling_discount_percent = models.DecimalField(
        _("réduction fratrie (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )

    class Meta:
        verbose_name = _("tarif")
        ordering = ["activity", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "valid_from"], name="tariff_unique_start"),
            models.CheckConstraint(condition=models.Q(base_price__gte=0), name="tariff_base_price_non_negative"),
            models.CheckConstraint(
                condition=models.Q(sibling_discount_percent__lte=100), name="tariff_discount_le_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity.label} dès le {self.valid_from:%d/%m/%Y}"


class TariffBand(TownScoped):
    """A quotient-familial band: families at or under `qf_max` pay `price`."""

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="bands")
    # Upper bound of the band, inclusive; null for the last, open-ended band.
    qf_max = models.PositiveIntegerField(_("QF jusqu'à"), null=True, blank=True)
    price = money_field(_("prix"))

    class Meta:
        verbose_name = _("tranche de quotient familial")
        ordering = [models.F("qf_max").asc(nulls_last=True)]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="tariffband_price_non_negative"),
        ]


class InvoiceCounter(TownScoped):
    """Last invoice number given per town and year; locked when numbering."""

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["town", "year"], name="invoicecounter_unique")]


class Invoice(TownScoped):
    """A family's bill for a period. Never edited once issued."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(_("numéro"), max_length=20)
    issued_on = models.DateField(_("date de facture"))
    due_on = models.DateField(_("date d'échéance"))
    period_start = models.DateField(_("début de période"))
    period_end = models.DateField(_("fin de période"))
    total = money_field(_("montant"))
    # The payer's identity as it was when the invoice was issued.
    payer_name = models.CharField(max_length=200)
    payer_address = models.TextField(blank=True)
    regie_name = models.CharField(max_length=200, blank=True)
    pdf = models.FileField(upload_to="invoices/%Y/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("facture")
        ordering = ["-issued_on", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["town", "number"], name="invoice_unique_number"),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="invoice_total_non_negative"),
        ]
        indexes = [models.Index(fields=["town", "family", "issued_on"])]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(TownScoped):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    child = models.ForeignKey(Child, null=True, on_delete=models.SET_NULL, related_name="+")
    activity = models.ForeignKey(Activity, null=True, on_delete=models.SET_NULL, related_name="+")
    label = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_price = money_field(_("prix unitaire"))
    amount = money_field(_("montant"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="invoiceline_amount_non_negative")
        ]


class CreditNote(TownScoped):
    """An avoir: the way to correct an issued invoice, in part or whole."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(_("numéro"), max_length=20)
    issued_on = models.DateField(_("date"))
    amount = money_field(_("montant"))
    reason = models.CharField(_("motif"), max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["town", "number"], name="creditnote_unique_number"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="creditnote_amount_positive"),
        ]


class PaymentMethod(models.TextChoices):
    CHEQUE = "cheque", _("Chèque")
    CASH = "cash", _("Espèces")
    CARD = "card", _("Carte bancaire en ligne")
    DIRECT_DEBIT = "direct_debit", _("Prélèvement")
    TRANSFER = "transfer", _("Virement")
    CESU = "cesu", _("CESU")


class Payment(TownScoped):
    """Money received from a family (règlement)."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="payments")
    number = models.CharField(_("numéro"), max_length=20)
    method = models.CharField(_("mode"), max_length=20, choices=PaymentMethod.choices)
    received_on = models.DateField(_("date"))
    amount = money_field(_("montant"))
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    bank = models.CharField(_("banque"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("règlement")
        ordering = ["-received_on"]
        constraints = [
            models.UniqueConstraint(fields=["town", "number"], name="payment_unique_number"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["town", "family", "received_on"])]


class PaymentAllocation(TownScoped):
    """The part of a payment that settles one invoice (oldest invoices first)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = money_field(_("montant"))

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_amount_positive")]
