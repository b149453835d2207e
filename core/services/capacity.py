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


def _closed_venues(closures: list[Closure], day: date) -> tuple[bool, set[int]]:
    """Whether every venue is closed all DAY (a city-wide closure), and which venues are."""
    start = datetime.combine(day, time(0), JST)
    end = start + timedelta(days=1)
    whole_day = [
        c
        for c in closures
        if c.kind in ("closure", "jlis_outage") and c.starts_at <= start and c.ends_at >= end
    ]
    return any(c.venue_id is None for c in whole_day), {
        c.venue_id for c in whole_day if c.venue_id is not None
    }


def _valid(template: SlotTemplate, day: date) -> bool:
    return not (
        (template.valid_from and day < template.valid_from) or (template.valid_to and day > template.valid_to)
    )


def monthly_capacity(session: Session, months: list[date]) -> list[int]:
    """Visits the configured counters can take in each month (whole-day closures removed)."""
    if not months:
        return []
    by_weekday: dict[int, list[tuple[SlotTemplate, int]]] = {}
    for template in session.scalars(select(SlotTemplate)):
        by_weekday.setdefault(template.weekday, []).append((template, _slots_per_day(template)))
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
    result = []
    for month in months:
        total = 0
        for day_no in range(1, calendar.monthrange(month.year, month.month)[1] + 1):
            day = month.replace(day=day_no)
            todays = by_weekday.get(day.weekday())
            if not todays:
                continue
            all_closed, closed = _closed_venues(closures, day) if closures else (False, set())
            if all_closed:
                continue
            total += sum(n for t, n in todays if t.venue_id not in closed and _valid(t, day))
        result.append(total)
    return result
