"""Japanese date forms for printed documents: 和暦 (era) dates as forms at the counter show them."""

from __future__ import annotations

from datetime import date, datetime

# (first day, era name), newest first (resident-extract.md: era boundaries)
ERAS = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 10, 23), "明治"),
)
WEEKDAYS = "月火水木金土日"


def wareki(day: date | None) -> str:
    """`昭和60年4月12日`; the first year of an era is 元年; unknown dates are blank."""
    if day is None:
        return ""
    for start, name in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def wareki_with_western(day: date | None) -> str:
    """`昭和60年4月12日 (1985年)`: both forms, so nobody has to convert at the counter."""
    if day is None:
        return ""
    return f"{wareki(day)} ({day.year}年)"


def printed_at(moment: datetime) -> str:
    """`2026年11月26日(木) 19:20`."""
    return f"{moment.year}年{moment.month}月{moment.day}日({WEEKDAYS[moment.weekday()]}) {moment:%H:%M}"
