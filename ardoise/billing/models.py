"""Tariffs, invoices, credit notes and payments.

All amounts are euros as Decimal with two places (unit tariffs too); rounding
is half-up per line (billing.money). An issued invoice is never edited: a
credit note corrects it. A family's balance is always
invoices − credit notes − payments.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity
from ardoise.bookings.models import Booking
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town, TownScoped

ZERO = Decimal("0.00")


def money_field(verbose_name: str, **kwargs: object) -> models.DecimalField:
    """A non-negative amount in euros with two decimal places."""
    return models.DecimalField(
        verbose_name, max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)], **kwargs
    )


class TariffMode(models.TextChoices):
    PER_UNIT = "per_unit", _("À l'unité (par jour réservé)")
    MONTHLY_FLAT = "monthly_flat", _("Forfait mensuel")
    WEDNESDAY_FLAT = "wednesday_flat", _("Forfait par mercredi")
    WEEKLY_FLAT = "weekly_flat", _("Forfait semaine")
    PACK_DAYS = "pack_days", _("Forfait N jours")


class Tariff(TownScoped):
    """How much one unit of an activity costs a given family, from a date on."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="tariffs")
    valid_from = models.DateField(_("applicable à partir du"))
    mode = models.CharField(_("mode"), max_length=20, choices=TariffMode.choices, default=TariffMode.PER_UNIT)
    # Forfait N jours: how many billable days one package covers (null for every other mode).
    pack_days = models.PositiveSmallIntegerField(
        _("jours par forfait"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
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


class CreditNoteCounter(TownScoped):
    """Last credit note number given per town and year (AV-2027-000001); locked when numbering."""

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["town", "year"], name="creditnotecounter_unique")]


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    ISSUED = "issued", _("Émise")


class InvoicingRun(TownScoped):
    """A town's invoicing of a period for a set of activities: previewed, then issued."""

    period_start = models.DateField(_("début de période"))
    period_end = models.DateField(_("fin de période"))
    activities = models.ManyToManyField(Activity, related_name="+", verbose_name=_("activités"))
    status = models.CharField(_("statut"), max_length=20, choices=RunStatus.choices, default=RunStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # When the last family's invoice of the run was issued; null while the run is a draft.
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("facturation")
        ordering = ["-period_start", "-pk"]
        indexes = [models.Index(fields=["town", "period_start"])]

    def __str__(self) -> str:
        return f"{self.period_start:%d/%m/%Y} – {self.period_end:%d/%m/%Y}"


class InvoiceIsIssued(Exception):
    """Someone tried to change or delete an issued invoice; credit notes correct invoices."""


class Invoice(TownScoped):
    """A family's bill for a period. Never edited once issued.

    Only its delivery (the stored PDF, when the family was told) is filled in
    after issue; `save()` refuses any other change.
    """

    # Set after issue (by the background task; by the treasury's handover): not part of what was billed.
    DELIVERY_FIELDS = frozenset({"pdf", "notified_at", "handed_over_at"})

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="invoices")
    run = models.ForeignKey(InvoicingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices")
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
    # When the guardians were e-mailed that the invoice is available; null until then.
    notified_at = models.DateTimeField(null=True, blank=True)
    # When the invoice was handed over to the comptable public (treasury.Handover): from then on it is paid
    # at the Trésor public, never at the régie. Null while the régie collects it.
    handed_over_at = models.DateTimeField(_("remise au comptable public le"), null=True, blank=True)
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

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, *, fetch_mode: Any = None) -> "Invoice":
        instance = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        instance._snapshot()
        return instance

    def _snapshot(self) -> None:
        self._as_issued = {
            field.attname: getattr(self, field.attname)
            for field in self._meta.concrete_fields
            if field.attname not in self.DELIVERY_FIELDS and field.attname in self.__dict__
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            as_issued = getattr(self, "_as_issued", {})
            changed = [name for name, value in as_issued.items() if getattr(self, name) != value]
            if changed or not as_issued:
                raise InvoiceIsIssued(f"Invoice {self.number} is issued: {', '.join(changed) or 'unknown state'}.")
        super().save(*args, **kwargs)
        self._snapshot()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise InvoiceIsIssued(f"Invoice {self.number} is issued and cannot be deleted.")


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

    @property
    def child_name(self) -> str:
        return self.child.full_name if self.child else ""

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise InvoiceIsIssued("The lines of an issued invoice never change.")
        super().save(*args, **kwargs)


class BilledBooking(TownScoped):
    """A booking billed on an invoice line: a booking is billed at most once, ever (the booking is the primary
    key, checked by PostgreSQL).

    None of its three links has a foreign key in the database, each check cost an issue 0.7–1.1 s of PostgreSQL
    CPU for 200,000 billed bookings (docs/architecture.md, "Money"). Its town is its booking's and its invoice
    line's: the `town_id` column stays (scoping, a town's rows on one primary) without an index of its own;
    tests/billing/test_billed_town.py proves the three towns agree after every way of billing. Its invoice line
    is written by the same transaction a statement earlier (ids from its `RETURNING`), and lines are never
    deleted (PROTECT here, an issued invoice refuses deletion). Its booking is claimed by the issue and kept by a
    trigger (billing.billed_bookings). tests/billing/test_billed_links.py tries each deletion.
    """

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="billed", primary_key=True, db_constraint=False
    )
    invoice_line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, related_name="billed_bookings", db_constraint=False
    )

    class Meta:
        verbose_name = _("réservation facturée")


class CreditNote(TownScoped):
    """An avoir: the way to correct an issued invoice, in part or whole."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(_("numéro"), max_length=20)
    issued_on = models.DateField(_("date"))
    amount = money_field(_("montant"))
    reason = models.CharField(_("motif"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("avoir")
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
    # Chèques-vacances of the ANCV (Agence nationale pour les chèques-vacances), paper titres.
    ANCV = "ancv", _("Chèques-vacances (ANCV)")


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


class BillingSettings(TownScoped):
    """A town's invoicing settings: payment term and reminder schedule."""

    town = models.OneToOneField("towns.Town", on_delete=models.CASCADE, related_name="billing_settings")
    # Days between the invoice date and its due date.
    payment_days = models.PositiveSmallIntegerField(
        _("délai de paiement (jours)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    # Days after the due date when the first reminder is sent.
    first_reminder_days = models.PositiveSmallIntegerField(
        _("première relance (jours après l'échéance)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    # Days after the due date when the second reminder is sent (after the first).
    second_reminder_days = models.PositiveSmallIntegerField(
        _("seconde relance (jours après l'échéance)"),
        default=45,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    # Prepayment (seed 002): parents pay their bookings online when they book (prepayment.Basket).
    prepayment = models.BooleanField(_("paiement à la réservation (prépaiement)"), default=False)

    class Meta:
        verbose_name = _("paramètres de facturation")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(second_reminder_days__gt=models.F("first_reminder_days")),
                name="billingsettings_second_after_first",
            )
        ]


class Reminder(TownScoped):
    """A reminder (relance) sent for an overdue invoice: first (1) or second (2)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders")
    level = models.PositiveSmallIntegerField(_("relance"))
    sent_on = models.DateField(_("envoyée le"))
    # Euros still due on the invoice when the reminder was sent.
    remaining = money_field(_("reste à payer"))
    # The addresses written to, comma-separated; empty when the family has no e-mail.
    recipients = models.CharField(_("destinataires"), max_length=500, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("relance")
        ordering = ["-sent_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["invoice", "level"], name="reminder_once_per_level")]
