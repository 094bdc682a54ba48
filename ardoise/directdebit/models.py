"""SEPA direct debit (prélèvement): the town's creditor settings, the families'
mandates, the collections sent to the bank as pain.008 files and their items.

Amounts are euros as Decimal with two places. Each collection item has its
own billing.Payment (method direct_debit) allocated to its invoice; a rejected
debit reverses that payment (payments.PaymentReversal) and re-opens the invoice.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.billing.models import Invoice, Payment, money_field
from ardoise.families.models import Family
from ardoise.payments.models import PaymentReversal
from ardoise.towns.models import Town, TownScoped

from .banking import mask_iban


class CreditorSettings(TownScoped):
    """The town as a SEPA creditor: its identifier (ICS) and the régie's account debits are paid into."""

    town = models.OneToOneField(Town, on_delete=models.CASCADE, related_name="creditor_settings")
    # Identifiant créancier SEPA, compact (FR72ZZZ123456); check digits verified on save by the action.
    ics = models.CharField(_("identifiant créancier SEPA (ICS)"), max_length=35)
    # Name of the creditor as the debtors' banks show it (Max70Text in pain.008).
    name = models.CharField(_("nom du créancier"), max_length=70)
    # The régie's account, compact IBAN.
    iban = models.CharField(_("IBAN de la régie"), max_length=34)
    bic = models.CharField(_("BIC de la régie"), max_length=11)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("paramètres de prélèvement")


class MandateState(models.TextChoices):
    ACTIVE = "active", _("Actif")
    REVOKED = "revoked", _("Révoqué")


class Mandate(TownScoped):
    """A family's SEPA Core mandate: the authorisation to debit the debtor's account."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="mandates")
    # Référence unique de mandat (RUM), given by Ardoise: ARD-<town>-<family>-<n>, at most 35 characters.
    reference = models.CharField(_("référence unique de mandat (RUM)"), max_length=35)
    debtor_name = models.CharField(_("titulaire du compte"), max_length=70)
    # Compact IBAN (no spaces); only its masked form is shown to parents.
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    signed_on = models.DateField(_("date de signature"))
    state = models.CharField(_("état"), max_length=20, choices=MandateState.choices, default=MandateState.ACTIVE)
    revoked_on = models.DateField(_("révoqué le"), null=True, blank=True)
    # Whether a debit under this mandate went to the bank and stands (not rejected):
    # the next one is then RCUR (recurrent), else FRST (first).
    first_collection_done = models.BooleanField(_("premier prélèvement effectué"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mandat de prélèvement")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["town", "reference"], name="mandate_unique_reference"),
            models.UniqueConstraint(
                fields=["family"], condition=models.Q(state="active"), name="mandate_one_active_per_family"
            ),
            models.CheckConstraint(
                condition=models.Q(state="active", revoked_on__isnull=True)
                | models.Q(state="revoked", revoked_on__isnull=False),
                name="mandate_revoked_has_date",
            ),
        ]
        indexes = [models.Index(fields=["town", "family"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban)


class CollectionCounter(TownScoped):
    """Last collection number given per town and year; locked while numbering."""

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["town", "year"], name="collectioncounter_unique")]


class Collection(TownScoped):
    """A remise de prélèvements: the debits of one collection date, sent to the bank as one pain.008 file."""

    number = models.CharField(_("numéro"), max_length=20)
    # Requested collection date (ReqdColltnDt): when the debtors' accounts are debited.
    collection_date = models.DateField(_("date d'échéance du prélèvement"))
    # Number of items and their sum in euros, as in the file's NbOfTxs and CtrlSum.
    item_count = models.PositiveIntegerField(_("nombre de prélèvements"))
    total = money_field(_("total"))
    # The pain.008.001.02 file as generated: downloaded as these very bytes.
    xml = models.BinaryField(editable=False)
    message_id = models.CharField(max_length=35)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("remise de prélèvements")
        ordering = ["-collection_date", "-pk"]
        constraints = [models.UniqueConstraint(fields=["town", "number"], name="collection_unique_number")]

    def __str__(self) -> str:
        return self.number


class SequenceType(models.TextChoices):
    FIRST = "FRST", _("Premier (FRST)")
    RECURRENT = "RCUR", _("Récurrent (RCUR)")


class ItemStatus(models.TextChoices):
    DEBITED = "debited", _("Prélevé")
    REJECTED = "rejected", _("Rejeté")


class RejectReason(models.TextChoices):
    """The usual ISO 20022 return reason codes of a rejected SEPA debit (R-transactions)."""

    AC01 = "AC01", _("AC01 — Coordonnées bancaires incorrectes")
    AC04 = "AC04", _("AC04 — Compte clôturé")
    AC06 = "AC06", _("AC06 — Compte bloqué")
    AC13 = "AC13", _("AC13 — Type de compte du débiteur invalide")
    AG01 = "AG01", _("AG01 — Prélèvement interdit sur ce compte")
    AG02 = "AG02", _("AG02 — Code opération invalide")
    AM04 = "AM04", _("AM04 — Provision insuffisante")
    AM05 = "AM05", _("AM05 — Opération en double")
    BE05 = "BE05", _("BE05 — Créancier non reconnu")
    FF01 = "FF01", _("FF01 — Format de fichier invalide")
    MD01 = "MD01", _("MD01 — Pas de mandat")
    MD02 = "MD02", _("MD02 — Données du mandat manquantes ou erronées")
    MD06 = "MD06", _("MD06 — Remboursement demandé par le débiteur")
    MD07 = "MD07", _("MD07 — Débiteur décédé")
    MS02 = "MS02", _("MS02 — Refus du débiteur")
    MS03 = "MS03", _("MS03 — Raison non communiquée par la banque")
    RC01 = "RC01", _("RC01 — BIC incorrect")
    RR01 = "RR01", _("RR01 — Identification du débiteur manquante")
    SL01 = "SL01", _("SL01 — Service spécifique de la banque du débiteur")


class CollectionItem(TownScoped):
    """One invoice debited from one family's account in a collection."""

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="items")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="+")
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="items")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    # The billing.Payment (method direct_debit) allocated to the invoice; reversed if rejected.
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="direct_debit_item")
    # Euros debited: what remained due on the invoice when the collection was made.
    amount = money_field(_("montant"))
    sequence_type = models.CharField(_("séquence"), max_length=4, choices=SequenceType.choices)
    # EndToEndId of the transaction: the invoice number.
    end_to_end_id = models.CharField(max_length=35)
    status = models.CharField(_("état"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.DEBITED)
    # Filled in when the bank returned the debit.
    reject_reason = models.CharField(_("motif du rejet"), max_length=4, choices=RejectReason.choices, blank=True)
    rejected_on = models.DateField(_("date du rejet"), null=True, blank=True)
    reversal = models.OneToOneField(
        PaymentReversal, null=True, blank=True, on_delete=models.PROTECT, related_name="direct_debit_item"
    )
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("prélèvement")
        ordering = ["collection", "pk"]
        constraints = [
            # A rerun never debits an invoice twice: only a rejected debit lets it be collected again.
            models.UniqueConstraint(
                fields=["invoice"], condition=~models.Q(status="rejected"), name="collectionitem_invoice_once"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="collectionitem_amount_positive"),
        ]
        indexes = [models.Index(fields=["town", "family"]), models.Index(fields=["town", "status"])]
