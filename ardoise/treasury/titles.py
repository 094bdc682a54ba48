"""Invoices as titres de recette: plain data for the PES V2 file and the finance software exports.

`load_titles(town, invoices)` reads a queryset of invoices (any order, any size) with a
constant number of queries and returns one `Title` per invoice, in the queryset's order.
Everything downstream (`pes.py`, the Magnus and JVS Millésime CSVs) works on these
dataclasses only, without the database.

The debtor (tiers) is the family's first guardian as the invoice's payer: identity and address
today, the payer's name and address copied on the invoice when the family has no guardian left.
Each line carries the product code and imputation of its activity, or the town's default one.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, QuerySet

from ardoise.billing.balance import sum_of
from ardoise.billing.models import CreditNote, Invoice, InvoiceLine, PaymentAllocation
from ardoise.billing.money import ZERO, round_money
from ardoise.directdebit.models import CreditorSettings, Mandate, MandateState
from ardoise.families.models import Guardian
from ardoise.towns.models import Town

from .models import ProductCode

# Tiers category (CatTiers) and legal nature (NatJur) of the PES V2 for a private person:
# "01" Personnes physiques / "01" Particuliers. Families are always private persons.
CATEGORY_PRIVATE_PERSON = "01"
LEGAL_NATURE_INDIVIDUAL = "01"


@dataclass(frozen=True, slots=True)
class Imputation:
    """A product code and where its receipts go in the budget."""

    code: str
    # Compte nature (e.g. 7066).
    nature: str
    # Fonction (e.g. 251); empty when the budget is not voted by function.
    function: str
    label: str


@dataclass(frozen=True, slots=True)
class TitleLine:
    label: str
    child_name: str
    activity_id: int | None
    activity_label: str
    quantity: int
    # Euros, two places (unit tariffs may have more and are kept as stored).
    unit_price: Decimal
    # Euros, two places, as billed on the invoice.
    amount: Decimal
    # The activity's product code, else the town's default; None when the town has configured neither.
    imputation: Imputation | None


@dataclass(frozen=True, slots=True)
class Address:
    # Street lines, joined with ", " when there were several.
    street: str
    postcode: str
    city: str
    # ISO 3166 alpha-2; families are assumed to live in France.
    country: str = "FR"


@dataclass(frozen=True, slots=True)
class Debtor:
    """The tiers: who owes the title."""

    family_id: int
    family_number: str
    # "M.", "Mme" or "" when unknown.
    civility: str
    last_name: str
    first_name: str
    address: Address
    email: str
    phone: str
    # CatTiers and NatJur of the PES V2.
    category: str = CATEGORY_PRIVATE_PERSON
    legal_nature: str = LEGAL_NATURE_INDIVIDUAL

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class DirectDebit:
    """The family's active SEPA mandate, for the PES's direct-debit block."""

    mandate_reference: str
    signed_on: datetime.date
    debtor_name: str
    iban: str
    bic: str
    # The town's identifiant créancier SEPA; empty when not configured.
    creditor_ics: str
    # Whether a debit under this mandate already went through (the next is RCUR, else FRST).
    first_collection_done: bool = False


@dataclass(frozen=True, slots=True)
class Title:
    invoice_id: int
    # The invoice's number (2027-000123).
    number: str
    issued_on: datetime.date
    due_on: datetime.date
    period_start: datetime.date
    period_end: datetime.date
    # Euros: the invoice's total, its credit notes, and the payments allocated to it.
    total: Decimal
    credited: Decimal
    paid: Decimal
    regie_name: str
    debtor: Debtor
    lines: tuple[TitleLine, ...]
    # Storage name of the invoice's PDF; empty while it is not rendered.
    pdf_name: str
    direct_debit: DirectDebit | None
    handed_over_at: datetime.datetime | None

    @property
    def amount_due(self) -> Decimal:
        """Euros still due: total − credit notes − payments (never below 0)."""
        return max(ZERO, round_money(self.total - self.credited - self.paid))

    @property
    def year(self) -> int:
        return self.issued_on.year


def _split_address(text: str) -> Address:
    """A free-text address ("12 rue X\\n75001 Paris") as street, postcode and city, as well as it goes."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return Address("", "", "")
    last = lines[-1]
    head, _, tail = last.partition(" ")
    if head.isdigit() and len(head) == 5:
        return Address(", ".join(lines[:-1]), head, tail.strip())
    return Address(", ".join(lines), "", "")


def _debtor(invoice: Invoice, guardians: Sequence[Guardian]) -> Debtor:
    family = invoice.family
    if guardians:
        guardian = guardians[0]
        address = Address(guardian.address, guardian.postcode, guardian.city)
        if not (guardian.address or guardian.city):
            address = _split_address(invoice.payer_address)
        return Debtor(
            family_id=family.pk,
            family_number=family.number,
            civility=guardian.civility,
            last_name=guardian.last_name,
            first_name=guardian.first_name,
            address=address,
            email=guardian.email,
            phone=guardian.phone,
        )
    return Debtor(
        family_id=family.pk,
        family_number=family.number,
        civility="",
        last_name=invoice.payer_name or family.name,
        first_name="",
        address=_split_address(invoice.payer_address),
        email="",
        phone="",
    )


