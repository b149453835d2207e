"""Real Chromium: book, change and cancel on a phone and a desktop, in Japanese and English, with JavaScript
on and off; axe-core finds no violation on any page; screenshots of each step go to tests/artifacts/site/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, text

from tests.browser import needs_chromium
from tests.reservation_site import flow
from tests.reservation_site.browser import DESKTOP, PHONE, Recorder, fill_notice, give_notice, open_page
from tests.reservation_site.conftest import BIRTH, NOTICE_NO

pytestmark = needs_chromium


def _book(page: Page, rec: Recorder, base_url: str, day: str, english: bool) -> str:
    page.goto(f"{base_url}/?lang={'en' if english else 'ja'}")
    rec.shot("procedures")
    page.get_by_role("link", name="Card pickup" if english else "マイナンバーカードの受取").click()
    rec.shot("notice")
    fill_notice(page, [(NOTICE_NO, BIRTH.isoformat())])
    rec.shot("venues")
    page.get_by_role("link", name="City Hall" if english else "本庁舎1階", exact=False).first.click()
    rec.shot("calendar")
    page.locator(f"a[href$='/{day}']").click()
    rec.shot("times")
    page.locator("input[name=slot_id]").first.check()
    page.get_by_role("button").click()
    rec.shot("details-empty")
    page.get_by_role("button").click()  # submit empty: errors tied to fields
    expect(page.locator("#error-summary")).to_be_visible()
    rec.shot("details-errors")
    page.locator("#name").fill("藤沢 太郎")
    page.locator("#name_kana").fill("フジサワ タロウ")
    page.locator("#birth_date").fill(BIRTH.isoformat())
    page.locator("#phone").fill("0466-25-1111")
    page.locator("#email").fill("taro@example.jp")
    page.get_by_role("button").click()
    rec.shot("confirm")
    page.get_by_role("button", name="Book" if english else "予約する").click()
    expect(page.locator("#booking-no")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    rec.shot("done")
    return page.locator("#secret-link").get_attribute("href") or ""


def _change_and_cancel(page: Page, rec: Recorder, link: str, new_day: str, english: bool) -> None:
    page.goto(link)
    rec.shot("manage")
    page.get_by_role("button", name="Change the date or time" if english else "日時を変更する").click()
    page.get_by_role("link", name="City Hall" if english else "本庁舎1階", exact=False).first.click()
    page.locator(f"a[href$='/{new_day}']").click()
    page.locator("input[name=slot_id]").nth(2).check()
    page.get_by_role("button").click()
    rec.shot("change-confirm")
    page.get_by_role("button", name="Change" if english else "変更する").click()
    expect(page.locator(".success")).to_contain_text("changed" if english else "変更しました")
    rec.shot("changed")
    page.get_by_role("link", name="Cancel the booking" if english else "予約を取り消す").click()
    rec.shot("cancel-confirm")
    page.get_by_role("button", name="Yes, cancel it" if english else "取り消す").click()
    expect(page.locator(".status")).to_contain_text("Cancelled" if english else "取消済み")
    rec.shot("cancelled")


@pytest.mark.parametrize(
    ("name", "viewport", "english", "javascript"),
    [
        ("phone-ja-js", PHONE, False, True),
        ("desktop-en-js", DESKTOP, True, True),
        ("phone-en-nojs", PHONE, True, False),
        ("desktop-ja-nojs", DESKTOP, False, False),
    ],
)
def test_book_change_cancel(
    browser: Browser,
    base_url: str,
    world: Engine,
    name: str,
    viewport: dict[str, int],
    english: bool,
    javascript: bool,
) -> None:
    page = open_page(browser, viewport, javascript)
    rec = Recorder(page, name, axe=javascript)
    _, day = flow.first_slot(world)
    link = _book(page, rec, base_url, day.isoformat(), english)
    _change_and_cancel(page, rec, link, "2026-12-03", english)
    assert rec.violations == {}
    page.context.close()


def test_other_pages_pass_axe_too(browser: Browser, base_url: str, world: Engine) -> None:
    page = open_page(browser, PHONE, True)
    rec = Recorder(page, "other", axe=True)
    slot_id, day = flow.first_slot(world, day="2026-12-09")
    give_notice(page, base_url, [(NOTICE_NO, BIRTH.isoformat())])
    page.goto(f"{base_url}/p/card_pickup/honcho/{day.isoformat()}?lang=ja")
    page.locator(f"input[value='{slot_id}']").check()
    with world.begin() as conn:  # someone else takes the last seats meanwhile
        conn.execute(text("UPDATE booking.slots SET booked = capacity - held WHERE id = :s"), {"s": slot_id})
    page.get_by_role("button").click()
    expect(page.locator("h1")).to_have_text("その時間は今ちょうど埋まりました")
    rec.shot("just-taken")
    page.goto(f"{base_url}/lookup?lang=ja")
    page.get_by_role("button").click()
    expect(page.locator("#error-summary")).to_be_visible()  # the shot (and axe) is of the errors
    rec.shot("lookup-errors")
    page.goto(f"{base_url}/lookup?lang=en")
    rec.shot("lookup-en")
    page.goto(f"{base_url}/details")
    rec.shot("error-no-hold")
    page.goto(f"{base_url}/p/card_pickup/honcho?m=2027-01")
    rec.shot("calendar-january")
    assert rec.violations == {}
    page.context.close()


def test_the_whole_booking_works_with_the_keyboard_alone(
    browser: Browser, base_url: str, world: Engine
) -> None:
    page = open_page(browser, DESKTOP, True)
    _, day = flow.first_slot(world, day="2026-12-07")
    give_notice(page, base_url, [(NOTICE_NO, BIRTH.isoformat())])
    page.goto(f"{base_url}/p/card_pickup/honcho/{day.isoformat()}?lang=ja")
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()
    page.keyboard.press("Enter")
    radio = page.locator("input[name=slot_id]").first
    radio.focus()
    page.keyboard.press("Space")
    expect(radio).to_be_checked()
    page.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/details(#main)?$"))
    for field, value in (
        ("#name", "藤沢 太郎"),
        ("#name_kana", "フジサワ タロウ"),
        ("#phone", "0466251111"),
    ):
        page.locator(field).focus()
        page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/confirm(#main)?$"))
    page.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/done(#main)?$"))
    expect(page.locator("#booking-no")).to_be_visible()
    page.context.close()
