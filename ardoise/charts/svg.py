"""Charts drawn on the server as SVG, from plain data: no chart library, no database.

A `Chart` is categories along the x axis (weeks, months, age bands) and one or
more `Series` of numbers; `render` turns it into a `RenderedChart`: the SVG
markup, its legend and the same numbers as a table (the template
`charts/_chart.html` shows them together). Three kinds:

- `BARS`: bars side by side per category (invoiced vs paid);
- `STACKED`: bars piled up per category, the total written above (attendance by activity);
- `LINE`: one line per series with a marker at each point, named right of the plot (collection rate).

What makes them readable:
- without colour alone: each series also has its own pattern (bars: hatches,
  dots…) or its own dash and marker shape (lines); lines are named at their
  end, and bars carry their value when there are few of them;
- for screen readers: the SVG is one image (`role="img"`) named by its
  `<title>` and described by its `<desc>` (what it shows, its extremes), and
  the numbers are in the table;
- under the site's Content-Security-Policy: no `style` attribute and no
  `<style>` element; colours and sizes come from classes styled in
  `static/css/charts.css`; only geometry is written as attributes.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

type Number = int | Decimal | float

WIDTH = 640
HEIGHT = 300
MARGIN_TOP = 20
MARGIN_BOTTOM = 48
MARGIN_LEFT = 72
MARGIN_RIGHT = 16
# Lines are named at their end, right of the plot.
LINE_LABELS_WIDTH = 132
# Horizontal room one x-axis label needs; labels are thinned out below that.
LABEL_ROOM = 52
# Bars carry their value when each category has at least this much room.
VALUE_LABEL_ROOM = 44
# Line end labels closer than this (pixels) are pushed apart.
END_LABEL_GAP = 14
TICKS = 5
# Series styles: beyond this many, they come round again (and the table still tells them apart).
STYLES = 6
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "triangle-down")


class Kind(StrEnum):
    BARS = "bars"
    STACKED = "stacked"
    LINE = "line"


@dataclass(frozen=True)
class Series:
    label: str
    # One value per category; None: no value (a gap in a line, no bar).
    values: Sequence[Number | None]


def plain_number(value: Number) -> str:
    return f"{value}"


@dataclass(frozen=True)
class Chart:
    # Unique on the page: the ids of the title, description and patterns derive from it.
    slug: str
    kind: Kind
    title: str
    description: str
    categories: Sequence[str]
    series: Sequence[Series]
    # How a value reads in labels and in the table ("1 234,50 €", "87 %").
    format_value: Callable[[Number], str] = plain_number
    # How an axis tick reads (defaults to format_value).
    format_tick: Callable[[Number], str] | None = None
    # The top of the y axis when fixed (100 for a percentage), else from the data.
    y_max: Number | None = None
    # The table's caption and the header of its first column.
    table_caption: str = ""
    category_header: str = ""
    # Adds a "Total" column to the table (stacked bars).
    total_label: str = ""

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"{self.slug}: {series.label!r} has {len(series.values)} values "
                    f"for {len(self.categories)} categories"
                )


@dataclass(frozen=True)
class LegendEntry:
    label: str
    swatch: SafeString


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[tuple[str, list[str]]]


@dataclass(frozen=True)
class RenderedChart:
    slug: str
    title: str
    description: str
    svg: SafeString
    legend: list[LegendEntry]
    table: Table
    empty: bool = field(default=False)


def nice_ticks(maximum: float, count: int = TICKS, integers: bool = False) -> list[float]:
    """Ticks from 0 to at least `maximum`, at a step of 1, 2, 2.5 or 5 times a power of ten, about `count` of them."""
    if not maximum > 0 or not math.isfinite(maximum):
        return [0.0, 1.0]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = 10 * magnitude
    for multiple in (1, 2, 2.5, 5):
        if multiple * magnitude >= raw and not (integers and multiple == 2.5):
            step = multiple * magnitude
            break
    if integers:
        step = max(step, 1)
    top = math.ceil(maximum / step - 1e-9)
    return [round(index * step, 10) for index in range(top + 1)]


def render(chart: Chart) -> RenderedChart:
    """The chart's SVG, legend and table."""
    values = [value for series in chart.series for value in series.values if value is not None]
    empty = not chart.categories or not values
    return RenderedChart(
        slug=chart.slug,
        title=chart.title,
        description=chart.description,
        svg=_svg(chart),
        legend=[LegendEntry(series.label, _swatch(chart, index)) for index, series in enumerate(chart.series)],
        table=_table(chart),
        empty=empty,
    )


