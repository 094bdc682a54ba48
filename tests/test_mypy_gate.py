"""The mypy gate of `make test` (scripts/mypy_gate.py): errors compare without their line
numbers, a new one fails, a fixed one asks for a smaller baseline."""

import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mypy_gate.py"


@pytest.fixture(scope="module")
def gate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mypy_gate", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mypy_json(*errors: tuple[str, int, str, str], note: bool = False) -> str:
    lines = [
        json.dumps({"file": file, "line": line, "column": 0, "message": message, "code": code, "severity": "error"})
        for file, line, code, message in errors
    ]
    if note:
        lines.append(
            json.dumps({"file": "a.py", "line": 1, "message": "See the docs", "code": None, "severity": "note"})
        )
    return "\n".join(lines)


TOWN = ("ardoise/portal/invoices.py", 20, "attr-defined", '"HttpRequest" has no attribute "town"')


def test_it_ignores_line_numbers(gate) -> None:
    baseline = gate.parse_baseline(
        gate.format_baseline(located.error for located in gate.parse_mypy_json(mypy_json(TOWN)))
    )
    moved = ("ardoise/portal/invoices.py", 48, "attr-defined", '"HttpRequest" has no attribute "town"')

    comparison = gate.compare(gate.parse_mypy_json(mypy_json(moved)), baseline)

    assert comparison.new == []
    assert comparison.fixed == Counter()


def test_it_ignores_line_numbers_quoted_in_messages(gate) -> None:
    before = gate.parse_mypy_json(mypy_json(("a.py", 9, "no-redef", 'Name "x" already defined on line 3')))
    after = gate.parse_mypy_json(mypy_json(("a.py", 19, "no-redef", 'Name "x" already defined on line 13')))

    assert gate.compare(after, Counter(located.error for located in before)).new == []


def test_it_leaves_notes_out(gate) -> None:
    assert len(gate.parse_mypy_json(mypy_json(TOWN, note=True))) == 1


def test_it_refuses_a_new_error_and_says_where(gate) -> None:
    baseline = Counter(located.error for located in gate.parse_mypy_json(mypy_json(TOWN)))
    current = gate.parse_mypy_json(mypy_json(TOWN, ("ardoise/billing/pdf.py", 7, "arg-type", "Argument 1")))

    comparison = gate.compare(current, baseline)

    assert [(located.error.file, located.line) for located in comparison.new] == [("ardoise/billing/pdf.py", 7)]


def test_it_counts_the_same_error_twice_in_a_file(gate) -> None:
    baseline = Counter(located.error for located in gate.parse_mypy_json(mypy_json(TOWN)))
    again = (TOWN[0], 60, TOWN[2], TOWN[3])

    comparison = gate.compare(gate.parse_mypy_json(mypy_json(TOWN, again)), baseline)

    assert len(comparison.new) == 2  # which of the two is new cannot be told: both are shown


def test_it_asks_to_shrink_the_baseline_when_an_error_is_fixed(gate) -> None:
    baseline = gate.parse_baseline(
        gate.format_baseline(located.error for located in gate.parse_mypy_json(mypy_json(TOWN, TOWN)))
    )

    comparison = gate.compare(gate.parse_mypy_json(mypy_json(TOWN)), baseline)

    assert comparison.new == []
    assert comparison.fixed.total() == 1


def test_it_reads_the_committed_baseline(gate) -> None:
    baseline = gate.parse_baseline(gate.BASELINE.read_text())

    assert all(error.file.startswith(("ardoise/", "tests/", "scripts/")) for error in baseline)


def test_it_refuses_an_unreadable_baseline_line(gate) -> None:
    with pytest.raises(ValueError, match="unreadable"):
        gate.parse_baseline("ardoise/x.py:12: error: something\n")
