"""Families (the account), their guardians and children, and who may collect them."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ardoise.towns.models import Site, TownScoped


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class FileStatus(models.TextChoices):
    """Where a family's file stands: only an accepted family books (`bookings.actions.review`)."""

    DRAFT = "draft", _("brouillon")
    SUBMITTED = "submitted", _("envoyé")
    ACCEPTED = "accepted", _("accepté")
    REFUSED = "refused", _("refusé")


class Regime(models.TextChoices):
    """The family's benefits scheme, as the CAF activity report breaks hours down by it."""

    CAF = "caf", _("CAF (régime général)")
    MSA = "msa", _("MSA (régime agricole)")
    OTHER = "other", _("Autre régime")


class Family(TownScoped):
    number = models.CharField(_("n° famille"), max_length=30)
    name = models.CharField(_("nom de famille"), max_length=200)
    # Quotient familial in euros per month (CAF); null when not provided, which
    # prices at the highest band.
    quotient_familial = models.PositiveIntegerField(_("quotient familial"), null=True, blank=True)
    resident = models.BooleanField(_("réside dans la commune"), default=True)
    caf_number = models.CharField(_("n° allocataire"), max_length=20, blank=True)
    caf_regime = models.CharField(_("régime"), max_length=10, choices=Regime.choices, blank=True)
    # When a guardian agreed that staff fetch the quotient familial from the CAF or MSA (API Particulier);
    # null means no consent (withdrawing it clears the date).
    qf_consent_at = models.DateTimeField(_("accord pour consulter le QF le"), null=True, blank=True)
    tax_reference = models.CharField(_("revenu fiscal de référence"), max_length=20, blank=True)
    # Bank details for direct debit; only the masked IBAN is ever shown to parents.
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    account_holder = models.CharField(_("titulaire du compte"), max_length=200, blank=True)
    bank_name = models.CharField(_("banque"), max_length=200, blank=True)
    # Secret of the family's private iCalendar feed; regenerating revokes the old URL.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    archived_on = models.DateField(_("archivée le"), null=True, blank=True)
    # A family that signed up online (ardoise.signup) waits for staff; families created by staff are accepted.
    file_status = models.CharField(
        _("état du dossier"),
        max_length=10,
        choices=FileStatus.choices,
        default=FileStatus.ACCEPTED,
        db_default=FileStatus.ACCEPTED,
    )
    file_submitted_at = models.DateTimeField(_("dossier envoyé le"), null=True, blank=True)
    file_refusal_reason = models.TextField(_("motif du refus du dossier"), blank=True, db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("famille")
        ordering = ["name", "number"]
        constraints = [models.UniqueConstraint(fields=["town", "number"], name="family_unique_number_per_town")]
        indexes = [models.Index(fields=["town", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @property
    def is_accepted(self) -> bool:
        return self.file_status == FileStatus.ACCEPTED

    @property
    def masked_iban(self) -> str:
        if not self.iban:
            return ""
        compact = self.iban.replace(" ", "")
        return f"{compact[:4]} **** **** {compact[-4:]}"


class Civility(models.TextChoices):
    MADAME = "Mme", _("Madame")
    MONSIEUR = "M.", _("Monsieur")


class Guardian(TownScoped):
    """A responsable légal; the account holder logs in through `user`."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="guardians")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="guardian"
    )
    position = models.PositiveSmallIntegerField(default=1, help_text=_("1 : responsable principal, 2 : conjoint"))
    civility = models.CharField(_("civilité"), max_length=4, choices=Civility.choices)
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    relationship = models.CharField(_("qualité"), max_length=50, blank=True, help_text=_("Père, mère, tuteur…"))
    marital_status = models.CharField(_("situation"), max_length=50, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    home_phone = models.CharField(_("téléphone domicile"), max_length=20, blank=True)
    work_phone = models.CharField(_("téléphone professionnel"), max_length=20, blank=True)
    mobile_phone = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    profession = models.CharField(_("profession"), max_length=100, blank=True)
    employer = models.CharField(_("employeur"), max_length=200, blank=True)
    employer_address = models.CharField(_("adresse de l'employeur"), max_length=300, blank=True)
    email_consent = models.BooleanField(_("autorisation courriel"), default=True)
    sms_consent = models.BooleanField(_("autorisation SMS"), default=False)

    class Meta:
        verbose_name = _("responsable")
        ordering = ["position", "last_name", "first_name"]
        indexes = [models.Index(fields=["town", "email"]), models.Index(fields=["town", "last_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def phone(self) -> str:
        return self.mobile_phone or self.home_phone or self.work_phone


class Sex(models.TextChoices):
    FEMALE = "F", _("Fille")
    MALE = "M", _("Garçon")


class Diet(models.TextChoices):
    """What the child is served, said as food, never as a belief (CNIL, NS-058: "sans porc" may be offered, "halal"
    or "casher" may not; docs/privacy.md, "Health and diet data"). Medical diets go with the allergies or the PAI."""

    STANDARD = "standard", _("Standard")
    NO_PORK = "no_pork", _("Sans porc")
    VEGETARIAN = "vegetarian", _("Végétarien")
    NO_MEAT = "no_meat", _("Sans viande")


# What the forms that collect a child's health record (staff's, sign-up's, a parent's change request) say under
# its free fields: only what the child's care needs, nothing that reveals a belief (CNIL, NS-058).
HEALTH_HELP_TEXTS = {
    "diet": _("Ce que l'enfant mange, sans mentionner de religion ni de conviction."),
    "health_notes": _(
        "Seulement ce qui est utile pour accueillir l'enfant (traitement, conduite à tenir) ; "
        "ni religion ni conviction."
    ),
}


class Child(TownScoped):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="children")
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date de naissance"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="children", verbose_name=_("école"))
    school_class = models.CharField(_("classe"), max_length=50, blank=True)
    # Health record: visible only to staff who need it (front desk, the child's
    # site agents, the kitchen for diets and allergies, administrators).
    allergies = models.TextField(_("allergies"), blank=True)
    has_pai = models.BooleanField(_("PAI (projet d'accueil individualisé)"), default=False)
    pai_details = models.TextField(_("détails du PAI"), blank=True)
    diet = models.CharField(_("régime alimentaire"), max_length=20, choices=Diet.choices, default=Diet.STANDARD)
    wears_glasses = models.BooleanField(_("porte des lunettes"), default=False)
    doctor = models.CharField(_("médecin traitant"), max_length=200, blank=True)
    health_notes = models.TextField(_("informations médicales"), blank=True)
    may_leave_alone = models.BooleanField(_("autorisé à partir seul"), default=False)

    class Meta:
        verbose_name = _("enfant")
        ordering = ["birth_date", "first_name"]
        indexes = [models.Index(fields=["town", "last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def born_on(self) -> str:
        """ "née le" or "né le" by the child's sex; "né(e) le" when it is not known."""
        if self.sex == Sex.FEMALE:
            return gettext("née le")
        if self.sex == Sex.MALE:
            return gettext("né le")
        return gettext("né(e) le")


class AuthorisedPerson(TownScoped):
    """Someone allowed to collect a child."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="authorised_people")
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    relationship = models.CharField(_("lien avec l'enfant"), max_length=100, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20)

    class Meta:
        verbose_name = _("personne autorisée")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"
