"""Item 1 of issue 12: a family at a one-seat venue no longer gets a false "just taken". The party size
is asked before the times, capped at the venue's largest slot, and only times that can seat it are offered;
a party that cannot fit is told so (real Chromium, Japanese and English, 1366×768 and 390×844)."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from core.domain.booking import SlotTaken
from core.domain.parties import PartyTooLarge
from core.services import booking
from core.services.slots import load_rules
from tests.browser import needs_chromium
from tests.reservation_site import flow
from tests.reservation_site.browser import PHONE, Recorder, open_page
from tests.reservation_site.conftest import NOW

pytestmark = needs_chromium
WIDE = {"width": 1366, "height": 768}


def test_one_seat_venues_offer_no_family_booking_on_a_wide_japanese_screen(
    browser: Browser, base_url: str, world: Engine
) -> None:
    page = open_page(browser, WIDE, javascript=True)
    rec = Recorder(page, "party-ja-wide", axe=True)
    page.goto(f"{base_url}/p/cert_renewal?lang=ja")
    page.locator("#n").select_option("2")
    page.get_by_role("button", name="この人数で表示").click()
    rec.shot("venues-for-2")
    shonandai = page.locator("li.card", has_text="湘南台市民センター")
    expect(shonandai).to_contain_text("1回の予約で1人まで")
    expect(shonandai).to_contain_text("この場所は1回の予約で1人までのため、2人では予約できません。")
    assert shonandai.get_by_role("link").count() == 0  # no way into a calendar that cannot seat two
    page.get_by_role("link", name="本庁舎1階", exact=False).click()
    expect(page.locator("#party-line")).to_have_text("人数: 2人")
    page.goto(f"{base_url}/p/cert_renewal/shonandai/{flow.first_slot(world, 'cert_renewal', 'shonandai')[1]}")
    expect(page.locator("#party-line")).to_have_text("人数: 1人")  # no choice of 2, 3 or 4 at one seat
    assert page.locator("select#n").count() == 0
    rec.shot("one-seat-day")
    assert rec.violations == {}
    page.context.close()


def test_only_times_that_can_seat_the_party_are_offered_on_an_english_phone(
    browser: Browser, base_url: str, world: Engine
) -> None:
    slot_id, day = flow.first_slot(world, "cert_renewal", "honcho", free=3)
    with world.begin() as conn:  # two of this time's three seats are booked: it cannot seat a family of two
        conn.execute(text("UPDATE booking.slots SET booked = booked + 2 WHERE id = :s"), {"s": slot_id})
    page = open_page(browser, PHONE, javascript=True)
    rec = Recorder(page, "party-en-phone", axe=True)
    page.goto(f"{base_url}/p/cert_renewal/honcho/{day.isoformat()}?lang=en")
    assert page.locator("select#n option").all_inner_texts() == ["1 person", "2 people", "3 people"]
    expect(page.locator(f"input[value='{slot_id}']")).to_be_visible()  # one seat left: fine for one
    page.locator("#n").select_option("2")
    page.get_by_role("button", name="Show for this number").click()
    rec.shot("times-for-2")
    expect(page.locator("main")).to_contain_text("Only times with room for 2 are shown.")
    expect(page.locator(f"input[value='{slot_id}']")).to_have_count(0)
    page.locator("input[name=slot_id]").first.check()
    page.get_by_role("button", name="Continue with this time").click()
    expect(page.locator("h1")).to_have_text("Your details")
    expect(page.locator("#members-0-name")).to_be_visible()  # the second person's name is asked
    rec.shot("details-for-2")
    assert rec.violations == {}
    page.context.close()


def test_a_party_too_big_for_a_one_seat_time_is_told_so_not_that_it_was_just_taken(
    client: FlaskClient, world: Engine
) -> None:
    slot_id, day = flow.first_slot(world, "cert_renewal", "shonandai")
    url = f"/p/cert_renewal/shonandai/{day.isoformat()}"
    page = client.get(url)
    refused = client.post(url, data={"csrf_token": flow.csrf(page), "slot_id": slot_id, "party_size": 2})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "この場所ではその人数で予約できません" in body
    assert "今ちょうど埋まりました" not in body
    assert "近い時間" not in body
    with world.connect() as conn:
        assert (
            conn.execute(text("SELECT held FROM booking.slots WHERE id = :s"), {"s": slot_id}).scalar() == 0
        )


def test_the_seat_service_refuses_a_party_larger_than_the_slot_as_too_large(world: Engine) -> None:
    slot_id, _ = flow.first_slot(world, "cert_renewal", "tsujido")
    with Session(world) as s, s.begin():
        rules = load_rules(s)
        with pytest.raises(PartyTooLarge, match="1回1人まで") as refused:
            booking.hold_seats(s, slot_id, 2, NOW, rules)
        assert not isinstance(refused.value, SlotTaken)
        s.rollback()


def test_the_calendar_marks_a_day_full_for_a_party_no_time_can_seat(
    client: FlaskClient, world: Engine
) -> None:
    _, day = flow.first_slot(world, "cert_renewal", "honcho", day="2026-12-10")
    with world.begin() as conn:  # every time that day has one seat left
        conn.execute(
            text(
                "UPDATE booking.slots s SET booked = s.capacity - s.held - 1 FROM booking.procedures p, "
                "booking.venues v WHERE p.id = s.procedure_id AND v.id = s.venue_id "
                "AND p.code = 'cert_renewal' AND v.code = 'honcho' "
                "AND (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date = :d"
            ),
            {"d": day},
        )
    link = f"/p/cert_renewal/honcho/{day.isoformat()}"
    assert link in client.get("/p/cert_renewal/honcho?m=2026-12").get_data(as_text=True)
    for_two = client.get("/p/cert_renewal/honcho?m=2026-12&n=2").get_data(as_text=True)
    assert f"{link}?n=2" not in for_two
    assert re.search(r'/p/cert_renewal/honcho/2026-12-11\?n=2"', for_two)
