"""A check-in or no-show belongs to the booking's day: worked examples of `check_visit_day`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.booking import TOKYO
from core.domain.reservations import ReservationStatus, VisitDayRefused, check_visit_day

R = ReservationStatus
SLOT = datetime(2026, 12, 10, 10, 30, tzinfo=TOKYO)  # the booking: 12/10 10:30


def test_a_check_in_on_the_booking_day_needs_no_override() -> None:
    assert check_visit_day(R.CHECKED_IN, SLOT, datetime(2026, 12, 10, 8, 45, tzinfo=TOKYO)) is False
    # a late arrival the same evening is still that day
    assert check_visit_day(R.CHECKED_IN, SLOT, datetime(2026, 12, 10, 19, 0, tzinfo=TOKYO)) is False


def test_a_12_10_booking_checked_in_on_12_04_is_refused_with_both_days() -> None:
    with pytest.raises(VisitDayRefused) as caught:
        check_visit_day(R.CHECKED_IN, SLOT, datetime(2026, 12, 4, 9, 0, tzinfo=TOKYO))
    assert caught.value.message_ja.startswith("この予約は12月10日の予約のため、本日(12月4日)は受付できません")
    assert "日付違いを承知で処理する" in caught.value.message_ja
    assert "2026-12-10" in caught.value.message_en
    assert "2026-12-04" in caught.value.message_en


def test_the_day_is_japans_not_utcs() -> None:
    # 12/10 00:30 in Tokyo is still 12/09 in UTC: the same day for the counter
    early = datetime(2026, 12, 10, 0, 30, tzinfo=TOKYO)
    assert check_visit_day(R.CHECKED_IN, SLOT, early.astimezone(UTC)) is False
    with pytest.raises(VisitDayRefused):
        check_visit_day(R.CHECKED_IN, SLOT, datetime(2026, 12, 9, 23, 59, tzinfo=TOKYO))


def test_an_override_with_a_reason_lets_a_wrong_day_through_and_says_so() -> None:
    now = datetime(2026, 12, 4, 9, 0, tzinfo=TOKYO)
    assert check_visit_day(R.CHECKED_IN, SLOT, now, "予約日を勘違いして来庁、窓口に空きあり") is True


def test_an_override_without_a_reason_is_refused() -> None:
    now = datetime(2026, 12, 4, 9, 0, tzinfo=TOKYO)
    with pytest.raises(VisitDayRefused, match="理由を入力してください"):
        check_visit_day(R.CHECKED_IN, SLOT, now, "   ")


def test_a_no_show_before_the_slot_starts_is_refused_even_with_an_override() -> None:
    with pytest.raises(VisitDayRefused, match="まだ始まっていない"):
        check_visit_day(R.NO_SHOW, SLOT, datetime(2026, 12, 10, 10, 29, tzinfo=TOKYO))
    with pytest.raises(VisitDayRefused, match="12月10日 10:30"):
        check_visit_day(R.NO_SHOW, SLOT, datetime(2026, 12, 4, 9, 0, tzinfo=TOKYO), "先に処理したい")


def test_a_no_show_from_the_slots_start_that_day_needs_no_override() -> None:
    assert check_visit_day(R.NO_SHOW, SLOT, SLOT) is False
    assert check_visit_day(R.NO_SHOW, SLOT, datetime(2026, 12, 10, 17, 0, tzinfo=TOKYO)) is False


def test_a_no_show_recorded_on_a_later_day_needs_an_override() -> None:
    later = datetime(2026, 12, 11, 9, 0, tzinfo=TOKYO)
    with pytest.raises(VisitDayRefused, match="無断キャンセルにできません"):
        check_visit_day(R.NO_SHOW, SLOT, later)
    assert check_visit_day(R.NO_SHOW, SLOT, later, "前日の記録漏れ") is True


@pytest.mark.parametrize("target", [R.CANCELLED, R.COMPLETED])
def test_other_changes_do_not_depend_on_the_day(target: R) -> None:
    assert check_visit_day(target, SLOT, datetime(2026, 12, 4, 9, 0, tzinfo=TOKYO)) is False
