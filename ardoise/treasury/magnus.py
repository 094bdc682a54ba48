"""The Magnus (Berger-Levrault e.magnus, Gestion financière) import files of a batch of titles.

`ecritures(batch)` is WTAMC001.txt (one line per title and imputation, 125 quoted fields separated
by ";"), `details(batch)` is WTAMC001AS.txt (the lines printed on the avis des sommes à payer) and
`archive(batch)` the ZIP of both, as downloaded. Field by field: docs/finance-exports.md. Pure:
no database, no clock (the ZIP's entries are dated with the batch's date), so the same batch
always gives the same bytes. Each function refuses a batch `batch.check` refuses.
"""

import io
import zipfile
from collections.abc import Mapping

from .batch import Batch, check, deductions, due_by_imputation
from .plain_text import amount, ascii_text, french_date, upper_text
from .titles import Title

ECRITURES_NAME = "WTAMC001.txt"
DETAILS_NAME = "WTAMC001AS.txt"
ECRITURES_FIELDS = 125
DETAILS_FIELDS = 17
# Each line ends with CR LF but the last (docs: Noethys desktop on Windows).
LINE_BREAK = b"\r\n"
# The layout version Magnus reads (field 90, and field 1 of the details).
VERSION = "19"
CIVILITIES = {"M.": "M", "Mme": "MME"}


def _quoted(value: str) -> str:
    # Neither source escapes a quote nor a separator inside a field: neither is written.
    return '"' + ascii_text(value.replace('"', " ").replace(";", " ")) + '"'


def _line(fields: Mapping[int, str], count: int, bare: frozenset[int] = frozenset()) -> str:
    """`count` fields by position (1-based), quoted but for the `bare` positions; missing ones empty."""
    return ";".join(
        fields.get(position, "") if position in bare else _quoted(fields.get(position, ""))
        for position in range(1, count + 1)
    )


def _file(lines: list[str]) -> bytes:
    # ascii_text left nothing outside ASCII.
    return LINE_BREAK.join(line.encode("ascii") for line in lines)


def piece_object(title: Title, width: int) -> str:
    """What a title is for: "FACTURE 2027-000123 DU 01/03/2027 AU 31/03/2027" (47 characters)."""
    period = f"du {french_date(title.period_start)} au {french_date(title.period_end)}"
    return upper_text(f"facture {title.number} {period}", width)


def ecritures(batch: Batch) -> bytes:
    check(batch)
    lines = []
    for rank, (title, due_amount) in enumerate(batch.due_titles, start=1):
        debtor = title.debtor
        address = debtor.address
        street = [part.strip() for part in address.street.replace("\n", ",").split(",") if part.strip()]
        for position, (imputation, due) in enumerate(due_by_imputation(title, due_amount)):
            fields = {
                1: str(rank),
                2: "T",
                3: "O",
                4: upper_text(batch.collectivity_code, 10),
                5: upper_text(batch.budget_code, 10),
                6: str(batch.year),
                7: "M" if position == 0 else "S",
                8: upper_text(debtor.family_number, 15),
                10: upper_text(debtor.last_name, 50),
                11: upper_text(debtor.first_name, 50),
                12: upper_text(street[0] if street else "", 50),
                13: upper_text(street[1] if len(street) > 1 else "", 50),
                14: upper_text(" ".join(street[2:]), 50),
                15: upper_text(address.postcode, 10),
                16: upper_text(address.city, 50),
                18: piece_object(title, 50),
                24: "R",
                25: french_date(batch.dated),
                26: upper_text(imputation.nature, 10),
                29: upper_text(imputation.function, 10),
                30: amount(due),
                31: "0.00",
                32: "0",
                38: debtor.legal_nature,
                54: upper_text(imputation.code, 4),
                70: "O",
                71: "N",
                80: "N",
                84: "N",
                90: VERSION,
                91: debtor.category,
                92: debtor.legal_nature,
                93: CIVILITIES.get(debtor.civility, ""),
                97: "0",
                98: "01",
                108: "O",
                109: "N",
                112: "01",
            }
            lines.append(_line(fields, ECRITURES_FIELDS))
    return _file(lines)


# Quantities and amounts of the details are written bare (not quoted).
_BARE_DETAILS = frozenset({6, 10, 13, 16, 17})


def details(batch: Batch) -> bytes:
    check(batch)
    lines = []
    for rank, (title, due_amount) in enumerate(batch.due_titles, start=1):
        rows = [(line.label, line.quantity, line.unit_price, line.amount) for line in title.lines]
        # What was credited or paid already, so that the avis adds up to what is asked.
        rows += [(label, 1, -value, -value) for label, value in deductions(title, due_amount)]
        for order, (label, quantity, unit_price, billed) in enumerate(rows, start=1):
            fields = {
                1: VERSION,
                2: str(rank),
                3: french_date(title.period_start),
                4: french_date(title.period_end),
                5: upper_text(label, 200),
                6: str(quantity),
                10: amount(unit_price),
                13: amount(billed),
                16: amount(billed),
                17: str(order),
            }
            lines.append(_line(fields, DETAILS_FIELDS, bare=_BARE_DETAILS))
    return _file(lines)


def file_name(batch: Batch) -> str:
    return f"magnus-{batch.reference}.zip"


def archive(batch: Batch) -> bytes:
    """The ZIP of WTAMC001.txt and WTAMC001AS.txt, its entries dated with the batch's date at noon."""
    content = io.BytesIO()
    when = (batch.dated.year, batch.dated.month, batch.dated.day, 12, 0, 0)
    with zipfile.ZipFile(content, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        for name, data in ((ECRITURES_NAME, ecritures(batch)), (DETAILS_NAME, details(batch))):
            entry = zipfile.ZipInfo(name, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive_file.writestr(entry, data)
    return content.getvalue()
