"""The town as seen by the Trésor public: its PES V2 identifiers, its product codes, and the
invoices handed over to the comptable public on a bordereau de titres.

A handed-over invoice (`HandoverItem`, one per invoice ever) is marked on the invoice itself
(`billing.Invoice.handed_over_at`), so that the floors below (payments, direct debit) refuse to
collect it without knowing this app. Amounts are euros as Decimal with two places.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity
from ardoise.billing.models import ZERO, Invoice, InvoicingRun
from ardoise.towns.models import Town, TownScoped

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrOrPromise

digits = RegexValidator(r"^[0-9]+$", _("Chiffres uniquement."))


def euros(verbose_name: "StrOrPromise") -> models.DecimalField:  # type: ignore[type-arg]
    """A non-negative amount in euros with two decimal places."""
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])


code_characters = RegexValidator(r"^[A-Z0-9]+$", _("Majuscules sans accent et chiffres uniquement."))


class TreasurySettings(TownScoped):
    """What the header of a PES V2 file says about the town (EnTetePES) and where handed-over invoices are paid."""

    town = models.OneToOneField(Town, on_delete=models.CASCADE, related_name="treasury_settings")
    # SIRET of the collectivité (IdColl): 14 digits.
    siret = models.CharField(
        _("SIRET de la collectivité"),
        max_length=14,
        validators=[digits, RegexValidator(r"^[0-9]{14}$", _("14 chiffres."))],
    )
    # Code collectivité given by the DGFiP (CodCol): 3 characters.
    collectivity_code = models.CharField(
        _("code collectivité"),
        max_length=3,
        validators=[code_characters, RegexValidator(r"^.{3}$", _("3 caractères."))],
    )
    # Code budget (CodBud): 2 characters, "00" for the main budget.
    budget_code = models.CharField(
        _("code budget"), max_length=2, validators=[code_characters, RegexValidator(r"^.{2}$", _("2 caractères."))]
    )
    # Code du poste comptable (IdPost): 7 digits.
    accounting_post_code = models.CharField(
        _("code du poste comptable"),
        max_length=7,
        validators=[digits, RegexValidator(r"^[0-9]{7}$", _("7 chiffres."))],
    )
    # Libellé of the collectivité and budget (LibelleColBud), at most 50 characters in the file.
    label = models.CharField(_("libellé collectivité / budget"), max_length=50)
    # The comptable public's office, told to families whose invoices were handed over.
    accountant_name = models.CharField(
        _("comptable public"), max_length=200, help_text=_("Par exemple : Service de gestion comptable de …")
    )
    accountant_address = models.TextField(_("adresse du comptable public"), blank=True)
    accountant_contact = models.CharField(_("téléphone ou courriel du comptable"), max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("paramètres du Trésor public")

    def __str__(self) -> str:
        return self.label


class ProductCode(TownScoped):
    """The product code and budget imputation of an activity's lines in the PES; activity null: the default."""

    activity = models.OneToOneField(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("activité")
    )
    # Code produit local (CodProdLoc): up to 4 upper-case letters or digits.
    code = models.CharField(_("code produit"), max_length=4, validators=[code_characters])
    # Compte nature of the M57/M14 plan (e.g. 7066 "Redevances et droits des services à caractère social").
    nature = models.CharField(_("imputation : nature"), max_length=10, validators=[code_characters])
    # Fonction (e.g. 251 "Hébergement et restauration scolaires"); empty where the budget is not voted by function.
    function = models.CharField(_("imputation : fonction"), max_length=10, blank=True, validators=[code_characters])
    label = models.CharField(_("libellé"), max_length=100)

    class Meta:
        verbose_name = _("code produit")
        ordering = [models.F("activity").asc(nulls_first=True), "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["town"], condition=models.Q(activity__isnull=True), name="productcode_one_default_per_town"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"


class BordereauCounter(TownScoped):
    """Last bordereau number given per town and exercice (year); locked while numbering (IdBord)."""

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["town", "year"], name="bordereaucounter_unique")]


class Handover(TownScoped):
    """A bordereau de titres: the unpaid invoices of a period handed over to the comptable public."""

    # Bordereau number within the exercice (IdBord), 1, 2, 3…
    number = models.PositiveIntegerField(_("n° de bordereau"))
    # Exercice (budget year) of the bordereau.
    year = models.PositiveSmallIntegerField(_("exercice"))
    # The invoices handed over are those issued (issued_on) in this period, unpaid at the time.
    period_start = models.DateField(_("début de période"))
    period_end = models.DateField(_("fin de période"))
    invoice_count = models.PositiveIntegerField(_("nombre de titres"))
    # Euros handed over: the sum of what remained due on each invoice.
    total = euros(_("montant"))
    # The PES V2 file as generated (ISO-8859-1 XML): downloaded again as these very bytes.
    pes = models.BinaryField(editable=False)
    file_name = models.CharField(max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bordereau de titres")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["town", "year", "number"], name="handover_unique_number")]

    def __str__(self) -> str:
        return f"{self.year}-{self.number}"


class HandoverItem(TownScoped):
    """One invoice handed over (a titre, pièce of the bordereau): an invoice is handed over once, ever."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="items")
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="handover_item")
    # Number of the pièce in the bordereau (IdPce).
    piece_number = models.PositiveIntegerField()
    # Euros handed over: total − credit notes − payments when handed over.
    amount = euros(_("montant"))

    class Meta:
        verbose_name = _("titre remis")
        ordering = ["handover", "piece_number"]
        indexes = [models.Index(fields=["town", "handover"])]


class RunExport(TownScoped):
    """A run's invoices as a PES V2 bordereau (titres of the whole run), kept to be downloaded again byte for byte.

    Unlike a handover, it marks nothing: the régie still collects the invoices.
    """

    run = models.ForeignKey(InvoicingRun, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("n° de bordereau"))
    year = models.PositiveSmallIntegerField(_("exercice"))
    invoice_count = models.PositiveIntegerField(_("nombre de titres"))
    total = euros(_("montant"))
    pes = models.BinaryField(editable=False)
    file_name = models.CharField(max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("export PES d'une facturation")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["town", "year", "number"], name="runexport_unique_number")]
