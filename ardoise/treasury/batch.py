"""What the finance-software exports (Magnus, JVS Millésime) are written from, and when they are refused.

A `Batch` is plain data: the town's identifiers from its treasury settings, the date and exercice
written in the file, and the titles (`titles.Title`, one per invoice). `check(batch)` says in French
why a file cannot be written (`ExportRefused` with every reason); the formatters call it first, so
that a file is never written half right. No database here: `queries.py` gathers the data.

Amounts: a title is put in recouvrement for what is still due on its invoice (`Title.amount_due`:
total − credit notes − payments); an invoice with nothing due is left out. When something was
credited or paid, the amounts of the imputations (and of the lines) are taken off from the last
one backwards, so that they always add up to the amount due (docs/finance-exports.md).
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from ardoise.billing.money import ZERO

from .titles import Imputation, Title, take_off_from_the_end

# Width of Magnus's CodeTiers: a longer family number would be cut and could name another family.
DEBTOR_CODE_WIDTH = 15


class ExportRefused(ValueError):
    """The file cannot be written; `reasons` are French sentences for the finance user."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = list(reasons)


@dataclass(frozen=True, slots=True)
class Batch:
    # Names the downloaded file: a run's id, a handover's year and number.
    reference: str
    # The date written in the file (date of the titres / of the bordereau).
    dated: datetime.date
    # Exercice (budget year).
    year: int
    # The libellé of the collectivité and budget (LibelleColBud), else the town's name.
    collectivity_label: str
    # From TreasurySettings; empty when the town has not configured them.
    siret: str
    collectivity_code: str
    budget_code: str
    titles: tuple[Title, ...]
    # Euros put in recouvrement per invoice id when fixed elsewhere (a handover's items); else amount_due.
    frozen_due: Mapping[int, Decimal] = field(default_factory=dict)

    def due(self, title: Title) -> Decimal:
        return self.frozen_due.get(title.invoice_id, title.amount_due)

    @property
    def due_titles(self) -> list[tuple[Title, Decimal]]:
        """The titles with something due and that amount, in the batch's order."""
        return [(title, due) for title in self.titles if (due := self.due(title)) > ZERO]


def due_by_imputation(title: Title, due: Decimal) -> list[tuple[Imputation, Decimal]]:
    """`due` per imputation (product code, nature, fonction), in the order they first appear."""
    totals: dict[Imputation, Decimal] = {}
    for line in title.lines:
        if line.imputation is not None:
            totals[line.imputation] = totals.get(line.imputation, ZERO) + line.amount
    amounts = take_off_from_the_end(list(totals.values()), due)
    return [(imputation, amount) for imputation, amount in zip(totals, amounts, strict=True) if amount > ZERO]


def deductions(title: Title, due: Decimal) -> list[tuple[str, Decimal]]:
    """What separates the billed lines from `due`: credit notes first, then payments (positive euros)."""
    difference = sum((line.amount for line in title.lines), ZERO) - due
    credited = min(title.credited, max(difference, ZERO))
    paid = difference - credited
    return [(label, value) for label, value in (("Avoirs", credited), ("Deja regle", paid)) if value > ZERO]


def check(batch: Batch, *, needs_siret: bool = False, needs_address: bool = False) -> None:
    """Raise ExportRefused with every reason the batch cannot be written; return None when it can."""
    reasons = []
    missing = [
        label
        for label, value, needed in (
            (_("le code collectivité"), batch.collectivity_code, True),
            (_("le code budget"), batch.budget_code, True),
            (_("le SIRET"), batch.siret, needs_siret),
        )
        if needed and not value.strip()
    ]
    if missing:
        reasons.append(
            _("Les paramètres du Trésor public sont incomplets : indiquez %(fields)s.") % {"fields": ", ".join(missing)}
        )
    titles = [title for title, _due in batch.due_titles]
    if not titles:
        reasons.append(_("Aucune facture à mettre en recouvrement : rien n'y reste dû."))
    without_code = sorted(
        {line.activity_label or line.label for title in titles for line in title.lines if not line.imputation}
    )
    if without_code:
        reasons.append(
            _("Aucun code produit (ni code par défaut) pour : %(activities)s. Configurez-les avant d'exporter.")
            % {"activities": ", ".join(without_code)}
        )
    long_numbers = sorted({t.debtor.family_number for t in titles if len(t.debtor.family_number) > DEBTOR_CODE_WIDTH})
    if long_numbers:
        reasons.append(
            _("Le n° de famille dépasse %(width)s caractères, la longueur d'un code tiers : %(numbers)s.")
            % {"width": DEBTOR_CODE_WIDTH, "numbers": ", ".join(long_numbers)}
        )
    if needs_address:
        incomplete = [
            title
            for title in titles
            if not (title.debtor.address.street.strip() and title.debtor.address.postcode and title.debtor.address.city)
        ]
        if incomplete:
            reasons.append(
                _("Adresse incomplète (rue, code postal et ville) pour : %(debtors)s.")
                % {
                    "debtors": ", ".join(
                        f"{title.debtor.full_name} ({_('famille')} {title.debtor.family_number})"
                        for title in incomplete
                    )
                }
            )
    if reasons:
        raise ExportRefused(reasons)
