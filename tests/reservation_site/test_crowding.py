"""Real Chromium: crowding shown honestly. A day whose every time has one seat left is △ (it was ○ because the
calendar added the seats up), each time on the day page says how full it is in words as well as marks, a
legend explains the marks, the day page compares the same day at the other venues with links, and dates and
deadlines read 2026年12月7日(月) / 12月6日(日) 23:59 (Mon 7 Dec 2026 / Sun 6 Dec 23:59)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, text

from tests.browser import needs_chromium
from tests.reservation_site import flow
from tests.reservation_site.browser import ARTIFACTS, PHONE, axe_violations, open_page

pytestmark = needs_chromium

LAPTOP = {"width": 1366, "height": 768}
# The fixtures' clock stands at Tuesday 2026-12-01; these are days inside the booking window.
ONE_SEAT_DAY = "2026-12-08"  # every honcho time of this day keeps one of its three seats
COMPARED_DAY = "2026-12-09"  # 湘南台 is full this day
VISIT_DAY = "2026-12-07"  # a Monday: its deadline is Sunday 6 December, 23:59

SAME_DAY_SQL = """
    UPDATE booking.slots s SET booked = s.capacity - :left
    FROM booking.venues v, booking.procedures p
    WHERE v.id = s.venue_id AND p.id = s.procedure_id AND v.code = :venue AND p.code = 'cert_renewal'
      AND (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date = CAST(:day AS date)
"""
FREE_TIMES_SQL = """
    SELECT v.code, count(*) FILTER (WHERE s.capacity - s.booked - s.held > 0)
    FROM booking.slots s JOIN booking.venues v ON v.id = s.venue_id
    JOIN booking.procedures p ON p.id = s.procedure_id
    WHERE p.code = 'cert_renewal' AND (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date = CAST(:day AS date)
    GROUP BY v.code
"""


def _shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("1366", LAPTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)


def _leave(world: Engine, venue: str, day: str, seats: int) -> None:
    with world.begin() as conn:
        conn.execute(text(SAME_DAY_SQL), {"venue": venue, "day": day, "left": seats})


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_day_with_one_seat_left_at_every_time_is_few_left(
    browser: Browser, base_url: str, world: Engine, language: str
) -> None:
    _leave(world, "honcho", ONE_SEAT_DAY, 1)
    page = open_page(browser, LAPTOP, javascript=True)
    page.goto(f"{base_url}/p/cert_renewal/honcho?m=2026-12&lang={language}")
    few = page.locator("td", has=page.locator(f"a[href$='/{ONE_SEAT_DAY}']"))
    expect(few).to_have_class(re.compile(r"\bmark-few\b"))
    expect(few).to_contain_text("△")
    expect(few.locator(".sr")).to_have_text("残りわずか" if language == "ja" else "few left")
    untouched = page.locator("td", has=page.locator("a[href$='/2026-12-10']"))
    expect(untouched).to_have_class(re.compile(r"\bmark-free\b"))
    expect(page.locator("#month-title")).to_have_text("2026年12月" if language == "ja" else "December 2026")
    legend = page.locator(".legend")
    expect(legend.locator("h2")).to_have_text("記号の見かた" if language == "ja" else "What the marks mean")
    expect(legend).to_contain_text(
        "残りわずか: 空きが定員の30%以下か、残り1人分の時間"
        if language == "ja"
        else "Few left: a time with at most 30% of its seats or a single seat still free"
    )
    assert axe_violations(page) == []
    _shoot(page, f"crowding-calendar-{language}")

    page.set_viewport_size(LAPTOP)
    few.locator("a").click()
    expect(page.locator("#day-title")).to_have_text(
        "2026年12月8日(火)" if language == "ja" else "Tue 8 Dec 2026"
    )
    labels = page.locator(".slots label")
    assert labels.count() > 0
    for label in labels.all():
        expect(label.locator(".left.few")).to_contain_text("△")
        expect(label.locator(".sr")).to_have_text("残りわずか" if language == "ja" else "few left")
        expect(label).to_contain_text("(残り1)" if language == "ja" else "(1 left)")
    expect(page.locator(".legend")).to_be_visible()
    assert axe_violations(page) == []
    _shoot(page, f"crowding-day-{language}")
    page.context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_day_page_compares_the_other_venues_that_day(
    browser: Browser, base_url: str, world: Engine, language: str
) -> None:
    _leave(world, "shonandai", COMPARED_DAY, 0)
    with world.connect() as conn:
        free = dict(conn.execute(text(FREE_TIMES_SQL), {"day": COMPARED_DAY}).tuples().all())
    assert free["shonandai"] == 0
    assert free["tsujido"] > 0
    page = open_page(browser, LAPTOP, javascript=True)
    page.goto(f"{base_url}/p/cert_renewal/honcho/{COMPARED_DAY}?lang={language}")
    expect(page.locator("#compare-title")).to_have_text(
        "同じ日のほかの場所" if language == "ja" else "Other places on the same day"
    )
    rows = page.locator("#compare tbody tr")
    expect(rows).to_have_count(3)  # every venue offering e-certificate renewal
    unit = "枠" if language == "ja" else ""
    here = rows.filter(has_text="本庁舎" if language == "ja" else "City Hall")
    expect(here).to_contain_text("(表示中)" if language == "ja" else "(shown above)")
    expect(here.locator("a")).to_have_count(0)
    expect(here.locator("td").first).to_have_text(f"{free['honcho']}{unit}")
    full = rows.filter(has_text="湘南台" if language == "ja" else "Shonandai")
    expect(full.locator("td").first).to_have_text(f"0{unit}")
    expect(full.locator("td").last).to_have_text("× 満席" if language == "ja" else "× full")
    expect(full.locator("a")).to_have_count(0)  # nothing to book there
    other = rows.filter(has_text="辻堂" if language == "ja" else "Tsujido")
    expect(other.locator("td").first).to_have_text(f"{free['tsujido']}{unit}")
    assert axe_violations(page) == []
    _shoot(page, f"crowding-compare-{language}")

    page.set_viewport_size(LAPTOP)
    other.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/p/cert_renewal/tsujido/{COMPARED_DAY}$"))
    expect(page.locator("#day-title")).to_have_text(
        "2026年12月9日(水)" if language == "ja" else "Wed 9 Dec 2026"
    )
    back = page.locator("#compare tbody tr").filter(has_text="本庁舎" if language == "ja" else "City Hall")
    expect(back.locator("a")).to_have_attribute("href", f"/p/cert_renewal/honcho/{COMPARED_DAY}")
    page.context.close()


def _book_on(app: Flask, world: Engine, day: str) -> str:
    """Book a honcho time on DAY through the test client; return the secret link's path."""
    client = app.test_client()
    slot_id, visit = flow.first_slot(world, day=day)
    assert flow.hold(client, slot_id, visit).status_code == 302
    assert flow.details(client).status_code == 302
    assert flow.confirm(client).status_code == 302
    return flow.secret_path(client, client.get("/done").get_data(as_text=True))


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_manage_page_writes_the_date_and_the_deadline_in_words(
    browser: Browser, app: Flask, base_url: str, world: Engine, language: str
) -> None:
    link = _book_on(app, world, VISIT_DAY)
    page = open_page(browser, PHONE, javascript=False)
    page.goto(f"{base_url}{link}?lang={language}")
    expect(page.locator("#deadline")).to_have_text(
        "12月6日(日) 23:59" if language == "ja" else "Sun 6 Dec 23:59"
    )
    expect(page.locator(".summary").first).to_contain_text(
        "2026年12月7日(月)" if language == "ja" else "Mon 7 Dec 2026"
    )
    _shoot(page, f"crowding-manage-{language}")
    page.context.close()
