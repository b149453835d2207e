"""Monthly counter capacity: the seats of the slots the templates generate (generate_slots' rules)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models.booking import Closure, Procedure, Slot, SlotTemplate, Venue
from core.services.capacity import monthly_capacity
from core.services.slots import generate_slots
from tests.factories import JST, add_place


def test_capacity_counts_template_days_less_closures_holidays_and_the_year_end(session: Session) -> None:
    hq = Venue(code="C-HQ", name_ja="容量本庁", name_en="HQ")
    branch = Venue(code="C-BR", name_ja="容量支所", name_en="Branch")
    procedure = Procedure(code="C-PICK", name_ja="受取", name_en="Pickup", duration_minutes=15)
    session.add_all([hq, branch, procedure])
    session.flush()
    session.add_all(
        [
            # Mondays 09:00–12:00, 15 minutes, 2 seats: 24 visits a day
            SlotTemplate(venue_id=hq.id, procedure_id=procedure.id, weekday=0, starts_at=time(9),
                         ends_at=time(12), slot_minutes=15, capacity=2),
            # Tuesdays from 20 November only, 09:00–10:00, 30 minutes, 1 seat: 2 visits a day
            SlotTemplate(venue_id=branch.id, procedure_id=procedure.id, weekday=1, starts_at=time(9),
                         ends_at=time(10), slot_minutes=30, capacity=1, valid_from=date(2026, 11, 20)),
            Closure(venue_id=hq.id, kind="closure", reason_ja="臨時休業",
                    starts_at=datetime(2026, 11, 9, 0, 0, tzinfo=JST),
                    ends_at=datetime(2026, 11, 10, 0, 0, tzinfo=JST)),
            Closure(venue_id=hq.id, kind="closure", reason_ja="9時台休止",  # 4 of the day's 12 slots
                    starts_at=datetime(2026, 11, 16, 9, 0, tzinfo=JST),
                    ends_at=datetime(2026, 11, 16, 10, 0, tzinfo=JST)),
            Closure(venue_id=hq.id, kind="opening", reason_ja="臨時開庁",  # 勤労感謝の日 opened specially
                    starts_at=datetime(2026, 11, 23, 0, 0, tzinfo=JST),
                    ends_at=datetime(2026, 11, 24, 0, 0, tzinfo=JST)),
            Closure(venue_id=hq.id, kind="jlis_outage", reason_ja="J-LIS停止",  # Mon 14 to Tue 15 December
                    starts_at=datetime(2026, 12, 14, 0, 0, tzinfo=JST),
                    ends_at=datetime(2026, 12, 16, 0, 0, tzinfo=JST)),
            Closure(venue_id=None, kind="closure", reason_ja="全庁停電",
                    starts_at=datetime(2026, 12, 1, 0, 0, tzinfo=JST),
                    ends_at=datetime(2026, 12, 2, 0, 0, tzinfo=JST)),
        ]
    )  # fmt: skip
    session.flush()
    # November 2026: Mondays 2, 9 (closed), 16 (9時台 closed: 16), 23 (holiday, opened), 30 → 3 × 24 + 16;
    #                Tuesdays 24 → 1 × 2
    # December 2026: Mondays 7, 14 (J-LIS outage at HQ), 21, 28 → 3 × 24;
    #                Tuesdays 1 (closed everywhere), 8, 15 (HQ's outage only), 22, 29 (年末年始) → 3 × 2
    assert monthly_capacity(session, [date(2026, 11, 1), date(2026, 12, 1)]) == [90, 78]


def test_capacity_equals_the_seats_of_the_generated_slots(session: Session) -> None:
    venue, procedure = add_place(
        session, "C-EQ", "C-EQP", ("容量照合", "Check"), ("受取", "Pickup"), duration_minutes=20
    )
    template = partial(SlotTemplate, venue_id=venue.id, procedure_id=procedure.id)
    templates = [
        *(template(weekday=weekday, starts_at=time(8, 30), ends_at=time(17, 15), slot_minutes=20, capacity=3)
          for weekday in range(5)),
        # 2nd and 4th Saturdays; a late evening that J-LIS cuts at 19:30; a template ending in March
        template(weekday=5, starts_at=time(9), ends_at=time(12), slot_minutes=30, capacity=2,
                 weeks_of_month="2,4"),
        template(weekday=3, starts_at=time(17, 15), ends_at=time(20), slot_minutes=15, capacity=1,
                 valid_to=date(2027, 3, 31)),
        # a Sunday opening: the Sunday after the 3rd Saturday has no card procedures
        template(weekday=6, starts_at=time(9), ends_at=time(11), slot_minutes=30, capacity=1),
    ]  # fmt: skip
    session.add_all([
        *templates,
        Closure(venue_id=None, kind="jlis_outage", reason_ja="J-LIS停止",  # Friday evening into Saturday
                starts_at=datetime(2027, 1, 8, 16, 0, tzinfo=JST),
                ends_at=datetime(2027, 1, 9, 10, 0, tzinfo=JST)),
        Closure(venue_id=venue.id, kind="opening", reason_ja="祝日開庁",
                starts_at=datetime(2027, 5, 3, 0, 0, tzinfo=JST),
                ends_at=datetime(2027, 5, 4, 0, 0, tzinfo=JST)),
    ])  # fmt: skip
    session.flush()
    months = [date(2026, 12, 1), date(2027, 1, 1), date(2027, 4, 1), date(2027, 5, 1)]
    for month in months:
        generate_slots(
            session, month, date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
        )
    offered = [
        session.scalar(
            select(func.coalesce(func.sum(Slot.capacity), 0)).where(
                Slot.starts_at >= datetime.combine(month, time(0), JST),
                Slot.starts_at < datetime.combine(month + timedelta(days=31), time(0), JST).replace(day=1),
            )
        )
        for month in months
    ]
    assert all(offered)
    assert monthly_capacity(session, months) == offered
