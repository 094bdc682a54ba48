"""The mypy gate of `make test`: no new type error, and a baseline that only shrinks.

Runs mypy (configured in pyproject.toml) and compares its errors with
scripts/mypy-baseline.txt, the errors accepted when the gate was introduced.
An error is its file, its message and its code, without its line number, so
that an edit elsewhere in a file does not disturb the baseline; the same error
twice in a file counts twice.

    .venv/bin/python scripts/mypy_gate.py            # the gate
    .venv/bin/python scripts/mypy_gate.py --update   # write today's errors as the baseline

The gate fails on an error that is not in the baseline (fix it; the output
gives its line), and on a baseline error that no longer occurs (run --update so
the baseline stays tight and the fixed error cannot come back unseen).
--update refuses to add errors to the baseline unless given --accept-new
(for instance once after merging branches whose baselines each shrank).
"""

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scripts" / "mypy-baseline.txt"
UPDATE = ".venv/bin/python scripts/mypy_gate.py --update"


class Error(NamedTuple):
    """One mypy error as the baseline knows it: no line, no column."""

    file: str
    code: str
    message: str

    def line(self) -> str:
        return f"{self.file}: [{self.code}] {self.message}"


class Located(NamedTuple):
    error: Error
    line: int


# Messages that quote a line number ("… defined on line 12") would move with every edit above them.
_LINE_IN_MESSAGE = re.compile(r"\bline \d+\b")


def normalise(file: str, code: str | None, message: str) -> Error:
    message = _LINE_IN_MESSAGE.sub("line N", " ".join(message.split()))
    return Error(file.replace("\\", "/"), code or "misc", message)


def parse_mypy_json(output: str) -> list[Located]:
    """Errors from `mypy --output json` (one JSON object a line); notes are left out."""
    errors = []
    for text in output.splitlines():
        if not text.startswith("{"):
            continue
        item = json.loads(text)
        if item.get("severity") != "error":
            continue
        errors.append(Located(normalise(item["file"], item.get("code"), item["message"]), int(item.get("line", 0))))
    return errors


def parse_baseline(text: str) -> Counter[Error]:
    """The baseline file: one `file: [code] message` a line, an error that occurs n times written n times."""
    errors: Counter[Error] = Counter()
    for raw in text.splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        match = re.fullmatch(r"(?P<file>[^:]+): \[(?P<code>[a-z-]+)\] (?P<message>.*)", raw)
        if match is None:
            raise ValueError(f"unreadable baseline line: {raw!r}")
        errors[normalise(match["file"], match["code"], match["message"])] += 1
    return errors


def format_baseline(errors: Iterable[Error]) -> str:
    header = (
        "# mypy errors accepted for now (see scripts/mypy_gate.py). This list may only shrink:\n"
        f"# fix an error, then run `{UPDATE}`.\n"
    )
    return header + "".join(f"{error.line()}\n" for error in sorted(errors))


class Comparison(NamedTuple):
    new: list[Located]  # errors beyond the baseline, with a line to look at
    fixed: Counter[Error]  # baseline errors that no longer occur


def compare(current: list[Located], baseline: Counter[Error]) -> Comparison:
    found = Counter(located.error for located in current)
    extra = found - baseline
    new = []
    # When an error occurs more often than the baseline allows, every occurrence is shown: which one is new
    # cannot be told without line numbers.
    for located in sorted(current, key=lambda located: (located.error.file, located.line)):
        if extra[located.error]:
            new.append(located)
    return Comparison(new, baseline - found)


def run_mypy() -> list[Located]:
    command = [sys.executable, "-m", "mypy", "--output", "json", "--no-error-summary"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    # 0: no error, 1: errors reported; anything else is mypy failing to run (bad configuration, crash).
    if result.returncode not in (0, 1):
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"mypy did not run (exit {result.returncode})")
    return parse_mypy_json(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="write today's errors as the baseline")
    parser.add_argument("--accept-new", action="store_true", help="with --update: let the baseline grow")
    options = parser.parse_args(argv)

    current = run_mypy()
    baseline = parse_baseline(BASELINE.read_text()) if BASELINE.exists() else Counter()
    comparison = compare(current, baseline)

    if options.update:
        if comparison.new and not options.accept_new:
            print(f"mypy gate: {len(comparison.new)} errors are not in the baseline; fix them, or, if they must")
            print("be accepted (say, after a merge), run again with --accept-new:")
            for located in comparison.new:
                print(f"  {located.error.file}:{located.line}: [{located.error.code}] {located.error.message}")
            return 1
        BASELINE.write_text(format_baseline(located.error for located in current))
        print(
            f"mypy gate: baseline written, {len(current)} errors "
            f"({comparison.fixed.total()} fewer, {len(comparison.new)} new)"
        )
        return 0

    status = 0
    if comparison.new:
        print(f"mypy gate: {len(comparison.new)} new errors (not in {BASELINE.relative_to(ROOT)}):")
        for located in comparison.new:
            print(f"  {located.error.file}:{located.line}: [{located.error.code}] {located.error.message}")
        status = 1
    if comparison.fixed:
        print(f"mypy gate: {comparison.fixed.total()} errors of the baseline no longer occur, well done:")
        for error, count in sorted(comparison.fixed.items()):
            print(f"  {error.line()}" + (f" (×{count})" if count > 1 else ""))
        print(f"Shrink the baseline so they cannot come back: {UPDATE}")
        status = 1
    if status == 0:
        print(f"mypy gate: no new error ({len(current)} known errors in the baseline)")
    return status


if __name__ == "__main__":
    sys.exit(main())
