"""Issue 13's site findings in real Chromium: the 404 page's language links stay on the site (11), the secret
link is on the configured address whatever name the browser used (15), and a control character in the name is
refused with what was typed kept (16). Screenshots go to tests/artifacts/site/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from tests.browser import needs_chromium
from tests.reservation_site import flow
from tests.reservation_site.browser import ARTIFACTS, PHONE, open_page

pytestmark = needs_chromium
LAPTOP = {"width": 1366, "height": 768}
VIEWPORTS = {"phone": PHONE, "laptop": LAPTOP}


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"hardening-{name}.png"), full_page=True)


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_language_links_of_a_404_page_lead_back_to_the_site(
    browser: Browser, base_url: str, size: str
) -> None:
    page = open_page(browser, VIEWPORTS[size], javascript=True)
    page.goto(f"{base_url}/%5Cevil.example/")
    expect(page.locator("h1")).to_have_text("エラー")
    _shot(page, f"404-{size}")
    for code in ("ja", "en"):
        resolved = page.locator(f"a[hreflang={code}]").evaluate("a => a.href")  # as Chromium resolves it
        assert resolved == f"{base_url}/?lang={code}"
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.startswith(base_url)


def _book_up_to_details(page: Page, site: str, world: Engine) -> None:
    slot_id, day = flow.first_slot(world, "cert_renewal")
    page.goto(f"{site}/p/cert_renewal/honcho/{day.isoformat()}")
    page.locator(f"input[name=slot_id][value='{slot_id}']").check()
    page.get_by_role("button", name="この時間で進む").click()
    page.locator("#name").fill("藤沢 太郎")
    page.locator("#name_kana").fill("フジサワ タロウ")
    page.locator("#birth_date").fill("19850401")
    page.locator("#phone").fill("0466-25-1111")


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_secret_link_is_on_the_configured_address_whatever_host_the_browser_used(
    browser: Browser, base_url: str, world: Engine, size: str
) -> None:
    page = open_page(browser, VIEWPORTS[size], javascript=True)
    other_name = base_url.replace("127.0.0.1", "localhost")  # the same server under a name not configured
    _book_up_to_details(page, other_name, world)
    page.get_by_role("button", name="確認へ進む").click()
    page.get_by_role("button", name="予約する").click()
    link = page.locator("#secret-link")
    expect(link).to_be_visible()
    _shot(page, f"done-{size}")
    href = link.get_attribute("href") or ""
    assert href.startswith(f"{base_url}/m/"), href
    page.goto(href)
    expect(page.locator("h1")).to_have_text("ご予約の内容")


@pytest.mark.parametrize("size", VIEWPORTS)
def test_a_control_character_in_the_name_is_refused_and_what_was_typed_stays(
    browser: Browser, base_url: str, world: Engine, size: str
) -> None:
    page = open_page(browser, VIEWPORTS[size], javascript=True)
    _book_up_to_details(page, base_url, world)
    page.locator("#name").fill("藤沢\x1b太郎")
    page.get_by_role("button", name="確認へ進む").click()
    expect(page.locator("#name-error")).to_contain_text("入力できない文字")
    expect(page.locator("#error-summary")).to_contain_text("氏名")
    expect(page.locator("#name")).to_have_value("藤沢\ufffd太郎")
    _shot(page, f"control-character-{size}")
    page.locator("#name").fill("藤沢 太郎")
    page.get_by_role("button", name="確認へ進む").click()
    expect(page.locator("h1")).to_have_text("予約内容の確認")
