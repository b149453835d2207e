"""Drive the booking flow through the test client, the way a browser without JavaScript does."""

from __future__ import annotations

import re
from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from werkzeug.test import TestResponse

from tests.reservation_site.conftest import BIRTH, FAMILY_BIRTH, FAMILY_NOTICE_NO, NOTICE_NO

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="key" type="hidden" value="([^"]+)"')


def csrf(page: TestResponse) -> str:
    """The CSRF token in PAGE."""
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def key(page: TestResponse) -> str:
    """The booking attempt's key on a confirmation page (booking or change)."""
    match = KEY.search(page.get_data(as_text=True))
    assert match, "page has no booking key"
    return match.group(1)


def press(page: TestResponse) -> dict[str, str]:
    """What pressing the button of a confirmation PAGE sends: its CSRF token and its attempt's key."""
    return {"csrf_token": csrf(page), "key": key(page)}


def first_slot(
    engine: Engine,
    procedure: str = "card_pickup",
    venue: str = "honcho",
    day: str | None = None,
    free: int = 1,
) -> tuple[int, date]:
    """A slot of PROCEDURE at VENUE (on DAY, else the first bookable day) with FREE seats or more."""
    query = """
        SELECT s.id, (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date
        FROM booking.slots s JOIN booking.procedures p ON p.id = s.procedure_id
        JOIN booking.venues v ON v.id = s.venue_id
        WHERE p.code = :p AND v.code = :v AND s.booked + s.held + :free <= s.capacity
          AND s.starts_at > '2026-12-02'
          AND (CAST(:d AS date) IS NULL OR (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date = CAST(:d AS date))
        ORDER BY s.starts_at LIMIT 1
    """
    with engine.connect() as conn:
        row = conn.execute(text(query), {"p": procedure, "v": venue, "d": day, "free": free}).one()
    return int(row[0]), row[1]


def notice(
    client: FlaskClient, people: list[tuple[str, str]], procedure: str = "card_pickup"
) -> TestResponse:
    """The pickup's first step: every person's (notice number, birth date)."""
    url = f"/p/{procedure}/notice?n={len(people)}"
    page = client.get(url)
    form = {"csrf_token": csrf(page), "notice_no": people[0][0], "birth_date": people[0][1]}
    for index, (number, birth) in enumerate(people[1:]):
        form[f"members-{index}-notice_no"] = number
        form[f"members-{index}-birth_date"] = birth
    return client.post(url, data=form)


def forgive_notices(engine: Engine) -> None:
    """Forget the wrong guesses the database counted (as the owner: the site's role cannot)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM booking.notice_attempts"))


FAMILY = [(NOTICE_NO, BIRTH.isoformat()), (FAMILY_NOTICE_NO, FAMILY_BIRTH.isoformat())]


def hold(
    client: FlaskClient,
    slot_id: int,
    day: date,
    party: int = 1,
    procedure: str = "card_pickup",
    venue: str = "honcho",
    ask_notice: bool = True,
) -> TestResponse:
    """Open the day page and hold SLOT_ID (a pickup gives its notice numbers first, unless ASK_NOTICE is off:
    a change keeps those of the booking)."""
    if procedure == "card_pickup" and ask_notice:
        assert notice(client, FAMILY[:party]).status_code == 302
    url = f"/p/{procedure}/{venue}/{day.isoformat()}?n={party}"
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": csrf(page), "slot_id": slot_id, "party_size": party})


def details(client: FlaskClient, **overrides: str) -> TestResponse:
    """Fill in the details form."""
    page = client.get("/details")
    form = {
        "csrf_token": csrf(page),
        "name": "藤沢 太郎",
        "name_kana": "フジサワ タロウ",
        "birth_date": BIRTH.isoformat(),
        "phone": "0466-25-1111",
        "email": "taro@example.jp",
        "members-0-name": "藤沢 花子",
    }
    form.update(overrides)
    return client.post("/details", data=form)


def confirm(client: FlaskClient) -> TestResponse:
    """Press 'book' on the confirmation page."""
    page = client.get("/confirm")
    return client.post("/confirm", data=press(page))


def book(client: FlaskClient, engine: Engine) -> tuple[str, str]:
    """A whole booking; return the booking number and the secret link path."""
    slot_id, day = first_slot(engine)
    assert hold(client, slot_id, day).status_code == 302
    assert details(client).status_code == 302
    assert confirm(client).status_code == 302
    page = client.get("/done").get_data(as_text=True)
    number = re.search(r'id="booking-no">([^<]+)<', page)
    link = secret_path(client, page)
    assert number
    return number.group(1), link


def secret_path(client: FlaskClient, done_page: str) -> str:
    """The path of the secret link on DONE_PAGE, which must start with the site's configured address."""
    base = re.escape(client.application.config["SITE_BASE_URL"])
    link = re.search(rf'id="secret-link" href="{base}(/m/[^"]+)"', done_page)
    assert link, "no secret link on the configured address"
    return link.group(1)
