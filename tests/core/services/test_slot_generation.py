"""Generating slots is idempotent, also for templates without a counter."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models.booking import Slot, SlotTemplate
from core.services.slots import generate_slots
from tests.factories import add_place


def test_generating_twice_from_a_template_without_a_counter_adds_nothing(session: Session) -> None:
    venue, procedure = add_place(session, "TEST-HQ", "test-pickup", procedure_names=("受取", "Pickup"))
    session.add(
        SlotTemplate(
            venue_id=venue.id,
            counter_id=None,
            procedure_id=procedure.id,
            weekday=2,  # Wednesday
            starts_at=time(9, 0),
            ends_at=time(10, 0),
            slot_minutes=15,
            capacity=2,
        )
    )
    session.flush()
    wednesday = date(2027, 1, 13)
    first = generate_slots(session, wednesday, wednesday)
    second = generate_slots(session, wednesday, wednesday)
    count = session.scalar(select(func.count()).select_from(Slot).where(Slot.venue_id == venue.id))
    assert (first, second, count) == (4, 0, 4)
