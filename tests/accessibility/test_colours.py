"""The pure colour functions: WCAG's contrast ratio on known pairs and its properties, the colour and
stylesheet readers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.accessibility.colours import (
    Colour,
    contrast_ratio,
    custom_properties,
    first_colour,
    parse_colour,
    read_rules,
    relative_luminance,
    resolve,
)

WHITE = (255.0, 255.0, 255.0)
BLACK = (0.0, 0.0, 0.0)
channels = st.floats(min_value=0, max_value=255, allow_nan=False)
colours = st.tuples(channels, channels, channels)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
        ("#777777", "#ffffff", 4.48),  # …and the first that fails
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
        ("#949494", "#ffffff", 3.03),  # just above the 3:1 of large text and components
    ],
)
def test_it_computes_wcag_ratios_of_known_pairs(first: str, second: str, expected: float) -> None:
    a, b = parse_colour(first), parse_colour(second)
    assert a is not None
    assert b is not None
    assert contrast_ratio(a.rgb, b.rgb) == pytest.approx(expected, abs=0.01)


def test_it_knows_the_luminance_of_black_and_white() -> None:
    assert relative_luminance(BLACK) == 0
    assert relative_luminance(WHITE) == pytest.approx(1)


@given(colours, colours)
def test_the_ratio_is_symmetric_and_between_1_and_21(first, second) -> None:
    ratio = contrast_ratio(first, second)
    assert ratio == pytest.approx(contrast_ratio(second, first))
    assert 1 <= ratio <= 21 + 1e-9


@given(colours)
def test_a_colour_against_itself_is_1_and_white_or_black_gives_at_least_4_5(colour) -> None:
    assert contrast_ratio(colour, colour) == pytest.approx(1)
    # Any colour reaches 4.5:1 against black or against white (the higher is at least √21 ≈ 4.58).
    assert max(contrast_ratio(colour, WHITE), contrast_ratio(colour, BLACK)) >= 4.5


@given(colours, colours, st.floats(min_value=0, max_value=1))
def test_compositing_stays_between_the_two_colours(top, bottom, alpha) -> None:
    painted = Colour(top[0], top[1], top[2], alpha).over(bottom)
    for mine, theirs, result in zip(top, bottom, painted, strict=True):
        assert min(mine, theirs) - 1e-9 <= result <= max(mine, theirs) + 1e-9


def test_it_reads_the_colour_syntaxes_of_our_stylesheets() -> None:
    assert parse_colour("#fff") == Colour(255, 255, 255)
    assert parse_colour("#1D4F73") == Colour(0x1D, 0x4F, 0x73)
    assert parse_colour("rgba(31, 35, 40, .07)") == Colour(31, 35, 40, 0.07)
    assert parse_colour("rgb(0 0 0 / 50%)") == Colour(0, 0, 0, 0.5)
    assert parse_colour("white") == Colour(255, 255, 255)
    for keyword in ("transparent", "inherit", "currentColor"):
        assert parse_colour(keyword) is None
    with pytest.raises(ValueError, match="not a colour"):
        parse_colour("hsl(10, 20%, 30%)")


def test_it_reads_rules_custom_properties_and_var_fallbacks() -> None:
    css = """
    /* a comment { with braces } */
    :root { --ink: #111; --brand: var(--ink); }
    .a, .b:hover { color: var(--ink); background: var(--missing, #fafafa) url(x.png); }
    @media (min-width: 40rem) { .c { border: 1px solid var(--brand) !important; } }
    """
    rules = read_rules(css, "test.css")
    assert [(rule.selector, rule.media) for rule in rules] == [
        (":root", ""),
        (".a, .b:hover", ""),
        (".c", "(min-width: 40rem)"),
    ]
    properties = custom_properties(rules)
    assert resolve("var(--brand)", properties) == "#111"
    assert resolve(rules[1].declarations["background"], properties) == "#fafafa url(x.png)"
    assert resolve("var(--unknown)", properties) == "var(--unknown)"
    assert first_colour(resolve(rules[2].declarations["border"], properties)) == "#111"
