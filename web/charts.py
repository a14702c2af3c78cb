"""Server-side charts for the insights pages: SVG (no JavaScript), the same numbers as a table and as CSV.

A `Chart` is plain data; `render_svg` draws it (line, grouped bars or an hour-of-week style heat map),
`table_rows` gives the rows the accessible table and the CSV share, and `csv_response` sends them as a
download. Every text is escaped; CSV cells that a spreadsheet would read as a formula get a leading quote.
The template macro is web/templates/insights/_chart.html.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

from aiohttp import web
from markupsafe import Markup, escape

WIDTH = 480
HEIGHT = 220
PAD_LEFT = 44
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 36
SERIES_CLASSES = 6  # .chart-s0 .. .chart-s5 in moot.css
TONES = ("ok", "danger", "accent", "muted", "warn")
TOOLTIP_LIMIT = 40  # bars and dots get a <title> tooltip up to this many labels
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    tone: str = ""  # optional colour by meaning: "ok" (gains), "danger" (losses), "accent", "muted"


@dataclass(frozen=True)
class Chart:
    id: str              # unique within the page: element ids and ?csv=<id>
    title: str
    description: str     # one sentence saying what it shows (also the SVG <desc>)
    labels: list[str]    # x values (days, hours, servers...)
    series: list[Series]
    kind: str = "line"   # "line" | "bar" | "heatmap" (heatmap: labels are columns, each series a row)
    columns: list[str] = field(default_factory=list)  # table headers; default: [""] + series names

    def headers(self) -> list[str]:
        if self.columns:
            return list(self.columns)
        if self.kind == "heatmap":
            return [""] + list(self.labels)
        return [""] + [s.name for s in self.series]

    def rows(self) -> list[list[str]]:
        return table_rows(self)

    def svg(self) -> Markup:
        return render_svg(self)

    def table(self) -> Markup:
        return render_table(self)

    def legend(self) -> list[tuple[str, str]]:
        return legend(self)


def format_number(value: float) -> str:
    """One spelling of a number for the table, the CSV and the SVG tooltips: whole numbers without a point."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _padded(chart: Chart) -> list[list[float]]:
    """Each series' values, one per label (missing ones 0), so the loops below need no bounds checks."""
    count = len(chart.labels)
    return [list(s.values[:count]) + [0] * (count - len(s.values)) for s in chart.series]


def _formatted(chart: Chart) -> list[list[str]]:
    """format_number of every value, each distinct value formatted once (a 90-day chart repeats most)."""
    seen: dict[float, str] = {}
    result = []
    for values in _padded(chart):
        row = []
        for value in values:
            text = seen.get(value)
            if text is None:
                text = seen[value] = format_number(value)
            row.append(text)
        result.append(row)
    return result


def table_rows(chart: Chart) -> list[list[str]]:
    """The rows beneath the headers: one per label (line, bar), or one per series (heat map)."""
    cells = _formatted(chart)
    if chart.kind == "heatmap":
        return [[s.name] + row for s, row in zip(chart.series, cells)]
    return [[label] + [row[i] for row in cells] for i, label in enumerate(chart.labels)]


