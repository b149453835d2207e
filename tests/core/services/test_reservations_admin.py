"""Reservations admin: templates become slots (closures skipped); the day's list changes on behalf."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.booking import Reservation, Slot
from core.domain.booking import TOKYO, SlotTaken
from core.services import reservation_day as day_ops
from core.services import reservations_admin as admin
from core.services import seats
from core.services.audit import Actor
from core.services.reservations_admin import BookingAdminError

CLERK = Actor("B0001", role="booking")
MONDAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 8, 30, tzinfo=TOKYO)  # the clock the counter's actions are taken at


@pytest.fixture
def venue_id(session: Session) -> int:
    venue = admin.save_venue(session, CLERK, "TSJ", "辻堂市民センター", "Tsujido Civic Center")
    procedure = admin.save_procedure(
        session, CLERK, "PICK", "カード受取", "Card pickup", 15, True, [venue.id]
    )
    # with a counter: slots of counter-less templates are not unique (NULLs are distinct to UNIQUE)
    counter = admin.add_counter(session, CLERK, venue.id, "1番窓口").id
    admin.add_template(session, CLERK, venue.id, procedure.id, 0, time(9, 0), time(10, 0), 15, 2, counter)
    admin.add_template(session, CLERK, venue.id, procedure.id, 1, time(9, 0), time(9, 30), 15, 1, counter)
    return venue.id


def test_templates_generate_slots_and_closed_days_are_skipped(session: Session, venue_id: int) -> None:
    admin.add_closure(session, CLERK, None, date(2026, 12, 8), date(2026, 12, 8), "J-LISシステム停止")
    created = admin.generate_slots(session, CLERK, MONDAY, date(2026, 12, 14))
    assert created == 4 + 4  # two Mondays × 4 slots; the Tuesday is closed
    assert admin.generate_slots(session, CLERK, MONDAY, date(2026, 12, 14)) == 0  # idempotent
    loads = admin.calendar(session, venue_id, MONDAY, date(2026, 12, 14))
    assert [(d.day, d.capacity, d.booked) for d in loads] == [(MONDAY, 8, 0), (date(2026, 12, 14), 8, 0)]


def test_walk_in_check_in_move_and_cancel_keep_the_seat_counts_right(session: Session, venue_id: int) -> None:
    admin.generate_slots(session, CLERK, MONDAY, MONDAY)
    first, second = session.scalars(
        select(Slot).where(Slot.venue_id == venue_id).order_by(Slot.starts_at)
    ).all()[:2]
    walk = day_ops.walk_in(session, CLERK, first.id, "辻堂 太郎", NOW, "ABC-123456")
    assert (walk.status, walk.channel, first.booked) == ("checked_in", "counter", 1)
    assert (walk.checked_in_at, walk.booking_no[:8]) == (
        NOW,
        "W261207-",
    )  # the clock's time, not the database's
    booked = Reservation(
        booking_no="R-1", secret_hash="s" * 64, slot_id=first.id, procedure_id=first.procedure_id
    )
    session.add(booked)
    first.booked += 1
    session.flush()
    with pytest.raises(BookingAdminError, match="空き"):
        day_ops.walk_in(session, CLERK, first.id, "満員 次郎", NOW)
    day_ops.move(session, CLERK, "R-1", second.id, NOW)
    assert (first.booked, second.booked, booked.changed_at) == (1, 1, NOW)
    day_ops.set_status(session, CLERK, "R-1", "cancelled", NOW)
    assert (booked.status, second.booked) == ("cancelled", 0)
    with pytest.raises(BookingAdminError, match="できません"):
        day_ops.set_status(session, CLERK, "R-1", "checked_in", NOW)


def test_bad_template_input_is_refused_with_the_reason(session: Session, venue_id: int) -> None:
    with pytest.raises(BookingAdminError, match="開始は終了より前"):
        admin.add_template(session, CLERK, venue_id, 1, 0, time(10, 0), time(9, 0), 15, 1)


def test_booking_rules_change_is_read_by_the_site_and_audited(session: Session) -> None:
    rules = admin.save_rules(session, CLERK, {"max_days_ahead": 30, "change_deadline_days": 2})
    assert (rules.max_days_ahead, rules.change_deadline_days) == (30, 2)
    with pytest.raises(BookingAdminError, match="最短 ≤ 最長"):
        admin.save_rules(session, CLERK, {"min_days_ahead": 40, "max_days_ahead": 30})


def test_a_walk_in_and_a_move_take_the_seats_of_expired_holds(session: Session, venue_id: int) -> None:
    admin.generate_slots(session, CLERK, MONDAY, MONDAY)
    first, second = session.scalars(
        select(Slot).where(Slot.venue_id == venue_id).order_by(Slot.starts_at)
    ).all()[:2]
    earlier = NOW - timedelta(minutes=20)
    seats.take(session, first, 1, earlier, SlotTaken("", ""))
    booked = Reservation(
        booking_no="R-2", secret_hash="t" * 64, slot_id=first.id, procedure_id=first.procedure_id
    )
    session.add(booked)
    seats.hold(session, first, 1, earlier, earlier + timedelta(minutes=10), SlotTaken("", ""))
    seats.hold(session, second, 2, earlier, earlier + timedelta(minutes=10), SlotTaken("", ""))
    session.flush()  # both slots full, but their holds ran out ten minutes before NOW
    day_ops.move(session, CLERK, "R-2", second.id, NOW)
    assert (first.booked, first.held, second.booked, second.held) == (0, 0, 1, 0)
    day_ops.walk_in(session, CLERK, first.id, "辻堂 花子", NOW)
    assert (first.booked, first.held) == (1, 0)
