"""Monthly counter capacity from the slot templates, without the days a venue is closed all day."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy.orm import Session

from core.db.models.booking import Closure, Procedure, SlotTemplate, Venue
from core.services.capacity import monthly_capacity
from tests.factories import JST


def test_capacity_counts_template_days_and_leaves_out_whole_day_closures(session: Session) -> None:
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
            Closure(venue_id=hq.id, kind="closure", reason_ja="午前のみ休止",  # not all day: still counted
                    starts_at=datetime(2026, 11, 16, 9, 0, tzinfo=JST),
                    ends_at=datetime(2026, 11, 16, 12, 0, tzinfo=JST)),
            Closure(venue_id=hq.id, kind="opening", reason_ja="臨時開庁",  # an opening closes nothing
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
    # November 2026: Mondays 2, 9 (closed), 16, 23, 30 → 4 × 24; Tuesdays 24 → 1 × 2
    # December 2026: Mondays 7, 14 (J-LIS outage at HQ), 21, 28 → 3 × 24;
    #                Tuesdays 1 (closed everywhere), 8, 15, 22, 29 → 4 × 2 (the outage is HQ's only)
    assert monthly_capacity(session, [date(2026, 11, 1), date(2026, 12, 1)]) == [98, 80]
