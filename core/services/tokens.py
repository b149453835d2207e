"""Booking secrets and numbers: the one way to make them (site bookings, console walk-ins, system holds)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_BOOKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out over the phone


def hash_token(token: str) -> str:
    """SHA-256 of a secret; only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret(nbytes: int = 32) -> tuple[str, str]:
    """A fresh secret (shown once: the booking's link, a hold's ticket) and the hash that is stored."""
    token = secrets.token_urlsafe(nbytes)
    return token, hash_token(token)


def keyed_secret(key: str, token: str) -> tuple[str, str]:
    """The booking's secret made from the attempt's KEY and its hold's TOKEN, and the hash that is stored: the
    same attempt sent again shows the same link, and nobody without both can make it."""
    digest = hmac.new(token.encode(), f"booking-secret:{key}".encode(), hashlib.sha256).digest()
    secret = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()  # 43 characters, as new_secret's
    return secret, hash_token(secret)


def new_booking_no() -> str:
    """A booking number like 'K7Q2-M9PX' (32^8 possibilities, unambiguous letters)."""
    chars = "".join(secrets.choice(_BOOKING_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"
