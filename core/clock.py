"""One clock: the single source of "now" for every decision MynaDesk takes.

Booking windows, holds, deadlines, reminders, outbox due times, rate limits, lockouts, session timeouts,
the analytics' 基準日, undelivered-card dates and form dates all take the time from a `Clock` passed down from
the app factory (`create_app(clock=...)`) or the CLI (`--as-of` where that makes sense). Nothing below the
factories calls `datetime.now()` itself, and SQL that decides something receives that time as a parameter
instead of using the database's `now()`; only stamps that are truly the database's (the audit log's `at`, the
register's `recorded_at`) are left to it. Tests pin a clock or compute from `system_clock()`, which
`MYNADESK_TEST_NOW` moves to any day of the service period (STYLE.md, habit 13).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from core.domain.booking import TOKYO

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The machine's time, timezone-aware, in Japan."""
    return datetime.now(TOKYO)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says MOMENT (which must be timezone-aware)."""
    if moment.tzinfo is None:
        raise ValueError("a fixed clock needs a timezone-aware moment")
    return lambda: moment


def day_of(moment: datetime) -> date:
    """The calendar day in Japan of MOMENT (a timezone-aware time from a clock)."""
    return moment.astimezone(TOKYO).date()


def today(clock: Clock = system_clock) -> date:
    """The clock's calendar day in Japan."""
    return day_of(clock())


def as_of_day(text: str | None, clock: Clock = system_clock) -> date:
    """The day of a CLI's `--as-of YYYY-MM-DD`, or the clock's today without one (ValueError if malformed)."""
    return date.fromisoformat(text) if text else today(clock)
