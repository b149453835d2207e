"""Small builders of realistic rows for tests (a resident of Fujisawa, a card in the ledger, a venue and its
procedure, a slot and a booking on it)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.booking import Procedure, Reservation, Slot, Venue
from core.db.models.cards import Card
from core.db.models.register import Household, Resident

JST = timezone(timedelta(hours=9))
_serial = itertools.count(1)


def add_resident(session: Session, **overrides: Any) -> Resident:
    """Insert a resident (status 1 住民 unless overridden) and their household."""
    n = next(_serial)
    birth = overrides.pop("birth_date", date(1985, 10, 10))
    values: dict[str, Any] = {
        "atena_no": f"9{n:09d}",
        "juminhyo_code": f"{80000000000 + n:011d}",
        "household_no": f"7{n:08d}",
        "relation": "世帯主",
        "resident_kind": 1,
        "resident_status": 1,
        "name": "藤沢\u3000花子",
        "name_kana": "フジサワ\u3000ハナコ",
        "birth_year": birth.year,
        "birth_month": birth.month,
        "birth_day": birth.day,
        "birth_date": birth,
        "sex": 2,
        "postal_code": "2518601",
        "address": "神奈川県藤沢市朝日町1番地の1",
        "area_code": "010100",
        "move_reason": "A01",
        "move_date": date(2010, 4, 1),
        "card_status": 1,
        "updated_at": datetime(2026, 11, 1, 9, 0, tzinfo=JST),
    }
    values.update(overrides)
    if session.get(Household, values["household_no"]) is None:
        session.add(Household(household_no=values["household_no"], head_atena_no=values["atena_no"]))
    resident = Resident(**values)
    session.add(resident)
    session.flush()
    return resident


def add_card(session: Session, holder: Resident | None, state: str = "notified", **overrides: Any) -> Card:
    """Insert a card for HOLDER in STATE."""
    n = next(_serial)
    values: dict[str, Any] = {
        "legacy_id": f"T{n:08d}",
        "holder_atena_no": holder.atena_no if holder else None,
        "holder_juminhyo_code": holder.juminhyo_code if holder else None,
        "notice_no": f"F{n % 100:02d}-{n:06d}",
        "state": state,
        "issued_on": date(2026, 9, 1),
        "expires_on": date(2036, 10, 10),
        "notified_on": date(2026, 9, 20),
    }
    values.update(overrides)
    card = Card(**values)
    session.add(card)
    session.flush()
    return card


def add_place(
    session: Session,
    venue_code: str,
    procedure_code: str,
    venue_names: tuple[str, str] = ("本庁舎", "City Hall"),
    procedure_names: tuple[str, str] = ("カード受取", "Card pickup"),
    **procedure_fields: Any,
) -> tuple[Venue, Procedure]:
    """A venue and a 15-minute procedure (card pickup at City Hall unless named otherwise; PROCEDURE_FIELDS:
    the procedure's other columns, e.g. duration_minutes, needs_notice_no)."""
    venue = Venue(code=venue_code, name_ja=venue_names[0], name_en=venue_names[1])
    procedure_fields.setdefault("duration_minutes", 15)
    procedure = Procedure(
        code=procedure_code, name_ja=procedure_names[0], name_en=procedure_names[1], **procedure_fields
    )
    session.add_all([venue, procedure])
    session.flush()
    return venue, procedure


def find_place(session: Session, venue_code: str, procedure_code: str) -> tuple[Venue, Procedure]:
    """The venue and the procedure a seed already holds, by their codes."""
    venue = session.scalars(select(Venue).where(Venue.code == venue_code)).one()
    procedure = session.scalars(select(Procedure).where(Procedure.code == procedure_code)).one()
    return venue, procedure


def add_slot(
    session: Session, venue_id: int, procedure_id: int, starts_at: datetime, capacity: int = 2, **fields: Any
) -> Slot:
    """A 15-minute time at STARTS_AT with CAPACITY seats (FIELDS: the slot's other columns, e.g. booked)."""
    slot = Slot(
        venue_id=venue_id,
        procedure_id=procedure_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=15),
        capacity=capacity,
        **fields,
    )
    session.add(slot)
    session.flush()
    return slot


def add_booking(
    session: Session,
    venue_id: int,
    procedure_id: int,
    starts_at: datetime,
    booking_no: str,
    capacity: int = 2,
    **fields: Any,
) -> Reservation:
    """A 15-minute time at STARTS_AT with CAPACITY seats, one of them taken by the booking BOOKING_NO (FIELDS:
    the reservation's other columns, e.g. name, notice_no, channel)."""
    slot = add_slot(session, venue_id, procedure_id, starts_at, capacity, booked=1)
    fields.setdefault("secret_hash", booking_no.ljust(64, "0"))
    reservation = Reservation(booking_no=booking_no, slot_id=slot.id, procedure_id=procedure_id, **fields)
    session.add(reservation)
    session.flush()
    return reservation
