"""Counter capacity per month: the seats of the slots the city's templates generate, by the same rules as
core.services.slots.generate_slots (weekdays and weeks of the month, validity, public holidays without a
special opening, 年末年始, the J-LIS stop Sunday, closures and J-LIS outages, whole day or per slot)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.booking import Closure, SlotTemplate
from core.domain.booking import TOKYO, slot_times
from core.services.slots import closures_between, open_on, open_slots, template_applies


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _touched_days(blocking: list[Closure]) -> set[date]:
    """The Tokyo days a closure or outage overlaps at all (on the others every slot of an open day stands)."""
    days: set[date] = set()
    for closure in blocking:
        day = closure.starts_at.astimezone(TOKYO).date()
        while datetime.combine(day, time(0), TOKYO) < closure.ends_at:
            days.add(day)
            day += timedelta(days=1)
    return days


def _seats(template: SlotTemplate, day: date) -> int:
    return (
        len(slot_times(day, template.starts_at, template.ends_at, template.slot_minutes)) * template.capacity
    )


def monthly_capacity(session: Session, months: list[date]) -> list[int]:
    """Visits the configured counters can take in each month (first days of months, in order)."""
    if not months:
        return []
    templates = list(session.scalars(select(SlotTemplate).where(SlotTemplate.procedure_id.is_not(None))))
    closures = closures_between(session, months[0], _month_end(months[-1]))
    blocking = [c for c in closures if c.kind != "opening"]
    touched = _touched_days(blocking)
    # Templates that run on the same days (venue, weekday, validity, weeks) are checked once per day.
    groups: dict[tuple[object, ...], list[SlotTemplate]] = defaultdict(list)
    for template in templates:
        key = (
            template.venue_id,
            template.weekday,
            template.valid_from,
            template.valid_to,
            template.weeks_of_month,
        )
        groups[key].append(template)
    by_weekday: dict[int, list[tuple[SlotTemplate, int, list[SlotTemplate]]]] = defaultdict(list)
    for members in groups.values():
        seats = sum(_seats(t, months[0]) for t in members)  # a day without closures (Tokyo has no DST)
        by_weekday[members[0].weekday].append((members[0], seats, members))
    result = []
    for month in months:
        total, day, end = 0, month, _month_end(month)
        while day <= end:
            for first, seats, members in by_weekday[day.weekday()]:
                if not template_applies(first, day) or not open_on(day, first.venue_id, closures):
                    continue
                if day in touched:
                    total += sum(len(open_slots(t, day, blocking)) * t.capacity for t in members)
                else:
                    total += seats
            day += timedelta(days=1)
        result.append(total)
    return result
