"""The demo town's statements: an accessibility statement from an audit a few months ago (partially conforming,
with what remains to fix and its multi-year plan), and the processing notice with its DPO, so that the public pages
and the register read as a real town's."""

import datetime
from collections import Counter
from decimal import Decimal

from ardoise.legal.models import AccessibilityStatement, ProcessingNotice
from ardoise.towns.models import Town

AUDIT_DAYS_AGO = 120
CRITERIA_MET = Decimal("84.00")


def create_statements(town: Town, today: datetime.date, counts: Counter[str]) -> None:
    AccessibilityStatement.objects.create(
        town=town,
        audit_date=today - datetime.timedelta(days=AUDIT_DAYS_AGO),
        criteria_met_percent=CRITERIA_MET,
        audited_by="Atelier Accessible (auditeur indépendant)",
        non_conforming=(
            "Les menus de la cantine publiés en PDF ne sont pas balisés (critère 13.3) ; une version texte est "
            "disponible sur demande.\nLe calendrier des vacances publié en image n'a pas d'alternative détaillée "
            "(critère 1.3)."
        ),
        derogations="",
        contact_email="accessibilite@saint-exemple.demo.test",
        contact_url="https://saint-exemple.demo.test/contact-accessibilite",
        multi_year_plan_url="https://saint-exemple.demo.test/accessibilite/schema-pluriannuel-2025-2027.pdf",
        action_plan_url=f"https://saint-exemple.demo.test/accessibilite/plan-{today.year}.pdf",
    )
    counts["legal.AccessibilityStatement"] += 1
    ProcessingNotice.objects.create(
        town=town,
        controller_name=f"Commune de {town.name}, représentée par son maire",
        dpo_name="Centre de gestion de Loire-Atlantique (délégué mutualisé)",
        dpo_email="dpo@saint-exemple.demo.test",
        recipients="La cuisine centrale intercommunale, pour les régimes et allergies des enfants qui déjeunent.",
        security_measures="Postes des agents verrouillés et mis à jour par le service informatique de la mairie.",
    )
    counts["legal.ProcessingNotice"] += 1
