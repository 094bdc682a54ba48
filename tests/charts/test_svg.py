"""Server-side SVG charts: structure, accessibility, and the Content-Security-Policy's limits."""

import itertools
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ardoise.charts.svg import MARKERS, Chart, Kind, Series, nice_ticks, render, spread

SVG = "{http://www.w3.org/2000/svg}"


def chart(kind: Kind = Kind.BARS, **fields) -> Chart:
    values = {
        "slug": "test",
        "kind": kind,
        "title": "Facturé & encaissé",
        "description": "Sur 3 mois : <beaucoup>.",
        "categories": ["janv.\n2027", "févr.", "mars"],
        "series": [
            Series("Facturé", [Decimal("120.50"), Decimal("80.00"), Decimal("0.00")]),
            Series("Encaissé", [Decimal("100.00"), None, Decimal("30.25")]),
        ],
        "format_value": lambda value: f"{value} €",
        "table_caption": "Montants par mois",
        "category_header": "Mois",
    }
    return Chart(**{**values, **fields})


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own markup


@pytest.mark.parametrize("kind", list(Kind))
def test_it_names_and_describes_the_picture_for_screen_readers(kind):
    rendered = render(chart(kind))
    root = parsed(rendered.svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert (title.get("id"), title.text) == (title_id, "Facturé & encaissé")
    assert (desc.get("id"), desc.text) == (desc_id, "Sur 3 mois : <beaucoup>.")
    # Axis text is decoration for screen readers: the table carries the numbers.
    axes = [group for group in root.iter(f"{SVG}g") if "chart__axis" in group.get("class", "")]
    assert len(axes) == 2
    assert all(axis.get("aria-hidden") == "true" for axis in axes)


@pytest.mark.parametrize("kind", list(Kind))
def test_it_writes_no_inline_style_for_the_content_security_policy(kind):
    rendered = render(chart(kind))
    markup = rendered.svg + "".join(entry.swatch for entry in rendered.legend)
    assert not re.search(r"\sstyle=|<style|<script|\son[a-z]+=", markup)
    for element in parsed(rendered.svg).iter():
        assert "style" not in element.attrib


def test_it_escapes_every_text():
    rendered = render(chart(categories=["<b>", "a&b", "c"], title="<script>"))
    assert "<b>" not in rendered.svg
    assert "&lt;script&gt;" in rendered.svg
    parsed(rendered.svg)  # still well-formed


def test_it_gives_each_bar_series_a_texture_besides_its_colour():
    root = parsed(render(chart(Kind.BARS)).svg)
    patterns = {pattern.get("id") for pattern in root.iter(f"{SVG}pattern")}
    assert patterns == {"chart-test-pattern-1"}
    fills = [rect for rect in root.iter(f"{SVG}rect") if "chart__fill" in rect.get("class", "")]
    hatches = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "chart__hatch"]
    # 2 + 1 bars with a value at least 0 (None draws nothing); the second series' bars are hatched.
    assert len(fills) == 5
    assert [rect.get("fill") for rect in hatches] == ["url(#chart-test-pattern-1)", "url(#chart-test-pattern-1)"]
    assert {rect.get("class") for rect in fills} == {"chart__fill chart__s0", "chart__fill chart__s1"}


def test_it_tells_each_bar_its_value_in_a_tooltip_and_above_it_when_there_is_room():
    root = parsed(render(chart(Kind.BARS)).svg)
    tooltips = [title.text for bar in root.iter(f"{SVG}g") if bar.get("class") == "chart__bar" for title in bar]
    assert "janv. 2027, Facturé : 120.50 €" in tooltips
    values = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "chart__value"]
    assert "120.50 €" in values
    assert "30.25 €" in values


