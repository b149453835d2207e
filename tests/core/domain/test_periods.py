"""Reporting periods and the days of them the figures cover: partial ones say so."""

from __future__ import annotations

from datetime import date

from core.domain.periods import period_end, period_label, period_start, span

AS_OF = date(2026, 12, 4)


def test_periods_start_end_and_are_written_as_people_read_them() -> None:
    assert period_start(date(2026, 12, 4), "week") == date(2026, 11, 30)  # Monday
    assert period_end(date(2028, 2, 1), "month") == date(2028, 2, 29)
    assert period_label(date(2025, 12, 1), "month") == "2025-12"
    assert period_label(date(2025, 12, 1), "day") == "2025-12-01"


def test_the_month_of_the_build_is_counted_so_far() -> None:
    december = span(date(2026, 12, 1), "month", date(2025, 12, 4), AS_OF, AS_OF)
    assert december.partial
    assert december.note == "集計中（12月1日〜4日）"


def test_a_month_cut_by_the_range_is_partial_and_a_whole_month_is_not() -> None:
    first = span(date(2025, 12, 1), "month", date(2025, 12, 4), AS_OF, AS_OF)
    assert first.note == "一部の期間（12月4日〜31日）"
    november = span(date(2026, 11, 1), "month", date(2025, 12, 4), AS_OF, AS_OF)
    assert (november.partial, november.note) == (False, "")


def test_the_day_of_the_build_is_still_being_counted() -> None:
    assert span(AS_OF, "day", AS_OF, AS_OF, AS_OF).note == "集計中（12月4日）"
    assert not span(date(2026, 12, 3), "day", date(2026, 12, 1), AS_OF, AS_OF).partial
