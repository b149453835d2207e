"""Idempotent bookings (issue 15, item 6): the confirmation page carries a random key made when it is
rendered, and the same press of 予約する sent again — a retry after a failover or a timeout, a double
click, a second tab, two requests at the same instant — gets the one booking it made (same number, same
secret link, one confirmation mail), never a second booking or an error. A garbled key is refused with the
form kept. Real PostgreSQL as the site's role; real Chromium for the double click and the lost answer."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from core.services import booking, booking_keys
from core.services.slots import load_rules
from tests.reservation_site import flow
from tests.reservation_site.browser import ARTIFACTS, PHONE, open_page
from tests.reservation_site.conftest import NOW

LAPTOP = {"width": 1366, "height": 768}
NUMBER = re.compile(r'id="booking-no">([^<]+)<')
browser_only = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium is missing")


def _bookings(engine: Engine, phone: str) -> list[tuple[str, str]]:
    """(booking number, status) of every booking made with PHONE, and their confirmation mails."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT booking_no, status FROM booking.reservations WHERE phone = :p ORDER BY id"),
            {"p": phone},
        ).all()
    return [(str(number), str(status)) for number, status in rows]


def _mails(engine: Engine, phone: str, kind: str = "confirmation") -> int:
    query = (
        "SELECT count(*) FROM booking.outbox o JOIN booking.reservations r ON r.id = o.reservation_id "
        "WHERE r.phone = :p AND o.kind = :k"
    )
    with engine.connect() as conn:
        return int(conn.execute(text(query), {"p": phone, "k": kind}).scalar_one())


def _to_confirm(client: FlaskClient, world: Engine, phone: str) -> TestResponse:
    """A hold of a certificate renewal and the details typed; the confirmation page."""
    slot_id, day = flow.first_slot(world, "cert_renewal")
    assert flow.hold(client, slot_id, day, procedure="cert_renewal").status_code == 302
    assert flow.details(client, phone=phone).status_code == 302
    page = client.get("/confirm")
    assert page.status_code == 200
    return page


def _flow_row(app: Flask, client: FlaskClient) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return hashlib.sha256(cookie.value.encode()).hexdigest()


def _saved_flow(world: Engine, row: str) -> str:
    with world.connect() as conn:
        found = conn.execute(text("SELECT data FROM booking.flow_states WHERE id_hash = :h"), {"h": row})
        return str(found.scalar_one())


def _lose_the_answer(world: Engine, row: str, before: str) -> None:
    """What a failover between the booking's commit and the answer leaves: the booking is in the database,
    but the flow was never told (its state is as before the press)."""
    with world.begin() as conn:
        restore = text("UPDATE booking.flow_states SET data = :d WHERE id_hash = :h")
        conn.execute(restore, {"d": before, "h": row})


def _done_number(client: FlaskClient) -> str:
    page = client.get("/done")
    assert page.status_code == 200
    found = NUMBER.search(page.get_data(as_text=True))
    assert found
    return found.group(1)


def test_the_same_press_sent_again_after_a_lost_answer_shows_the_same_booking(
    app: Flask, client: FlaskClient, world: Engine
) -> None:
    phone = "0466-71-0001"
    page = _to_confirm(client, world, phone)
    row = _flow_row(app, client)
    before = _saved_flow(world, row)
    pressed = flow.press(page)
    assert client.post("/confirm", data=pressed).status_code == 302
    first_number = _done_number(client)
    first_link = flow.secret_path(client, client.get("/done").get_data(as_text=True))
    _lose_the_answer(world, row, before)  # the hold is back in the flow, but already used in the database
    again = client.post("/confirm", data=pressed)
    assert again.status_code == 302
    assert again.headers["Location"].endswith("/done")
    assert _done_number(client) == first_number
    assert flow.secret_path(client, client.get("/done").get_data(as_text=True)) == first_link
    # and once the flow knows the booking, the same press (a second tab) still leads to it
    assert client.post("/confirm", data=pressed).headers["Location"].endswith("/done")
    assert _bookings(world, phone) == [(first_number, "booked")]
    assert _mails(world, phone) == 1
    with world.connect() as conn:
        actions = conn.execute(
            text(
                "SELECT action FROM booking.access_log a "
                "JOIN booking.reservations r ON r.id = a.reservation_id WHERE r.phone = :p ORDER BY a.id"
            ),
            {"p": phone},
        ).scalars()
        assert [a for a in actions if a in ("create", "replay")] == ["create", "replay"]
    assert flow.secret_path(client, client.get("/done").get_data(as_text=True)) == first_link
    opened = app.test_client().get(first_link)  # the link shown after the replay opens the booking
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith("/booking")