# The table


def _table(chart: Chart) -> Table:
    headers = [chart.category_header, *(series.label for series in chart.series)]
    if chart.total_label:
        headers.append(chart.total_label)
    rows = []
    for index, category in enumerate(chart.categories):
        cells = [_format(chart, series.values[index]) for series in chart.series]
        if chart.total_label:
            cells.append(chart.format_value(_total(chart, index)))
        rows.append((category.replace("\n", " "), cells))
    return Table(chart.table_caption or chart.title, headers, rows)


def _format(chart: Chart, value: Number | None) -> str:
    return "—" if value is None else chart.format_value(value)


def _total(chart: Chart, index: int) -> Number:
    return sum((series.values[index] or 0 for series in chart.series), start=type_of_sum(chart, index))


def type_of_sum(chart: Chart, index: int) -> Number:
    """0 in the type of the values (Decimal money stays Decimal)."""
    for series in chart.series:
        if isinstance(series.values[index], Decimal):
            return Decimal(0)
    return 0


# The picture


@dataclass(frozen=True)
class Frame:
    left: float
    top: float
    right: float
    bottom: float
    ticks: list[float]

    @property
    def width(self) -> float:
        return self.right - self.left

    def y(self, value: float) -> float:
        top = self.ticks[-1] or 1
        return self.bottom - (value / top) * (self.bottom - self.top)


def _frame(chart: Chart) -> Frame:
    numbers = [float(value) for series in chart.series for value in series.values if value is not None]
    if chart.kind is Kind.STACKED:
        numbers = [float(_total(chart, index)) for index in range(len(chart.categories))]
    integers = all(isinstance(value, int) for series in chart.series for value in series.values if value is not None)
    if chart.y_max is not None:
        ticks = nice_ticks(float(chart.y_max), integers=integers)
        if max(numbers, default=0) > ticks[-1]:
            ticks = nice_ticks(max(numbers), integers=integers)
    else:
        ticks = nice_ticks(max([0.0, *numbers]), integers=integers)
    right_margin = LINE_LABELS_WIDTH if chart.kind is Kind.LINE else MARGIN_RIGHT
    return Frame(MARGIN_LEFT, MARGIN_TOP, WIDTH - right_margin, HEIGHT - MARGIN_BOTTOM, ticks)


