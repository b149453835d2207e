"""Rate limits of the site (per client address, per notice number), stored in PostgreSQL for every worker."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import Session

from core.services import ratelimit
from reservation_site import web

QUARTER = timedelta(minutes=15)


def _limited(kind: str, value: str, limit_name: str, window: timedelta) -> bool:
    with web.transaction() as db:
        key = ratelimit.bucket(kind, value)
        return ratelimit.is_limited(db, key, int(current_app.config[limit_name]), window, web.now())


def _record(*keys: tuple[str, str]) -> None:
    with web.transaction() as db:  # own transaction: failures count though the form is refused
        for kind, value in keys:
            ratelimit.record(db, ratelimit.bucket(kind, value), web.now())


def hold_allowed() -> bool:
    """Count one hold for this address; False when it has used up its hourly allowance."""
    key = ratelimit.bucket("hold", web.client() or "-")
    limit = int(current_app.config["HOLDS_PER_IP_HOUR"])
    with web.transaction() as db:
        return ratelimit.take(db, key, limit, timedelta(hours=1), web.now())


def notice_blocked(notice_no: str) -> bool:
    """Whether guesses from this address or for this notice number are blocked for now."""
    address = web.client() or "-"
    return _limited("notice_ip", address, "NOTICE_FAILS_PER_IP", QUARTER) or _limited(
        "notice_no", notice_no, "NOTICE_FAILS_PER_NUMBER", timedelta(days=1)
    )


def notice_failed(notice_no: str) -> None:
    """Count a wrong (number, birth date) guess."""
    _record(("notice_ip", web.client() or "-"), ("notice_no", notice_no))


def _contact(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def contact_allowed(db: Session, phone: str) -> bool:
    """Count one booking for this phone number (in the booking's transaction, so it is rolled back with a
    failed booking); False when the number made too many today (book-and-cancel churn, scripted hoarding)."""
    limit = int(current_app.config["BOOKINGS_PER_CONTACT_DAY"])
    key = ratelimit.bucket("contact", _contact(phone))
    return ratelimit.take(db, key, limit, timedelta(days=1), web.now())


def lookup_blocked() -> bool:
    """Whether this address made too many wrong booking look-ups."""
    return _limited("lookup", web.client() or "-", "LOOKUP_FAILS_PER_IP", QUARTER)


def lookup_failed() -> None:
    """Count a wrong look-up."""
    _record(("lookup", web.client() or "-"))
