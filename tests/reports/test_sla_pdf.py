"""The SLA report renders as a Japanese PDF with its charts as images (poppler: pdftoppm, pdftotext,
pdfimages), the XLSX holds the same figures with no cell a spreadsheet would run, and `mynadesk sla report`
writes both."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import URL
from typer.testing import CliRunner

from core.domain.booking import TOKYO
from core.domain.sla import DayRequests, SlaReport, report
from mynadesk.cli import app
from reports.sla import render, xlsx
from tests.conftest import mynadesk_env
from tests.core.domain.test_sla import STOPS, month

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PRINTED = datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO)
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


def constructed() -> SlaReport:
    """The hand-computed 2026-11 of the domain test, with a month of response buckets for the chart."""
    buckets = tuple(
        DayRequests(date(2026, 11, d), app, 1000, 1000 - (d % 4) * 3, 400_000, 800 + d * 60)
        for d in range(1, 31)
        for app in ("site", "console")
    )
    odd_cause = dataclasses.replace(STOPS[1], cause='=HYPERLINK("http://evil/")', remedy="再起動")
    return report(dataclasses.replace(month(), requests=buckets, stops=(odd_cause, *STOPS[2:], STOPS[0])))


def poppler(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@needs_poppler
def test_the_pdf_has_the_figures_in_japanese_and_the_charts_as_images(tmp_path: Path) -> None:
    pdf = tmp_path / "sla.pdf"
    pdf.write_bytes(render(constructed(), PRINTED))
    text = poppler("pdftotext", "-layout", str(pdf), "-")
    for words in (
        "サービスレベル実施状況報告(2026年11月分)",
        "サービス稼働率(予約サイト)",
        "99.338%",  # (43,080 − 285) ÷ 43,080
        "(43,080 − 285) ÷ 43,080 × 100",
        "基準応答時間達成率",
        "定時バックアップ率",
        "93.333%",  # 28 ÷ 30
        "除外(31日前に告知、30日以上前)",  # announced 31 days ahead
        "停止時間に含む(10日前に告知、30日未満)",  # 10 days ahead
        "412.5",  # the drill's RTO
    ):
        assert words in text.replace("\n", " "), words
    images = [
        line
        for line in poppler("pdfimages", "-list", str(pdf)).splitlines()[2:]
        if line.split()[2] == "image"
    ]
    assert len(images) == 2  # 日別サービス稼働率, 日別応答
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("sla-report-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(ARTIFACTS / "sla-report")], check=True)
    assert len(list(ARTIFACTS.glob("sla-report-*.png"))) == 2


def test_the_xlsx_has_every_figure_with_formula_and_no_formula_cells() -> None:
    book = load_workbook(io.BytesIO(xlsx(constructed())))
    assert {
        "指標",
        "日別稼働率",
        "日別応答",
        "障害",
        "計画停止",
        "バックアップ",
        "復元訓練",
        "監査ログ",
    } <= set(book.sheetnames)
    figures = {row[0]: row for row in book["指標"].iter_rows(min_row=2, values_only=True)}
    assert figures["サービス稼働率(予約サイト)"][1] == pytest.approx((43_080 - 285) / 43_080 * 100)
    assert "(43,080 − 285) ÷ 43,080 × 100" in figures["サービス稼働率(予約サイト)"][4]
    causes = [cell for row in book["障害"].iter_rows() for cell in row if "HYPERLINK" in str(cell.value)]
    assert causes
    assert all(cell.data_type == "s" for cell in causes)


def test_a_month_without_measurements_says_not_available(tmp_path: Path) -> None:
    from core.domain.sla import SlaInputs

    bare = report(SlaInputs(date(2026, 11, 1), datetime(2026, 12, 1, tzinfo=TOKYO)))
    pdf = tmp_path / "bare.pdf"
    pdf.write_bytes(render(bare, PRINTED))
    if shutil.which("pdftotext"):
        assert "not available" in poppler("pdftotext", str(pdf), "-")


def test_the_command_writes_the_pdf_and_xlsx(database_url: URL, tmp_path: Path) -> None:
    runner = CliRunner()
    out, sheet = tmp_path / "report.pdf", tmp_path / "report.xlsx"
    args = ["sla", "report", "--month", "2026-11", "--out", str(out), "--xlsx", str(sheet)]
    result = runner.invoke(app, args, env=mynadesk_env(database_url))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert "指標" in load_workbook(sheet).sheetnames
    assert "サービス稼働率" in result.output
    bad = runner.invoke(app, ["sla", "report", "--month", "11/2026", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2
    assert "YYYY-MM" in bad.output
    assert not (tmp_path / "x.pdf").exists()
