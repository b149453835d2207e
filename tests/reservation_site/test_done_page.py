"""Real Chromium: the done page sums up the booking (procedure, venue with address and map link, date, time,
people, what to bring, deadline), shows a QR code of the booking number, prints as a slip without header or
secret link, and gives the session's holder — and nobody else — an .ics with the visit in Japan's time.
The same slip opens again from the manage page. Japanese pages in Japanese only, English in English only."""

from __future__ import annotations

import base64
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import segno
from flask import Flask
from icalendar import Calendar
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, text

from core.domain.booking import TOKYO
from tests.browser import needs_chromium
from tests.reservation_site import flow
from tests.reservation_site.browser import ARTIFACTS, PHONE, axe_violations, give_notice, open_page
from tests.reservation_site.conftest import BIRTH, NOTICE_NO

pytestmark = needs_chromium

LAPTOP = {"width": 1366, "height": 768}
DAY = "2026-12-07"  # a Monday; the fixtures' clock stands at 2026-12-01
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
EXPECTED = {
    "ja": {
        "procedure": "マイナンバーカードの受取",
        "venue": "本庁舎1階 市民窓口センター",
        "address": "藤沢市朝日町1番地の1",
        "date": "2026年12月7日(月)",
        "people": "1名",
        "bring": "交付通知書、本人確認書類、通知カード・住基カード(お持ちの方)",
        "deadline": "12月6日(日) 23:59",
        "calendar": "カレンダーに追加(.ics)",
        "print": "印刷する",
        "foreign": ("Booking number", "Print", "Add to calendar", "Date", "Time", "Please bring"),
    },
    "en": {
        "procedure": "Card pickup",
        "venue": "City Hall 1F, Citizens' Service Center",
        "address": "1-1 Asahi-cho, Fujisawa",
        "date": "Mon 7 Dec 2026",
        "people": "1",
        "bring": "The pickup notice (交付通知書), photo ID, your old notification card if any",
        "deadline": "Sun 6 Dec 23:59",
        "calendar": "Add to calendar (.ics)",
        "print": "Print",
        "foreign": (),
    },
}


