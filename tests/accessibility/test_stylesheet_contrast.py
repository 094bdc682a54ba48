"""Every colour pair of our stylesheets has enough contrast (WCAG 1.4.3 and 1.4.11, RGAA 3.2 and 3.3).

Read from ardoise/static/css/*.css, no browser: each rule that sets a text colour, a background or a
control's border is paired with what it sits on:
- the rule's own other half (`color` with `background`, a state's `--cell-ink` with its `--cell-bg`);
- else the same rule without its pseudo-class (`.button--danger:hover` → `.button--danger`), then its
  BEM block (`.badge--ok` → `.badge`, `.closed--holiday` → `.closed`);
- else the page: body text (`--ink`) on white (`--paper`) and on the grey canvas (`--canvas`), or on the
  header's blues for selectors of the header and the menu.
Text needs 4.5:1, large text 3:1 (24 px, or 18.66 px bold); a control's border 3:1 (disabled controls
are exempt, and so skipped). Half-transparent colours are painted over what they sit on first. The
planning's hatching ("date limite dépassée") darkens each state's background: checked hatched too.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import ardoise
from tests.accessibility.colours import (
    RGB,
    Colour,
    Rule,
    contrast_ratio,
    custom_properties,
    first_colour,
    parse_colour,
    read_rules,
    resolve,
)

CSS_DIR = Path(ardoise.__file__).parent / "static" / "css"
# One rule per selector of a list (`.a, .b { … }` is `.a { … }` and `.b { … }`); print styles aside.
RULES = [
    Rule(rule.source, selector.strip(), rule.declarations, rule.media)
    for path in sorted(CSS_DIR.glob("*.css"))
    for rule in read_rules(path.read_text(encoding="utf-8"), path.name)
    if "print" not in rule.media
    for selector in rule.selector.split(",")
]
PROPERTIES = custom_properties(RULES)
TEXT = ("color", "--cell-ink")
BACKGROUND = ("background-color", "background", "--cell-bg")
BORDER = ("border-color", "border")
# Selectors whose elements sit on the header's dark blue, not on the page.
DARK_CONTEXT = re.compile(r"\.site-header|\.main-nav")
CONTROL = re.compile(r"\bbutton\b|\.button\b|\binput\b|\bselect\b|\btextarea\b|\.plan-fill|\.plan-switch a|\.roll-mark")
TEXT_MINIMUM, LARGE_MINIMUM, COMPONENT_MINIMUM = 4.5, 3.0, 3.0


def colour(name: str) -> Colour:
    found = parse_colour(resolve(f"var({name})", PROPERTIES))
    assert found is not None, name
    return found


def colour_of(rule: Rule, names: tuple[str, ...]) -> tuple[Colour | None, bool]:
    """The rule's colour for `names` (the first declared) and whether one was declared at all."""
    for name in names:
        if name in rule.declarations:
            value = resolve(rule.declarations[name], PROPERTIES)
            written = value if name in ("color", "--cell-ink") else first_colour(value)
            if written is None:
                return None, name != "background"  # `background: url(…)` / `none` says nothing of a colour
            if "var(" in written:
                return None, False  # a property set elsewhere (a state's --cell-bg): paired there
            return parse_colour(written), True
    return None, False


def related(rule: Rule) -> list[Rule]:
    """Where a missing half comes from: the rule without pseudo-classes, then its BEM block."""
    plain = re.sub(r":(hover|focus|focus-visible|active|visited|not\([^)]*\))", "", rule.selector)
    block = re.sub(r"--[\w-]+", "", plain)
    names = [name for name in (plain, block) if name != rule.selector]
    return [other for name in names for other in RULES if other.selector == name]


def backgrounds_under(rule: Rule) -> list[tuple[str, RGB]]:
    if DARK_CONTEXT.search(rule.selector):
        return [("--brand", colour("--brand").rgb), ("--brand-dark", colour("--brand-dark").rgb)]
    return [("--paper", colour("--paper").rgb), ("--canvas", colour("--canvas").rgb)]


def is_large(rule: Rule) -> bool:
    size = rule.declarations.get("font-size", "")
    weight = rule.declarations.get("font-weight", "")
    rem = float(size[:-3]) if size.endswith("rem") else float(size[:-2]) / 16 if size.endswith("px") else 0
    return rem >= 1.5 or (rem >= 18.66 / 16 and weight in ("700", "bold", "800", "900"))


@dataclass(frozen=True)
class Pair:
    where: str
    front: str
    back: str
    ratio: float
    minimum: float

    def __str__(self) -> str:
        return f"{self.where}: {self.front} on {self.back} is {self.ratio:.2f}:1, needs {self.minimum}:1"


