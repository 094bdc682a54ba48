"""Consents a town asks of its families (photo rights, outings, rules of the service, data processing
notice) and each answer a guardian gave, kept as history: a new answer is a new row, and the current
answer is the latest one for the kind's current version."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity
from ardoise.families.models import Child, Family
from ardoise.towns.models import TownScoped


class Concerns(models.TextChoices):
    CHILD = "child", _("Chaque enfant")
    FAMILY = "family", _("La famille")


class ConsentKind(TownScoped):
    code = models.SlugField(_("code"), max_length=50)
    label = models.CharField(_("libellé"), max_length=200)
    # How the kind reads on a roll-call sheet ("Photo" → "Photo : non").
    short_label = models.CharField(_("libellé court"), max_length=40)
    text = models.TextField(_("texte présenté aux familles"))
    # Publishing a new version asks every family again; answers to older versions stay as history.
    version = models.PositiveIntegerField(_("version"), default=1)
    version_published_on = models.DateField(_("version publiée le"))
    concerns = models.CharField(_("concerne"), max_length=10, choices=Concerns.choices, default=Concerns.CHILD)
    on_roll_call = models.BooleanField(_("affiché sur les feuilles d'appel"), default=False)
    # Booking one of these activities needs this consent given (empty: needed by none).
    needed_by = models.ManyToManyField(
        Activity, blank=True, related_name="needed_consents", verbose_name=_("nécessaire pour réserver")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("autorisation")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["town", "code"], name="consent_kind_code_unique_per_town")]

    def __str__(self) -> str:
        return self.label

    @property
    def per_child(self) -> bool:
        return self.concerns == Concerns.CHILD


class ConsentAnswer(TownScoped):
    kind = models.ForeignKey(ConsentKind, on_delete=models.CASCADE, related_name="answers")
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="consent_answers")
    # Null when the kind concerns the family as a whole.
    child = models.ForeignKey(Child, on_delete=models.CASCADE, null=True, blank=True, related_name="consent_answers")
    version = models.PositiveIntegerField(_("version"))
    given = models.BooleanField(_("donnée"))
    # The guardian's (or a staff member's) account; null for answers carried over by a migration.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("répondu le"))

    class Meta:
        verbose_name = _("réponse à une autorisation")
        ordering = ["answered_at", "pk"]
        indexes = [models.Index(fields=["kind", "family", "version"])]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}: {'oui' if self.given else 'non'}"
