"""Attacks of issue 13 on the reservation site, replayed through HTTP (Flask's test client): a change into
another procedure's or venue's slot (finding 2), one hold booked several times by replaying the cookie (9),
off-site language links (11), a secret link that follows the Host header (15), and odd input that used to end
in a 500 with the SQL parameters in the error log (16)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.test import TestResponse

from core.services import booking as service
from tests.reservation_site import flow
from tests.reservation_site.conftest import SHONANDAI_BIRTH, SHONANDAI_NOTICE_NO

SWITCH = re.compile(r'<a href="([^"]*)" lang="(ja|en)" hreflang')
NAME, PHONE = "記録 検査子", "0466-77-4321"  # a resident no log line may ever name


def _booked(world: Engine, phone: str) -> list[tuple[str, str, str]]:
    """(procedure, venue, status) of every booking made with PHONE."""
    query = """
        SELECT p.code, v.code, r.status FROM booking.reservations r
        JOIN booking.slots s ON s.id = r.slot_id JOIN booking.venues v ON v.id = s.venue_id
        JOIN booking.procedures p ON p.id = s.procedure_id WHERE r.phone = :phone ORDER BY r.id
    """
    with world.connect() as conn:
        return [tuple(row) for row in conn.execute(text(query), {"phone": phone})]


def _book(client: FlaskClient, world: Engine, procedure: str, phone: str) -> None:
    """A whole booking of PROCEDURE at 本庁 by PHONE, then its page opened through the secret link."""
    slot_id, day = flow.first_slot(world, procedure)
    assert flow.hold(client, slot_id, day, procedure=procedure).status_code == 302
    assert flow.details(client, phone=phone).status_code == 302
    assert flow.confirm(client).status_code == 302
    link = flow.secret_path(client, client.get("/done").get_data(as_text=True))
    assert client.get(link).status_code == 302


def _start_change(client: FlaskClient) -> None:
    page = client.get("/booking")
    assert client.post("/booking/change", data={"csrf_token": flow.csrf(page)}).status_code == 302


def _hold_on_day_page(
    client: FlaskClient, procedure: str, venue: str, slot_id: int, day: str
) -> TestResponse:
    url = f"/p/{procedure}/{venue}/{day}"
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": flow.csrf(page), "slot_id": slot_id, "party_size": 1})


# Finding 2 -------------------------------------------------------------------------------------------------


def test_a_change_cannot_move_a_booking_into_a_pickup_slot(client: FlaskClient, world: Engine) -> None:
    phone = "0466-70-0002"
    _book(client, world, "cert_renewal", phone)
    _start_change(client)
    # The attack: a pickup's notice step with someone's valid numbers, then a pickup time, during the change.
    assert flow.notice(client, flow.FAMILY[:1]).status_code == 302
    slot_id, day = flow.first_slot(world, "card_pickup")
    refused = _hold_on_day_page(client, "card_pickup", "honcho", slot_id, day.isoformat())
    assert refused.status_code == 400
    assert "この手続き・場所では予約できません" in refused.get_data(as_text=True)
    assert _booked(world, phone) == [("cert_renewal", "honcho", "booked")]


def test_a_hold_made_before_the_change_started_cannot_carry_the_booking_elsewhere(
    client: FlaskClient, world: Engine
) -> None:
    phone = "0466-70-0003"
    _book(client, world, "cert_renewal", phone)
    # A pickup time held as a new booking, then the change started with that hold still in the cookie.
    slot_id, day = flow.first_slot(world, "card_pickup")
    assert flow.hold(client, slot_id, day).status_code == 302
    _start_change(client)
    page = client.get("/booking/change/confirm")
    assert page.status_code == 200
    refused = client.post("/booking/change/confirm", data=flow.press(page))
    assert refused.status_code == 409
    assert _booked(world, phone) == [("cert_renewal", "honcho", "booked")]


def test_a_pickup_change_stays_where_the_card_is_kept(client: FlaskClient, world: Engine) -> None:
    phone = "0466-70-0004"
    _book(client, world, "card_pickup", phone)  # the card of NOTICE_NO waits at 本庁
    _start_change(client)
    # Someone else's card kept at 湘南台 opens that venue in the cookie; the booking's own card does not.
    assert flow.notice(client, [(SHONANDAI_NOTICE_NO, SHONANDAI_BIRTH.isoformat())]).status_code == 302
    slot_id, day = flow.first_slot(world, "card_pickup", "shonandai")
    refused = _hold_on_day_page(client, "card_pickup", "shonandai", slot_id, day.isoformat())
    assert refused.status_code == 400
    assert _booked(world, phone) == [("card_pickup", "honcho", "booked")]


def test_a_change_within_the_rules_still_moves_the_booking(client: FlaskClient, world: Engine) -> None:
    phone = "0466-70-0005"
    _book(client, world, "card_pickup", phone)
    _start_change(client)
    first, _ = flow.first_slot(world)
    slot_id, day = _other_slot(world, first)
    assert _hold_on_day_page(client, "card_pickup", "honcho", slot_id, day).status_code == 302
    page = client.get("/booking/change/confirm")
    assert client.post("/booking/change/confirm", data=flow.press(page)).status_code == 302
    with world.connect() as conn:
        moved = conn.execute(text("SELECT slot_id FROM booking.reservations WHERE phone = :p"), {"p": phone})
        assert moved.scalar_one() == slot_id


def _other_slot(world: Engine, not_this: int) -> tuple[int, str]:
    query = """
        SELECT s.id, (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date FROM booking.slots s
        JOIN booking.procedures p ON p.id = s.procedure_id JOIN booking.venues v ON v.id = s.venue_id
        WHERE p.code = 'card_pickup' AND v.code = 'honcho' AND s.booked + s.held < s.capacity
          AND s.starts_at > '2026-12-03' AND s.id <> :s ORDER BY s.starts_at LIMIT 1
    """
    with world.connect() as conn:
        row = conn.execute(text(query), {"s": not_this}).one()
    return int(row[0]), row[1].isoformat()


# Finding 9 -------------------------------------------------------------------------------------------------


def test_replaying_the_cookie_from_before_the_confirmation_books_only_once(
    client: FlaskClient, world: Engine
) -> None:
    phone = "0466-70-0009"
    slot_id, day = flow.first_slot(world, "cert_renewal", free=3)  # room for every replay
    assert flow.hold(client, slot_id, day, procedure="cert_renewal").status_code == 302
    assert flow.details(client, phone=phone).status_code == 302
    page = client.get("/confirm")
    token, cookie = flow.csrf(page), client.get_cookie("booking")
    assert cookie is not None
    assert client.post("/confirm", data=flow.press(page)).status_code == 302
    for _ in range(2):
        client.set_cookie("booking", cookie.value)
        replay = client.post("/confirm", data={"csrf_token": token})  # an attempt of its own (no key)
        # the flow state is on the server (finding 10): the copied cookie's flow ended with the booking,
        # so the replay has no hold left (400); a hold replayed otherwise is refused by used_holds (409)
        assert replay.status_code in (400, 409)
    assert _booked(world, phone) == [("cert_renewal", "honcho", "booked")]


def test_the_database_refuses_a_hold_used_twice(world: Engine) -> None:
    insert = text(
        "INSERT INTO booking.used_holds (token_hash, reservation_id, used_at) "
        "SELECT :t, min(id), now() FROM booking.reservations"
    )
    with world.connect() as conn, conn.begin():
        conn.execute(insert, {"t": "f" * 64})
        with pytest.raises(IntegrityError):
            conn.execute(insert, {"t": "f" * 64})
        conn.rollback()


# Findings 11 and 15 ----------------------------------------------------------------------------------------


def _switch_links(page: TestResponse) -> dict[str, str]:
    return {code: href for href, code in SWITCH.findall(page.get_data(as_text=True))}


def test_the_language_links_of_a_404_page_stay_on_the_site(client: FlaskClient) -> None:
    page = client.get("/%5Cevil.example/")
    assert page.status_code == 404
    links = _switch_links(page)
    assert set(links) == {"ja", "en"}
    for href in links.values():
        # As a browser reads it: a backslash is a slash, so "/\\evil.example/" would be another site.
        resolved = urlsplit(urljoin("http://localhost/%5Cevil.example/", href.replace("\\", "/")))
        assert resolved.netloc == "localhost", href
    assert links["en"] == "/?lang=en"


def test_the_language_links_keep_the_page_and_take_no_url_options_from_the_query(client: FlaskClient) -> None:
    links = _switch_links(client.get("/p/cert_renewal/honcho?m=2026-12&n=1"))
    links = {code: href.replace("&amp;", "&") for code, href in links.items()}
    assert links["en"] == "/p/cert_renewal/honcho?m=2026-12&n=1&lang=en"
    links = _switch_links(client.get("/?_external=1&_scheme=https", headers={"Host": "evil.example"}))
    assert links["en"] == "/?lang=en"


def test_the_secret_link_uses_the_configured_address_not_the_host_header(
    client: FlaskClient, world: Engine
) -> None:
    slot_id, day = flow.first_slot(world, "cert_renewal")
    assert flow.hold(client, slot_id, day, procedure="cert_renewal").status_code == 302
    assert flow.details(client, phone="0466-70-0015").status_code == 302
    assert flow.confirm(client).status_code == 302
    cookie = client.get_cookie("booking")
    assert cookie is not None
    client.set_cookie("booking", cookie.value, domain="evil.example")  # as a browser would send it there
    done = client.get("/done", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in done
    base = client.application.config["SITE_BASE_URL"]
    assert re.search(rf'id="secret-link" href="{re.escape(base)}/m/[^"]+"', done)


# Finding 16 ------------------------------------------------------------------------------------------------


@pytest.fixture
def logs(app: Flask, caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at any level, with errors handled as in production (logged, a 500 page, no raise)."""
    caplog.set_level(logging.DEBUG)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        yield caplog
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(caplog.handler.format(record) for record in caplog.records)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/p/cert_renewal/honcho?m=9999-12", 200),
        ("/p/cert_renewal/honcho?m=0001-01", 200),
        ("/p/card%00pickup/notice", 404),
        ("/p/cert_renewal/hon%00cho", 404),
        ("/lookup?x=%00", 400),
    ],
)
def test_odd_addresses_get_a_page_not_a_server_error(
    client: FlaskClient, world: Engine, logs: pytest.LogCaptureFixture, url: str, status: int
) -> None:
    assert client.get(url).status_code == status
    assert "Exception" not in _logged(logs)


