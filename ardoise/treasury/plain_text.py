"""How text is written in the finance-software exports (docs/finance-exports.md, "Text").

Pure functions, no database. Magnus and Millésime take upper case without accents, one line, cut
to the field's width; everything outside printable ASCII is dropped so that the file reads the
same whatever encoding the importing tool is set to.
"""

import datetime
import re
import unicodedata
from decimal import Decimal

CENT = Decimal("0.01")
# Letters that no Unicode decomposition turns into ASCII.
_LIGATURES = str.maketrans(
    {"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "’": "'", "‘": "'", "–": "-", "—": "-"}
)
_SPACES = re.compile(r"\s+")


def ascii_text(value: str | None) -> str:
    """One line of printable ASCII: accents removed, line breaks and runs of spaces made one space."""
    decomposed = unicodedata.normalize("NFKD", (value or "").translate(_LIGATURES))
    kept = "".join(char for char in decomposed if " " <= char <= "~" or char.isspace())
    return _SPACES.sub(" ", kept).strip()


def upper_text(value: str | None, width: int) -> str:
    """Upper case without accents, cut to `width` characters (never ending on a space)."""
    return ascii_text(value).upper()[:width].rstrip()


def amount(value: Decimal) -> str:
    """Euros with a dot and two places: 12.50."""
    return f"{value.quantize(CENT):.2f}"


def french_date(value: datetime.date) -> str:
    """DD/MM/YYYY."""
    return value.strftime("%d/%m/%Y")
