"""The chart kit (web/charts.py, insights/_chart.html): the table and the CSV hold the same numbers, and
hostile labels are escaped in the SVG, the HTML and the CSV."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from web.charts import Chart, Series, csv_response, csv_text, render_svg
from web.templating import make_environment

HOSTILE = '<script>alert(1)</script>&"\''
FORMULA = '=HYPERLINK("http://evil.example","x")'


class TableReader(HTMLParser):
    """The text of every cell of the first <table>, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.scripts = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.cell is not None:
            self.cell.append(data)


def render(chart: Chart, csv_url: str = "/x?csv=c") -> str:
    env = make_environment()
    return env.from_string('{% from "insights/_chart.html" import chart %}{{ chart(c, u) }}').render(c=chart, u=csv_url)


def charts() -> list[Chart]:
    days = ["2026-11-01", "2026-11-02", "2026-11-03"]
    return [
        Chart("growth", "Followers", "Followers at the end of each day.", days, [Series("Followers", [10, 12, 11])]),
        Chart("net", "Gains and losses", "Gained, lost and net per day.", days,
              [Series("Gained", [3, 2, 0]), Series("Lost", [1, 0, 1]), Series("Net", [2, 2, -1])], kind="bar"),
        Chart("rate", "Engagement", "Interactions per follower reached.", ["a", "b"], [Series("Rate", [0.125, 1 / 3])]),
        Chart("heat", "When", "Interactions by weekday and hour.", [f"{h:02d}" for h in range(24)],
              [Series(day, [float((d * 24 + h) % 5) for h in range(24)]) for d, day in enumerate(["Mon", "Tue"])],
              kind="heatmap"),
    ]


@pytest.mark.parametrize("chart", charts(), ids=lambda c: c.id)
def test_table_and_csv_hold_the_same_numbers(chart: Chart) -> None:
    reader = TableReader()
    reader.feed(render(chart))
    table = reader.rows
    rows = list(csv.reader(io.StringIO(csv_text(chart))))
    assert table == rows
    assert len(rows) == 1 + (len(chart.series) if chart.kind == "heatmap" else len(chart.labels))
    # and those are the chart's numbers
    if chart.kind != "heatmap":
        for i, row in enumerate(rows[1:]):
            assert [float(cell) for cell in row[1:]] == pytest.approx([s.values[i] for s in chart.series], abs=0.005)


def test_svg_is_an_accessible_image_and_parses() -> None:
    for chart in charts():
        svg = str(render_svg(chart))
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        ns = "{http://www.w3.org/2000/svg}"
        assert root.find(f"{ns}title").text == chart.title  # type: ignore[union-attr]
        assert root.find(f"{ns}desc").text == chart.description  # type: ignore[union-attr]
        assert "<script" not in svg


def test_hostile_labels_are_escaped_everywhere() -> None:
    chart = Chart("evil", HOSTILE, HOSTILE, [HOSTILE, FORMULA, "-1+2", "@SUM(A1)"],
                  [Series(HOSTILE, [1, 2, 3, 4]), Series("+cmd", [-1, 0, 0.5, 2])], kind="bar")
    svg = str(render_svg(chart))
    assert "<script>" not in svg
    ET.fromstring(svg)  # still well-formed XML: every text escaped
    html = render(chart)
    reader = TableReader()
    reader.feed(html)
    assert reader.scripts == 0
    assert reader.rows[1][0] == HOSTILE  # shown as text
    rows = list(csv.reader(io.StringIO(csv_text(chart))))
    assert rows[0] == ["", "'" + HOSTILE, "'+cmd"] or rows[0][1] == HOSTILE
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        assert not cell.startswith(("=", "+", "@")), cell
        if cell.startswith("-"):
            float(cell)  # only negative numbers may start with a minus
    assert "'" + FORMULA in cells and "'-1+2" in cells and "'@SUM(A1)" in cells and "'+cmd" in cells
    assert "-1" in cells  # a negative number stays a number


def test_csv_response_is_an_attachment() -> None:
    response = csv_response(charts()[0], 'growth"; evil.csv')
    assert response.content_type == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.count('"') == 2
    assert response.text == csv_text(charts()[0])


def test_empty_chart_renders() -> None:
    chart = Chart("none", "Nothing", "No data yet.", [], [])
    ET.fromstring(str(render_svg(chart)))
    assert "Nothing" in render(chart)


SVG = "{http://www.w3.org/2000/svg}"


def _titles(svg: str, tag: str) -> list[str]:
    """The tooltip text of every <tag> of the parsed SVG (escaping undone by the XML parser)."""
    return [element.find(f"{SVG}title").text or "" for element in ET.fromstring(svg).iter(f"{SVG}{tag}")]  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["line", "bar", "heatmap"])
def test_svg_carries_every_point_and_escapes_hostile_names(kind: str) -> None:
    """Every value reaches the SVG (a dot, bar or cell with its tooltip), hostile names and labels as text; a
    series shorter than the labels counts as 0 for the missing ones, as the table says."""
    labels = [HOSTILE, "2026-11-02", "a & b", FORMULA]
    series = [Series(HOSTILE, [1, 2.5, 0, 7]), Series("Q <b>", [3, 1])]
    chart = Chart("p", HOSTILE, HOSTILE, labels, series, kind=kind)
    svg = str(render_svg(chart))
    assert "<script>" not in svg and "<b>" not in svg
    padded = [[1, 2.5, 0, 7], [3, 1, 0, 0]]
    shown = {0: "0", 1: "1", 2.5: "2.5", 3: "3", 7: "7"}
    if kind == "line":
        assert _titles(svg, "circle") == [f"{label}: {shown[v]}" for values in padded for label, v in zip(labels, values)]
        lines = list(ET.fromstring(svg).iter(f"{SVG}polyline"))
        assert [len(line.get("points", "").split()) for line in lines] == [4, 4]
        assert _titles(svg, "g") == [HOSTILE, "Q <b>"]
    elif kind == "bar":
        expected = [f"{label}, {s.name}: {shown[v]}" for s, values in zip(series, padded)
                    for label, v in zip(labels, values) if v]
        assert _titles(svg, "rect") == expected
    else:
        assert _titles(svg, "rect") == [f"{s.name} {label}: {shown[v]}" for s, values in zip(series, padded)
                                        for label, v in zip(labels, values)]
    reader = TableReader()
    reader.feed(render(chart))
    assert reader.scripts == 0
    cells = [cell for row in reader.rows for cell in row]
    assert HOSTILE in cells and "Q <b>" in cells  # shown as text in the table
    assert "2.5" in cells and "7" in cells
