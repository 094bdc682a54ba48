"""Pure rules of the titres a family pays with at the desk: CESU and chèques-vacances (ANCV).

No database here. A titre has a number and a face value (euros); a payment can
be made of several titres, and its amount is the sum of their values. The
régie gives no change on a titre, so a payment by titres is never larger than
what it may pay:

- ANCV chèques-vacances pay the lines of activities the town accepts them for;
- CESU pays the lines of activities the town accepts it for, and only the care
  of children under 6 on the service day (CESU préfinancé: "garde d'enfants
  hors du domicile", children under 6). A line billing days before and after a
  sixth birthday is eligible in proportion of its days under 6, rounded half-up.

On one invoice, titres of a kind never pay more than that kind's eligible part,
and titres of both kinds together never more than the part either may pay.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ardoise.billing.money import ZERO, round_money

CESU = "cesu"
ANCV = "ancv"
KINDS = (CESU, ANCV)

# CESU pays for the care of children under this age on the service day.
CESU_AGE_LIMIT = 6

# What a titre number may look like once its spaces are removed: letters and digits.
_NUMBER = re.compile(r"^[0-9A-Z]{4,30}$")
# The largest face value of one titre, euros (well above any CESU or chèque-vacances).
MAX_TITRE_VALUE = Decimal("1000.00")


class TitreError(ValueError):
    """A list of titres that cannot be read, with a French message for the agent."""


@dataclass(frozen=True, slots=True)
class Titre:
    # The number printed on the titre, upper case, without spaces.
    number: str
    # Face value, euros, two places.
    value: Decimal


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What decides the eligible part of one invoice line."""

    activity_id: int | None
    # The line's amount, euros.
    amount: Decimal
    # The child's birth date; None when the line is not a child's (CESU never pays it).
    birth_date: datetime.date | None
    # Service days the line bills; empty when unknown (then `fallback_day` decides).
    days: tuple[datetime.date, ...]
    # The day used for the age when the line has no billed days: the invoice period's last day, so that
    # the child must be under 6 over the whole period.
    fallback_day: datetime.date


def sixth_birthday(birth_date: datetime.date) -> datetime.date:
    """The day a child born on `birth_date` turns 6 (a 29 February birthday falls on 1 March)."""
    try:
        return birth_date.replace(year=birth_date.year + CESU_AGE_LIMIT)
    except ValueError:
        return datetime.date(birth_date.year + CESU_AGE_LIMIT, 3, 1)


def under_six(birth_date: datetime.date, day: datetime.date) -> bool:
    """Whether the child is under 6 on `day` (the day of the sixth birthday is not)."""
    return day < sixth_birthday(birth_date)


def line_eligible(line: LineFacts, kind: str, accepted: frozenset[int]) -> Decimal:
    """The part of one invoice line that titres of `kind` may pay, euros."""
    if kind not in KINDS:
        raise ValueError(kind)
    if line.activity_id is None or line.activity_id not in accepted or line.amount <= ZERO:
        return ZERO
    if kind == ANCV:
        return round_money(line.amount)
    if line.birth_date is None:
        return ZERO
    days = line.days or (line.fallback_day,)
    young = sum(1 for day in days if under_six(line.birth_date, day))
    if young == len(days):
        return round_money(line.amount)
    return round_money(line.amount * young / len(days))


@dataclass(frozen=True, slots=True)
class InvoiceRoom:
    """What titres may still pay on one open invoice, euros."""

    # The invoice's eligible part per kind, and the part either kind may pay (lines accepting one or both).
    eligible: dict[str, Decimal]
    eligible_any: Decimal
    # What titres of each kind already pay on it.
    paid: dict[str, Decimal]
    # What is still due on the invoice, whatever pays it.
    remaining: Decimal

    def capacity(self, kind: str) -> Decimal:
        """What a new payment by titres of `kind` may put on this invoice: never below 0."""
        paid_any = sum(self.paid.values(), ZERO)
        room = min(
            self.eligible.get(kind, ZERO) - self.paid.get(kind, ZERO),
            self.eligible_any - paid_any,
            self.remaining,
        )
        return max(room, ZERO)


def invoice_room(
    lines: Iterable[LineFacts],
    accepted: dict[str, frozenset[int]],
    paid: dict[str, Decimal],
    remaining: Decimal,
) -> InvoiceRoom:
    """The room titres have on an invoice of `lines`, given the activities each kind is accepted for."""
    eligible = dict.fromkeys(KINDS, ZERO)
    eligible_any = ZERO
    for line in lines:
        parts = {kind: line_eligible(line, kind, accepted.get(kind, frozenset())) for kind in KINDS}
        for kind, part in parts.items():
            eligible[kind] += part
        eligible_any += max(parts.values())
    return InvoiceRoom(eligible=eligible, eligible_any=eligible_any, paid=dict(paid), remaining=remaining)


def normalise_number(raw: str) -> str:
    return "".join(raw.split()).upper()


def is_titre_number(number: str) -> bool:
    """Whether a normalised number may be a titre's: 4 to 30 digits or upper-case letters."""
    return bool(_NUMBER.match(number))


def parse_value(raw: str) -> Decimal:
    """A face value as typed in France ("20", "20,00", "12.5"); TitreError if it is not one."""
    text = raw.strip().replace("\u00a0", "").replace("€", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise TitreError(_("« %(raw)s » n'est pas une valeur en euros.") % {"raw": raw.strip()}) from None
    if not value.is_finite() or value <= ZERO:
        raise TitreError(_("La valeur d'un titre est un montant positif, pas « %(raw)s ».") % {"raw": raw.strip()})
    if value != value.quantize(Decimal("0.01")):
        raise TitreError(_("La valeur « %(raw)s » a plus de deux décimales.") % {"raw": raw.strip()})
    if value > MAX_TITRE_VALUE:
        raise TitreError(_("La valeur « %(raw)s » dépasse celle d'un titre.") % {"raw": raw.strip()})
    return value.quantize(Decimal("0.01"))


def parse_titres(text: str) -> list[Titre]:
    """The titres typed one per line as "number value" ("12345678 20,00"); TitreError names the first
    wrong line. A number given twice is refused."""
    titres: list[Titre] = []
    seen: set[str] = set()
    for position, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.replace("€", " ").strip()
        if not line:
            continue
        if ";" in line:
            raw_number, _sep, raw_value = line.rpartition(";")
        else:
            raw_number, _sep, raw_value = line.rpartition(" ")
        if not raw_number.strip():
            raise TitreError(
                _("Ligne %(line)s : indiquez le numéro du titre puis sa valeur (« 12345678 20,00 »).")
                % {"line": position}
            )
        number = normalise_number(raw_number)
        if not is_titre_number(number):
            raise TitreError(
                _("Ligne %(line)s : le numéro « %(number)s » n'est pas celui d'un titre (4 à 30 chiffres ou lettres).")
                % {"line": position, "number": raw_number.strip()}
            )
        try:
            value = parse_value(raw_value)
        except TitreError as error:
            raise TitreError(_("Ligne %(line)s : %(error)s") % {"line": position, "error": error}) from None
        if number in seen:
            raise TitreError(
                _("Ligne %(line)s : le titre n° %(number)s est saisi deux fois.") % {"line": position, "number": number}
            )
        seen.add(number)
        titres.append(Titre(number=number, value=value))
    return titres


def total_of(titres: Iterable[Titre]) -> Decimal:
    return sum((titre.value for titre in titres), ZERO)
