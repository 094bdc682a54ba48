"""Hand-made titles for the Magnus and JVS Millésime formatters: no database."""

import dataclasses
import datetime
from decimal import Decimal

from ardoise.treasury.batch import Batch
from ardoise.treasury.titles import Address, Debtor, Imputation, Title, TitleLine

MEALS = Imputation(code="CANT", nature="7067", function="251", label="Restauration scolaire")
CARE = Imputation(code="PERI", nature="7066", function="421", label="Périscolaire")


def line(label: str, quantity: int, unit_price: str, imputation: Imputation | None = MEALS) -> TitleLine:
    return TitleLine(
        label=label,
        child_name="Léa Dupont",
        activity_id=1 if imputation is MEALS else 2,
        activity_label="Restauration scolaire" if imputation is MEALS else "Garderie du soir",
        quantity=quantity,
        unit_price=Decimal(unit_price),
        amount=quantity * Decimal(unit_price),
        imputation=imputation,
    )


DEBTOR = Debtor(
    family_id=7,
    family_number="F0042",
    civility="Mme",
    last_name="Dupont-Lefèvre",
    first_name="Hélène",
    address=Address("12 rue de l'Église; bât. B, 2e étage", "12345", "Saint-Exemple-sur-Œise"),
    email="helene@example.test",
    phone="0600000000",
)


def title(lines: tuple[TitleLine, ...] | None = None, credited: str = "0.00", paid: str = "0.00", **changes) -> Title:
    lines = lines if lines is not None else (line("Repas — Léa", 10, "3.50"), line("Garderie — Léa", 4, "2.10", CARE))
    made = Title(
        invoice_id=31,
        number="2027-000123",
        issued_on=datetime.date(2027, 3, 31),
        due_on=datetime.date(2027, 4, 20),
        period_start=datetime.date(2027, 3, 1),
        period_end=datetime.date(2027, 3, 31),
        total=sum((item.amount for item in lines), Decimal("0.00")),
        credited=Decimal(credited),
        paid=Decimal(paid),
        regie_name="Régie périscolaire",
        debtor=DEBTOR,
        lines=lines,
        pdf_name="",
        direct_debit=None,
        handed_over_at=None,
    )
    return dataclasses.replace(made, **changes)


def batch(*titles: Title, **changes) -> Batch:
    made = Batch(
        reference="facturation-5",
        dated=datetime.date(2027, 4, 2),
        year=2027,
        collectivity_label="Saint-Exemple budget principal",
        siret="21750001600019",
        collectivity_code="123",
        budget_code="00",
        titles=titles or (title(),),
    )
    return dataclasses.replace(made, **changes)
