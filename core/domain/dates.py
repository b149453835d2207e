"""How residents read dates and times: 2026年12月7日(月) / Mon 7 Dec 2026, deadlines 12月6日(日) 23:59.

One place for the site's pages, its error messages and its mails; no locale is consulted (the server's
locale must not change what a resident reads). Times are shown in Japan's time whatever zone they come in.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _english(lang: str) -> bool:
    return lang == "en"


def _tokyo(moment: datetime) -> datetime:
    return moment.astimezone(TOKYO) if moment.tzinfo else moment


def day_text(day: date, lang: str = "ja") -> str:
    """`2026年12月7日(月)` / `Mon 7 Dec 2026`."""
    if _english(lang):
        return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"


def short_day_text(day: date, lang: str = "ja") -> str:
    """The day without its year: `12月7日(月)` / `Mon 7 Dec`."""
    if _english(lang):
        return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]}"
    return f"{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"


def time_text(moment: datetime) -> str:
    """`9:00` is written `09:00`: the clock time in Japan, 24-hour."""
    return f"{_tokyo(moment):%H:%M}"


def when_text(moment: datetime, lang: str = "ja") -> str:
    """A visit's start: `2026年12月7日(月) 10:30` / `Mon 7 Dec 2026, 10:30`."""
    local = _tokyo(moment)
    separator = ", " if _english(lang) else " "
    return f"{day_text(local.date(), lang)}{separator}{time_text(local)}"


def deadline_text(moment: datetime, lang: str = "ja") -> str:
    """A deadline in the near future: `12月6日(日) 23:59` / `Sun 6 Dec 23:59` (seconds dropped)."""
    local = _tokyo(moment)
    return f"{short_day_text(local.date(), lang)} {time_text(local)}"


def month_text(month: date, lang: str = "ja") -> str:
    """A calendar month: `2026年12月` / `December 2026`."""
    if _english(lang):
        return f"{MONTH_NAMES_EN[month.month - 1]} {month.year}"
    return f"{month.year}年{month.month}月"
