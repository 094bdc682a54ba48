"""Cells of the CSV and XLSX files the town downloads, safe to open in a spreadsheet.

Text typed by a parent (a name, an address, a comment) that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return would run as a formula in Excel or
LibreOffice (`=HYPERLINK(...)`, DDE): such text is written with a leading
apostrophe, as OWASP advises, so that it shows as typed and never runs. Numbers,
dates and plain numeric text (`-12.50`, `-12,50`) are not formulas and stay as
they are. Every CSV and XLSX writer goes through `csv_writer` or `safe_row`.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def safe_cell(value: Any) -> Any:
    """`value`, with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row of cells (for openpyxl's `append`) with every text made inert."""
    return [safe_cell(value) for value in values]


class _SafeWriter:
    def __init__(self, out: Any, **dialect: Any) -> None:
        self._writer = csv.writer(out, **dialect)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))


def csv_writer(out: Any, **dialect: Any) -> _SafeWriter:
    """`csv.writer(out, **dialect)` whose rows have every text made inert."""
    return _SafeWriter(out, **dialect)