def test_it_stacks_bars_and_writes_the_total_above():
    rendered = render(chart(Kind.STACKED, total_label="Total"))
    root = parsed(rendered.svg)
    values = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "chart__value"]
    assert values == ["220.50 €", "80.00 €", "30.25 €"]
    bars = [rect for rect in root.iter(f"{SVG}rect") if "chart__fill" in rect.get("class", "")]
    first, second = bars[0], bars[1]
    # The second series sits on top of the first in the same column.
    assert first.get("x") == second.get("x")
    assert float(second.get("y", "")) + float(second.get("height", "")) == pytest.approx(float(first.get("y", "")))
    assert rendered.table.headers == ["Mois", "Facturé", "Encaissé", "Total"]
    assert rendered.table.rows[0] == ("janv. 2027", ["120.50 €", "100.00 €", "220.50 €"])


def test_it_draws_lines_with_their_own_dash_marker_and_name_at_the_end():
    root = parsed(render(chart(Kind.LINE)).svg)
    lines = [line.get("class") for line in root.iter(f"{SVG}polyline")]
    assert lines == ["chart__line chart__s0 chart__dash0"]  # the second series is broken by its gap: no segment
    circles = [c for c in root.iter(f"{SVG}circle") if "chart__marker" in c.get("class", "")]
    squares = [r for r in root.iter(f"{SVG}rect") if "chart__marker" in r.get("class", "")]
    assert (len(circles), len(squares)) == (3, 2)  # a marker at every point, a shape per series
    labels = [text.text for text in root.iter(f"{SVG}text") if "chart__end-label" in text.get("class", "")]
    assert labels == ["Facturé", "Encaissé"]
    assert len(set(MARKERS)) == len(MARKERS)


def test_it_shows_the_numbers_as_a_table():
    table = render(chart()).table
    assert table.caption == "Montants par mois"
    assert table.headers == ["Mois", "Facturé", "Encaissé"]
    assert table.rows == [
        ("janv. 2027", ["120.50 €", "100.00 €"]),
        ("févr.", ["80.00 €", "—"]),
        ("mars", ["0.00 €", "30.25 €"]),
    ]


def test_it_keeps_the_legend_with_a_swatch_per_series():
    legend = render(chart()).legend
    assert [entry.label for entry in legend] == ["Facturé", "Encaissé"]
    assert 'aria-hidden="true"' in legend[0].swatch
    assert "url(#chart-test-pattern-1)" in legend[1].swatch


def test_it_says_a_chart_without_numbers_is_empty():
    assert render(chart(categories=[], series=[])).empty
    assert render(chart(series=[Series("Facturé", [None, None, None])])).empty
    assert not render(chart()).empty


def test_it_refuses_a_series_of_the_wrong_length():
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        chart(series=[Series("Facturé", [1, 2])])


def test_it_thins_out_the_x_labels_of_many_categories():
    weeks = [f"S{n}" for n in range(40)]
    root = parsed(render(chart(categories=weeks, series=[Series("Repas", list(range(40)))])).svg)
    shown = [text for text in root.iter(f"{SVG}text") if text.get("class") == "chart__category"]
    assert 5 <= len(shown) < 40


def test_it_keeps_a_fixed_top_for_percentages_unless_a_value_is_above():
    root = parsed(render(chart(Kind.LINE, series=[Series("Taux", [10, 50, 70])], y_max=100)).svg)
    ticks = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "chart__tick"]
    assert ticks[-1] == "100 €"


@given(st.floats(min_value=0.001, max_value=1e9, allow_nan=False), st.booleans())
def test_nice_ticks_start_at_zero_and_cover_the_maximum(maximum, integers):
    ticks = nice_ticks(maximum, integers=integers)
    assert ticks[0] == 0
    assert ticks[-1] >= maximum - 1e-6
    assert 2 <= len(ticks) <= 12
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    if integers:
        assert all(tick == int(tick) for tick in ticks)


def test_nice_ticks_of_nothing_still_draw_an_axis():
    assert nice_ticks(0) == [0.0, 1.0]


@given(st.lists(st.floats(min_value=0, max_value=300), min_size=1, max_size=8))
def test_spread_keeps_the_order_and_the_gap(positions):
    placed = spread(positions, 14, 0, 300)
    order = sorted(range(len(positions)), key=lambda index: positions[index])
    ranked = [placed[index] for index in order]
    assert all(b - a >= 14 - 1e-9 for a, b in itertools.pairwise(ranked))
    assert ranked[0] >= -1e-9