def pairs_of(rule: Rule) -> list[Pair]:
    where = f"{rule.source} {rule.selector}" + (f" @media {rule.media}" if rule.media else "")
    if ":disabled" in rule.selector:
        return []
    text, text_declared = colour_of(rule, TEXT)
    background, background_declared = colour_of(rule, BACKGROUND)
    border, border_declared = colour_of(rule, BORDER)
    if not (text_declared or background_declared or (border_declared and CONTROL.search(rule.selector))):
        return []
    for other in related(rule):
        if text is None and not text_declared:
            text, text_declared = colour_of(other, TEXT)
        if background is None and not background_declared:
            background, background_declared = colour_of(other, BACKGROUND)
    unders = backgrounds_under(rule)
    if background is not None:
        unders = [(f"{rule.selector}'s background", background.over(under)) for _name, under in unders]
    if text is None:  # inherited: the body's text, white in the header
        text = parse_colour("#ffffff") if DARK_CONTEXT.search(rule.selector) else colour("--ink")
    assert text is not None
    found = []
    minimum = LARGE_MINIMUM if is_large(rule) else TEXT_MINIMUM
    for name, under in unders:
        found.append(Pair(where, "text", name, contrast_ratio(text.over(under), under), minimum))
        if border is not None and CONTROL.search(rule.selector) and border.alpha > 0:
            page = backgrounds_under(rule)
            for page_name, page_under in page:
                # A control is seen by its border or by its filled background against the page.
                edge = max(
                    contrast_ratio(border.over(under), page_under),
                    contrast_ratio(under, page_under),
                )
                found.append(Pair(where, "border or fill", page_name, edge, COMPONENT_MINIMUM))
    return found


def hatched_pairs() -> list[Pair]:
    """Each planning state's text on its background under the "deadline passed" hatching."""
    (locked,) = [rule for rule in RULES if rule.selector == ".locked"]
    stripes = re.findall(r"rgba\([^)]*\)", locked.declarations["background-image"])
    stripe = parse_colour(stripes[0]) if stripes else None
    assert stripe is not None
    assert stripe.alpha < 1
    found = []
    for rule in RULES:
        if "--cell-bg" in rule.declarations and rule.source == "planning.css":
            background = parse_colour(resolve(rule.declarations["--cell-bg"], PROPERTIES))
            ink_rules = [rule, *related(rule)]
            inks = [
                resolve(r.declarations["--cell-ink"], PROPERTIES) for r in ink_rules if "--cell-ink" in r.declarations
            ]
            assert background is not None, rule.selector
            assert inks, rule.selector
            ink = parse_colour(inks[0])
            assert ink is not None
            under = stripe.over(background.rgb)
            found.append(
                Pair(
                    f"planning.css {rule.selector} hatched",
                    "--cell-ink",
                    "hatching",
                    contrast_ratio(ink.rgb, under),
                    TEXT_MINIMUM,
                )
            )
    return found


ALL_PAIRS = [pair for rule in RULES for pair in pairs_of(rule)] + hatched_pairs()


def test_it_finds_the_pairs_that_matter() -> None:
    """The reader is not silently skipping the stylesheets: states, buttons, badges, header, messages."""
    checked = " ".join(pair.where for pair in ALL_PAIRS)
    for selector in (
        ".state--booked",
        ".state--absence-pending",
        ".closed--holiday",
        ".button--primary",
        ".button--danger:hover",
        ".badge--warn",
        ".status--paid",
        ".message--error",
        ".site-header a",
        '.main-nav a[aria-current="page"]',
        ".tag--bad",
        ".state--billed hatched",
        ".lead",
    ):
        assert selector in checked, selector
    assert len(ALL_PAIRS) > 150


def test_every_colour_pair_of_the_stylesheets_has_enough_contrast() -> None:
    failing = [str(pair) for pair in ALL_PAIRS if pair.ratio < pair.minimum]
    assert not failing, "\n".join(failing)


def test_the_focus_ring_stands_out_on_every_background() -> None:
    """The focus indicator (1.4.11, 2.4.13): its outline or its inner ring has 3:1 on each background."""
    (rule,) = [rule for rule in RULES if rule.selector == ":focus-visible"]
    outline = parse_colour(first_colour(resolve(rule.declarations["outline"], PROPERTIES)) or "")
    ring = parse_colour(first_colour(resolve(rule.declarations["box-shadow"], PROPERTIES)) or "")
    assert outline is not None
    assert ring is not None
    for name in ("--paper", "--canvas", "--brand", "--brand-dark", "--ok-tint", "--warn-tint", "--error-tint"):
        under = colour(name).rgb
        assert max(contrast_ratio(outline.rgb, under), contrast_ratio(ring.rgb, under)) >= COMPONENT_MINIMUM, name


@pytest.mark.parametrize("name", ["--ink", "--ink-soft", "--brand", "--ok", "--warn", "--error"])
def test_the_palettes_text_colours_read_on_white_and_on_the_canvas(name: str) -> None:
    for under in ("--paper", "--canvas"):
        assert contrast_ratio(colour(name).rgb, colour(under).rgb) >= TEXT_MINIMUM, (name, under)
