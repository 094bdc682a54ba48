"""Cells of downloaded spreadsheets: text a spreadsheet would run is made inert, numbers stay numbers."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from ardoise.towns.spreadsheets import csv_writer, safe_cell, safe_row

ATTACK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    "text",
    [ATTACK, "+33 6 12 34 56 78", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"],
)
def test_it_makes_formula_text_inert(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    ["", "DUPONT", "3 rue des Lilas", "a=b", "-12.50", "-12,50", "-3", "42", Decimal("-12.50"), -3, 1.5, None],
)
def test_it_leaves_plain_text_and_numbers_as_they_are(value: object) -> None:
    assert safe_cell(value) == value


def test_it_leaves_dates_as_they_are() -> None:
    day = datetime.date(2027, 3, 15)
    assert safe_row([day, "-1", ATTACK]) == [day, "-1", "'" + ATTACK]


def test_it_writes_csv_rows_through_the_same_rule() -> None:
    out = io.StringIO()
    csv_writer(out, delimiter=";").writerow(["DUPONT", ATTACK, Decimal("-4.20")])
    assert next(csv.reader(io.StringIO(out.getvalue()), delimiter=";")) == ["DUPONT", "'" + ATTACK, "-4.20"]
