"""Colour is never the only signal on the planning (WCAG 1.4.1, RGAA 3.1): each state and each closed
day has its own words and its own symbol, the "deadline passed" days a hatched pattern, and the legend
shows all three."""

import re
from pathlib import Path

import ardoise
from ardoise.portal.planning import CLOSED_DISPLAY, STATE_DISPLAY, legend
from tests.accessibility.colours import read_rules

PLANNING_CSS = Path(ardoise.__file__).parent / "static" / "css" / "planning.css"
PLANNING_HTML = Path(ardoise.__file__).parent / "templates" / "portal" / "planning.html"


def test_each_state_and_closed_day_has_its_own_symbol_and_words() -> None:
    shown = [(symbol, str(label)) for css, symbol, label in STATE_DISPLAY.values() if css != "none"]
    shown += [(symbol, css) for css, symbol in CLOSED_DISPLAY.values()]
    symbols = [symbol for symbol, _label in shown]
    assert all(symbols), "a state without a symbol is told by its colour alone"
    assert len(set(symbols)) == len(symbols), symbols
    labels = [str(label) for _css, _symbol, label in legend()]
    assert len(set(labels)) == len(labels) == len(shown)


def test_the_legend_shows_every_state_with_its_symbol_and_words() -> None:
    for css, symbol, label in legend():
        assert symbol
        assert label
        assert css
    template = PLANNING_HTML.read_text(encoding="utf-8")
    assert "{% for css, symbol, label in legend %}" in template
    assert "Fond hachuré : date limite dépassée" in template


def test_days_past_their_deadline_are_hatched_not_only_tinted() -> None:
    (locked,) = [rule for rule in read_rules(PLANNING_CSS.read_text(encoding="utf-8")) if rule.selector == ".locked"]
    assert re.match(r"repeating-linear-gradient\(", locked.declarations["background-image"])
    assert "background-color" not in locked.declarations  # the pattern is added to the state's own colour
