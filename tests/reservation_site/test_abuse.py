"""Issue 13, findings 4, 5, 7 and 8, performed against the real site (Flask test client, the site's own
database role): locking a resident out of pickup booking, hoarding seats, the mailed secret kept in the
outbox, and guessing a booking's birth date from several addresses."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from core.config import Settings
from core.services import ratelimit
from core.services.outbox import send_due
from reservation_site import create_app
from tests.reservation_site import flow
from tests.reservation_site.conftest import BIRTH, NOTICE_NO, NOW
from tests.reservation_site.test_mail import Inbox, _config, _free_port

WAIT = re.compile(r"(\d+)秒後にもう一度お試しください")


class MovingClock:
    """A clock the test moves forward."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def port() -> int:
    return _free_port()


@pytest.fixture
def smtp(port: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


@pytest.fixture
def strict_app(world: Engine, site_engine: Engine, clock: MovingClock) -> Iterator[Flask]:
    """The site with its default abuse limits (the shared fixture lifts them for the flows)."""
    settings = Settings.from_env({"MYNADESK_DATA_DIR": "/nonexistent"})
    config = {"SECRET_KEY": "x", "RULES_CACHE_SECONDS": 0, "AVAILABILITY_CACHE_SECONDS": 0}
    yield create_app(config, engine=site_engine, settings=settings, clock=clock)
    with world.begin() as conn:
        conn.execute(text("DELETE FROM booking.rate_events"))
        conn.execute(text("DELETE FROM booking.holds"))
        conn.execute(text("UPDATE booking.slots SET held = 0"))
    flow.forgive_notices(world)


def _from(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _waited(world: Engine) -> None:
    """As if everyone had waited out the number's delay (the database counts on its own clock)."""
    with world.begin() as conn:
        conn.execute(
            text("UPDATE booking.notice_attempts SET last_failed_at = last_failed_at - interval '2 hours'")
        )


def _held(world: Engine) -> int:
    with world.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(sum(held), 0) FROM booking.slots")).scalar_one())


# Finding 4 -------------------------------------------------------------------------------------------------


def test_wrong_birth_dates_from_many_addresses_only_slow_the_number_and_the_holder_still_books(
    strict_app: Flask, world: Engine
) -> None:
    for index in range(5):  # five addresses, one wrong birth date each, for someone else's number
        attacker = _from(strict_app, f"198.51.100.{index + 1}")
        assert flow.notice(attacker, [(NOTICE_NO, f"19{60 + index}-01-01")]).status_code == 400
        _waited(world)
    with world.connect() as conn:
        alert = conn.execute(
            text("SELECT detail FROM booking.access_log WHERE action = 'notice_attack'")
        ).scalar()
    assert alert == f"{NOTICE_NO}: 5"  # staff are told (copied into the audit log as site_notice_attack)

    attacker = _from(strict_app, "198.51.100.9")
    assert flow.notice(attacker, [(NOTICE_NO, "1970-01-01")]).status_code == 400  # the 6th failure: 64 s
    holder = _from(strict_app, "203.0.113.5")
    paused = flow.notice(holder, [(NOTICE_NO, BIRTH.isoformat())])
    assert paused.status_code == 400
    page = paused.get_data(as_text=True)
    wait = WAIT.search(page)
    assert wait is not None, page
    assert 0 < int(wait.group(1)) <= 64
    assert "試行回数が多すぎます" not in page  # not locked: a wait of seconds, said as such

    _waited(world)  # a minute later, the holder's right answer goes through
    assert flow.notice(holder, [(NOTICE_NO, BIRTH.isoformat())]).status_code == 302
    slot_id, day = flow.first_slot(world)
    assert flow.hold(holder, slot_id, day, ask_notice=False).status_code == 302


def test_one_address_trying_sequential_numbers_is_throttled_but_the_holder_elsewhere_is_not(
    strict_app: Flask, world: Engine
) -> None:
    attacker = _from(strict_app, "198.51.100.20")
    for index in range(5):
        assert flow.notice(attacker, [(f"A1B-12346{index}", BIRTH.isoformat())]).status_code == 400
    blocked = flow.notice(attacker, [(NOTICE_NO, BIRTH.isoformat())])
    assert "試行回数が多すぎます" in blocked.get_data(as_text=True)
    holder = _from(strict_app, "203.0.113.6")
    assert flow.notice(holder, [(NOTICE_NO, BIRTH.isoformat())]).status_code == 302


def test_the_wait_is_said_in_english_on_english_pages(strict_app: Flask, world: Engine) -> None:
    visitor = _from(strict_app, "203.0.113.7")
    visitor.get("/?lang=en")
    assert flow.notice(visitor, [(NOTICE_NO, "1999-09-09")]).status_code == 400
    page = flow.notice(visitor, [(NOTICE_NO, BIRTH.isoformat())]).get_data(as_text=True)
    assert re.search(r"Please try again in \d+ s\.", page), page
    assert "秒後" not in page


# Finding 5 -------------------------------------------------------------------------------------------------


def test_a_pickup_time_cannot_be_held_without_a_checked_notice(strict_app: Flask, world: Engine) -> None:
    hoarder = _from(strict_app, "198.51.100.30")
    slot_id, day = flow.first_slot(world)
    token = flow.csrf(hoarder.get("/lookup"))  # a valid form token of this session, but no notice checked
    before = _held(world)
    for _ in range(5):
        refused = hoarder.post(
            f"/p/card_pickup/honcho/{day.isoformat()}",
            data={"csrf_token": token, "slot_id": slot_id, "party_size": 1},
        )
        assert refused.status_code == 404
    assert _held(world) == before


def test_one_address_can_hold_only_a_few_times_at_once(strict_app: Flask, world: Engine) -> None:
    limit = int(strict_app.config["HOLDS_PER_IP_AT_ONCE"])
    before = _held(world)
    answers = []
    for _ in range(limit + 3):  # a script with a fresh cookie for every hold, from one address
        hoarder = _from(strict_app, "198.51.100.31")
        slot_id, day = flow.first_slot(world, "cert_renewal")
        answers.append(flow.hold(hoarder, slot_id, day, procedure="cert_renewal").status_code)
    assert answers == [302] * limit + [429] * 3
    assert _held(world) == before + limit


def test_every_refusal_by_a_rate_limit_is_counted_for_the_admins_storm_alert(
    strict_app: Flask, world: Engine
) -> None:
    """Each 429 leaves one event in the shared refusal bucket (nothing about the client), which the console
    counts for its storm alert (tests/console/test_security_alerts.py)."""
    refused = text("SELECT count(*) FROM booking.rate_events WHERE bucket = :key")
    with world.connect() as conn:
        before = conn.execute(refused, {"key": ratelimit.REFUSED}).scalar_one()
    limit = int(strict_app.config["HOLDS_PER_IP_AT_ONCE"])
    answers = []
    for _ in range(limit + 4):
        hoarder = _from(strict_app, "198.51.100.32")
        slot_id, day = flow.first_slot(world, "cert_renewal")
        answers.append(flow.hold(hoarder, slot_id, day, procedure="cert_renewal").status_code)
    assert answers.count(429) == 4
    with world.connect() as conn:
        assert conn.execute(refused, {"key": ratelimit.REFUSED}).scalar_one() == before + 4


def test_one_notice_number_can_hold_only_a_few_times_at_once(strict_app: Flask, world: Engine) -> None:
    limit = int(strict_app.config["HOLDS_PER_NOTICE_AT_ONCE"])
    before = _held(world)
    answers = []
    for index in range(limit + 2):  # the same notice number from ever new addresses
        hoarder = _from(strict_app, f"198.51.100.{40 + index}")
        slot_id, day = flow.first_slot(world)
        answers.append(flow.hold(hoarder, slot_id, day).status_code)
    assert answers == [302] * limit + [429] * 2
    assert _held(world) == before + limit


def test_holds_are_allowed_again_once_the_hold_time_has_passed(
    strict_app: Flask, world: Engine, clock: MovingClock
) -> None:
    limit = int(strict_app.config["HOLDS_PER_IP_AT_ONCE"])

    def hold() -> int:
        slot_id, day = flow.first_slot(world, "cert_renewal")
        return flow.hold(
            _from(strict_app, "198.51.100.50"), slot_id, day, procedure="cert_renewal"
        ).status_code

    assert [hold() for _ in range(limit + 1)] == [302] * limit + [429]
    clock.moment = NOW + timedelta(minutes=11)
    assert hold() == 302


def test_holds_that_became_bookings_no_longer_count_as_held(strict_app: Flask, world: Engine) -> None:
    resident = _from(strict_app, "203.0.113.40")  # one family booking its pickups one after another
    limit = int(strict_app.config["HOLDS_PER_IP_AT_ONCE"])
    numbers = [flow.book(resident, world)[0] for _ in range(limit + 2)]
    assert len(set(numbers)) == limit + 2


# Finding 8 -------------------------------------------------------------------------------------------------


def _lookup(client: FlaskClient, number: str, birth: str) -> tuple[int, str]:
    page = client.get("/lookup")
    data = {"csrf_token": flow.csrf(page), "booking_no": number, "birth_date": birth}
    answer = client.post("/lookup", data=data)
    return answer.status_code, answer.get_data(as_text=True)


def test_guessing_a_bookings_birth_date_from_several_addresses_is_slowed_down(
    strict_app: Flask, world: Engine, clock: MovingClock
) -> None:
    number, _ = flow.book(_from(strict_app, "203.0.113.10"), world)
    answers = []
    for index in range(25):  # 25 guesses from 3 addresses, as the attack did
        guesser = _from(strict_app, f"198.51.100.{60 + index % 3}")
        answers.append(_lookup(guesser, number, f"19{50 + index}-04-01"))
    tried = [status for status, _ in answers if status == 400]
    slowed = [page for status, page in answers if status == 429]
    assert len(tried) == 1  # one real guess; every other one was told to wait
    assert all(WAIT.search(page) and "予約番号" in page for page in slowed)
    right = _lookup(_from(strict_app, "198.51.100.60"), number, BIRTH.isoformat())
    assert right[0] == 429  # even the right date waits: the wait is the number's, not the guesser's
    for failures in range(1, 4):  # each wrong guess doubles the wait: 2, 4, 8 s
        clock.moment += timedelta(seconds=2**failures - 1)
        assert _lookup(_from(strict_app, "198.51.100.61"), number, "1900-01-01")[0] == 429
        clock.moment += timedelta(seconds=1)
        assert _lookup(_from(strict_app, "198.51.100.62"), number, "1900-01-02")[0] == 400
    clock.moment += timedelta(seconds=16)
    owner = _from(strict_app, "203.0.113.10")
    assert _lookup(owner, number, BIRTH.isoformat())[0] == 302


# Finding 7 -------------------------------------------------------------------------------------------------


def test_the_outbox_never_holds_the_secret_and_the_mailed_link_is_made_when_sent(
    client: FlaskClient, world: Engine, app_engine: Engine, smtp: Inbox, port: int, app: Flask
) -> None:
    with world.begin() as conn:
        conn.execute(text("UPDATE booking.outbox SET sent_at = now()"))  # earlier tests' mail is not ours
    number, link = flow.book(client, world)
    secret = link.rsplit("/", 1)[1]
    with world.connect() as conn:
        rows = conn.execute(
            text("SELECT o.* FROM booking.outbox o WHERE sent_at IS NULL AND subject LIKE :n"),
            {"n": f"%{number}%"},
        ).all()
    assert len(rows) == 1
    assert not any(secret in str(value) for value in rows[0])
    assert "/m/" not in str(rows[0])

    assert send_due(sessionmaker(app_engine), _config(port), NOW + timedelta(minutes=1), limit=50)[0] >= 1
    message = email.message_from_bytes(smtp.messages[-1].as_bytes())
    body = (
        next(p for p in message.walk() if p.get_content_type() == "text/plain")
        .get_payload(decode=True)
        .decode()
    )
    mailed = re.search(r"https://yoyaku\.city\.example(/m/[A-Za-z0-9_-]+)", body)
    assert mailed is not None, body
    assert mailed.group(1) != link
    with world.connect() as conn:
        body_left, ics_left = conn.execute(
            text("SELECT body, ics FROM booking.outbox WHERE subject LIKE :n"), {"n": f"%{number}%"}
        ).one()
    assert (body_left, ics_left) == (None, None)  # nothing of the resident outlives the send

    for path in (mailed.group(1), link):  # the mailed link and the done page's both open the booking
        reader = app.test_client()
        assert reader.get(path).status_code == 302
        assert number in reader.get("/booking").get_data(as_text=True)
