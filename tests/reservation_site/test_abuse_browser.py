"""Issue 13, findings 4, 5, 7 and 8 in real Chromium: what a resident sees after others attacked their notice
number or booking number (a wait of seconds, said in the page's language, never a lock), what a hoarding
script's browser sees, and the mailed link opening the booking."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from core.clock import fixed_clock
from core.config import Settings
from core.services.outbox import send_due
from reservation_site import create_app
from tests.browser import needs_chromium, serve
from tests.reservation_site import flow
from tests.reservation_site.browser import PHONE, Recorder, give_notice, open_page
from tests.reservation_site.conftest import BIRTH, NOTICE_NO, NOW
from tests.reservation_site.test_mail import Inbox, _config, _free_port

pytestmark = needs_chromium
WIDE = {"width": 1366, "height": 768}


def _waited(world: Engine) -> None:
    with world.begin() as conn:
        conn.execute(
            text("UPDATE booking.notice_attempts SET last_failed_at = last_failed_at - interval '2 hours'")
        )


@pytest.fixture
def forgiving(world: Engine) -> Iterator[None]:
    yield
    with world.begin() as conn:
        conn.execute(text("DELETE FROM booking.rate_events"))
    flow.forgive_notices(world)


@pytest.mark.parametrize(("viewport", "language"), [(WIDE, "ja"), (PHONE, "en")])
def test_after_an_attack_on_their_number_the_holder_sees_a_short_wait_then_books(
    browser: Browser,
    base_url: str,
    app: Flask,
    world: Engine,
    forgiving: None,
    viewport: dict[str, int],
    language: str,
) -> None:
    for index in range(5):  # others, from five addresses, try birth dates for the holder's number
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"198.51.100.{index + 1}"
        _waited(world)  # each attacker waited out the one before
        assert flow.notice(attacker, [(NOTICE_NO, f"19{70 + index}-02-02")]).status_code == 400
    page = open_page(browser, viewport, javascript=True)
    rec = Recorder(page, f"abuse-notice-wait-{language}-{viewport['width']}", axe=True)
    give_notice(page, base_url, [(NOTICE_NO, BIRTH.isoformat())], language)
    summary = page.locator(".error-summary, [role=alert]").first
    if language == "ja":
        expect(summary).to_contain_text(re.compile(r"\d+秒後にもう一度お試しください"))
        expect(page.locator("body")).not_to_contain_text("Please try again")
    else:
        expect(summary).to_contain_text(re.compile(r"Please try again in \d+ s\."))
        expect(page.locator("body")).not_to_contain_text("秒後")
    rec.shot("wait")
    _waited(world)  # the holder tries again after the wait
    page.locator("form[method=post] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/p/card_pickup(\?|$)"))
    rec.shot("venues")
    assert rec.violations == {}
    page.context.close()


def test_a_booking_number_guessed_from_elsewhere_makes_the_lookup_wait_a_few_seconds(
    browser: Browser, base_url: str, app: Flask, world: Engine, forgiving: None
) -> None:
    number, _ = flow.book(app.test_client(), world)
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "198.51.100.70"
    page = guesser.get("/lookup")
    wrong = {"csrf_token": flow.csrf(page), "booking_no": number, "birth_date": "1960-01-01"}
    assert guesser.post("/lookup", data=wrong).status_code == 400
    page = open_page(browser, WIDE, javascript=True)
    rec = Recorder(page, "abuse-lookup-wait", axe=True)
    page.goto(f"{base_url}/lookup?lang=ja")
    page.locator("#booking_no").fill(number)
    page.locator("#birth_date").fill(BIRTH.isoformat())
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator("body")).to_contain_text(
        re.compile(r"この予約番号は直前に誤った内容で試されました。\d秒後")
    )
    rec.shot("wait")
    with world.begin() as conn:  # two seconds later (the site's clock is fixed in these tests)
        conn.execute(text("DELETE FROM booking.rate_events"))
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator("body")).to_contain_text(number)
    rec.shot("found")
    assert rec.violations == {}
    page.context.close()


@pytest.fixture
def capped_url(world: Engine, site_engine: Engine) -> Iterator[str]:
    """The site with its default hold caps, served for the browser."""
    settings = Settings.from_env({"MYNADESK_DATA_DIR": "/nonexistent"})
    config = {"SECRET_KEY": "x", "RULES_CACHE_SECONDS": 0, "AVAILABILITY_CACHE_SECONDS": 0}
    with serve(create_app(config, engine=site_engine, settings=settings, clock=fixed_clock(NOW))) as url:
        yield url
    with world.begin() as conn:
        conn.execute(text("DELETE FROM booking.rate_events"))
        conn.execute(text("DELETE FROM booking.holds"))
        conn.execute(text("UPDATE booking.slots SET held = 0"))


def test_a_browser_that_already_holds_many_times_is_told_to_wait(
    browser: Browser, capped_url: str, world: Engine
) -> None:
    page = open_page(browser, PHONE, javascript=False)
    rec = Recorder(page, "abuse-hold-cap", axe=False)
    statuses = []
    for _ in range(6):  # a script that drops its cookie after every hold
        page.context.clear_cookies()
        slot_id, day = flow.first_slot(world, "cert_renewal")
        page.goto(f"{capped_url}/p/cert_renewal/honcho/{day.isoformat()}?lang=ja")
        page.locator(f"input[name=slot_id][value='{slot_id}']").check(force=True)
        with page.expect_response(re.compile(r"/p/cert_renewal/honcho/")) as answer:
            page.locator("form[method=post] button[type=submit]").click()
        statuses.append(answer.value.status)
    assert statuses == [302] * 5 + [429]
    expect(page.locator("body")).to_contain_text("試行回数が多すぎます")
    rec.shot("refused")
    page.context.close()


def test_the_mailed_link_made_at_send_time_opens_the_booking_in_the_browser(
    browser: Browser, base_url: str, app: Flask, world: Engine, app_engine: Engine
) -> None:
    with world.begin() as conn:
        conn.execute(text("UPDATE booking.outbox SET sent_at = now()"))
    number, _ = flow.book(app.test_client(), world)
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        send_due(sessionmaker(app_engine), _config(port), NOW + timedelta(minutes=1), limit=20)
    finally:
        controller.stop()
    message = email.message_from_bytes(inbox.messages[-1].as_bytes())
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    mailed = re.search(
        r"https://yoyaku\.city\.example(/m/[A-Za-z0-9_-]+)", body.get_payload(decode=True).decode()
    )
    assert mailed is not None
    page = open_page(browser, WIDE, javascript=True)
    rec = Recorder(page, "abuse-mailed-link", axe=True)
    page.goto(f"{base_url}{mailed.group(1)}")
    expect(page.locator("body")).to_contain_text(number)
    rec.shot("booking")
    assert rec.violations == {}
    page.context.close()