def test_two_presses_at_the_same_instant_make_one_booking(
    app: Flask, client: FlaskClient, world: Engine
) -> None:
    phone = "0466-71-0002"
    pressed = flow.press(_to_confirm(client, world, phone))
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    twin = app.test_client()
    twin.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
    answers: dict[str, TestResponse] = {}
    threads = [
        threading.Thread(target=lambda c=c, n=n: answers.__setitem__(n, c.post("/confirm", data=pressed)))
        for n, c in (("one", client), ("two", twin))
    ]
    with _slow_database(world, phone):  # both presses wait behind the person's lock, then go at once
        for thread in threads:
            thread.start()
        _wait_for_waiters(world, 2)
    for thread in threads:
        thread.join(timeout=30)
    assert {name: answer.status_code for name, answer in answers.items()} == {"one": 302, "two": 302}
    assert _done_number(client) == _done_number(twin)
    assert _bookings(world, phone) == [(_done_number(client), "booked")]
    assert _mails(world, phone) == 1


@contextmanager
def _slow_database(world: Engine, phone: str) -> Iterator[Connection]:
    """The person's booking lock held by the test (a transaction's lock: given back whatever happens), so that
    presses wait in the database as during a failover; yields the connection holding it."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    with world.connect() as gate, gate.begin():
        gate.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"contact:{digits}"})
        yield gate


def _wait_for_waiters(world: Engine, count: int) -> None:
    """Until COUNT transactions wait for an advisory lock (the two presses behind the test's lock)."""
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    deadline = time.monotonic() + 20
    with world.connect() as conn:
        while conn.execute(query).scalar_one() < count:
            assert time.monotonic() < deadline, "the two presses never reached the booking"
            time.sleep(0.05)
            conn.rollback()


@pytest.mark.parametrize(("phone", "key"), [("0466-71-0010", "short"), ("0466-71-0011", "x" * 31 + "!")])
def test_a_garbled_key_is_refused_with_the_form_kept(
    client: FlaskClient, world: Engine, phone: str, key: str
) -> None:
    page = _to_confirm(client, world, phone)
    refused = client.post("/confirm", data={"csrf_token": flow.csrf(page), "key": key})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "予約の送信内容が正しくありませんでした" in html
    assert "フジサワ" in html  # the details are still there, to press again
    assert booking_keys.is_valid_key(flow.key(refused))  # a fresh key for the next press
    assert _bookings(world, phone) == []
    assert client.post("/confirm", data=flow.press(refused)).status_code == 302
    assert len(_bookings(world, phone)) == 1


def test_a_press_without_a_key_books_nothing(client: FlaskClient, world: Engine) -> None:
    phone = "0466-71-0004"
    page = _to_confirm(client, world, phone)
    refused = client.post("/confirm", data={"csrf_token": flow.csrf(page)})
    assert refused.status_code == 400
    assert "予約の送信内容が正しくありませんでした" in refused.get_data(as_text=True)
    assert _bookings(world, phone) == []


def test_a_key_used_from_another_hold_books_nothing(app: Flask, world: Engine) -> None:
    first, other = app.test_client(), app.test_client()
    pressed = flow.press(_to_confirm(first, world, "0466-71-0005"))
    assert first.post("/confirm", data=pressed).status_code == 302
    page = _to_confirm(other, world, "0466-71-0006")
    stolen = other.post("/confirm", data={"csrf_token": flow.csrf(page), "key": pressed["key"]})
    assert stolen.status_code == 409  # nothing of the first booking is shown
    assert "0466-71-0005" not in stolen.get_data(as_text=True)
    assert _bookings(world, "0466-71-0006") == []


def test_the_site_role_adds_keys_but_cannot_read_them(site_engine: Engine, world: Engine) -> None:
    with site_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("SELECT key_hash FROM booking.booking_keys"))
    with site_engine.connect() as conn:  # a key alone, without its hold, answers nothing
        with world.connect() as owner:
            known = owner.execute(text("SELECT key_hash FROM booking.booking_keys LIMIT 1")).scalar_one()
        found = conn.execute(text("SELECT booking.keyed_booking(:k, :t)"), {"k": known, "t": "0" * 64})
        assert found.scalar_one() is None


def test_the_service_books_once_per_key_in_two_transactions(world: Engine) -> None:
    details = booking.Details("鍵 太郎", "カギ タロウ", "0466-71-0007", None, None)
    key = booking_keys.new_key()
    slot_id, _ = flow.first_slot(world, "cert_renewal")
    with Session(world) as s, s.begin():
        rules = load_rules(s)
        ticket = booking.hold_seats(s, slot_id, 1, NOW, rules)
        made = booking_keys.book_once(s, key, ticket, details, NOW, rules)
        first = (made.replayed, made.reservation.id, made.secret)
    with Session(world) as s, s.begin():
        again = booking_keys.book_once(s, key, ticket, details, NOW, rules)
        assert (again.replayed, again.reservation.id, again.secret) == (True, *first[1:])
    assert first[0] is False
    with Session(world) as s, s.begin(), pytest.raises(booking_keys.BadKey):
        booking_keys.book_once(s, "not a key", ticket, details, NOW, rules)
    assert len(_bookings(world, "0466-71-0007")) == 1


