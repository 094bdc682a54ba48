"""The Trésor public in the demo town: the identifiers of its PES V2 files (SIRET, codes collectivité,
budget and poste comptable, made up but well-formed), the comptable public families are sent to for the
invoices handed over, and product codes with their imputations (M57: 7067 school meals, 7066 care)."""

from collections import Counter

from ardoise.activities.models import Activity
from ardoise.towns.models import Town
from ardoise.treasury.models import ProductCode, TreasurySettings

# A made-up SIRET of a commune (a commune's SIREN starts with 21), 14 digits with a right Luhn key.
DEMO_SIRET = "21440123000013"
# (activity code of the demo, product code, nature, fonction, label); activities without one use the default.
PRODUCTS = [
    ("repas", "REST", "7067", "251", "Restauration scolaire"),
    ("mercredi", "ALSH", "7066", "421", "Accueil de loisirs du mercredi"),
]
DEFAULT = ("PERI", "7066", "421", "Accueil périscolaire")


def create_treasury(town: Town, counts: Counter[str]) -> TreasurySettings:
    settings = TreasurySettings.objects.create(
        town=town,
        siret=DEMO_SIRET,
        collectivity_code="123",
        budget_code="00",
        accounting_post_code="0440500",
        label="SAINT-EXEMPLE BUDGET PRINCIPAL",
        accountant_name="Service de gestion comptable de Saint-Exemple",
        accountant_address="2 rue du Trésor\n44123 Saint-Exemple",
        accountant_contact="02 40 00 00 00 · sgc.saint-exemple@dgfip.finances.gouv.fr",
    )
    counts["treasury.TreasurySettings"] += 1
    code, nature, function, label = DEFAULT
    codes = [ProductCode(town=town, activity=None, code=code, nature=nature, function=function, label=label)]
    by_code = {activity_code: rest for activity_code, *rest in PRODUCTS}
    for activity in Activity.objects.filter(town=town, code__in=by_code).order_by("pk"):
        code, nature, function, label = by_code[activity.code]
        codes.append(
            ProductCode(town=town, activity=activity, code=code, nature=nature, function=function, label=label)
        )
    ProductCode.objects.bulk_create(codes)
    counts["treasury.ProductCode"] += len(codes)
    return settings
