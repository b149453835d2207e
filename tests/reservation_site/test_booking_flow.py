"""The booking flow through the real app and PostgreSQL (as mynadesk_site): book, change, cancel, errors."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from tests.reservation_site import flow
from tests.reservation_site.conftest import FAMILY_NOTICE_NO


def _reservation(engine: Engine, number: str) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT status, slot_id, party_size, name, notice_no "
                "FROM booking.reservations WHERE booking_no = :n"
            ),
            {"n": number},
        ).one()
    return dict(row._mapping)


def test_pages_are_japanese_by_default_and_english_on_request(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert "マイナンバーカードの受取" in page
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Card pickup" in english
    assert '<html lang="en">' in client.get("/p/card_pickup", follow_redirects=True).get_data(as_text=True)


def test_calendar_marks_days_and_closes_the_jlis_sunday_and_holidays(client: FlaskClient) -> None:
    flow.notice(client, flow.FAMILY[:1])  # a pickup's times come after its notice number
    page = client.get("/p/card_pickup/honcho?m=2026-12").get_data(as_text=True)
    assert "/p/card_pickup/honcho/2026-12-02" in page  # a Wednesday inside the window
    assert "/p/card_pickup/honcho/2026-12-01" not in page  # today: outside the window (from 1 day ahead)
    assert "/p/card_pickup/honcho/2026-12-29" not in page  # 年末年始
    january = client.get("/p/card_pickup/honcho?m=2027-01").get_data(as_text=True)
    assert "/p/card_pickup/honcho/2027-01-11" not in january  # 成人の日 (jpholiday)
    assert "/p/card_pickup/honcho/2027-01-12" in january
    assert "/p/card_pickup/honcho/2026-12-12" in page  # 2nd Saturday open
    assert "/p/card_pickup/honcho/2026-12-19" not in page  # 3rd Saturday closed at the city hall


def test_booking_gives_a_number_and_a_secret_link_that_opens_it(client: FlaskClient, world: Engine) -> None:
    number, link = flow.book(client, world)
    stored = _reservation(world, number)
    assert stored["status"] == "booked"
    assert stored["notice_no"] == "A1B-123456"
    other = client.application.test_client()
    opened = other.get(link)
    assert opened.status_code == 302
    assert number in other.get("/booking").get_data(as_text=True)


def test_wrong_notice_number_is_refused_at_the_first_step_and_keeps_what_was_typed(
    client: FlaskClient, world: Engine
) -> None:
    page = flow.notice(client, [("ZZZ-999999", "1985-04-01")])
    body = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "交付通知書の番号と生年月日が一致しません" in body
    assert 'value="ZZZ-999999"' in body
    assert 'aria-invalid="true"' in body


def test_malformed_fields_get_messages_tied_to_them(client: FlaskClient, world: Engine) -> None:
    slot_id, day = flow.first_slot(world)
    flow.hold(client, slot_id, day)
    page = flow.details(client, name_kana="fujisawa", birth_date="1985-13-45", phone="12")
    body = page.get_data(as_text=True)
    assert page.status_code == 400
    for message in ("カタカナかひらがなで入力してください", "その日付はありません", "電話番号は数字10〜11桁"):
        assert message in body
    assert 'aria-describedby="name_kana-hint name_kana-error"' in body
    malformed = flow.notice(client, [("bad", "1985-04-01")]).get_data(as_text=True)
    assert "A1B-123456 の形" in malformed


def test_repeated_wrong_guesses_are_rate_limited(client: FlaskClient, world: Engine) -> None:
    for index in range(5):  # sequential numbers, one guess each: the address is what gets throttled
        flow.notice(client, [(f"QQQ-11111{index}", "1985-04-01")])
    blocked = flow.notice(client, [flow.FAMILY[0]]).get_data(as_text=True)  # even the right one, for now
    assert "試行回数が多すぎます" in blocked
    with world.begin() as conn:
        conn.execute(text("DELETE FROM booking.rate_events"))
    flow.forgive_notices(world)


def test_family_booking_checks_every_member(client: FlaskClient, world: Engine) -> None:
    wrong = flow.notice(client, [flow.FAMILY[0], (FAMILY_NOTICE_NO, "2015-06-29")])
    assert wrong.status_code == 400
    flow.forgive_notices(world)  # the wrong guess slowed the number down for a few seconds
    slot_id, day = flow.first_slot(world, free=2)
    assert flow.hold(client, slot_id, day, party=2).status_code == 302
    missing = flow.details(client, **{"members-0-name": ""})
    assert missing.status_code == 400
    assert flow.details(client).status_code == 302
    assert flow.confirm(client).status_code == 302
    with world.connect() as conn:
        held = conn.execute(
            text("SELECT booked FROM booking.slots WHERE id = :id"), {"id": slot_id}
        ).scalar_one()
        member = conn.execute(
            text("SELECT name, notice_no FROM booking.reservation_members ORDER BY id DESC LIMIT 1")
        ).one()
    assert held >= 2
    assert tuple(member) == ("藤沢 花子", FAMILY_NOTICE_NO)


def test_change_moves_the_seat_and_cancel_frees_it_after_the_delay(
    client: FlaskClient, world: Engine
) -> None:
    number, link = flow.book(client, world)
    old_slot = _reservation(world, number)["slot_id"]
    client.get(link)
    page = client.get("/booking")
    assert client.post("/booking/change", data={"csrf_token": flow.csrf(page)}).status_code == 302
    new_slot, day = flow.first_slot(world, day="2026-12-03")
    moved = flow.hold(client, new_slot, day, ask_notice=False)
    assert moved.headers["Location"].endswith("/booking/change/confirm")
    confirm_page = client.get("/booking/change/confirm")
    assert client.post("/booking/change/confirm", data=flow.press(confirm_page)).status_code == 302
    assert _reservation(world, number)["slot_id"] == new_slot
    assert "予約を変更しました" in client.get("/booking").get_data(as_text=True)
    cancel_page = client.get("/booking/cancel")
    assert client.post("/booking/cancel", data={"csrf_token": flow.csrf(cancel_page)}).status_code == 302
    assert _reservation(world, number)["status"] == "cancelled"
    with world.connect() as conn:
        _, held = conn.execute(
            text("SELECT booked, held FROM booking.slots WHERE id = :id"), {"id": new_slot}
        ).one()
        assert (
            conn.execute(text("SELECT booked FROM booking.slots WHERE id = :id"), {"id": old_slot}).scalar()
            >= 0
        )
    assert held >= 1  # the cancelled seat waits behind the re-release delay
    with world.connect() as conn:
        actions = conn.execute(
            text(
                "SELECT action FROM booking.access_log a "
                "JOIN booking.reservations r ON r.id = a.reservation_id "
                "WHERE r.booking_no = :n ORDER BY a.id"
            ),
            {"n": number},
        ).scalars()
        assert list(dict.fromkeys(actions)) == ["create", "view", "change", "cancel"]


def test_lookup_by_number_and_phone(client: FlaskClient, world: Engine) -> None:
    number, _ = flow.book(client, world)
    other = client.application.test_client()
    page = other.get("/lookup")
    wrong = other.post(
        "/lookup", data={"csrf_token": flow.csrf(page), "booking_no": number, "phone": "0000000000"}
    )
    assert wrong.status_code == 400
    assert f'value="{number}"' in wrong.get_data(as_text=True)
    with world.begin() as conn:  # as if the number's 2-second wait after a wrong try had passed
        conn.execute(text("DELETE FROM booking.rate_events"))
    sloppy = number.lower().replace("-", " ")
    typed = {"csrf_token": flow.csrf(page), "booking_no": sloppy, "birth_date": "1985/4/1"}
    assert other.post("/lookup", data=typed).status_code == 302
    right = other.post(
        "/lookup", data={"csrf_token": flow.csrf(page), "booking_no": number, "phone": "0466251111"}
    )
    assert right.status_code == 302


def test_tampered_and_oversized_posts_change_nothing(client: FlaskClient, world: Engine) -> None:
    slot_id, day = flow.first_slot(world)
    flow.notice(client, flow.FAMILY[:1])
    url = f"/p/card_pickup/honcho/{day.isoformat()}"
    count = text("SELECT count(*) FROM booking.holds")
    with world.connect() as conn:
        before = conn.execute(count).scalar()
    no_token = client.post(url, data={"slot_id": slot_id, "party_size": 1})
    assert no_token.status_code == 400
    assert "有効期限が切れました" in no_token.get_data(as_text=True)
    page = client.get(url)
    other_procedure, _ = flow.first_slot(world, procedure="cert_renewal")
    tampered = client.post(
        url, data={"csrf_token": flow.csrf(page), "slot_id": other_procedure, "party_size": 1}
    )
    assert tampered.status_code == 400
    too_many = client.post(url, data={"csrf_token": flow.csrf(page), "slot_id": slot_id, "party_size": 99})
    assert too_many.status_code == 400
    huge = client.post(url, data={"csrf_token": flow.csrf(page), "slot_id": slot_id, "x": "a" * 100_000})
    assert huge.status_code == 413
    with world.connect() as conn:
        assert conn.execute(count).scalar() == before


def test_security_headers_and_cookie_flags(client: FlaskClient) -> None:
    response = client.get("/?lang=en")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_an_expired_hold_whose_seat_was_taken_shows_nearby_times_and_keeps_the_details(
    client: FlaskClient, world: Engine
) -> None:
    slot_id, day = flow.first_slot(world, day="2026-12-08")
    flow.hold(client, slot_id, day)
    assert flow.details(client, name="藤沢 三郎").status_code == 302
    with world.begin() as conn:  # the hold ran out and others filled the slot meanwhile
        conn.execute(text("DELETE FROM booking.holds WHERE slot_id = :s"), {"s": slot_id})
        conn.execute(
            text("UPDATE booking.slots SET held = 0, booked = capacity WHERE id = :s"), {"s": slot_id}
        )
    taken = flow.confirm(client)
    assert taken.status_code == 409
    assert "近い時間の空きはこちらです" in taken.get_data(as_text=True)
    nearby = re.findall(r'id="near-0" value="(\d+)"', taken.get_data(as_text=True))[0]
    again = client.post(
        f"/p/card_pickup/honcho/{day.isoformat()}",
        data={"csrf_token": flow.csrf(taken), "slot_id": nearby, "party_size": 1},
    )
    assert again.status_code == 302
    assert 'value="藤沢 三郎"' in client.get("/details").get_data(as_text=True)


def test_a_slot_in_the_past_cannot_be_held(client: FlaskClient, world: Engine) -> None:
    flow.notice(client, flow.FAMILY[:1])  # a pickup's times come after its notice number
    with world.begin() as conn:
        past = conn.execute(
            text(
                "INSERT INTO booking.slots (venue_id, procedure_id, starts_at, ends_at, capacity) "
                "SELECT v.id, p.id, '2026-11-30 10:00+09', '2026-11-30 10:15+09', 3 "
                "FROM booking.venues v, booking.procedures p "
                "WHERE v.code = 'honcho' AND p.code = 'card_pickup' RETURNING id"
            )
        ).scalar_one()
    page = client.get("/p/card_pickup/honcho/2026-11-30")
    assert "この日に予約できる時間はありません" in page.get_data(as_text=True)
    refused = client.post(
        "/p/card_pickup/honcho/2026-11-30",
        data={
            "csrf_token": flow.csrf(client.get("/p/card_pickup/honcho/2026-12-02")),
            "slot_id": past,
            "party_size": 1,
        },
    )
    assert refused.status_code == 400
    assert "過去の時間は予約できません" in refused.get_data(as_text=True)


def test_a_garbled_time_choice_gets_a_translated_message(client: FlaskClient, world: Engine) -> None:
    flow.notice(client, flow.FAMILY[:1])  # a pickup's times come after its notice number
    _, day = flow.first_slot(world)
    url = f"/p/card_pickup/honcho/{day.isoformat()}"
    page = client.get(url)
    refused = client.post(
        url, data={"csrf_token": flow.csrf(page), "slot_id": "1; DROP TABLE", "party_size": "x"}
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "入力内容を確認してください" in body
    assert "Invalid" not in body


def test_the_details_leave_the_cookie_once_booked(client: FlaskClient, world: Engine) -> None:
    flow.book(client, world)
    with client.session_transaction() as cookie:
        assert not {"form", "details", "hold"} & set(cookie.keys())


def test_the_language_switch_keeps_the_month_shown(client: FlaskClient) -> None:
    flow.notice(client, flow.FAMILY[:1])  # a pickup's times come after its notice number
    page = client.get("/p/card_pickup/honcho?m=2027-01").get_data(as_text=True)
    assert 'href="/p/card_pickup/honcho?m=2027-01&amp;lang=en"' in page


def test_lookup_needs_a_birth_date_or_phone(client: FlaskClient) -> None:
    page = client.get("/lookup")
    refused = client.post("/lookup", data={"csrf_token": flow.csrf(page), "booking_no": "ABCD-EFGH"})
    assert refused.status_code == 400
    assert "生年月日か電話番号を入力してください" in refused.get_data(as_text=True)
    assert 'value="ABCD-EFGH"' in refused.get_data(as_text=True)
