"""The keyboard's focus stays visible (WCAG 2.4.7, RGAA 10.7): one `:focus-visible` rule draws it, and no
stylesheet takes the outline away from a control — only from the containers scripts focus on purpose
(`<main>` after the skip link, the review's title after htmx), which are not controls."""

import re
from pathlib import Path

import ardoise
from tests.accessibility.colours import read_rules

CSS_DIR = Path(ardoise.__file__).parent / "static" / "css"
RULES = [rule for path in sorted(CSS_DIR.glob("*.css")) for rule in read_rules(path.read_text("utf-8"), path.name)]
# Elements focused by a script or the skip link, never by Tab.
PROGRAMMATIC = re.compile(r"^(main|(\.[\w-]+ )?h[1-6]):focus$")


def test_one_rule_draws_the_focus_for_every_element() -> None:
    (rule,) = [rule for rule in RULES if rule.selector == ":focus-visible"]
    assert rule.source == "ardoise.css"
    assert re.match(r"\d+px solid ", rule.declarations["outline"])
    assert rule.declarations["box-shadow"] not in ("", "none")


def test_no_rule_takes_the_outline_away_from_a_control() -> None:
    removing = [
        f"{rule.source} {selector.strip()}"
        for rule in RULES
        for selector in rule.selector.split(",")
        if re.fullmatch(r"none|0(px)?", rule.declarations.get("outline", "-"))
        and not PROGRAMMATIC.match(selector.strip())
    ]
    assert not removing, removing
