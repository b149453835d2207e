"""The SLA report page (/sla) in Chromium: 管理職 picks a month and reads サービス稼働率 with its formula and
inputs, downloads the PDF (audited); a bad month only says so; the counter is refused."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from core.clock import today
from core.domain.roles import Role
from tests.console.conftest import USERS, Seed, log_in, open_page, shot
from tests.factories import JST

Engines = tuple[Engine, Engine, Seed]


def _two_months_ago() -> date:
    first = today().replace(day=1)
    return ((first - timedelta(days=1)).replace(day=1) - timedelta(days=1)).replace(day=1)


@pytest.fixture
def outage(console_db: Engines) -> Iterator[date]:
    """A 60-minute outage of the reservation site on the 10th of the month before last (its first day)."""
    month = _two_months_ago()
    start = datetime.combine(month.replace(day=10), time(10, 0), JST)
    with console_db[0].begin() as conn:
        incident_id = conn.execute(
            text(
                "INSERT INTO ops.incidents (kind, target, started_at, ended_at, detected_at, notified_at,"
                " recovered_at, opened_by) VALUES ('outage', 'site', :s, :e, :s, :n, :e, 'test') RETURNING id"
            ),
            {"s": start, "e": start + timedelta(minutes=60), "n": start + timedelta(minutes=20)},
        ).scalar_one()
    yield month
    with console_db[0].begin() as conn:
        conn.execute(text("DELETE FROM ops.incidents WHERE id = :id"), {"id": incident_id})


def test_manager_reads_the_months_availability_with_its_formula_and_downloads_the_pdf(
    page: Any, live_server: str, console_db: Engines, outage: date
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, Role.MANAGER)
    open_page(page, f"{live_server}/sla")
    previous = (today().replace(day=1) - timedelta(days=1)).replace(day=1)
    expect(page.locator("#sla-month")).to_have_value(f"{previous:%Y-%m}")
    expect(page.locator("#sla-figures")).to_contain_text("サービス稼働率")

    page.fill("#sla-month", f"{outage:%Y-%m}")
    page.click("#sla-show")
    expect(page.locator("#sla-period")).to_contain_text(f"{outage.year}年{outage.month}月1日 0:00")
    # the contract's formula, by hand: the site runs 24 h a day, so planned = days × 1440 minutes, down = 60
    planned = calendar.monthrange(outage.year, outage.month)[1] * 1440
    rate = (planned - 60) / planned * 100
    site = page.locator("#sla-figures tbody tr").filter(has_text="サービス稼働率(予約サイト)")
    expect(site).to_contain_text(f"{rate:.3f}%")
    expect(site).to_contain_text("(計画サービス時間 − 停止時間) ÷ 計画サービス時間 × 100")
    expect(site).to_contain_text(f"({planned:,} − 60) ÷ {planned:,} × 100")
    expect(site).to_contain_text("99.5%以上")
    # the site's inputs come first (the figure is named on its first row only)
    down = page.locator("#sla-inputs tbody tr").filter(has_text="停止時間(分、重複は1回)").first
    expect(down.locator("td").last).to_have_text("60")
    shot(page, "sla-report")

    with page.expect_download() as download:
        page.click("#sla-pdf")
    assert download.value.suggested_filename == f"サービスレベル実施状況報告_{outage:%Y-%m}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    with console_db[0].connect() as conn:
        exported = conn.execute(
            text("SELECT actor, object_id, detail->>'format' FROM audit.log WHERE action = 'sla_export'")
        ).all()
    assert (USERS[Role.MANAGER], f"{outage:%Y-%m}", "pdf") in [tuple(row) for row in exported]


def test_a_bad_month_is_refused_with_a_message_and_the_report_stays(page: Any, live_server: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, Role.ADMIN)
    open_page(page, f"{live_server}/sla")
    expect(page.locator("#sla-figures")).to_contain_text("サービス稼働率")
    period = page.locator("#sla-period").inner_text()
    page.fill("#sla-month", "2026/13")
    page.click("#sla-show")
    expect(page.locator("#sla-message")).to_contain_text("対象月は YYYY-MM")
    expect(page.locator("#sla-period")).to_have_text(period)
    next_month = (today().replace(day=1) + timedelta(days=32)).replace(day=1)
    page.fill("#sla-month", f"{next_month:%Y-%m}")
    page.click("#sla-pdf")
    expect(page.locator("#sla-message")).to_contain_text("まだ始まっていません")
    expect(page.locator("#sla-period")).to_have_text(period)
    shot(page, "sla-bad-month")


def test_the_counter_is_refused(page: Any, live_server: str) -> None:
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/sla")
    expect(page.locator("#access-refused")).to_be_visible()
    assert not re.search("サービス稼働率", page.content())
