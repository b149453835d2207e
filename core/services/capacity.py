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


def _closed(closures: list[Closure], venue_id: int, day: date) -> bool:
    start = datetime.combine(day, time(0), JST)
    end = start + timedelta(days=1)
    return any(
        c.kind in ("closure", "jlis_outage")
        and (c.venue_id is None or c.venue_id == venue_id)
        and c.starts_at <= start
        and c.ends_at >= end
        for c in closures
    )


def monthly_capacity(session: Session, months: list[date]) -> list[int]:
    """Visits the configured counters can take in each month (whole-day closures removed)."""
    if not months:
        return []
    templates = list(session.scalars(select(SlotTemplate)))
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
            for template in templates:
                if template.weekday != day.weekday():
                    continue
                if (template.valid_from and day < template.valid_from) or (
                    template.valid_to and day > template.valid_to
                ):
                    continue
                if not _closed(closures, template.venue_id, day):
                    total += _slots_per_day(template)
        result.append(total)
    return result