def _n(value: float) -> str:
    """A coordinate, short: 12.5, 40."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _svg(chart: Chart) -> SafeString:
    frame = _frame(chart)
    ids = f"chart-{chart.slug}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg chart__svg--{chart.kind}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{ids}-title {ids}-desc" focusable="false">',
        f'<title id="{ids}-title">{escape(chart.title)}</title>',
        f'<desc id="{ids}-desc">{escape(chart.description)}</desc>',
        _patterns(chart),
        _y_axis(chart, frame),
        _x_axis(chart, frame),
    ]
    if chart.kind is Kind.LINE:
        parts.append(_lines(chart, frame))
    else:
        parts.append(_bars(chart, frame))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


def _pattern_id(chart: Chart, index: int) -> str:
    return f"chart-{chart.slug}-pattern-{index % STYLES}"


# One texture per series over its colour: none for the first, then hatches, dots, crosses…
PATTERN_SHAPES = (
    "",
    '<path class="chart__texture" d="M-2,2 L2,-2 M0,8 L8,0 M6,10 L10,6"/>',
    '<circle class="chart__texture chart__texture--dot" cx="4" cy="4" r="1.6"/>',
    '<path class="chart__texture" d="M0,4 L8,4"/>',
    '<path class="chart__texture" d="M0,0 L8,8 M8,0 L0,8"/>',
    '<path class="chart__texture" d="M4,0 L4,8"/>',
)


def _patterns(chart: Chart) -> str:
    if chart.kind is Kind.LINE:
        return ""
    defs = [
        f'<pattern id="{_pattern_id(chart, index)}" patternUnits="userSpaceOnUse" width="8" height="8">'
        f"{PATTERN_SHAPES[index % STYLES]}</pattern>"
        for index in range(min(len(chart.series), STYLES))
        if PATTERN_SHAPES[index % STYLES]
    ]
    return f"<defs>{''.join(defs)}</defs>" if defs else ""


def _y_axis(chart: Chart, frame: Frame) -> str:
    format_tick = chart.format_tick or chart.format_value
    parts = ['<g class="chart__axis chart__axis--y" aria-hidden="true">']
    for tick in frame.ticks:
        y = _n(frame.y(tick))
        value: Number = int(tick) if tick == int(tick) else tick
        parts.append(
            f'<line class="chart__grid" x1="{_n(frame.left)}" x2="{_n(frame.right)}" y1="{y}" y2="{y}"/>'
            f'<text class="chart__tick" x="{_n(frame.left - 6)}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(format_tick(value))}</text>"
        )
    parts.append(
        f'<line class="chart__baseline" x1="{_n(frame.left)}" x2="{_n(frame.right)}" '
        f'y1="{_n(frame.bottom)}" y2="{_n(frame.bottom)}"/></g>'
    )
    return "".join(parts)


def _label_every(chart: Chart, frame: Frame) -> int:
    count = len(chart.categories)
    room = max(1, int(frame.width // LABEL_ROOM))
    return max(1, math.ceil(count / room))


def _x_axis(chart: Chart, frame: Frame) -> str:
    count = len(chart.categories)
    if not count:
        return ""
    band = frame.width / count
    every = _label_every(chart, frame)
    parts = ['<g class="chart__axis chart__axis--x" aria-hidden="true">']
    for index, category in enumerate(chart.categories):
        if index % every:
            continue
        x = _n(frame.left + band * (index + 0.5))
        lines = category.split("\n")
        spans = "".join(
            f'<tspan x="{x}" dy="{"0" if number == 0 else "1.2em"}">{escape(line)}</tspan>'
            for number, line in enumerate(lines)
        )
        y = _n(frame.bottom + 18)
        parts.append(f'<text class="chart__category" x="{x}" y="{y}" text-anchor="middle">{spans}</text>')
    parts.append("</g>")
    return "".join(parts)


def _bar(chart: Chart, index: int, x: float, y: float, width: float, height: float, title: str) -> str:
    """One bar: its colour, its series' texture over it, and a tooltip title."""
    style = index % STYLES
    geometry = f'x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}"'
    texture = ""
    if PATTERN_SHAPES[style]:
        texture = f'<rect class="chart__hatch" {geometry} fill="url(#{_pattern_id(chart, index)})"/>'
    fill = f'<rect class="chart__fill chart__s{style}" {geometry}/>'
    return f'<g class="chart__bar"><title>{escape(title)}</title>{fill}{texture}</g>'


def _bars(chart: Chart, frame: Frame) -> str:
    count = len(chart.categories)
    if not count or not chart.series:
        return ""
    band = frame.width / count
    labelled = band >= VALUE_LABEL_ROOM
    parts = ['<g class="chart__plot">']
    for position, category in enumerate(chart.categories):
        name = category.replace("\n", " ")
        start = frame.left + band * position
        if chart.kind is Kind.STACKED:
            width = band * 0.7
            x = start + (band - width) / 2
            level = 0.0
            for index, series in enumerate(chart.series):
                value = series.values[position]
                if not value:
                    continue
                top = frame.y(level + float(value))
                title = f"{name}, {series.label} : {chart.format_value(value)}"
                parts.append(_bar(chart, index, x, top, width, frame.y(level) - top, title))
                level += float(value)
            if labelled and level:
                total = escape(chart.format_value(_total(chart, position)))
                parts.append(_value_label(x + width / 2, frame.y(level) - 4, total))
        else:
            group = band * 0.8
            width = group / len(chart.series)
            for index, series in enumerate(chart.series):
                value = series.values[position]
                if value is None:
                    continue
                x = start + (band - group) / 2 + width * index
                top = frame.y(float(value))
                title = f"{name}, {series.label} : {chart.format_value(value)}"
                parts.append(_bar(chart, index, x, top, width, frame.bottom - top, title))
                if labelled and width >= VALUE_LABEL_ROOM:
                    parts.append(_value_label(x + width / 2, top - 4, escape(chart.format_value(value))))
    parts.append("</g>")
    return "".join(parts)


def _value_label(x: float, y: float, text: str) -> str:
    """A value written above its bar (`text` already escaped)."""
    return f'<text class="chart__value" x="{_n(x)}" y="{_n(y)}" text-anchor="middle">{text}</text>'