def _csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ (formula injection) gets a quote first.
    Numbers are written as they are, negative ones included, so they stay numbers."""
    if text.startswith(_FORMULA_START):
        try:
            float(text)
            return text
        except ValueError:
            return "'" + text
    return text


def csv_text(chart: Chart) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in [chart.headers()] + table_rows(chart):
        writer.writerow([_csv_cell(cell) for cell in row])
    return out.getvalue()


def csv_response(chart: Chart, filename: str) -> web.Response:
    """The chart's table as a CSV download (the same numbers as the table beneath the chart)."""
    safe_name = "".join(c if c.isalnum() or c in "-_." else "-" for c in filename) or "chart.csv"
    if not safe_name.endswith(".csv"):
        safe_name += ".csv"
    response = web.Response(text=csv_text(chart), content_type="text/csv", charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _label_every(count: int, room: int) -> int:
    return max(1, math.ceil(count / max(1, room)))


def _axis(parts: list[str], low: float, high: float, y_of) -> None:
    for value in ((low, 0, high) if low < 0 else (0, high / 2, high)):
        y = y_of(value)
        parts.append(f'<line class="chart-grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="chart-tick" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(format_number(round(value, 2)))}</text>')


def _axis_label(label: str) -> str:
    """A short form for the axis (the table has the full one): an ISO day loses its year."""
    if len(label) == 10 and label[4] == "-" and label[7] == "-" and label[:4].isdigit():
        return label[5:]
    return label if len(label) <= 12 else label[:11] + "…"


def _x_labels(parts: list[str], labels: list[str], x_of) -> None:
    every = _label_every(len(labels), 6)
    for i, label in enumerate(labels):
        if i % every == 0:
            text = _axis_label(label)
            parts.append(f'<text class="chart-tick" x="{x_of(i):.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" '
                         f'text-anchor="middle">{escape(text)}</text>')


def _line(chart: Chart, parts: list[str]) -> None:
    values = [v for s in chart.series for v in s.values] or [0]
    low = min(0, min(values))
    high = _nice_max(max(values)) if max(values) > 0 else 1
    count = max(1, len(chart.labels))
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x_of(i: int) -> float:
        return PAD_LEFT + (inner_w * i / (count - 1) if count > 1 else inner_w / 2)

    def y_of(v: float) -> float:
        return PAD_TOP + inner_h * (1 - (v - low) / (high - low))

    _axis(parts, low, high, y_of)
    xs = [f"{x_of(i):.1f}" for i in range(len(chart.labels))]
    tooltips = len(chart.labels) <= TOOLTIP_LIMIT
    labels = [escape(label) for label in chart.labels] if tooltips else []
    texts = _formatted(chart) if tooltips else []
    for n, (series, values) in enumerate(zip(chart.series, _padded(chart))):
        ys = [f"{y_of(v):.1f}" for v in values]
        points = " ".join(f"{x},{y}" for x, y in zip(xs, ys))
        parts.append(f'<g class="{series_class(n, series)}"><title>{escape(series.name)}</title>'
                     f'<polyline class="chart-line" points="{points}"/>')
        if tooltips:
            for x, y, label, text in zip(xs, ys, labels, texts[n]):
                parts.append(f'<circle class="chart-dot" cx="{x}" cy="{y}" r="2.5">'
                             f'<title>{label}: {text}</title></circle>')
        parts.append("</g>")
    _x_labels(parts, chart.labels, x_of)


def _bar(chart: Chart, parts: list[str]) -> None:
    values = [v for s in chart.series for v in s.values] or [0]
    low = min(0, min(values))
    low = -_nice_max(-low) if low < 0 else 0
    high = _nice_max(max(values)) if max(values) > 0 else (1 if low == 0 else 0)
    count = max(1, len(chart.labels))
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = inner_w / count
    groups = max(1, len(chart.series))
    bar_w = max(1.0, slot * 0.8 / groups)

    def x_of(i: int) -> float:
        return PAD_LEFT + slot * (i + 0.5)

    def y_of(v: float) -> float:
        return PAD_TOP + inner_h * (1 - (v - low) / (high - low))

    _axis(parts, low, high, y_of)
    zero = y_of(0)
    tooltips = len(chart.labels) <= TOOLTIP_LIMIT  # beyond that the table beneath is the way to read values
    labels = [escape(label) for label in chart.labels] if tooltips else []
    texts = _formatted(chart) if tooltips else []
    width = f"{bar_w:.1f}"
    for n, (series, values) in enumerate(zip(chart.series, _padded(chart))):
        name = escape(series.name)
        parts.append(f'<g class="{series_class(n, series)}"><title>{name}</title>')
        for i, value in enumerate(values):
            if not value:
                continue
            x = PAD_LEFT + slot * i + slot * 0.1 + bar_w * n
            top, bottom = sorted((y_of(value), zero))
            tip = f'<title>{labels[i]}, {name}: {texts[n][i]}</title>' if tooltips else ""
            parts.append(f'<rect class="chart-bar" x="{x:.1f}" y="{top:.1f}" width="{width}" '
                         f'height="{max(0.0, bottom - top):.1f}">{tip}</rect>')
        parts.append("</g>")
    parts.append(f'<line class="chart-axis" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}"/>')
    _x_labels(parts, chart.labels, x_of)


def _heatmap(chart: Chart, parts: list[str]) -> None:
    rows = max(1, len(chart.series))
    cols = max(1, len(chart.labels))
    left = 36
    inner_w = WIDTH - left - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    cell_w = inner_w / cols
    cell_h = inner_h / rows
    peak = max([v for s in chart.series for v in s.values] or [0]) or 1
    labels = [escape(label) for label in chart.labels]
    xs = [f"{left + cell_w * c:.1f}" for c in range(len(chart.labels))]
    size = f'width="{cell_w:.1f}" height="{cell_h:.1f}"'
    for r, (series, values, texts) in enumerate(zip(chart.series, _padded(chart), _formatted(chart))):
        y = PAD_TOP + cell_h * r
        name = escape(series.name)
        parts.append(f'<text class="chart-tick" x="{left - 6}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end">'
                     f'{escape(series.name[:3])}</text>')
        for x, label, value, text in zip(xs, labels, values, texts):
            opacity = 0.06 + 0.94 * (value / peak) if value > 0 else 0.0
            parts.append(f'<rect class="chart-cell" x="{x}" y="{y:.1f}" {size} '
                         f'fill-opacity="{opacity:.2f}"><title>{name} {label}: {text}</title></rect>')
    every = _label_every(cols, 8)
    for c, label in enumerate(chart.labels):
        if c % every == 0:
            parts.append(f'<text class="chart-tick" x="{left + cell_w * (c + 0.5):.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" '
                         f'text-anchor="middle">{escape(_axis_label(label))}</text>')


def render_svg(chart: Chart) -> Markup:
    """The chart as inline SVG: role="img" with a <title> and <desc>, colours from CSS (light and dark)."""
    title_id = f"chart-{chart.id}-title"
    desc_id = f"chart-{chart.id}-desc"
    parts = [
        f'<svg class="chart chart--{escape(chart.kind)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(title_id)}" aria-describedby="{escape(desc_id)}" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(title_id)}">{escape(chart.title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(chart.description)}</desc>',
    ]
    if not chart.labels or not chart.series:
        parts.append(f'<text class="chart-tick" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">–</text>')
    elif chart.kind == "bar":
        _bar(chart, parts)
    elif chart.kind == "heatmap":
        _heatmap(chart, parts)
    else:
        _line(chart, parts)
    parts.append("</svg>")
    return Markup("".join(parts))


def render_table(chart: Chart) -> Markup:
    """The accessible table of the chart's numbers (the same rows as the CSV): the first cell of a row is its header."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in chart.headers())
    # The cells are format_number's digits, sign and point: nothing to escape. The row headers are escaped.
    body = "".join(
        f'<tr><th scope="row">{escape(row[0])}</th><td>' + "</td><td>".join(row[1:]) + "</td></tr>"
        if len(row) > 1 else f'<tr><th scope="row">{escape(row[0])}</th></tr>'
        for row in table_rows(chart)
    )
    return Markup(f'<table><caption class="visually-hidden">{escape(chart.title)}</caption>'
                  f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def legend(chart: Chart) -> list[tuple[str, str]]:
    """(css class, series name) for the legend under a line or bar chart (names, not only colours)."""
    if chart.kind == "heatmap":
        return []
    return [(series_class(n, s), s.name) for n, s in enumerate(chart.series)]


def series_class(index: int, series: Series) -> str:
    """The CSS class colouring a series: its tone when it has one, else its place (.chart-s0 ...)."""
    return f"chart-tone-{series.tone}" if series.tone in TONES else f"chart-s{index % SERIES_CLASSES}"
