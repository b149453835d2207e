"""Slots: generated from the city's templates, and their availability as the calendar shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import jpholiday
from sqlalchemy import DateTime, and_, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from core.db.models.booking import Closure, Hold, Rules, Slot, SlotTemplate
from core.domain.booking import (
    TOKYO,
    BookingRules,
    Mark,
    booking_window,
    day_mark,
    is_jlis_stop_sunday,
    is_year_end,
    mark_for,
    slot_times,
    week_of_month,
)


@dataclass(frozen=True)
class SlotView:
    """One slot as a resident sees it."""

    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    free: int
    mark: Mark


@dataclass(frozen=True)
class DayView:
    """One day of the month calendar."""

    day: date
    capacity: int
    free: int
    mark: Mark


def load_rules(session: Session) -> BookingRules:
    """The city's booking rules (defaults when the row is missing)."""
    row = session.get(Rules, 1)
    if row is None:
        return BookingRules()
    return BookingRules(
        min_days_ahead=row.min_days_ahead,
        max_days_ahead=row.max_days_ahead,
        change_deadline_days=row.change_deadline_days,
        hold_minutes=row.hold_minutes,
        max_active_per_contact=row.max_active_per_contact,
        release_delay_minutes=row.release_delay_minutes,
        anonymise_after_days=row.anonymise_after_days,
        few_left_ratio=row.few_left_ratio,
        pickup_transfer_days=row.pickup_transfer_days,
    )


def closures_between(session: Session, start: date, end: date) -> list[Closure]:
    """Closures and special openings that touch START..END (Tokyo days)."""
    lo = datetime.combine(start, datetime.min.time(), TOKYO)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), TOKYO)
    query = select(Closure).where(Closure.starts_at < hi, Closure.ends_at > lo)
    return list(session.scalars(query))


def _covers(closure: Closure, venue_id: int, starts: datetime, ends: datetime) -> bool:
    venue_ok = closure.venue_id is None or closure.venue_id == venue_id
    return venue_ok and closure.starts_at < ends and closure.ends_at > starts


def open_on(day: date, venue_id: int, closures: list[Closure]) -> bool:
    """Whether the venue serves card procedures on DAY (holidays only with a special opening)."""
    if is_year_end(day) or is_jlis_stop_sunday(day):
        return False
    if not jpholiday.is_holiday(day):
        return True
    lo = datetime.combine(day, datetime.min.time(), TOKYO)
    hi = lo + timedelta(days=1)
    return any(c.kind == "opening" and _covers(c, venue_id, lo, hi) for c in closures)


def template_applies(template: SlotTemplate, day: date) -> bool:
    """Whether TEMPLATE runs on DAY: its weekday, inside its validity, in its weeks of the month."""
    if template.weekday != day.weekday():
        return False
    if template.valid_from and day < template.valid_from:
        return False
    if template.valid_to and day > template.valid_to:
        return False
    if template.weeks_of_month:
        return week_of_month(day) in _weeks(template.weeks_of_month)
    return True


@cache
def _weeks(text: str) -> frozenset[int]:
    """The weeks of a template's "2,4" (parsed once: capacity forecasts ask for every day of ten years)."""
    return frozenset(int(w) for w in text.split(",") if w.strip())


def open_slots(template: SlotTemplate, day: date, blocking: list[Closure]) -> list[tuple[datetime, datetime]]:
    """The slot times TEMPLATE gives on DAY, less those a closure or J-LIS outage covers (the caller has
    checked that the template applies and the venue is open that day)."""
    return [
        (starts, ends)
        for starts, ends in slot_times(day, template.starts_at, template.ends_at, template.slot_minutes)
        if not any(_covers(c, template.venue_id, starts, ends) for c in blocking)
    ]


def generate_slots(session: Session, start: date, end: date) -> int:
    """Create the slots of every template from START to END (idempotent); return how many were new."""
    templates = list(session.scalars(select(SlotTemplate).where(SlotTemplate.procedure_id.is_not(None))))
    closures = closures_between(session, start, end)
    blocking = [c for c in closures if c.kind != "opening"]
    rows: list[dict[str, object]] = []
    day = start
    while day <= end:
        for template in templates:
            if not template_applies(template, day) or not open_on(day, template.venue_id, closures):
                continue
            for starts, ends in open_slots(template, day, blocking):
                rows.append(
                    {
                        "venue_id": template.venue_id,
                        "counter_id": template.counter_id,
                        "procedure_id": template.procedure_id,
                        "starts_at": starts,
                        "ends_at": ends,
                        "capacity": template.capacity,
                    }
                )
        day += timedelta(days=1)
    created = 0
    for chunk in range(0, len(rows), 1000):
        statement = insert(Slot).values(rows[chunk : chunk + 1000]).on_conflict_do_nothing()
        created += len(session.execute(statement.returning(Slot.id)).all())
    return created


