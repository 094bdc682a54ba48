"""Changes to the town's statements: the one door, atomic and audited (administrators, from the back office)."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.audit.actions import changes_between, record, snapshot
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


def _check_fields(values: dict[str, Any], fields: tuple[str, ...], what: str) -> None:
    unknown = set(values) - set(fields)
    if unknown:
        raise TypeError(f"not a field of the {what}: {sorted(unknown)}")


def _save_town_text[M: (AccessibilityStatement, ProcessingNotice)](
    model: type[M],
    town: Town,
    actor: User | None,
    fields: tuple[str, ...],
    values: dict[str, Any],
    *,
    action: str,
    summary: str,
) -> M:
    """Create or change the town's one row of `model`, locked; the changes of `fields` audited as `action`."""
    current = model.objects.select_for_update().filter(town=town).first()
    before = snapshot(current, fields) if current else {}
    if current is None:
        current = model(town=town)
    for name, value in values.items():
        setattr(current, name, value)
    current.updated_at = timezone.now()
    current.save()
    changes = changes_between(before, snapshot(current, fields))
    if changes:
        record(town, actor, action, current, summary, changes)
    return current


@transaction.atomic
def save_statement(town: Town, actor: User | None, **values: Any) -> AccessibilityStatement:
    """The town's part of the accessibility statement (`STATEMENT_FIELDS`; the others are Ardoise's)."""
    _check_fields(values, STATEMENT_FIELDS, "statement")
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
    return _save_town_text(
        AccessibilityStatement,
        town,
        actor,
        STATEMENT_FIELDS,
        values,
        action="legal.accessibility_statement",
        summary="Déclaration d'accessibilité",
    )


@transaction.atomic
def save_notice(town: Town, actor: User | None, **values: Any) -> ProcessingNotice:
    """The town's part of the processing notice and of the register (`NOTICE_FIELDS`)."""
    _check_fields(values, NOTICE_FIELDS, "notice")
    return _save_town_text(
        ProcessingNotice,
        town,
        actor,
        NOTICE_FIELDS,
        values,
        action="legal.processing_notice",
        summary="Information sur les données personnelles",
    )
