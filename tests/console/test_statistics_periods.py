"""Statistics, overview and forecast charts in a real Chromium: a period the figures cover only in part is
marked (hatched bars and 「集計中（…）」 in the legend, 「(途中)」 in the table, a dashed segment for today),
exports start with their header row and write months as 2026-12, and no legend covers an axis."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from playwright.sync_api import expect

from core.clock import today
from core.domain.roles import Role
from tests.console.conftest import log_in, open_page, shot

VIEWPORT = {"width": 1366, "height": 768}


def _counting(day: date) -> str:
    """The legend of the month of DAY counted so far: 集計中（12月1日〜4日）."""
    days = f"{day.month}月1日" if day.day == 1 else f"{day.month}月1日〜{day.day}日"
    return f"集計中（{days}）"


def _show_monthly_handovers(page: Any, live_server: str) -> None:
    page.set_viewport_size(VIEWPORT)
    log_in(page, live_server, Role.ANALYST)
    open_page(page, f"{live_server}/statistics")
    page.click("#st-show")
    expect(page.locator("#st-rows")).to_be_visible()


def test_the_month_in_progress_is_marked_partial_in_the_table_and_the_chart(
    page: Any, live_server: str, analytics: Path
) -> None:
    day = today()
    _show_monthly_handovers(page, live_server)
    this_month = page.locator("#st-rows tbody tr").last
    expect(this_month.locator("td").first).to_have_text(f"{day:%Y-%m} (途中)")
    expect(page.locator("#st-partial")).to_contain_text(_counting(day))
    expect(page.locator("#st-chart .legendtext", has_text=_counting(day))).to_have_count(1)
    shapes = page.evaluate(
        "() => document.querySelector('#st-chart .js-plotly-plot').data[0].marker.pattern.shape"
    )
    assert shapes[-1] == "/"  # the current month hatched …
    assert all(shape == "" for shape in shapes[1:-1])  # … and the whole months in between not
    shot(page, "statistics-partial-month")


def test_exports_start_with_the_header_and_write_months_as_year_and_month(
    page: Any, live_server: str, analytics: Path
) -> None:
    day = today()
    _show_monthly_handovers(page, live_server)
    with page.expect_download() as download:
        page.click("#st-csv")
    name = download.value.suggested_filename
    assert name.endswith(".csv")
    assert "交付数" in name
    assert f"基準日{day:%Y%m%d}" in name
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["月", "合計", "備考"]
    assert rows[-1] == [f"{day:%Y-%m}", rows[-1][1], _counting(day)]
    assert all(len(row[0]) == 7 for row in rows[1:])  # 2026-12, never 2026-12-01
    with page.expect_download() as download:
        page.click("#st-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book["集計"]
    assert [cell.value for cell in sheet[1]] == ["月", "合計", "備考"]
    assert sheet.cell(row=sheet.max_row, column=1).value == f"{day:%Y-%m}"
    assert "データ時点" in (book.properties.title or "")


def test_the_overview_draws_today_as_a_dashed_segment_still_being_counted(
    page: Any, live_server: str, analytics: Path
) -> None:
    day = today()
    page.set_viewport_size(VIEWPORT)
    log_in(page, live_server, Role.MANAGER)
    open_page(page, f"{live_server}/overview")
    counting = f"集計中（{day.month}月{day.day}日）"
    expect(page.locator("#ov-issued .legendtext", has_text=counting)).to_have_count(1)
    dash = page.evaluate("() => document.querySelector('#ov-issued .js-plotly-plot').data[1].line.dash")
    assert dash == "dash"
    shot(page, "overview-today-counting")


_OVERLAPS = """
() => [...document.querySelectorAll('.js-plotly-plot')].map((plot) => {
    const legend = plot.querySelector('g.legend');
    if (!legend) return {legend: false, overlaps: []};
    const box = legend.getBoundingClientRect();
    const axes = [...plot.querySelectorAll('g.xtick text, g.rangeslider-container, .xtitle')];
    const hit = (r) => !(r.right <= box.left || r.left >= box.right
        || r.bottom <= box.top || r.top >= box.bottom);
    return {
        legend: box.width > 0 && box.height > 0,
        axes: axes.length,
        overlaps: axes.filter((a) => hit(a.getBoundingClientRect())).map((a) => a.textContent || a.tagName),
    };
})
"""


def test_no_forecast_legend_covers_the_x_axis(page: Any, live_server: str, analytics: Path) -> None:
    page.set_viewport_size(VIEWPORT)
    log_in(page, live_server, Role.MANAGER)
    open_page(page, f"{live_server}/forecast")
    expect(page.locator(".js-plotly-plot")).to_have_count(3)
    expect(page.locator(".js-plotly-plot g.legend")).to_have_count(3)
    plots = page.evaluate(_OVERLAPS)
    assert len(plots) == 3
    for plot in plots:
        assert plot["legend"]
        assert plot["axes"] > 0
        assert plot["overlaps"] == []
    page.locator(".js-plotly-plot").first.screenshot(path=str(_artifact("forecast-legend-waves")))
    shot(page, "forecast-legend")


def _artifact(name: str) -> Path:
    folder = Path(__file__).resolve().parents[1] / "artifacts"
    folder.mkdir(exist_ok=True)
    return folder / f"{name}.png"