def live_held(now: datetime) -> ColumnElement[int]:
    """Seats held by holds that have not expired, per slot (correlated)."""
    return (
        select(func.coalesce(func.sum(Hold.party_size), 0))
        .where(Hold.slot_id == Slot.id, Hold.expires_at > now)
        .scalar_subquery()
    )


def not_closed() -> ColumnElement[bool]:
    closed = (
        select(Closure.id)
        .where(
            Closure.kind != "opening",
            or_(Closure.venue_id.is_(None), Closure.venue_id == Slot.venue_id),
            Closure.starts_at < Slot.ends_at,
            Closure.ends_at > Slot.starts_at,
        )
        .exists()
    )
    return ~closed


def _bookable(venue_id: int, procedure_id: int, lo: datetime, hi: datetime) -> ColumnElement[bool]:
    return and_(
        Slot.venue_id == venue_id,
        Slot.procedure_id == procedure_id,
        Slot.starts_at >= lo,
        Slot.starts_at < hi,
        not_closed(),
    )


def _window_bounds(now: datetime, rules: BookingRules, first: date, last: date) -> tuple[datetime, datetime]:
    open_first, open_last = booking_window(now.astimezone(TOKYO).date(), rules)
    lo = datetime.combine(max(first, open_first), datetime.min.time(), TOKYO)
    hi = datetime.combine(min(last, open_last) + timedelta(days=1), datetime.min.time(), TOKYO)
    return max(lo, now), hi


def month_view(
    session: Session,
    venue_id: int,
    procedure_id: int,
    month: date,
    now: datetime,
    rules: BookingRules,
    party: int = 1,
) -> list[DayView]:
    """Per day of MONTH: seats and free seats inside the booking window, marked by `day_mark` (free seats
    only of the times that can seat a party of PARTY: a day where none can is full for that party)."""
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    lo, hi = _window_bounds(now, rules, first, last)
    day_col = func.date(func.timezone("Asia/Tokyo", Slot.starts_at))
    free = func.greatest(Slot.capacity - Slot.booked - live_held(now), 0)
    query = select(day_col, free, Slot.capacity).where(_bookable(venue_id, procedure_id, lo, hi))
    by_day: dict[date, list[tuple[int, int]]] = {}
    for day_of_slot, left, capacity in session.execute(query):
        usable = int(left) if int(left) >= party else 0  # a time that cannot seat the party is full for it
        by_day.setdefault(day_of_slot, []).append((usable, int(capacity)))
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        times = by_day.get(day, [])
        mark = day_mark(times, rules.few_left_ratio)
        days.append(DayView(day, sum(c for _, c in times), sum(f for f, _ in times), mark))
    return days


def venue_seats(session: Session, venue_id: int, procedure_id: int, now: datetime) -> int:
    """The most seats any coming slot of the procedure has at the venue: the largest party it can serve."""
    query = select(func.max(Slot.capacity)).where(
        Slot.venue_id == venue_id, Slot.procedure_id == procedure_id, Slot.starts_at > now
    )
    return int(session.scalar(query) or 0)


def day_view(
    session: Session, venue_id: int, procedure_id: int, day: date, now: datetime, rules: BookingRules
) -> list[SlotView]:
    """The slots of DAY with their free seats."""
    lo, hi = _window_bounds(now, rules, day, day)
    free = func.greatest(Slot.capacity - Slot.booked - live_held(now), 0)
    query = (
        select(Slot.id, Slot.starts_at, Slot.ends_at, Slot.capacity, free)
        .where(_bookable(venue_id, procedure_id, lo, hi))
        .order_by(Slot.starts_at)
    )
    return [
        SlotView(r[0], r[1], r[2], r[3], int(r[4]), mark_for(int(r[4]), r[3], rules.few_left_ratio))
        for r in session.execute(query)
    ]


def nearest_free(
    session: Session, slot: Slot, party_size: int, now: datetime, rules: BookingRules, limit: int = 5
) -> list[SlotView]:
    """Free slots of the same venue and procedure closest in time to SLOT (for the 'just taken' page)."""
    lo, hi = _window_bounds(now, rules, now.date(), now.date() + timedelta(days=rules.max_days_ahead))
    free = func.greatest(Slot.capacity - Slot.booked - live_held(now), 0)
    distance = func.abs(
        func.extract("epoch", Slot.starts_at)
        - func.extract("epoch", literal(slot.starts_at, DateTime(timezone=True)))
    )
    query = (
        select(Slot.id, Slot.starts_at, Slot.ends_at, Slot.capacity, free)
        .where(_bookable(slot.venue_id, slot.procedure_id, lo, hi), Slot.id != slot.id, free >= party_size)
        .order_by(distance)
        .limit(limit)
    )
    rows = sorted(session.execute(query), key=lambda r: r[1])
    return [SlotView(r[0], r[1], r[2], r[3], int(r[4]), mark_for(int(r[4]), r[3])) for r in rows]