def test_a_calendar_month_out_of_range_shows_this_month(client: FlaskClient, world: Engine) -> None:
    page = client.get("/p/cert_renewal/honcho?m=9999-12").get_data(as_text=True)
    assert "2026年12月" in page or "2026年 12月" in page or "2026-12" in page


def test_a_slot_id_beyond_any_integer_is_refused_as_no_such_time(
    client: FlaskClient, world: Engine, logs: pytest.LogCaptureFixture
) -> None:
    _, day = flow.first_slot(world, "cert_renewal")
    refused = _hold_on_day_page(client, "cert_renewal", "honcho", 2**70, day.isoformat())
    assert refused.status_code == 400
    assert "時間を選んでください" in refused.get_data(as_text=True)
    assert "Exception" not in _logged(logs)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_nul_in_the_name_or_phone_is_refused_with_what_was_typed_kept(
    client: FlaskClient, world: Engine, logs: pytest.LogCaptureFixture, lang: str
) -> None:
    client.get(f"/?lang={lang}")
    slot_id, day = flow.first_slot(world, "cert_renewal")
    assert flow.hold(client, slot_id, day, procedure="cert_renewal").status_code == 302
    refused = flow.details(client, name="記録\x00検査子", phone="0466-77\x00-4321")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    expected = "入力できない文字" if lang == "ja" else "a character that cannot be used"
    assert html.count(expected) >= 2  # by each field (and in the summary)
    assert 'value="記録\ufffd検査子"' in html
    assert 'value="0466-77\ufffd-4321"' in html
    assert client.get("/confirm").status_code == 400  # nothing stored: no details to confirm
    assert "4321" not in _logged(logs)
    assert "検査子" not in _logged(logs)


