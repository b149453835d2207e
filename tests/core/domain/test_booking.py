"""Pure booking rules: notice numbers, J-LIS days, slot times, window, deadlines, marks."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from core.domain.booking import (
    TOKYO,
    BookingError,
    BookingRules,
    Mark,
    check_bookable_day,
    check_changeable,
    is_jlis_stop_sunday,
    is_valid_notice_no,
    is_year_end,
    mark_for,
    normalise_notice_no,
    slot_times,
    week_of_month,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("abc－123456", "ABC-123456"), ("Ａ１Ｂ‐１２３４５６", "A1B-123456"), (" a1b123456 ", "A1B-123456")],
)
def test_notice_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalise_notice_no(raw) == expected
    assert is_valid_notice_no(expected)


@pytest.mark.parametrize("bad", ["AB-123456", "ABCD-12345", "A1B-12345X", ""])
def test_malformed_notice_numbers_are_invalid(bad: str) -> None:
    assert not is_valid_notice_no(normalise_notice_no(bad))


@pytest.mark.parametrize(
    ("day", "stop"),
    [
        (date(2026, 12, 20), True),  # 3rd Saturday is 12-19
        (date(2026, 12, 13), False),
        (date(2026, 11, 22), True),  # 3rd Saturday 11-21
        (date(2026, 8, 16), True),  # 3rd Saturday 08-15
        (date(2026, 8, 23), False),
    ],
)
def test_the_sunday_after_the_third_saturday_has_no_card_procedures(day: date, stop: bool) -> None:
    assert is_jlis_stop_sunday(day) is stop


def test_year_end_and_week_of_month() -> None:
    assert is_year_end(date(2026, 12, 29))
    assert is_year_end(date(2027, 1, 3))
    assert not is_year_end(date(2027, 1, 4))
    assert week_of_month(date(2026, 12, 12)) == 2
    assert week_of_month(date(2026, 12, 26)) == 4


def test_no_slot_ends_after_1930() -> None:
    slots = slot_times(date(2026, 12, 3), time(17, 0), time(20, 0), 30)
    assert slots[-1][1] == datetime(2026, 12, 3, 19, 30, tzinfo=TOKYO)
    assert len(slots) == 5


def test_booking_window_refuses_past_today_and_far_days() -> None:
    rules = BookingRules(min_days_ahead=1, max_days_ahead=61)
    today = date(2026, 12, 1)
    check_bookable_day(today, date(2026, 12, 2), rules)
    for visit, word in ((date(2026, 11, 30), "過去"), (today, "以降"), (date(2027, 2, 1), "まで")):
        with pytest.raises(BookingError, match=word):
            check_bookable_day(today, visit, rules)


def test_changes_close_at_the_deadline() -> None:
    rules = BookingRules(change_deadline_days=1)
    check_changeable(datetime(2026, 12, 3, 23, 59, tzinfo=TOKYO), date(2026, 12, 4), rules)
    with pytest.raises(BookingError, match="期限"):
        check_changeable(datetime(2026, 12, 4, 0, 0, 1, tzinfo=TOKYO), date(2026, 12, 4), rules)


def test_calendar_marks() -> None:
    assert mark_for(10, 10) is Mark.FREE
    assert mark_for(3, 10) is Mark.FEW
    assert mark_for(1, 1) is Mark.FEW
    assert mark_for(0, 10) is Mark.FULL
    assert mark_for(0, 0) is Mark.NONE
