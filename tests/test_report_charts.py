"""The reports' inline SVG charts (``ta_delivery.report.charts``): exact markup for small cases, and
well-formed SVG with a title and one legend entry per part for any input."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.report.charts import STATUS_COLOURS, bar_chart, stacked_bar, stacked_rows

SVG = "{http://www.w3.org/2000/svg}"


def test_a_stacked_bar_with_its_legend_underneath() -> None:
    assert stacked_bar("Who & why", [("a", 1), ("b", 3)], width=100) == (
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100" height="62" viewBox="0 0 100 62" '
        'class="chart"><title>Who &amp; why</title>'
        '<rect x="0.0" y="4" width="25.0" height="22" fill="#1565c0"/>'
        '<rect x="25.0" y="4" width="75.0" height="22" fill="#2e7d32"/>'
        '<rect x="0" y="38" width="10" height="10" fill="#1565c0"/>'
        '<text x="14" y="47" font-size="11">a: 1</text>'
        '<rect x="52" y="38" width="10" height="10" fill="#2e7d32"/>'
        '<text x="66" y="47" font-size="11">b: 3</text>'
        "</svg>"
    )


def test_stacked_rows_with_a_legend_of_the_statuses_that_occur() -> None:
    assert stacked_rows("Rows", [("s1", [("present", 2), ("absent", 1)])], width=200) == (
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="200" height="54" viewBox="0 0 200 54" '
        'class="chart"><title>Rows</title>'
        '<text x="104" y="17" text-anchor="end" font-size="11">s1</text>'
        '<rect x="110.0" y="6" width="53.3" height="15" fill="#2e7d32"><title>present: 2</title></rect>'
        '<rect x="163.3" y="6" width="26.7" height="15" fill="#c62828"><title>absent: 1</title></rect>'
        '<rect x="110" y="29" width="10" height="10" fill="#2e7d32"/>'
        '<text x="124" y="38" font-size="11">present</text>'
        '<rect x="183" y="29" width="10" height="10" fill="#c62828"/>'
        '<text x="197" y="38" font-size="11">absent</text>'
        "</svg>"
    )


labels = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
counts = st.integers(min_value=0, max_value=1000)


@given(title=labels, parts=st.lists(st.tuples(labels, counts), max_size=8))
def test_any_stacked_bar_is_svg_with_its_title_and_a_legend_entry_per_part(
    title: str, parts: list[tuple[str, int]]
) -> None:
    svg = ET.fromstring(stacked_bar(title, parts))
    assert svg.find(f"{SVG}title") is not None
    assert len(svg.findall(f"{SVG}text")) == len(parts)


@given(
    title=labels,
    rows=st.lists(
        st.tuples(labels, st.lists(st.tuples(st.sampled_from(list(STATUS_COLOURS)), counts))), max_size=6
    ),
)
def test_any_stacked_rows_and_bar_chart_are_svg(
    title: str, rows: list[tuple[str, list[tuple[str, int]]]]
) -> None:
    svg = ET.fromstring(stacked_rows(title, rows))
    shown = {name for _, parts in rows for name, value in parts if value}
    legend = [t for t in svg.findall(f"{SVG}text") if t.get("text-anchor") != "end"]
    assert len(legend) == len(shown)
    ET.fromstring(bar_chart(title, [(label, float(len(parts))) for label, parts in rows]))
