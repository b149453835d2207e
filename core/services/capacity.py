"""Counter capacity per month, from the slot templates and closures the city configures."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.booking import Closure, SlotTemplate

JST = timezone(timedelta(hours=9))


def _slots_per_day(template: SlotTemplate) -> int:
    minutes = (
        datetime.combine(date.min, template.ends_at) - datetime.combine(date.min, template.starts_at)
    ).seconds
    return (minutes // 60) // template.slot_minutes * template.capacity


def _closed_days(closures: list[Closure]) -> dict[date, set[int | None]]:
    """The days each closure covers whole (closure / J-LIS outage): day → venue ids (None: every venue)."""
    days: dict[date, set[int | None]] = {}
    for closure in closures:
        if closure.kind not in ("closure", "jlis_outage"):
            continue
        day = closure.starts_at.astimezone(JST).date()
        if datetime.combine(day, time(0), JST) < closure.starts_at:
            day += timedelta(days=1)  # starts during the day: that day is not closed all day
        while datetime.combine(day + timedelta(days=1), time(0), JST) <= closure.ends_at:
            days.setdefault(day, set()).add(closure.venue_id)
            day += timedelta(days=1)
    return days


def _weekdays(first: date, last: date, weekday: int) -> int:
    """How many days from FIRST to LAST (inclusive) fall on WEEKDAY (0 = Monday)."""
    start = first + timedelta(days=(weekday - first.weekday()) % 7)
    return 0 if start > last else (last - start).days // 7 + 1


def _template_days(
    template: SlotTemplate, first: date, last: date, closed: dict[date, set[int | None]]
) -> int:
    """The days of FIRST..LAST the template runs: its weekdays while valid, less whole-day closures."""
    low = max(first, template.valid_from or first)
    high = min(last, template.valid_to or last)
    if low > high:
        return 0
    shut = sum(
        1
        for day, venues in closed.items()
        if low <= day <= high
        and day.weekday() == template.weekday
        and (None in venues or template.venue_id in venues)
    )
    return _weekdays(low, high, template.weekday) - shut


def monthly_capacity(session: Session, months: list[date]) -> list[int]:
    """Visits the configured counters can take in each month (whole-day closures removed)."""
    if not months:
        return []
    templates = [(t, _slots_per_day(t)) for t in session.scalars(select(SlotTemplate))]
    first = months[0]
    last = months[-1].replace(day=calendar.monthrange(months[-1].year, months[-1].month)[1])
    closures = list(
        session.scalars(
            select(Closure).where(
                Closure.ends_at >= datetime.combine(first, time(0), JST),
                Closure.starts_at <= datetime.combine(last + timedelta(days=1), time(0), JST),
            )
        )
    )
    closed = _closed_days(closures)
    result = []
    for month in months:
        end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        in_month = {day: venues for day, venues in closed.items() if month <= day <= end}
        result.append(sum(n * _template_days(t, month, end, in_month) for t, n in templates))
    return result
