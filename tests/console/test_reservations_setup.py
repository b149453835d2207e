"""Real Chromium: each of the reservations setup page's forms reaches its own service call through the one
callback (the fields arrive by name): a venue, its counter, a procedure offered there, a weekly template and a
closure all show in the listing; a missing choice is refused with the Japanese message and saves nothing."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from core.domain.roles import Role
from tests.console.conftest import log_in, open_page, shot

VENUE = "試験用西会場"


def _choose(page: Any, dropdown: str, option: str) -> None:
    page.click(f"#{dropdown}")
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def _saved(page: Any, text: str) -> None:
    expect(page.locator("#rs-message")).to_contain_text(f"{text} を保存しました")


def test_each_setup_form_saves_through_its_own_action(page: Any, live_server: str) -> None:
    log_in(page, live_server, Role.BOOKING)
    open_page(page, f"{live_server}/reservations/setup")
    page.fill("#rs-v-code", "TSTW")
    page.fill("#rs-v-ja", VENUE)
    page.fill("#rs-v-en", "Test West")
    page.fill("#rs-v-addr", "藤沢市試験町1-1")
    page.click("#rs-v-save")
    _saved(page, VENUE)
    page.reload()
    page.wait_for_load_state("networkidle")
    _choose(page, "rs-c-venue", VENUE)
    page.fill("#rs-c-name", "9番窓口")
    page.click("#rs-c-add")
    _saved(page, "9番窓口")
    expect(page.locator("#rs-venues")).to_contain_text("9番窓口")

    page.fill("#rs-p-code", "test_west")
    page.fill("#rs-p-ja", "試験手続")
    page.fill("#rs-p-en", "Test procedure")
    page.fill("#rs-p-min", "20")
    _choose(page, "rs-p-venues", VENUE)
    page.click("#rs-p-save")
    _saved(page, "試験手続")
    page.reload()
    page.wait_for_load_state("networkidle")

    page.click("#rs-t-add")  # nothing chosen: refused, nothing saved
    expect(page.locator("#rs-message")).to_contain_text("会場・手続・曜日を選んでください")
    _choose(page, "rs-t-venue", VENUE)
    _choose(page, "rs-t-proc", "試験手続")
    _choose(page, "rs-t-weekday", "水")
    page.fill("#rs-t-start", "9:00")
    page.fill("#rs-t-end", "12:00")
    page.fill("#rs-t-len", "20")
    page.fill("#rs-t-cap", "2")
    page.click("#rs-t-add")
    _saved(page, "予約枠テンプレート")
    templates = page.locator("#rs-templates")
    for text in (VENUE, "試験手続", "09:00-12:00", "20分"):
        expect(templates).to_contain_text(text)

    page.click("#rs-x-add")  # no dates: refused
    expect(page.locator("#rs-message")).to_contain_text("開始日を選んでください")
    shot(page, "reservations-setup-forms")