def _marker(index: int, x: float, y: float) -> str:
    """The series' own marker shape at (x, y)."""
    shape = MARKERS[index % STYLES]
    classes = f"chart__marker chart__s{index % STYLES}"
    cross = f"chart__cross chart__s{index % STYLES}"
    if shape == "circle":
        return f'<circle class="{classes}" cx="{_n(x)}" cy="{_n(y)}" r="3.5"/>'
    if shape == "square":
        return f'<rect class="{classes}" x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7" height="7"/>'
    if shape == "triangle":
        points = f"{_n(x)},{_n(y - 4.5)} {_n(x + 4.5)},{_n(y + 3.5)} {_n(x - 4.5)},{_n(y + 3.5)}"
    elif shape == "triangle-down":
        points = f"{_n(x)},{_n(y + 4.5)} {_n(x + 4.5)},{_n(y - 3.5)} {_n(x - 4.5)},{_n(y - 3.5)}"
    elif shape == "diamond":
        points = f"{_n(x)},{_n(y - 4.5)} {_n(x + 4.5)},{_n(y)} {_n(x)},{_n(y + 4.5)} {_n(x - 4.5)},{_n(y)}"
    else:  # cross
        return (
            f'<path class="{cross}" '
            f'd="M{_n(x - 4)},{_n(y - 4)} L{_n(x + 4)},{_n(y + 4)} M{_n(x + 4)},{_n(y - 4)} L{_n(x - 4)},{_n(y + 4)}"/>'
        )
    return f'<polygon class="{classes}" points="{points}"/>'


def spread(positions: list[float], gap: float, low: float, high: float) -> list[float]:
    """`positions` moved apart by at least `gap`, in the same order, kept within [low, high] where room allows."""
    order = sorted(range(len(positions)), key=lambda index: positions[index])
    placed = [positions[index] for index in order]
    for rank in range(1, len(placed)):
        placed[rank] = max(placed[rank], placed[rank - 1] + gap)
    overflow = placed[-1] - high if placed else 0
    if overflow > 0:
        placed = [position - overflow for position in placed]
        for rank in range(len(placed) - 2, -1, -1):
            placed[rank] = min(placed[rank], placed[rank + 1] - gap)
    if placed and placed[0] < low:
        shift = low - placed[0]
        placed = [position + shift for position in placed]
    result = [0.0] * len(positions)
    for rank, index in enumerate(order):
        result[index] = placed[rank]
    return result


def _lines(chart: Chart, frame: Frame) -> str:
    count = len(chart.categories)
    if not count:
        return ""
    band = frame.width / count
    parts = ['<g class="chart__plot">']
    ends: list[tuple[int, float, float]] = []
    for index, series in enumerate(chart.series):
        style = index % STYLES
        runs: list[list[tuple[float, float]]] = [[]]
        for position, value in enumerate(series.values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append((frame.left + band * (position + 0.5), frame.y(float(value))))
        points = [point for run in runs for point in run]
        if not points:
            continue
        parts.append(f'<g class="chart__series chart__series--{style}"><title>{escape(series.label)}</title>')
        for run in runs:
            if len(run) > 1:
                coordinates = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
                classes = f"chart__line chart__s{style} chart__dash{style}"
                parts.append(f'<polyline class="{classes}" points="{coordinates}"/>')
        parts.extend(_marker(index, x, y) for x, y in points)
        parts.append("</g>")
        ends.append((index, points[-1][0], points[-1][1]))
    placed = spread([y for _, _, y in ends], END_LABEL_GAP, frame.top, frame.bottom)
    for (index, _, _), y in zip(ends, placed, strict=True):
        parts.append(
            f'<text class="chart__end-label chart__label-s{index % STYLES}" x="{_n(frame.right + 10)}" y="{_n(y)}" '
            f'dominant-baseline="middle">{escape(chart.series[index].label)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _swatch(chart: Chart, index: int) -> SafeString:
    """The legend's small picture of a series: its bar (colour and texture) or its line and marker."""
    style = index % STYLES
    if chart.kind is Kind.LINE:
        inner = (
            f'<line class="chart__line chart__s{style} chart__dash{style}" x1="1" y1="8" x2="23" y2="8"/>'
            f"{_marker(index, 12, 8)}"
        )
    else:
        inner = f'<rect class="chart__fill chart__s{style}" x="4" y="1" width="16" height="14"/>'
        if PATTERN_SHAPES[style]:
            texture = f'fill="url(#{_pattern_id(chart, index)})"'
            inner += f'<rect class="chart__hatch" x="4" y="1" width="16" height="14" {texture}/>'
    return mark_safe(  # noqa: S308 - no text inside
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-legend__swatch" viewBox="0 0 24 16" '
        f'aria-hidden="true" focusable="false">{inner}</svg>'
    )