def test_a_booking_leaves_no_name_or_phone_in_any_log(
    client: FlaskClient, world: Engine, logs: pytest.LogCaptureFixture
) -> None:
    slot_id, day = flow.first_slot(world, "cert_renewal")
    assert flow.hold(client, slot_id, day, procedure="cert_renewal").status_code == 302
    assert flow.details(client, name=NAME, phone=PHONE, email="kiroku@example.jp").status_code == 302
    assert flow.confirm(client).status_code == 302
    assert client.get("/done").status_code == 200
    logged = _logged(logs)
    for secret in (NAME, PHONE, "0466774321", "kiroku@example.jp"):
        assert secret not in logged


def test_a_database_error_during_a_booking_logs_no_sql_parameters(
    client: FlaskClient, world: Engine, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with world.connect() as conn:
        taken = conn.execute(text("SELECT booking_no FROM booking.reservations LIMIT 1")).scalar_one()
    slot_id, day = flow.first_slot(world, "cert_renewal")
    assert flow.hold(client, slot_id, day, procedure="cert_renewal").status_code == 302
    assert flow.details(client, name=NAME, phone=PHONE, email="kiroku@example.jp").status_code == 302
    monkeypatch.setattr(service, "new_booking_no", lambda: taken)  # the INSERT fails on the unique number
    page = client.get("/confirm")
    failed = client.post("/confirm", data=flow.press(page))
    assert failed.status_code == 500
    assert "もう一度お試しください" in failed.get_data(as_text=True)
    logged = _logged(logs)
    assert "IntegrityError" in logged  # the error is logged, by its kind
    for secret in (NAME, PHONE, "kiroku@example.jp", "1985-04-01", taken):
        assert secret not in logged


def test_the_engines_hide_sql_parameters_in_their_errors(site_engine: Engine) -> None:
    with site_engine.connect() as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(text("SELECT CAST(:v AS text)"), {"v": f"{NAME}\x00{PHONE}"})
    assert NAME not in str(refused.value)
    assert PHONE not in str(refused.value)
