"""窓口 at the day's list in a real Chromium: the list, check-in and walk-in; a booking of another day is
refused until the clerk ticks the override and gives a reason (audited); setup, rules, no-show, change and
cancellation stay with 予約担当, and the server refuses their callbacks to 窓口 (403)."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from console import ids
from console.access import AccessRegistry
from core.clock import today
from core.db.models.audit import AuditEntry
from core.domain.roles import Role
from tests.console.conftest import USERS, Seed, log_in, login, open_page, shot
from tests.console.test_access import _fire
from tests.factories import JST, add_booking, find_place

LATER_DAYS = 6


def _book(session: Session, booking_no: str, days_ahead: int) -> None:
    venue, procedure = find_place(session, "HQ", "PICKUP")
    start = datetime.combine(today() + timedelta(days=days_ahead), time(11, 15), JST)
    add_booking(session, venue.id, procedure.id, start, booking_no, name="窓口 確認", channel="web")


@pytest.fixture(scope="module")
def bookings(console_db: tuple[Engine, Engine, Seed]) -> None:
    """R-CTR-TODAY at 11:15 today, R-CTR-LATER at 11:15 six days on."""
    with Session(console_db[0]) as s, s.begin():
        _book(s, "R-CTR-TODAY", 0)
        _book(s, "R-CTR-LATER", LATER_DAYS)


def _registry(console: Flask) -> AccessRegistry:
    registry: AccessRegistry = console.extensions["mynadesk_registry"]
    return registry


def test_the_counter_checks_in_today_and_overrides_another_day_with_a_reason(
    page: Any, live_server: str, bookings: None, console_db: tuple[Engine, Engine, Seed]
) -> None:
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/reservations")
    expect(page.locator("h1.md-page-title")).to_have_text("予約管理")
    expect(page.locator("#rv-rows")).to_contain_text("R-CTR-TODAY")
    # 予約担当's tools are not offered to 窓口
    expect(page.locator("#rv-cancel")).to_be_hidden()
    expect(page.locator("#rv-no-show")).to_be_hidden()
    expect(page.locator("#rv-move")).to_be_hidden()
    expect(page.locator("a[href='/reservations/setup']")).to_have_count(0)
    shot(page, "counter-day-list")
    # a booking six days on, checked in today: refused, with both days named
    later = today() + timedelta(days=LATER_DAYS)
    page.fill("#rv-booking", "R-CTR-LATER")
    page.click("#rv-check-in")
    message = page.locator("#rv-message")
    expect(message).to_contain_text(f"この予約は{later.month}月{later.day}日の予約のため")
    expect(message).to_contain_text("受付できません")
    shot(page, "counter-wrong-day-refused")
    # the override without a reason is refused too; with one it goes through
    page.check("#rv-override")
    page.click("#rv-check-in")
    expect(message).to_contain_text("理由を入力してください")
    page.fill("#rv-override-reason", "予約日を勘違いして来庁")
    page.click("#rv-check-in")
    expect(message).to_contain_text("予約 R-CTR-LATER: 受付済(日付違いを承知で処理・記録しました)")
    shot(page, "counter-wrong-day-overridden")
    with Session(console_db[0]) as s:
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "reservation_checked_in", AuditEntry.object_id == "R-CTR-LATER"
            )
        ).one()
    assert entry.actor == USERS[Role.COUNTER]
    assert entry.detail == {
        "override": True,
        "booking_day": later.isoformat(),
        "today": today().isoformat(),
        "reason": "予約日を勘違いして来庁",
    }
    # today's booking and a walk-in, as the counter does them all day
    page.uncheck("#rv-override")
    page.fill("#rv-booking", "R-CTR-TODAY")
    page.click("#rv-check-in")
    expect(message).to_contain_text("予約 R-CTR-TODAY: 受付済")
    page.select_option("#rv-walk-slot", index=1)
    page.fill("#rv-walk-name", "窓口 飛込")
    page.click("#rv-walk")
    expect(message).to_contain_text("窓口受付 W")
    expect(page.locator("#rv-rows")).to_contain_text("窓口 飛込")
    shot(page, "counter-walk-in")


def test_the_counter_is_refused_the_reservations_setup_and_rules_pages(page: Any, live_server: str) -> None:
    log_in(page, live_server, Role.COUNTER)
    for path in ("/reservations/setup", "/reservations/rules"):
        open_page(page, live_server + path)
        expect(page.locator("#access-refused"), path).to_be_visible()
    shot(page, "counter-setup-refused")


def test_the_server_refuses_setup_rules_and_on_behalf_callbacks_to_the_counter(console: Flask) -> None:
    registry = _registry(console)
    booking_only = [key for key, roles in registry.callbacks.items() if roles == {Role.BOOKING}]
    setup = [key for key in booking_only if "rs-message" in key or "rr-message" in key]
    on_behalf = [key for key in booking_only if ids.RV_MESSAGE in key]
    assert setup
    assert len(on_behalf) == 1
    day = [key for key, roles in registry.callbacks.items() if ids.RV_LIST in key and Role.COUNTER in roles]
    assert len(day) == 2  # the list itself, check-in and walk-in
    with console.test_client() as client:
        login(client, USERS[Role.COUNTER])
        for key in setup + on_behalf:
            status, body = _fire(client, key)
            assert status == 403, key
            assert json.loads(body)["error"] == "この操作を行う権限がありません"
        for key in day:
            assert _fire(client, key)[0] != 403, key


def test_the_issuance_page_lists_every_pickup_of_the_day(page: Any, live_server: str, bookings: None) -> None:
    log_in(page, live_server, Role.COUNTER)
    open_page(page, f"{live_server}/issuance")
    today_list = page.locator("#issue-today")
    # a pickup booked without a notice number is on the list too (the card is found at the counter)
    expect(today_list).to_contain_text("R-CTR-TODAY")
    expect(today_list.locator("tr", has_text="R-CTR-TODAY")).to_contain_text("未入力")
    expect(today_list).not_to_contain_text("R-CTR-LATER")
    shot(page, "counter-issuance-pickups")
