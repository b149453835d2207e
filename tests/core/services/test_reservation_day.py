"""The day's list: a check-in or no-show on another day than the booking's is refused unless the clerk
overrides it with a reason, which the audit log keeps; a no-show waits for the slot to start."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.booking import Reservation
from core.domain.booking import TOKYO
from core.services import reservation_day as day_ops
from core.services import reservations_admin as admin
from core.services.audit import Actor
from core.services.reservations_admin import BookingAdminError
from tests.factories import add_booking

COUNTER = Actor("C0001", role="counter")
BOOKING_DAY = date(2026, 12, 10)  # a Thursday
EARLIER = datetime(2026, 12, 4, 9, 0, tzinfo=TOKYO)  # the console clock a week before


@pytest.fixture
def booking(session: Session) -> Reservation:
    """R-DAY, booked for 12/10 at 10:00."""
    venue = admin.save_venue(session, COUNTER, "TSJ", "辻堂市民センター", "Tsujido Civic Center")
    procedure = admin.save_procedure(session, COUNTER, "PICK", "カード受取", "Card pickup", 15, True)
    start = datetime.combine(BOOKING_DAY, time(10, 0), TOKYO)
    return add_booking(session, venue.id, procedure.id, start, "R-DAY", secret_hash="d" * 64)


def _audit(session: Session, action: str) -> AuditEntry:
    return session.scalars(
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object_id == "R-DAY")
    ).one()


def test_a_check_in_on_another_day_is_refused_and_changes_nothing(
    session: Session, booking: Reservation
) -> None:
    with pytest.raises(BookingAdminError) as caught:
        day_ops.set_status(session, COUNTER, "R-DAY", "checked_in", EARLIER)
    assert "12月10日の予約のため、本日(12月4日)は受付できません" in caught.value.message_ja
    assert (booking.status, booking.checked_in_at) == ("booked", None)


def test_a_check_in_on_the_booking_day_goes_through_without_an_override(
    session: Session, booking: Reservation
) -> None:
    now = datetime.combine(BOOKING_DAY, time(9, 50), TOKYO)
    day_ops.set_status(session, COUNTER, "R-DAY", "checked_in", now)
    assert (booking.status, booking.checked_in_at) == ("checked_in", now)
    assert _audit(session, "reservation_checked_in").detail is None


def test_an_overridden_check_in_is_audited_with_the_booking_day_and_the_reason(
    session: Session, booking: Reservation
) -> None:
    with pytest.raises(BookingAdminError, match="理由を入力してください"):
        day_ops.set_status(session, COUNTER, "R-DAY", "checked_in", EARLIER, override_reason=" ")
    day_ops.set_status(session, COUNTER, "R-DAY", "checked_in", EARLIER, override_reason="来庁日を勘違い")
    assert (booking.status, booking.checked_in_at) == ("checked_in", EARLIER)
    entry = _audit(session, "reservation_checked_in")
    assert entry.detail == {
        "override": True,
        "booking_day": "2026-12-10",
        "today": "2026-12-04",
        "reason": "来庁日を勘違い",
    }
    assert entry.summary is not None
    assert "日付違いを承知で処理" in entry.summary
    assert "2026-12-10" in entry.summary


def test_a_no_show_waits_for_the_slot_to_start(session: Session, booking: Reservation) -> None:
    before = datetime.combine(BOOKING_DAY, time(9, 59), TOKYO)
    with pytest.raises(BookingAdminError, match="まだ始まっていない"):
        day_ops.set_status(session, COUNTER, "R-DAY", "no_show", before, override_reason="早めに処理")
    with pytest.raises(BookingAdminError, match="無断キャンセルにできません"):
        day_ops.set_status(session, COUNTER, "R-DAY", "no_show", before + timedelta(days=1))
    assert booking.status == "booked"
    day_ops.set_status(session, COUNTER, "R-DAY", "no_show", before + timedelta(minutes=31))
    assert booking.status == "no_show"


def test_a_cancellation_on_behalf_may_come_any_day(session: Session, booking: Reservation) -> None:
    day_ops.set_status(session, COUNTER, "R-DAY", "cancelled", EARLIER)
    assert booking.status == "cancelled"
