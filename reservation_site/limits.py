"""Rate limits of the site, stored in PostgreSQL for every worker: per client address (the source of the
attempts), per booking number (slowed down, never locked), and the holds a client or a notice number may have
at once. Guesses at a notice number are slowed down inside the database itself (core.services.pickup)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, current_app, request, session
from sqlalchemy.orm import Session

from core.services import ratelimit
from reservation_site import web

QUARTER = timedelta(minutes=15)
DAY = timedelta(days=1)
MAX_WAIT = timedelta(hours=1)


def _limited(kind: str, value: str, limit_name: str, window: timedelta) -> bool:
    with web.transaction() as db:
        key = ratelimit.bucket(kind, value)
        return ratelimit.is_limited(db, key, int(current_app.config[limit_name]), window, web.now())


def _record(*keys: tuple[str, str]) -> None:
    with web.transaction() as db:  # own transaction: failures count though the form is refused
        for kind, value in keys:
            ratelimit.record(db, ratelimit.bucket(kind, value), web.now())


def _visit_notices() -> list[str]:
    """The notice numbers checked for the pickup this request holds a time of (none for other procedures)."""
    data = session.get("visit") or {}
    code = (request.view_args or {}).get("code")
    if not code or data.get("procedure") != code:
        return []
    return [str(person["notice_no"]) for person in data.get("people") or []]


def _holders(notices: list[str]) -> list[tuple[str, str, str]]:
    """(key of holds started, key of holds booked, limit setting) of this address and of NOTICES."""
    address = web.client() or "-"
    found = [(f"hold_now:{address}", f"hold_done:{address}", "HOLDS_PER_IP_AT_ONCE")]
    found += [(f"hold_notice:{n}", f"hold_booked:{n}", "HOLDS_PER_NOTICE_AT_ONCE") for n in notices]
    return [(ratelimit.bucket("", a), ratelimit.bucket("", b), limit) for a, b, limit in found]


def hold_allowed() -> bool:
    """Count one hold for this address (and the pickup's notice numbers); False when the address used up its
    hourly allowance, or it or a notice number already holds HOLDS_PER_*_AT_ONCE times: holds started within
    the hold time and not yet booked (a hold started earlier has run out by now)."""
    address = web.client() or "-"
    at_once = timedelta(minutes=web.rules().hold_minutes)
    hourly = ratelimit.bucket("hold", address)
    holders = _holders(_visit_notices())
    with web.transaction() as db:
        now = web.now()
        for key in sorted([hourly] + [started for started, _, _ in holders]):  # one at a time per key, in
            ratelimit.lock(db, key)  # one order: no burst slips by, and no two requests wait in a circle
        if ratelimit.is_limited(
            db, hourly, int(current_app.config["HOLDS_PER_IP_HOUR"]), timedelta(hours=1), now
        ):
            return False
        for started, booked, limit in holders:
            live = ratelimit.count(db, started, at_once, now) - ratelimit.count(db, booked, at_once, now)
            if live >= int(current_app.config[limit]):
                return False
        for key in [hourly] + [started for started, _, _ in holders]:
            ratelimit.record(db, key, now)
    return True


def _booked_holds(db: Session) -> None:
    """Count the hold just booked as no longer held (for this address and its notice numbers)."""
    details = session.get("details") or {}
    notices = [details.get("notice_no")] + [m.get("notice_no") for m in details.get("members") or []]
    for _, booked, _ in _holders([str(n) for n in notices if n]):
        ratelimit.record(db, booked, web.now())


def notice_blocked() -> bool:
    """Whether this address made too many wrong notice guesses (whatever the numbers: the source is throttled,
    the number itself only slowed down by the database)."""
    return _limited("notice_ip", web.client() or "-", "NOTICE_FAILS_PER_IP", QUARTER)


def notice_failed() -> None:
    """Count a wrong (number, birth date) guess from this address."""
    _record(("notice_ip", web.client() or "-"))


def _contact(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def contact_allowed(db: Session, phone: str) -> bool:
    """Count one booking for this phone number (in the booking's transaction, so it is rolled back with a
    failed booking), and its hold as booked; False when the number made too many today (book-and-cancel
    churn, scripted hoarding)."""
    limit = int(current_app.config["BOOKINGS_PER_CONTACT_DAY"])
    key = ratelimit.bucket("contact", _contact(phone))
    allowed = ratelimit.take(db, key, limit, timedelta(days=1), web.now())
    if allowed:
        _booked_holds(db)
    return allowed


def _booking_key(booking_no: str) -> str:
    return ratelimit.bucket("lookup_no", "".join(ch for ch in booking_no.upper() if ch.isalnum()))


def lookup_blocked() -> bool:
    """Whether this address made too many wrong booking look-ups."""
    return _limited("lookup", web.client() or "-", "LOOKUP_FAILS_PER_IP", QUARTER)


def lookup_wait(booking_no: str) -> int:
    """Seconds before BOOKING_NO may be tried again: 2^N after its Nth wrong try of the day, from any address
    (at most an hour; 0 when it may be tried now)."""
    with web.transaction() as db:
        failures, last = ratelimit.failures(db, _booking_key(booking_no), DAY, web.now())
    return backoff_seconds(failures, last, web.now())


def lookup_failed(booking_no: str) -> None:
    """Count a wrong look-up, for this address and for the booking number."""
    with web.transaction() as db:
        ratelimit.record(db, ratelimit.bucket("lookup", web.client() or "-"), web.now())
        ratelimit.record(db, _booking_key(booking_no), web.now())


def note_refusal(response: Response) -> Response:
    """After each request: count a request refused by a rate limit (HTTP 429), so that the 管理者 sees a storm
    of them on the console (core.services.security_alerts)."""
    if response.status_code == 429:
        with web.transaction() as db:
            ratelimit.record(db, ratelimit.REFUSED, web.now())
    return response


def backoff_seconds(failures: int, last: datetime | None, now: datetime) -> int:
    """Seconds left of the 2^FAILURES-second wait after the LAST failure (capped at MAX_WAIT)."""
    if not failures or last is None:
        return 0
    wait = min(timedelta(seconds=2**failures), MAX_WAIT)
    left = (last + wait - now).total_seconds()
    return max(0, int(left + 0.999))
