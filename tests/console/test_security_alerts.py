"""Issue 13, hardening: the 管理者 is alerted on the console's top page when a staff account is locked by
wrong passwords and when the reservation site refuses a storm of requests by its rate limits (the site counts
each refusal; tests/reservation_site/test_abuse.py shows the site does). Other roles see no alert panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from core.config import SITE_ROLE
from core.domain.roles import Role
from core.services import ratelimit, staff
from core.services.audit import Actor
from core.services.security_alerts import STORM_REFUSALS
from tests.conftest import logged_in_as
from tests.console.conftest import PASSWORD, Seed, log_in, open_page, shot

VICTIM = "TLOCK1"


def _lock_out_through_the_login_form(page: Any, base: str) -> None:
    for _ in range(5):
        page.goto(f"{base}/login")
        page.fill("#staff_code", VICTIM)
        page.fill("#password", "not the password at all")
        page.click("#login-submit")
        expect(page.locator("#login-error, .alert-danger").first).to_be_visible()


def _site_refuses(owner: Engine, times: int) -> None:
    """What the site writes, as the site's role, for each request its rate limits refuse (HTTP 429)."""
    with logged_in_as(owner.url, SITE_ROLE) as site, Session(site) as session, session.begin():
        for _ in range(times):
            ratelimit.record(session, ratelimit.REFUSED, datetime.now(UTC))


def test_the_admin_is_alerted_to_a_lockout_and_a_storm_of_refusals(
    page: Any, live_server: str, console_db: tuple[Engine, Engine, Seed]
) -> None:
    owner = console_db[0]
    with Session(owner) as session, session.begin():
        staff.create_user(session, VICTIM, "試験 ロック", PASSWORD + "x", {Role.COUNTER}, Actor("test"))
    _lock_out_through_the_login_form(page, live_server)
    _site_refuses(owner, STORM_REFUSALS)
    try:
        log_in(page, live_server, Role.COUNTER)
        open_page(page, f"{live_server}/")
        expect(page.locator("#home-pages")).to_be_visible()
        expect(page.locator("#home-alerts")).to_have_count(0)  # a 窓口 user is not shown the panel

        page.context.clear_cookies()
        log_in(page, live_server, Role.ADMIN)
        open_page(page, f"{live_server}/")
        panel = page.locator("#home-alerts")
        expect(panel).to_contain_text("セキュリティ警告")
        lockout = page.locator("#home-alert-rows tbody tr").filter(has_text=VICTIM)
        expect(lockout).to_contain_text("ロックされました")
        storm = page.locator("#home-alert-rows tbody tr").filter(has_text="制限超過")
        expect(storm).to_contain_text(f"{STORM_REFUSALS}件")
        page.set_viewport_size({"width": 1366, "height": 768})
        shot(page, "console-home-security-alerts")
    finally:
        with owner.begin() as conn:  # the storm ends: older refusals no longer count
            past = datetime.now(UTC) - timedelta(hours=2)
            conn.execute(
                text("UPDATE booking.rate_events SET at = :past WHERE bucket = :key"),
                {"past": past, "key": ratelimit.REFUSED},
            )
