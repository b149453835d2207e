"""Issue 13, finding 4: when someone keeps guessing birth dates for a 交付通知書 number on the reservation
site, the 管理者 sees an alert line on the audit page (the database writes it; the site cannot hide it)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import Engine, text

from core.config import SITE_ROLE
from core.domain.roles import Role
from tests.conftest import logged_in_as
from tests.console.conftest import Seed, log_in, open_page, shot

NUMBER = "Z9Z-000005"
WAITED = "UPDATE booking.notice_attempts SET last_failed_at = last_failed_at - interval '2 hours'"


def _attack(owner: Engine) -> None:
    """Five wrong birth dates for one number, through the site's role, each after the number's wait."""
    with logged_in_as(owner.url, SITE_ROLE) as site:
        for day in range(5):
            with owner.begin() as conn:
                conn.execute(text(WAITED))
            with site.begin() as conn:
                conn.execute(
                    text("SELECT * FROM booking.notice_ask(:n, :b)"),
                    {"n": NUMBER, "b": date(1980, 1, 1) + timedelta(days=day)},
                )


def test_the_admin_sees_an_alert_about_a_notice_number_under_attack(
    page: Any, live_server: str, console_db: tuple[Engine, Engine, Seed]
) -> None:
    owner = console_db[0]
    with owner.connect() as conn:
        stamped_on = conn.execute(text("SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date")).scalar_one()
    _attack(owner)
    try:
        log_in(page, live_server, Role.ADMIN)
        open_page(page, f"{live_server}/admin/audit")
        start = page.locator("#audit-from-start")
        start.fill(stamped_on.isoformat())
        start.press("Tab")
        page.click("#audit-search")
        alert = page.locator("#audit-rows tbody tr").filter(has_text=NUMBER)
        expect(alert).to_have_count(1)
        expect(alert).to_contain_text(re.compile(r"予約サイト: 交付通知書番号への連続誤入力\(警告\)"))
        expect(alert).to_contain_text("攻撃の可能性")
        shot(page, "admin-audit-notice-alert")
    finally:
        with owner.begin() as conn:
            conn.execute(text("DELETE FROM booking.notice_attempts"))