def _shoot(page: Page, name: str) -> None:
    """Full-page screenshots at 1366×768 and 390×844 (the page is left at the phone size)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("1366", LAPTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)


def _book(page: Page, base_url: str, slot_id: int, language: str) -> None:
    give_notice(page, base_url, [(NOTICE_NO, BIRTH.isoformat())], language)  # a pickup starts at the notice
    page.goto(f"{base_url}/p/card_pickup/honcho/{DAY}?lang={language}")
    page.locator(f"input[value='{slot_id}']").check()
    page.locator("button[type=submit]").click()
    page.locator("#name").fill("藤沢 太郎")
    page.locator("#name_kana").fill("フジサワ タロウ")
    page.locator("#phone").fill("0466-25-1111")
    page.locator("#email").fill("taro@example.jp")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]").click()  # 予約する / Book
    page.wait_for_url(re.compile(r".*/done$"))


def _slot_times(engine: Engine, slot_id: int) -> tuple[datetime, datetime]:
    with engine.connect() as conn:
        starts, ends = conn.execute(
            text("SELECT starts_at, ends_at FROM booking.slots WHERE id = :s"), {"s": slot_id}
        ).one()
    return starts.astimezone(TOKYO), ends.astimezone(TOKYO)


def _qr_modules(data_uri: str, modules: int) -> list[list[bool]]:
    """The dark modules of a MODULES × MODULES QR code in a PNG data URI (square modules, quiet zone of 2)."""
    assert data_uri.startswith("data:image/png;base64,")
    png = base64.b64decode(data_uri.split(",", 1)[1])
    image = Image.open(io.BytesIO(png)).convert("L")
    border = 2
    scale, rest = divmod(image.size[0], modules + 2 * border)
    assert rest == 0
    assert scale > 0

    def dark(x: int, y: int) -> bool:
        pixel = image.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2))
        return isinstance(pixel, int) and pixel < 128

    return [[dark(x, y) for x in range(modules)] for y in range(modules)]


def _check_summary(page: Page, language: str, starts: datetime, ends: datetime) -> None:
    words = EXPECTED[language]
    expect(page.locator("#slip-procedure")).to_have_text(words["procedure"])
    expect(page.locator("#slip-venue")).to_contain_text(words["venue"])
    expect(page.locator("#slip-address")).to_have_text(words["address"])
    expect(page.locator("#slip-date")).to_have_text(words["date"])
    separator = "〜" if language == "ja" else " to "
    expect(page.locator("#slip-time")).to_have_text(f"{starts:%H:%M}{separator}{ends:%H:%M}")
    expect(page.locator("#slip-people")).to_have_text(words["people"])
    expect(page.locator("#slip-bring")).to_have_text(words["bring"])
    expect(page.locator("#slip-deadline")).to_have_text(words["deadline"])
    link = page.locator("#map-link")
    href = link.get_attribute("href") or ""
    assert urlparse(href).netloc == "www.openstreetmap.org"
    assert parse_qs(urlparse(href).query)["query"] == ["藤沢市朝日町1番地の1"]
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")
    # Nothing of the page comes from elsewhere: no external script, frame or image.
    outside = page.evaluate(
        "() => [...document.querySelectorAll('script[src], iframe, img, link[href]')]"
        ".map(e => e.src || e.href)"
        ".filter(u => u && !u.startsWith(location.origin) && !u.startsWith('data:'))"
    )
    assert outside == []


def _check_one_language(page: Page, language: str) -> None:
    main = page.locator("main").inner_text()
    if language == "en":
        shown = main.replace("(交付通知書)", "")  # the notice's own name, printed on it in Japanese
        assert not JAPANESE.search(shown), JAPANESE.findall(shown)
    for word in EXPECTED[language]["foreign"]:
        assert word not in main, word


def _check_qr(page: Page, number: str) -> None:
    qr = page.locator("#qr")
    expect(qr).to_be_visible()
    assert number in (qr.get_attribute("alt") or "")
    expected = [[bool(m) for m in row] for row in segno.make(number, error="m", micro=False).matrix]
    assert _qr_modules(qr.get_attribute("src") or "", len(expected)) == expected


def _check_print(page: Page, name: str) -> None:
    page.evaluate("() => { window.__printed = false; window.print = () => { window.__printed = true; }; }")
    page.locator("#print-button").click()
    assert page.evaluate("() => window.__printed") is True
    page.emulate_media(media="print")
    for hidden in ("header.top", "footer.foot", "#print-button", "#ics-link", "#map-link"):
        expect(page.locator(hidden)).to_be_hidden()
    if page.locator("#secret-link").count():
        expect(
            page.locator("#secret-link")
        ).to_be_hidden()  # the paper goes to the counter; the link does not
    for shown in ("#booking-no", "#slip-summary", "#qr", "#slip-hint"):
        expect(page.locator(shown)).to_be_visible()
    page.set_viewport_size(LAPTOP)
    page.screenshot(path=str(ARTIFACTS / f"{name}-print.png"), full_page=True)
    page.emulate_media(media="screen")


def _check_ics(page: Page, base_url: str, number: str, starts: datetime, ends: datetime) -> None:
    with page.expect_download() as info:
        page.locator("#ics-link").click()
    raw = Path(info.value.path()).read_text(encoding="utf-8")
    event = next(iter(Calendar.from_ical(raw).walk("VEVENT")))
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert str(start.tzinfo) == "Asia/Tokyo"
    assert start.utcoffset() == timedelta(hours=9)
    assert (start, end) == (starts, ends)
    assert f"DTSTART;TZID=Asia/Tokyo:{starts:%Y%m%dT%H%M%S}" in raw
    assert "BEGIN:VTIMEZONE" in raw
    assert str(event["uid"]) == f"{number}@mynadesk"
    for personal in ("藤沢 太郎", "フジサワ", "0466", "taro@example.jp", NOTICE_NO, BIRTH.isoformat()):
        assert personal not in raw, personal
    response = page.context.request.get(f"{base_url}/booking/calendar.ics")
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_done_page_sums_up_prints_and_adds_to_the_calendar(
    browser: Browser, base_url: str, world: Engine, language: str
) -> None:
    page = open_page(browser, LAPTOP, javascript=True)
    slot_id, _ = flow.first_slot(world, day=DAY)
    starts, ends = _slot_times(world, slot_id)
    _book(page, base_url, slot_id, language)
    number = page.locator("#booking-no").inner_text()
    _check_summary(page, language, starts, ends)
    _check_one_language(page, language)
    _check_qr(page, number)
    expect(page.locator("#print-button")).to_have_text(EXPECTED[language]["print"])
    expect(page.locator("#print-hint")).to_be_hidden()  # with JavaScript the button does it
    expect(page.locator("#ics-link")).to_have_text(EXPECTED[language]["calendar"])
    _shoot(page, f"done-{language}")
    assert axe_violations(page) == []
    _check_print(page, f"done-{language}")
    _check_ics(page, base_url, number, starts, ends)
    page.context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_slip_opens_again_from_the_manage_page(
    browser: Browser, app: Flask, base_url: str, world: Engine, language: str
) -> None:
    client = app.test_client()
    number, link = flow.book(client, world)
    page = open_page(browser, PHONE, javascript=False)
    page.goto(f"{base_url}{link}?lang={language}")
    page.locator("#slip-link").click()
    expect(page.locator("#booking-no")).to_have_text(number)
    expect(page.locator("h1")).to_have_text("予約票" if language == "ja" else "Booking slip")
    expect(page.locator("#secret-link")).to_have_count(0)  # shown once, right after booking
    expect(page.locator("#print-button")).to_be_hidden()  # without JavaScript: the words say how to print
    expect(page.locator("#print-hint")).to_have_text(
        "ブラウザのメニューから印刷できます。"
        if language == "ja"
        else "Use your browser's Print command to print this page."
    )
    _check_one_language(page, language)
    _shoot(page, f"slip-{language}")
    with world.connect() as conn:
        actions = conn.execute(
            text(
                "SELECT a.action FROM booking.access_log a "
                "JOIN booking.reservations r ON r.id = a.reservation_id WHERE r.booking_no = :n ORDER BY a.id"
            ),
            {"n": number},
        ).scalars()
        assert "slip" in list(actions)
    page.context.close()


def test_the_calendar_file_is_only_for_the_bookings_session(
    browser: Browser, app: Flask, base_url: str, world: Engine
) -> None:
    stranger = open_page(browser, PHONE, javascript=True)
    assert stranger.context.request.get(f"{base_url}/booking/calendar.ics").status == 404
    assert stranger.context.request.get(f"{base_url}/booking/slip").status == 404
    stranger.context.close()
    client = app.test_client()
    flow.book(client, world)
    file = client.get("/booking/calendar.ics")
    assert file.status_code == 200
    assert file.headers["Cache-Control"] == "no-store"
    manage = client.get("/booking")
    cancel = client.get("/booking/cancel")
    assert manage.status_code == cancel.status_code == 200
    assert client.post("/booking/cancel", data={"csrf_token": flow.csrf(cancel)}).status_code == 302
    assert client.get("/booking/calendar.ics").status_code == 404  # a cancelled visit has no calendar entry
    assert client.get("/booking/slip").status_code == 404
    assert (
        client.get("/done").headers["Location"].endswith("/booking")
    )  # the manage page says it is cancelled


def test_mails_write_the_visit_like_the_pages(app: Flask, world: Engine) -> None:
    client = app.test_client()
    slot_id, day = flow.first_slot(world, day=DAY)
    starts, _ = _slot_times(world, slot_id)
    assert flow.hold(client, slot_id, day).status_code == 302
    assert flow.details(client).status_code == 302
    assert flow.confirm(client).status_code == 302
    number = re.search(r'id="booking-no">([^<]+)<', client.get("/done").get_data(as_text=True))
    assert number
    with world.connect() as conn:
        body = conn.execute(
            text(
                "SELECT o.body FROM booking.outbox o JOIN booking.reservations r ON r.id = o.reservation_id "
                "WHERE r.booking_no = :n"
            ),
            {"n": number.group(1)},
        ).scalar_one()
    assert f"日時: 2026年12月7日(月) {starts:%H:%M}" in body
    assert f"When: Mon 7 Dec 2026, {starts:%H:%M} (JST)" in body
