"""What a town writes of its own public statements; Ardoise writes the rest (`texts.py`).

- `AccessibilityStatement`: the town's part of the RGAA 4 accessibility statement (its audit, its contact,
  its multi-year plan). The conformity level is not stored: `rules.conformity` derives it from the audit.
- `ProcessingNotice`: the town's part of the RGPD information notice (articles 13-14) and of the register
  of processing (article 30): the controller, the DPO, what the town adds to Ardoise's defaults.

A town without a row shows Ardoise's defaults: a statement "non conforme" (no audit yet) and a notice whose
controller is the town itself.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.towns.models import Town, TownScoped


class AccessibilityStatement(TownScoped):
    town = models.OneToOneField(Town, on_delete=models.CASCADE, related_name="accessibility_statement")
    # Day the RGAA audit of the portal ended; null: never audited, so "non conforme" whatever the rate.
    audit_date = models.DateField(_("date de l'audit"), null=True, blank=True)
    # Share of the RGAA criteria met on the audited pages, in percent (0 to 100, two places).
    criteria_met_percent = models.DecimalField(
        _("critères RGAA respectés (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    audited_by = models.CharField(_("audit réalisé par"), max_length=200, blank=True)
    tools = models.TextField(_("outils utilisés lors de l'audit"), blank=True)
    pages_audited = models.TextField(_("pages auditées"), blank=True)
    non_conforming = models.TextField(_("contenus non conformes"), blank=True)
    derogations = models.TextField(_("dérogations pour charge disproportionnée"), blank=True)
    not_subject = models.TextField(_("contenus non soumis à l'obligation d'accessibilité"), blank=True)
    contact_email = models.EmailField(_("adresse électronique de contact"), blank=True)
    contact_url = models.URLField(_("formulaire de contact (adresse)"), blank=True)
    contact_address = models.TextField(_("adresse postale de contact"), blank=True)
    multi_year_plan_url = models.URLField(_("schéma pluriannuel de mise en accessibilité (adresse)"), blank=True)
    action_plan_url = models.URLField(_("plan d'action de l'année en cours (adresse)"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("déclaration d'accessibilité")


class ProcessingNotice(TownScoped):
    town = models.OneToOneField(Town, on_delete=models.CASCADE, related_name="processing_notice")
    controller_name = models.CharField(_("responsable du traitement"), max_length=200, blank=True)
    controller_address = models.TextField(_("adresse du responsable du traitement"), blank=True)
    dpo_name = models.CharField(_("délégué à la protection des données (nom ou organisme)"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("adresse électronique du délégué"), blank=True)
    dpo_address = models.TextField(_("adresse postale du délégué"), blank=True)
    recipients = models.TextField(_("autres destinataires"), blank=True)
    retention = models.TextField(_("précisions sur les durées de conservation"), blank=True)
    security_measures = models.TextField(_("mesures de sécurité propres à la commune"), blank=True)
    extra = models.TextField(_("informations complémentaires"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("information sur les données personnelles")
