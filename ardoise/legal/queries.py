"""The town's statements as shown: the town's fields where set, Ardoise's defaults otherwise."""

import datetime
from dataclasses import dataclass

from django.conf import settings

from ardoise.audit.retention import retention_years as audit_retention_years
from ardoise.legal import texts
from ardoise.legal.models import AccessibilityStatement, ProcessingNotice
from ardoise.legal.rules import Conformity, audit_valid_until, conformity
from ardoise.towns.models import Town


def saved_statement(town: Town) -> AccessibilityStatement | None:
    """The town's statement row, or None. Free when the town came from the TownMiddleware, which reads it with
    the town (`apps.LegalConfig.ready`); one query otherwise."""
    # The reverse one-to-one raises a DoesNotExist that is also an AttributeError when the town has none.
    statement: AccessibilityStatement | None = getattr(town, "accessibility_statement", None)
    return statement


def saved_notice(town: Town) -> ProcessingNotice | None:
    return ProcessingNotice.objects.filter(town=town).first()


def statement_or_new(town: Town) -> AccessibilityStatement:
    return saved_statement(town) or AccessibilityStatement(town=town)


def notice_or_new(town: Town) -> ProcessingNotice:
    return saved_notice(town) or ProcessingNotice(town=town)


def conformity_of(town: Town, today: datetime.date) -> Conformity:
    statement = saved_statement(town)
    if statement is None:
        return Conformity.NONE
    return conformity(statement.audit_date, statement.criteria_met_percent, today)


@dataclass(frozen=True)
class Statement:
    town: Town
    saved: AccessibilityStatement
    conformity: Conformity
    audit_valid_until: datetime.date | None
    # Whether the audit still measures the site today (dated, not in the future, not older than its validity).
    audit_current: bool
    tools: str
    pages_audited: str
    not_subject: str
    contact_email: str
    contact_address: str


def statement(town: Town, today: datetime.date) -> Statement:
    saved = statement_or_new(town)
    return Statement(
        town=town,
        saved=saved,
        conformity=conformity(saved.audit_date, saved.criteria_met_percent, today),
        audit_valid_until=audit_valid_until(saved.audit_date) if saved.audit_date else None,
        audit_current=saved.audit_date is not None and saved.audit_date <= today <= audit_valid_until(saved.audit_date),
        tools=saved.tools or str(texts.DEFAULT_TOOLS),
        pages_audited=saved.pages_audited or str(texts.DEFAULT_PAGES),
        not_subject=saved.not_subject or str(texts.DEFAULT_NOT_SUBJECT),
        contact_email=saved.contact_email or town.email,
        contact_address=saved.contact_address or town.address,
    )


@dataclass(frozen=True)
class Notice:
    town: Town
    saved: ProcessingNotice
    controller_name: str
    controller_address: str
    dpo_name: str
    dpo_email: str
    dpo_address: str
    retention: tuple[str, ...]
    family_years: int
    audit_years: int


def notice(town: Town, family_years: int) -> Notice:
    """The town's processing notice; `family_years` is how long it keeps a departed family's file (the privacy
    app's setting, read by the caller: that app sits above this one)."""
    saved = notice_or_new(town)
    audit_years = audit_retention_years(town)
    return Notice(
        town=town,
        saved=saved,
        controller_name=saved.controller_name or town.name,
        controller_address=saved.controller_address or town.address,
        dpo_name=saved.dpo_name,
        dpo_email=saved.dpo_email or town.email,
        dpo_address=saved.dpo_address or saved.controller_address or town.address,
        retention=texts.retention_periods(family_years, audit_years, settings.LOG_RETENTION_DAYS),
        family_years=family_years,
        audit_years=audit_years,
    )


@dataclass(frozen=True)
class RegisterLine:
    name: str
    controller: str
    finalities: str
    legal_basis: str
    people: str
    data: str
    recipients: str
    transfers: str
    retention: str
    security: str


def register(town: Town, family_years: int) -> tuple[Notice, list[RegisterLine]]:
    """The town's register of processing: Ardoise's processings, with the town as controller and its own
    recipients, retention details and security measures added to each."""
    current = notice(town, family_years)
    saved = current.saved
    security = " ".join(str(measure) for measure in texts.SECURITY)
    if saved.security_measures:
        security = f"{security} {saved.security_measures}"
    # The town's own periods, as the notice states them (placeholders of texts.PROCESSINGS).
    periods = {
        "family_years": texts.years(family_years),
        "audit_years": texts.years(current.audit_years),
        "log_days": settings.LOG_RETENTION_DAYS,
    }
    lines = []
    for processing in texts.PROCESSINGS:
        recipients = str(processing.recipients)
        if saved.recipients:
            recipients = f"{recipients} {saved.recipients}"
        retention = str(processing.retention) % periods
        if saved.retention:
            retention = f"{retention} {saved.retention}"
        lines.append(
            RegisterLine(
                name=str(processing.name),
                controller=current.controller_name,
                finalities=str(processing.finalities),
                legal_basis=str(processing.legal_basis),
                people=str(processing.people),
                data=str(processing.data),
                recipients=recipients,
                transfers=str(texts.TRANSFERS),
                retention=retention,
                security=security,
            )
        )
    return current, lines
