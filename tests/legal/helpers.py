import datetime
from decimal import Decimal

from django.urls import reverse

from ardoise.legal import actions
from ardoise.legal.models import AccessibilityStatement, ProcessingNotice
from ardoise.towns.models import Town


def url(name: str, town: Town) -> str:
    return reverse(name, args=[town.slug])


def html(response) -> str:
    body: bytes = response.content if not response.streaming else response.getvalue()
    return body.decode("utf-8-sig")


def audited_statement(town: Town, percent: str = "78.5") -> AccessibilityStatement:
    return actions.save_statement(
        town,
        None,
        audit_date=datetime.date(2026, 11, 20),
        criteria_met_percent=Decimal(percent),
        audited_by="Access42",
        contact_email="accessibilite@example.test",
        multi_year_plan_url="https://example.test/schema-pluriannuel.pdf",
        action_plan_url="https://example.test/plan-2027.pdf",
        non_conforming="Les menus PDF ne sont pas balisés.",
    )


def filled_notice(town: Town) -> ProcessingNotice:
    return actions.save_notice(
        town,
        None,
        dpo_name="Centre de gestion de la fonction publique",
        dpo_email="dpo@example.test",
        recipients="Le prestataire de restauration, pour les régimes et allergies.",
        security_measures="Postes verrouillés en mairie.",
    )