def test_the_same_change_sent_again_changes_once(app: Flask, client: FlaskClient, world: Engine) -> None:
    number, link = flow.book(client, world)
    client.get(link)
    page = client.get("/booking")
    assert client.post("/booking/change", data={"csrf_token": flow.csrf(page)}).status_code == 302
    new_slot, day = flow.first_slot(world, day="2026-12-04")
    assert flow.hold(client, new_slot, day, ask_notice=False).status_code == 302
    confirm_page = client.get("/booking/change/confirm")
    row = _flow_row(app, client)
    before = _saved_flow(world, row)
    pressed = flow.press(confirm_page)
    assert client.post("/booking/change/confirm", data=pressed).status_code == 302
    _lose_the_answer(world, row, before)  # the hold is used, the flow does not know
    again = client.post("/booking/change/confirm", data=pressed)
    assert again.status_code == 302
    assert again.headers["Location"].endswith("/booking")
    second_tab = client.post("/booking/change/confirm", data=pressed)  # the flow knows: the same answer
    assert second_tab.headers["Location"].endswith("/booking")
    assert "予約を変更しました" in client.get("/booking").get_data(as_text=True)
    with world.connect() as conn:
        moved = conn.execute(
            text(
                "SELECT r.slot_id, (SELECT count(*) FROM booking.outbox o "
                "WHERE o.reservation_id = r.id AND o.kind = 'change') "
                "FROM booking.reservations r WHERE r.booking_no = :n"
            ),
            {"n": number},
        ).one()
    assert tuple(moved) == (new_slot, 1)


# Real Chromium --------------------------------------------------------------------------------------------


def _browser_to_confirm(page: Page, base_url: str, world: Engine, phone: str) -> None:
    slot_id, day = flow.first_slot(world, "cert_renewal")
    page.goto(f"{base_url}/p/cert_renewal/honcho/{day.isoformat()}")
    page.locator(f"input[name=slot_id][value='{slot_id}']").check()
    page.get_by_role("button", name="この時間で進む").click()
    page.locator("#name").fill("藤沢 太郎")
    page.locator("#name_kana").fill("フジサワ タロウ")
    page.locator("#birth_date").fill("19850401")
    page.locator("#phone").fill(phone)
    page.get_by_role("button", name="確認へ進む").click()
    expect(page.get_by_role("button", name="予約する")).to_be_visible()


def _shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("1366", LAPTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"idempotent-{name}-{label}.png"), full_page=True)


@browser_only
def test_book_pressed_twice_while_the_site_is_slow_in_chromium_makes_one_booking(
    browser: Browser, base_url: str, world: Engine
) -> None:
    phone = "0466-71-0101"
    page = open_page(browser, LAPTOP, javascript=True)
    _browser_to_confirm(page, base_url, world, phone)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    box = page.get_by_role("button", name="予約する").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with _slow_database(world, phone):  # a failover under way: the first press waits …
        page.mouse.click(x, y)
        _wait_for_waiters(world, 1)
        page.mouse.click(x, y)  # … and the resident presses again on the page still shown
        _wait_for_waiters(world, 2)
    expect(page).to_have_url(re.compile(r".*/done$"))  # the second press's answer (the first was dropped)
    expect(page.locator("#booking-no")).to_be_visible()
    assert len(posts) == 2, posts  # both presses reached the site
    assert _bookings(world, phone) == [(page.locator("#booking-no").inner_text(), "booked")]
    _shoot(page, "done-after-double-press")


@browser_only
def test_book_pressed_again_after_a_lost_answer_in_chromium_shows_the_one_booking(
    app: Flask, browser: Browser, base_url: str, world: Engine
) -> None:
    phone = "0466-71-0102"
    page = open_page(browser, LAPTOP, javascript=True)
    _browser_to_confirm(page, base_url, world, phone)
    cookie = next(c for c in page.context.cookies() if c["name"] == app.config["SESSION_COOKIE_NAME"])
    row = hashlib.sha256(cookie["value"].encode()).hexdigest()
    before = _saved_flow(world, row)
    lost: list[int] = []

    def failover(route: Route) -> None:
        if route.request.method != "POST" or lost:
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)  # the site books and commits …
        lost.append(answer.status)
        _lose_the_answer(world, row, before)  # … and the answer and the flow's update are lost:
        route.fulfill(status=504, body="Gateway Timeout")  # the proxy in front gave up waiting

    page.route("**/confirm", failover)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_role("button", name="予約する").click()
    expect(page.locator("body")).to_have_text("Gateway Timeout")
    assert lost == [302]
    assert len(_bookings(world, phone)) == 1
    page.reload()  # the browser sends the same press again
    page.wait_for_url(re.compile(r".*/done$"))
    assert len(posts) == 2, posts  # the reload sent the press (with its key) again
    number = page.locator("#booking-no").inner_text()
    assert _bookings(world, phone) == [(number, "booked")]
    page.reload()  # the done page itself, reloaded
    expect(page.locator("#booking-no")).to_have_text(number)
    _shoot(page, "done-after-replay")
    link = page.locator("#secret-link").get_attribute("href") or ""
    page.goto(link)  # the link shown after the replay opens the booking
    expect(page.locator("h1")).to_have_text("ご予約の内容")
    assert _bookings(world, phone) == [(number, "booked")]
