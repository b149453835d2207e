"""Real Chromium on a phone (390×844): a family's details with a 和暦 birth date and hiragana フリガナ; errors
name each field (family members' too) in the page's language only; screenshots go to tests/artifacts/site/."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from tests.browser import needs_chromium
from tests.reservation_site import flow
from tests.reservation_site.browser import PHONE, Recorder, fill_notice, give_notice, open_page
from tests.reservation_site.conftest import FAMILY_NOTICE_NO, NOTICE_NO

pytestmark = needs_chromium

HIRAGANA = re.compile(r"[\u3040-\u309f]")  # every Japanese message has some; English ones quote only katakana
LATIN = re.compile(r"[A-Za-z]")


def _to_details(page: Page, base_url: str, world: Engine, language: str) -> None:
    slot_id, day = flow.first_slot(world, free=2)
    page.goto(f"{base_url}/p/card_pickup/honcho/{day.isoformat()}?lang={language}")
    page.locator(f"input[value='{slot_id}']").check()
    page.get_by_role("button", name=re.compile("この時間で進む|Continue with this time")).click()
    expect(page.locator("#members-0-name")).to_be_visible()


def _fill(page: Page, kana: str, birth: str, member_name: str) -> None:
    page.locator("#name").fill("藤沢 太郎")
    page.locator("#name_kana").fill(kana)
    page.locator("#birth_date").fill(birth)
    page.locator("#phone").fill("0466-25-1111")
    page.locator("#members-0-name").fill(member_name)
    page.get_by_role("button", name=re.compile("確認へ進む|Continue")).click()


def _error_texts(page: Page) -> str:
    expect(page.locator("#error-summary")).to_be_visible()
    return "\n".join(page.locator("#error-summary li, p.error").all_inner_texts())


def _birth_field_is_typable_on_a_keypad(page: Page) -> None:
    birth = page.locator("#birth_date")
    assert birth.get_attribute("inputmode") == "numeric"
    assert (birth.get_attribute("aria-describedby") or "").split() == ["birth_date-hint", "birth_date-error"]
    assert birth.get_attribute("aria-invalid") == "true"


def test_japanese_page_on_a_phone_speaks_japanese_only(
    browser: Browser, base_url: str, world: Engine
) -> None:
    page = open_page(browser, PHONE, javascript=True)
    rec = Recorder(page, "entry-ja", axe=True)
    give_notice(page, base_url, [(NOTICE_NO, "昭和60年4月1日"), ("", "2023年2月29日")], "ja")
    notice_errors = _error_texts(page)
    rec.shot("notice-errors")
    assert "2人目 交付通知書の番号: 入力してください" in notice_errors
    assert "2人目 生年月日: その日付はありません" in notice_errors
    assert not LATIN.search(notice_errors), notice_errors
    fill_notice(page, [(NOTICE_NO, "昭和60年4月1日"), (FAMILY_NOTICE_NO, "平成27年6月30日")])
    expect(page.locator("#holding")).to_contain_text("本庁舎")
    _to_details(page, base_url, world, "ja")
    _fill(page, kana="ふじさわ たろう", birth="平成31年5月1日", member_name="")
    errors = _error_texts(page)
    rec.shot("details-errors")
    assert "生年月日: 元号と年が合いません" in errors
    assert "2人目 氏名: 入力してください" in errors
    assert not LATIN.search(errors), errors
    assert page.locator("#birth_date").input_value() == "平成31年5月1日"  # kept as typed
    _birth_field_is_typable_on_a_keypad(page)
    page.locator("#birth_date").fill("")
    page.locator("#birth_date").type("19850401")  # what a numeric keypad can type
    _fill(page, "ふじさわ たろう", "19850401", "藤沢 花子")
    expect(page.locator("h1")).to_have_text("予約内容の確認")
    expect(page.locator("main")).to_contain_text("フジサワ\u3000タロウ")
    expect(page.locator("main")).to_contain_text(f"藤沢 花子 (通知書番号 {FAMILY_NOTICE_NO})")
    rec.shot("confirm")
    assert rec.violations == {}
    page.context.close()


def test_english_page_on_a_phone_without_javascript_speaks_english_only(
    browser: Browser, base_url: str, world: Engine
) -> None:
    page = open_page(browser, PHONE, javascript=False)
    rec = Recorder(page, "entry-en", axe=False)
    give_notice(page, base_url, [(NOTICE_NO, "1985/4/1"), ("", "1" * 300)], "en")
    notice_errors = _error_texts(page)
    assert "Person 2 Number on the pickup notice (交付通知書): This is required" in notice_errors
    assert "Person 2 Date of birth: Enter your date of birth as 8 digits" in notice_errors
    assert not HIRAGANA.search(notice_errors), notice_errors
    fill_notice(page, [(NOTICE_NO, "1985/4/1"), (FAMILY_NOTICE_NO, "20150630")])
    _to_details(page, base_url, world, "en")
    _fill(page, kana="fujisawa", birth="2027-01-01", member_name="")
    errors = _error_texts(page)
    rec.shot("details-errors")
    assert "Date of birth: This date is after today" in errors
    assert "Person 2 Name: This is required" in errors
    assert not HIRAGANA.search(errors), errors
    _birth_field_is_typable_on_a_keypad(page)
    _fill(page, "フジサワ タロウ", "1985/4/1", "Hanako Fujisawa")
    expect(page.locator("h1")).to_have_text("Check your booking")
    rec.shot("confirm")
    page.context.close()
