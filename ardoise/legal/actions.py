"""Changes to the town's statements: the one door, atomic and audited (administrators, from the back office)."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.audit.actions import save_settings_row
from ardoise.legal.models import AccessibilityStatement, ProcessingNotice
from ardoise.towns.models import Town

STATEMENT_FIELDS = (
    "audit_date",
    "criteria_met_percent",
    "audited_by",
    "tools",
    "pages_audited",
    "non_conforming",
    "derogations",
    "not_subject",
    "contact_email",
    "contact_url",
    "contact_address",
    "multi_year_plan_url",
    "action_plan_url",
)
CENTS = Decimal("0.01")  # the rate of criteria met is stored with two places
NOTICE_FIELDS = (
    "controller_name",
    "controller_address",
    "dpo_name",
    "dpo_email",
    "dpo_address",
    "recipients",
    "retention",
    "security_measures",
    "extra",
)


class LegalRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def save_statement(town: Town, actor: User | None, **values: Any) -> AccessibilityStatement:
    """The town's part of the accessibility statement (`STATEMENT_FIELDS`; the others are Ardoise's)."""
    percent = values.get("criteria_met_percent")
    if percent is not None and not Decimal(0) <= percent <= Decimal(100):
        raise LegalRefused(_("Le taux de critères respectés est compris entre 0 et 100 %."))
    audit_date = values.get("audit_date")
    if audit_date is not None and audit_date > timezone.localdate():
        raise LegalRefused(_("La date de l'audit ne peut pas être dans le futur."))
    if (audit_date is None) != (percent is None):
        raise LegalRefused(_("Indiquez la date de l'audit et le taux de critères respectés, ou aucun des deux."))
    if percent is not None:
        values["criteria_met_percent"] = percent.quantize(CENTS, rounding=ROUND_HALF_UP)
    return save_settings_row(
        AccessibilityStatement,
        {"town": town},
        values,
        STATEMENT_FIELDS,
        town=town,
        actor=actor,
        action="legal.accessibility_statement",
        summary="Déclaration d'accessibilité",
    )


@transaction.atomic
def save_notice(town: Town, actor: User | None, **values: Any) -> ProcessingNotice:
    """The town's part of the processing notice and of the register (`NOTICE_FIELDS`)."""
    return save_settings_row(
        ProcessingNotice,
        {"town": town},
        values,
        NOTICE_FIELDS,
        town=town,
        actor=actor,
        action="legal.processing_notice",
        summary="Information sur les données personnelles",
    )
