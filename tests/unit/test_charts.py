"""Server-side SVG charts: well-formed, labelled for screen readers, and escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from app.web import charts

SVG = "{http://www.w3.org/2000/svg}"


def test_grouped_bars_draw_one_bar_per_year_and_series_with_escaped_labels():
    svg = charts.grouped_bars(
        chart_id="c",
        title="Notes <per> stage",
        categories=["2022", "2023"],
        series=[charts.Series("<script>x</script>", [3, 0]), charts.Series("②", [5, 8])],
    )
    root = ET.fromstring(str(svg))  # noqa: S314  (markup the app itself drew)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Notes <per> stage"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 4
    heights = [float(r.get("height")) for r in bars]
    # Year by year, series by series: 3, 5, then 0 (drawn flat) and 8, the tallest.
    assert heights[2] == 0.0 and max(heights) == heights[3]
    assert heights[0] < heights[1] < heights[3]
    assert "<script>" not in str(svg)
    assert "fill=" in str(svg) and "style=" not in str(svg)


def test_an_empty_chart_is_still_valid_svg():
    svg = charts.grouped_bars(chart_id="e", title="t", categories=[], series=[])
    assert ET.fromstring(str(svg)).tag  # noqa: S314 == f"{SVG}svg"
