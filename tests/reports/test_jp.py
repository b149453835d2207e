"""和暦 on printed forms: era boundaries, 元年, unknown dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from reports.jp import printed_at, wareki, wareki_with_western


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1985, 4, 12), "昭和60年4月12日"),
    ],
)
def test_wareki_follows_the_era_boundaries(day: date, expected: str) -> None:
    assert wareki(day) == expected


def test_forms_print_both_calendars_and_leave_unknown_dates_blank() -> None:
    assert wareki_with_western(date(2031, 4, 12)) == "令和13年4月12日 (2031年)"
    assert wareki(None) == ""
    assert wareki_with_western(None) == ""


def test_the_print_time_names_the_weekday() -> None:
    assert printed_at(datetime(2026, 11, 26, 9, 5)) == "2026年11月26日(木) 09:05"
