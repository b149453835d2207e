"""Booking rules without a database: notice numbers, J-LIS days, booking window, deadlines, marks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from core.domain.dates import TOKYO as TOKYO
from core.domain.dates import day_text, deadline_text
from core.domain.errors import DomainError

NOTICE_NO_PATTERN = re.compile(r"^[0-9A-Z]{3}-[0-9]{6}$")
# J-LIS: the card systems stop after 19:30, so no slot may end later.
JLIS_LAST_END = time(19, 30)
# City offices close from 29 December to 3 January (年末年始).
YEAR_END = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))
_DASHES = "‐‑‒–—―−ー－"


class BookingError(DomainError):
    """A booking request breaks a rule; the message says which and what to do."""


class SlotTaken(BookingError):  # noqa: N818 - named for what happened
    """The seats were taken by someone else a moment ago."""


class HoldExpired(BookingError):  # noqa: N818
    """The 10-minute hold ran out."""


class Mark(StrEnum):
    """Calendar availability marks: ○ 空きあり, △ 残りわずか, × 満席, - 受付なし."""

    FREE = "○"
    FEW = "△"
    FULL = "×"
    NONE = "-"


@dataclass(frozen=True)
class BookingRules:
    """The city's booking parameters (stored in booking.rules)."""

    min_days_ahead: int = 1
    max_days_ahead: int = 61
    change_deadline_days: int = 1
    hold_minutes: int = 10
    max_active_per_contact: int = 3
    release_delay_minutes: int = 15
    anonymise_after_days: int = 90
    few_left_ratio: float = 0.3
    pickup_transfer_days: int = 0  # core.domain.parties: 0 = pickups only where the card is kept


def normalise_notice_no(raw: str) -> str:
    """Full-width to half-width, upper case, any dash to '-', spaces removed: 'abc－123456' → 'ABC-123456'."""
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    for dash in _DASHES:
        text = text.replace(dash, "-")
    text = text.replace(" ", "")
    if "-" not in text and len(text) == 9:
        text = f"{text[:3]}-{text[3:]}"
    return text


def is_valid_notice_no(value: str) -> bool:
    """Whether VALUE (already normalised) has the 交付通知書 shape: 3 alphanumerics, '-', 6 digits."""
    return bool(NOTICE_NO_PATTERN.match(value))


def is_jlis_stop_sunday(day: date) -> bool:
    """The Sunday after the month's 3rd Saturday, when J-LIS runs no card procedures."""
    if day.weekday() != 6:
        return False
    saturday = day - timedelta(days=1)
    return saturday.month == day.month and 15 <= saturday.day <= 21


def is_year_end(day: date) -> bool:
    """Whether DAY falls in the 年末年始 closure (29 Dec – 3 Jan)."""
    return (day.month, day.day) in YEAR_END


def week_of_month(day: date) -> int:
    """Which occurrence of its weekday DAY is in its month (2nd Saturday → 2)."""
    return (day.day - 1) // 7 + 1


def slot_times(day: date, start: time, end: time, minutes: int) -> list[tuple[datetime, datetime]]:
    """Slots of MINUTES from START to END on DAY (Tokyo time), never ending after the J-LIS 19:30 limit."""
    limit = min(end, JLIS_LAST_END)
    current = datetime.combine(day, start, TOKYO)
    last = datetime.combine(day, limit, TOKYO)
    step = timedelta(minutes=minutes)
    slots = []
    while current + step <= last:
        slots.append((current, current + step))
        current += step
    return slots


def booking_window(today: date, rules: BookingRules) -> tuple[date, date]:
    """First and last day a visit may be booked for, counted from TODAY."""
    return today + timedelta(days=rules.min_days_ahead), today + timedelta(days=rules.max_days_ahead)


def check_bookable_day(today: date, visit: date, rules: BookingRules) -> None:
    """Refuse a visit day outside the booking window, with the reason."""
    first, last = booking_window(today, rules)
    if visit < today:
        raise BookingError("過去の日付は予約できません", "You cannot book a date in the past.")
    if visit < first:
        raise BookingError(
            f"{day_text(first)}以降の日を選んでください",
            f"Please choose a day on or after {day_text(first, 'en')}.",
        )
    if visit > last:
        raise BookingError(
            f"予約できるのは{day_text(last)}までです", f"Bookings are open until {day_text(last, 'en')}."
        )


def change_deadline(visit: date, rules: BookingRules) -> datetime:
    """Last moment (Tokyo time) a booking for VISIT may be changed or cancelled online."""
    day = visit - timedelta(days=rules.change_deadline_days)
    return datetime.combine(day, time(23, 59, 59), TOKYO)


def check_changeable(now: datetime, visit: date, rules: BookingRules) -> None:
    """Refuse a change or cancellation after the deadline."""
    deadline = change_deadline(visit, rules)
    if now > deadline:
        raise BookingError(
            f"変更・取消の期限({deadline_text(deadline)})を過ぎています。市民窓口センターへお電話ください",
            f"The deadline for changes ({deadline_text(deadline, 'en')}) has passed. "
            "Please call the counter.",
        )


def is_few_left(free: int, capacity: int, ratio: float = 0.3) -> bool:
    """Whether a time is nearly full: some seats are free, but at most RATIO of them, or a single seat."""
    return free > 0 and (free <= capacity * ratio or free == 1)


def mark_for(free: int, capacity: int, ratio: float = 0.3) -> Mark:
    """The mark of one time (slot) with FREE seats out of CAPACITY: △ by `is_few_left`."""
    if capacity <= 0:
        return Mark.NONE
    if free <= 0:
        return Mark.FULL
    return Mark.FEW if is_few_left(free, capacity, ratio) else Mark.FREE


def day_mark(times: Iterable[tuple[int, int]], ratio: float = 0.3) -> Mark:
    """The calendar mark of a day from its times' (free, capacity): △ when the day's free seats are few
    (`is_few_left` on the sums) or when every time that is still free is itself △ — a day whose every time
    has one seat left is not shown ○ because it has many times."""
    pairs = list(times)
    capacity = sum(c for _, c in pairs)
    free = sum(f for f, _ in pairs)
    mark = mark_for(free, capacity, ratio)
    if mark is Mark.FREE and all(is_few_left(f, c, ratio) for f, c in pairs if f > 0):
        return Mark.FEW
    return mark
