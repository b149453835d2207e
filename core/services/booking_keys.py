"""Idempotent bookings (issue 15, item 6): every booking attempt of the site carries a random key, made when
the confirmation page is rendered. The same attempt sent again — a double click, a reload, a second tab, a
retry after a failover or a timeout — finds the booking made with its key and gets the same booking back (same
number, same secret link, no second mail) instead of a second booking or an error.

booking.booking_keys keeps each key's SHA-256 under a primary key (migration 0016). The site's role may add
keys but not read them; booking.keyed_booking answers only a caller holding both the key and the hold that
booked. Callers own the transaction."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db.models.booking import Reservation
from core.domain.booking import BookingError, BookingRules
from core.services import booking
from core.services.tokens import hash_token, keyed_secret

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24): 192 random bits


class BadKey(BookingError):  # noqa: N818 - named for what happened
    """The attempt's key is missing or not one the site made."""


class KeyUsed(BookingError):  # noqa: N818 - named for what happened
    """The key already booked with another hold (never the same person's replay)."""


@dataclass(frozen=True)
class Booked:
    """The booking of an attempt, and whether it was made by an earlier sending of the same attempt."""

    reservation: Reservation
    secret: str
    replayed: bool


def new_key() -> str:
    """A fresh key for one booking attempt (the confirmation page's hidden field)."""
    return secrets.token_urlsafe(24)


def is_valid_key(key: str | None) -> bool:
    """Whether KEY has the form of a key the site makes."""
    return key is not None and KEY_PATTERN.fullmatch(key) is not None


_FIND = text("SELECT booking.keyed_booking(:key, :token)")
_CLAIM = text(
    "INSERT INTO booking.booking_keys (key_hash, reservation_id, created_at) "
    "VALUES (:key, :reservation, :now) ON CONFLICT DO NOTHING"
)


def find(session: Session, key: str, ticket: booking.HoldTicket) -> Reservation | None:
    """The reservation booked with KEY from the ticket's hold, if there is one."""
    found = session.scalar(_FIND, {"key": hash_token(key), "token": hash_token(ticket.token)})
    return None if found is None else session.get(Reservation, int(found))


def _check(key: str) -> None:
    if not is_valid_key(key):
        raise BadKey(
            "予約の送信内容が正しくありません。確認画面からもう一度「予約する」を押してください",
            "The booking request was not valid. Please press “Book” again on the confirmation page.",
        )


def book_once(
    session: Session,
    key: str,
    ticket: booking.HoldTicket,
    details: booking.Details,
    now: datetime,
    rules: BookingRules,
    client: str | None = None,
) -> Booked:
    """Book the held seats once per KEY: the booking made with KEY and this hold if there is one (even when
    the hold is used, or the per-person cap reached by that very booking), else a new one recorded under KEY.
    Two sendings at the same instant take the person's lock one after the other, so the second finds the
    first's booking once it is committed; the key's primary key is the last guard."""
    _check(key)
    booking.lock_contact(session, details)
    found = find(session, key, ticket)
    secret = keyed_secret(key, ticket.token)
    if found is not None:
        booking.log_access(session, found.id, "replay", client)
        return Booked(found, secret[0], replayed=True)
    reservation, shown = booking.book(session, ticket, details, now, rules, client, secret)
    claimed = session.execute(_CLAIM, {"key": hash_token(key), "reservation": reservation.id, "now": now})
    if getattr(claimed, "rowcount", 0) != 1:  # the key booked from another hold: refuse, book nothing
        raise KeyUsed(
            "この予約の送信はすでに使われています。予約の確認画面でご確認ください",
            "This booking request has already been used. Please check your booking.",
        )
    return Booked(reservation, shown, replayed=False)