def _imputation(code: ProductCode | None) -> Imputation | None:
    if code is None:
        return None
    return Imputation(code=code.code, nature=code.nature, function=code.function, label=code.label)


# What is due on a title, spread over its lines (PES pieces, Magnus and JVS Millésime exports alike).


def take_off_from_the_end(amounts: Sequence[Decimal], target: Decimal) -> list[Decimal]:
    """`amounts` reduced from the last one backwards until they add up to `target` (0 ≤ target ≤ their sum):
    what was credited or paid is taken off the last lines first, so the first ones stay whole."""
    total = sum(amounts, ZERO)
    if target < ZERO or target > total:
        raise ValueError(f"{target} is not within 0 and the amounts' total {total}.")
    excess = total - target
    reduced = list(amounts)
    for index in range(len(reduced) - 1, -1, -1):
        if excess <= ZERO:
            break
        taken = min(reduced[index], excess)
        reduced[index] -= taken
        excess -= taken
    return reduced


def due_lines(lines: Sequence[TitleLine], due: Decimal) -> list[tuple[TitleLine, Decimal]]:
    """Each line with the part of `due` it carries; lines carrying nothing are left out (a line
    of a PES piece or of an export is never 0.00)."""
    amounts = take_off_from_the_end([line.amount for line in lines], round_money(due))
    return [(line, amount) for line, amount in zip(lines, amounts, strict=True) if amount > ZERO]


def load_titles(town: Town, invoices: "QuerySet[Invoice] | Iterable[Invoice]") -> list[Title]:
    """One Title per invoice of `invoices` (a queryset of the town's invoices), in its order.

    Six queries whatever the number of invoices, lines and families: invoices with their sums and
    families, their lines, the guardians, the product codes, the active mandates, the creditor settings.
    """
    if not isinstance(invoices, QuerySet):
        invoices = Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices])
    town_id = town.pk
    credited = sum_of(CreditNote.objects.filter(town_id=town_id, invoice=OuterRef("pk")).values("invoice"), "amount")
    paid = sum_of(PaymentAllocation.objects.filter(town_id=town_id, invoice=OuterRef("pk")).values("invoice"), "amount")
    lines = InvoiceLine.objects.filter(town_id=town_id).select_related("child", "activity").order_by("pk")
    guardians = Guardian.objects.filter(town_id=town_id).order_by("position", "pk")
    rows = list(
        invoices.filter(town_id=town_id)
        .select_related("family")
        .annotate(treasury_credited=credited, treasury_paid=paid)
        .prefetch_related(
            Prefetch("lines", queryset=lines, to_attr="treasury_lines"),
            Prefetch("family__guardians", queryset=guardians, to_attr="treasury_guardians"),
        )
    )
    codes = {code.activity_id: code for code in ProductCode.objects.filter(town_id=town_id)}
    default = codes.get(None)
    family_ids = {invoice.family_id for invoice in rows}
    mandates = {
        mandate.family_id: mandate
        for mandate in Mandate.objects.filter(town_id=town_id, family_id__in=family_ids, state=MandateState.ACTIVE)
    }
    creditor = CreditorSettings.objects.filter(town_id=town_id).first() if mandates else None
    titles = []
    for invoice in rows:
        mandate = mandates.get(invoice.family_id)
        direct_debit = None
        if mandate is not None:
            direct_debit = DirectDebit(
                mandate_reference=mandate.reference,
                signed_on=mandate.signed_on,
                debtor_name=mandate.debtor_name,
                iban=mandate.iban,
                bic=mandate.bic,
                creditor_ics=creditor.ics if creditor else "",
                first_collection_done=mandate.first_collection_done,
            )
        title_lines = tuple(
            TitleLine(
                label=line.label,
                child_name=line.child_name,
                activity_id=line.activity_id,
                activity_label=line.activity.label if line.activity else "",
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=round_money(line.amount),
                imputation=_imputation(codes.get(line.activity_id, default) if line.activity_id else default),
            )
            for line in invoice.treasury_lines
        )
        titles.append(
            Title(
                invoice_id=invoice.pk,
                number=invoice.number,
                issued_on=invoice.issued_on,
                due_on=invoice.due_on,
                period_start=invoice.period_start,
                period_end=invoice.period_end,
                total=round_money(invoice.total),
                credited=round_money(Decimal(invoice.treasury_credited)),
                paid=round_money(Decimal(invoice.treasury_paid)),
                regie_name=invoice.regie_name,
                debtor=_debtor(invoice, invoice.family.treasury_guardians),
                lines=title_lines,
                pdf_name=invoice.pdf.name or "",
                direct_debit=direct_debit,
                handed_over_at=invoice.handed_over_at,
            )
        )
    return titles
