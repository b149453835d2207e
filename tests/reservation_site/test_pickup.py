"""Items 2 and 3 of issue 12: a pickup starts with every person's 交付通知書 number (with a picture of
where it is printed), is offered only at the venue keeping the card (or under the city's transfer rule),
collects each family member's name, and the change page shows venue, date and time and people, old and
new. The site learns where a card waits only through booking.notice_ask/notice_answer (real Chromium,
Japanese and English, both screens)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from tests.browser import needs_chromium
from tests.reservation_site import flow
from tests.reservation_site.browser import PHONE, Recorder, fill_notice, open_page
from tests.reservation_site.conftest import (
    BIRTH,
    FAMILY_BIRTH,
    FAMILY_NOTICE_NO,
    NOTICE_NO,
    SHONANDAI_BIRTH,
    SHONANDAI_CHILD_BIRTH,
    SHONANDAI_CHILD_NOTICE_NO,
    SHONANDAI_NOTICE_NO,
)

pytestmark = needs_chromium
WIDE = {"width": 1366, "height": 768}
SHONANDAI = (SHONANDAI_NOTICE_NO, SHONANDAI_BIRTH.isoformat())


@pytest.fixture
def transfer_days(world: Engine) -> Iterator[None]:
    """The city lets pickups be booked at other venues from 7 days ahead."""
    with world.begin() as conn:
        conn.execute(text("UPDATE booking.rules SET pickup_transfer_days = 7"))
    yield
    with world.begin() as conn:
        conn.execute(text("UPDATE booking.rules SET pickup_transfer_days = DEFAULT"))


def test_the_notice_number_comes_first_with_a_picture_and_only_the_holding_venue_follows(
    browser: Browser, base_url: str, world: Engine
) -> None:
    page = open_page(browser, WIDE, javascript=True)
    rec = Recorder(page, "pickup-ja-wide", axe=True)
    page.goto(f"{base_url}/?lang=ja")
    page.get_by_role("link", name="マイナンバーカードの受取").click()
    expect(page.locator("h1")).to_have_text("交付通知書の番号を入力してください")
    picture = page.locator("figure.notice-figure img")
    expect(picture).to_have_attribute("src", "/static/notice-sample.svg")
    # the picture really loads (a broken image has naturalWidth 0); on a loaded machine it may still be coming
    page.wait_for_function("document.querySelector('figure.notice-figure img').naturalWidth > 0")
    expect(page.locator("figcaption")).to_contain_text("右上、赤い枠の位置")
    rec.shot("notice")
    fill_notice(page, [SHONANDAI])
    expect(page.locator("#holding")).to_have_text(
        "カードは湘南台市民センターで保管しています。受取の予約はこちらでできます。"
    )
    venues = page.locator("li.card h2").all_inner_texts()
    assert venues == ["湘南台市民センター"]  # not 本庁, 辻堂 or 片瀬
    rec.shot("venues-holding-only")
    page.get_by_role("link", name="湘南台市民センター").click()
    expect(page.locator("#party-line")).to_have_text("人数: 1人")
    assert rec.violations == {}
    page.context.close()


def test_a_pickup_away_from_the_card_cannot_be_opened_or_held(client: FlaskClient, world: Engine) -> None:
    assert flow.notice(client, [SHONANDAI]).status_code == 302
    slot_id, day = flow.first_slot(world, "card_pickup", "honcho")
    assert client.get("/p/card_pickup/honcho").status_code == 404
    page = client.get(f"/p/card_pickup/shonandai/{day.isoformat()}")
    refused = client.post(
        f"/p/card_pickup/honcho/{day.isoformat()}",
        data={"csrf_token": flow.csrf(page), "slot_id": slot_id, "party_size": 1},
    )
    assert refused.status_code == 404
    with world.connect() as conn:
        assert (
            conn.execute(text("SELECT held FROM booking.slots WHERE id = :s"), {"s": slot_id}).scalar() == 0
        )


def test_a_family_whose_cards_wait_at_a_one_seat_venue_is_told_to_book_one_by_one(
    browser: Browser, base_url: str, world: Engine
) -> None:
    page = open_page(browser, PHONE, javascript=True)
    rec = Recorder(page, "pickup-ja-phone-family", axe=True)
    page.goto(f"{base_url}/p/card_pickup/notice?n=2&lang=ja")
    fill_notice(page, [SHONANDAI, (SHONANDAI_CHILD_NOTICE_NO, SHONANDAI_CHILD_BIRTH.isoformat())])
    card = page.locator("li.card", has_text="湘南台市民センター")
    expect(card).to_contain_text("2人では予約できません")
    expect(card).to_contain_text("お一人ずつ分けて予約してください")
    assert card.get_by_role("link").count() == 0
    rec.shot("family-one-seat")
    page.goto(f"{base_url}/p/card_pickup/notice?n=2&lang=ja")
    fill_notice(page, [SHONANDAI, (FAMILY_NOTICE_NO, FAMILY_BIRTH.isoformat())])  # cards at two places
    expect(page.locator("#error-summary")).to_contain_text("ご家族のカードが別々の場所で保管されています")
    rec.shot("family-split")
    assert rec.violations == {}
    page.context.close()


def test_the_citys_transfer_rule_opens_other_venues_from_its_lead_time(
    client: FlaskClient, world: Engine, transfer_days: None
) -> None:
    assert flow.notice(client, [SHONANDAI]).status_code == 302
    venues = client.get("/p/card_pickup").get_data(as_text=True)
    assert "/p/card_pickup/honcho" in venues
    assert "/p/card_pickup/shonandai" in venues
    december = client.get("/p/card_pickup/honcho?m=2026-12").get_data(as_text=True)
    assert "/p/card_pickup/honcho/2026-12-07" not in december  # 6 days ahead: the card is not there yet
    assert "/p/card_pickup/honcho/2026-12-08" in december
    assert "/p/card_pickup/shonandai/2026-12-02" in client.get("/p/card_pickup/shonandai?m=2026-12").get_data(
        as_text=True
    )


def test_a_family_pickup_in_english_names_everyone_and_the_change_shows_old_and_new(
    browser: Browser, base_url: str, world: Engine
) -> None:
    page = open_page(browser, PHONE, javascript=False)
    rec = Recorder(page, "pickup-en-phone", axe=False)
    page.goto(f"{base_url}/p/card_pickup/notice?n=2&lang=en")
    expect(page.locator("figcaption")).to_contain_text("top right of the notice")
    rec.shot("notice-2")
    fill_notice(page, [(NOTICE_NO, BIRTH.isoformat()), (FAMILY_NOTICE_NO, "2015/6/30")])
    expect(page.locator("#holding")).to_contain_text("Your card is kept at City Hall 1F")
    page.get_by_role("link", name="City Hall", exact=False).click()
    _, day = flow.first_slot(world, free=2, day="2026-12-14")
    page.locator(f"a[href*='/{day.isoformat()}']").click()
    page.locator("input[name=slot_id]").first.check()
    page.get_by_role("button", name="Continue with this time").click()
    expect(page.locator("#notices")).to_contain_text(NOTICE_NO)
    expect(page.locator("legend")).to_contain_text(f"Person 2 (notice {FAMILY_NOTICE_NO})")
    page.locator("#name").fill("Taro Fujisawa")
    page.locator("#name_kana").fill("フジサワ タロウ")
    page.locator("#phone").fill("0466-25-1111")
    page.locator("#members-0-name").fill("Hanako Fujisawa")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text(f"Hanako Fujisawa (notice {FAMILY_NOTICE_NO})")
    rec.shot("confirm-family")
    page.get_by_role("button", name="Book").click()
    number = page.locator("#booking-no").inner_text()
    with world.connect() as conn:
        members = conn.execute(
            text(
                "SELECT m.name, m.notice_no FROM booking.reservation_members m "
                "JOIN booking.reservations r ON r.id = m.reservation_id WHERE r.booking_no = :n"
            ),
            {"n": number},
        ).all()
    assert [tuple(m) for m in members] == [("Hanako Fujisawa", FAMILY_NOTICE_NO)]
    page.goto(page.locator("#secret-link").get_attribute("href") or "")
    page.get_by_role("button", name="Change the date or time").click()
    assert page.locator("li.card h2").all_inner_texts() == ["City Hall 1F, Citizens' Service Center"]
    expect(page.locator("#party-fixed")).to_have_text("People: 2 people")
    page.get_by_role("link", name="City Hall", exact=False).click()
    page.locator("a[href*='/2026-12-15']").click()
    page.locator("input[name=slot_id]").nth(1).check()
    page.get_by_role("button", name="Continue with this time").click()
    table = page.locator("#change-table")
    rows = [re.sub(r"\s+", " ", r) for r in table.locator("tbody tr").all_inner_texts()]
    assert rows[0].startswith("Place City Hall 1F")
    assert "Mon 14 Dec 2026" in rows[1]
    assert "Tue 15 Dec 2026" in rows[1]
    assert rows[2] == "People 2 people 2 people"
    rec.shot("change-old-and-new")
    page.get_by_role("button", name="Change").click()
    expect(page.locator(".success")).to_contain_text("changed")
    page.context.close()


def test_the_site_role_learns_only_venue_and_readiness_and_the_app_role_cannot_ask(
    site_engine: Engine, app_engine: Engine, world: Engine
) -> None:
    def ask(number: str, birth: object) -> list[object]:
        with site_engine.begin() as conn:
            ticket = conn.execute(
                text("SELECT ticket FROM booking.notice_ask(:n, :b)"), {"n": number, "b": birth}
            )
            key = ticket.scalar()
        with site_engine.begin() as conn:
            rows = conn.execute(text("SELECT * FROM booking.notice_answer(:t)"), {"t": key})
            assert list(rows.keys()) == ["found", "venue_id", "ready"]
            return list(rows.one())

    with site_engine.connect() as conn:
        shonandai = conn.execute(text("SELECT id FROM booking.venues WHERE code = 'shonandai'")).scalar()
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text("SELECT office FROM cards.cards"))
    assert ask(SHONANDAI_NOTICE_NO, SHONANDAI_BIRTH) == [True, shonandai, True]
    assert ask(SHONANDAI_NOTICE_NO, BIRTH) == [False, None, False]
    flow.forgive_notices(world)
    for role in (site_engine, app_engine):  # the old, uncounted door is closed to both
        with role.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text("SELECT * FROM booking.notice_venue('A1B-123456', '1985-04-01')"))
    with world.connect() as conn:
        definer, config = conn.execute(
            text(
                "SELECT prosecdef, proconfig FROM pg_proc "
                "WHERE oid = 'booking.notice_ask(text, date)'::regprocedure"
            )
        ).one()
    assert definer is True
    assert config == ["search_path=pg_catalog, pg_temp"]
