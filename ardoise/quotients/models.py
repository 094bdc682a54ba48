"""The quotient familial's history, the town's API Particulier settings, the allocataire's identity the API
asks for, and the yearly batches that fetch every consenting family's QF.

A QF is never edited in place: a new `QuotientRecord` applies from the day staff choose, the old ones stay
(the tariffs of past days keep using them, `queries.quotient_on`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.families.models import Family
from ardoise.towns.models import Town, TownScoped


class QuotientSource(models.TextChoices):
    CAF = "caf", _("CAF (API Particulier)")
    MSA = "msa", _("MSA (API Particulier)")
    STAFF = "staff", _("Saisie par le service")


class QuotientRecord(TownScoped):
    """One quotient familial of a family, in force from `applies_from` until the next record's date."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="quotient_records")
    # Euros per month, as the CAF and the MSA state it (an integer).
    value = models.PositiveIntegerField(_("quotient familial"))
    source = models.CharField(_("source"), max_length=10, choices=QuotientSource.choices)
    # When Ardoise received it (fetched from the API, or typed by staff).
    fetched_at = models.DateTimeField(_("obtenu le"), default=timezone.now)
    # First service day priced with this value (chosen by staff); it applies until the next record's date.
    applies_from = models.DateField(_("applicable à partir du"))
    # The month the CAF or MSA computed the QF for (its "annee"/"mois"), the 1st of that month; null when typed.
    reference_month = models.DateField(_("QF du mois de"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    batch = models.ForeignKey("QuotientBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("quotient familial")
        indexes = [models.Index(fields=["town", "family", "applies_from"])]

    def __str__(self) -> str:
        return f"{self.family_id} {self.value} ({self.source}) du {self.applies_from:%d/%m/%Y}"


class ApiParticulierSettings(TownScoped):
    """The town's access to API Particulier: its token (a secret, never shown back) and where to call."""

    town = models.OneToOneField(Town, on_delete=models.CASCADE, related_name="api_particulier_settings")
    # Production: https://particulier.api.gouv.fr; a test or fake server elsewhere.
    base_url = models.URLField(_("adresse de l'API"), default="https://particulier.api.gouv.fr")
    # The town's JWT, sent as "Authorization: Bearer …"; written by the administrator, never displayed.
    token = models.TextField(_("jeton"), blank=True)
    # The town's SIRET, API Particulier's mandatory `recipient` parameter (v3).
    recipient_siret = models.CharField(_("SIRET de la commune"), max_length=14, blank=True)
    # Seconds to wait for an answer before giving up on one family.
    timeout_seconds = models.PositiveSmallIntegerField(_("délai d'attente (secondes)"), default=10)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("paramètres API Particulier")

    @property
    def ready(self) -> bool:
        return bool(self.token and self.base_url and self.recipient_siret)


class AllocataireSex(models.TextChoices):
    F = "F", _("Féminin")
    M = "M", _("Masculin")


class AllocataireIdentity(TownScoped):
    """Who the allocataire is, as API Particulier's QF endpoint needs it (civil status, not the guardian's
    usual name): birth name, first names, birth date, sex, birth place (INSEE codes)."""

    family = models.OneToOneField(Family, on_delete=models.CASCADE, related_name="allocataire_identity")
    birth_name = models.CharField(_("nom de naissance"), max_length=100)
    # First names separated by spaces, as on the civil status record.
    first_names = models.CharField(_("prénoms"), max_length=200)
    birth_date = models.DateField(_("date de naissance"))
    sex = models.CharField(_("sexe (état civil)"), max_length=1, choices=AllocataireSex.choices)
    # Code COG INSEE of the birth commune (5 characters, e.g. 08480), for someone born in France.
    birth_commune_code = models.CharField(_("code INSEE de la commune de naissance"), max_length=5, blank=True)
    # Code COG INSEE of the birth country: 99100 for France.
    birth_country_code = models.CharField(_("code INSEE du pays de naissance"), max_length=5, default="99100")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("identité de l'allocataire")


class BatchState(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Interrompu")


class QuotientBatch(TownScoped):
    """A yearly fetch of every family's QF: its progress and, per family, what came of it."""

    year = models.PositiveSmallIntegerField(_("année"))
    # The day the QFs found apply from (chosen by staff when starting the batch).
    applies_from = models.DateField(_("applicable à partir du"))
    state = models.CharField(_("état"), max_length=10, choices=BatchState.choices, default=BatchState.QUEUED)
    # Families the batch covers, and how many have a result so far (by kind).
    total = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)
    not_found = models.PositiveIntegerField(default=0)
    no_consent = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    # Why a batch stopped before the end (the token refused, …).
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("consultation groupée des QF")
        constraints = [
            # One batch at work per town: a second would call the API twice for every family.
            models.UniqueConstraint(
                fields=["town"],
                condition=models.Q(state__in=["queued", "running"]),
                name="quotients_one_batch_at_work_per_town",
            )
        ]

    @property
    def done_count(self) -> int:
        return self.found + self.not_found + self.no_consent + self.errors

    @property
    def at_work(self) -> bool:
        return self.state in (BatchState.QUEUED, BatchState.RUNNING)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done_count * 100 // self.total)


class ResultKind(models.TextChoices):
    FOUND = "found", _("Trouvé")
    NOT_FOUND = "not_found", _("Non trouvé")
    NO_CONSENT = "no_consent", _("Pas d'accord de la famille")
    ERROR = "error", _("Erreur")


class QuotientBatchResult(TownScoped):
    batch = models.ForeignKey(QuotientBatch, on_delete=models.CASCADE, related_name="results")
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("résultat"), max_length=12, choices=ResultKind.choices)
    # The QF found (euros per month), null otherwise.
    value = models.PositiveIntegerField(null=True, blank=True)
    # The API's words for an error or a family not found (in French).
    message = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("résultat de consultation")
        constraints = [models.UniqueConstraint(fields=["batch", "family"], name="quotients_one_result_per_family")]
