"""Dates and kana as people type them into a form: 和暦 or Western, full- or half-width, with any separator.

The era rules are the register's (`core.domain.register.ERAS`): one table of eras for the extract and forms.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum

import jaconv

from core.domain.errors import DomainError
from core.domain.register import ERAS, NAME_SEPARATOR, Era, is_kana_name

EARLIEST_BIRTH = date(1900, 1, 1)
MAX_TYPED_LENGTH = 40  # longer text is no date; refused before any pattern looks at it

# 昭和, 昭 and S all name Shōwa (NFKC has already turned ㍼ into 昭和 and full-width Ｓ into S).
_ERA_NAMES: dict[str, Era] = {
    **{era.name_ja: era for era in ERAS},
    **{era.name_ja[0]: era for era in ERAS},
    **{era.name_en[0]: era for era in ERAS},
}
_ERA = "|".join(sorted(_ERA_NAMES, key=len, reverse=True))
_SEP = r"\s*[年月./\-\s]\s*"
_SPELLED = re.compile(
    rf"(?:(?P<era>{_ERA})\s*)?(?P<y>\d{{1,4}}|元){_SEP}(?P<m>\d{{1,2}}){_SEP}(?P<d>\d{{1,2}})\s*日?"
)
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_ERA_COMPACT = re.compile(rf"(?P<era>{_ERA})(?P<y>\d{{2}})(?P<m>\d{{2}})(?P<d>\d{{2}})")


class DateProblem(StrEnum):
    """Why a typed date was refused (the site words each one for the resident)."""

    FORMAT = "format"  # not a date in any form we read
    NO_SUCH_DAY = "no_such_day"  # 2月30日, 2月29日 of a common year, 13月
    OUTSIDE_ERA = "outside_era"  # 平成31年5月1日 (that day is 令和元年)
    FUTURE = "future"  # after today
    TOO_EARLY = "too_early"  # before 1900


_MESSAGES: dict[DateProblem, tuple[str, str]] = {
    DateProblem.FORMAT: ("日付として読めません", "not a date"),
    DateProblem.NO_SUCH_DAY: ("その日付はありません", "no such day"),
    DateProblem.OUTSIDE_ERA: ("元号と年が合いません", "the year is outside that era"),
    DateProblem.FUTURE: ("今日より後の日付です", "the date is after today"),
    DateProblem.TOO_EARLY: ("1900年より前の日付です", "the date is before 1900"),
}


class InvalidTypedDate(DomainError):  # noqa: N818 - named for what happened, like the other domain errors
    """A typed date was refused; `problem` says why."""

    def __init__(self, problem: DateProblem) -> None:
        super().__init__(*_MESSAGES[problem])
        self.problem = problem


def parse_typed_date(text: str, today: date) -> date:
    """The day in TEXT (1964年11月1日, 昭和39年11月1日, S39.11.1, 1964/11/1, 19641101, full-width too),
    between 1900-01-01 and TODAY. Raises InvalidTypedDate."""
    if len(text) > MAX_TYPED_LENGTH:
        raise InvalidTypedDate(DateProblem.FORMAT)
    value = unicodedata.normalize("NFKC", text).strip().upper()
    match = _COMPACT.fullmatch(value) or _ERA_COMPACT.fullmatch(value) or _SPELLED.fullmatch(value)
    if match is None:
        raise InvalidTypedDate(DateProblem.FORMAT)
    era = _ERA_NAMES.get(match.groupdict().get("era") or "")
    day = _day(era, match["y"], int(match["m"]), int(match["d"]))
    if day < EARLIEST_BIRTH:
        raise InvalidTypedDate(DateProblem.TOO_EARLY)
    if day > today:
        raise InvalidTypedDate(DateProblem.FUTURE)
    return day


def _day(era: Era | None, year_text: str, month: int, day_of_month: int) -> date:
    """The date of the parts; an era year counts from 元年 = 1 and the day must fall within the era."""
    if era is None and (year_text == "元" or len(year_text) != 4):
        raise InvalidTypedDate(DateProblem.FORMAT)  # 元 or a two-digit year needs its era
    era_year = 1 if year_text == "元" else int(year_text)
    if era is not None and not 1 <= era_year <= 99:
        raise InvalidTypedDate(DateProblem.OUTSIDE_ERA)
    year = era.gregorian_year(era_year) if era else era_year
    try:
        day = date(year, month, day_of_month)
    except ValueError:
        raise InvalidTypedDate(DateProblem.NO_SUCH_DAY) from None
    if era is not None and not era.contains(day):
        raise InvalidTypedDate(DateProblem.OUTSIDE_ERA)
    return day


def normalise_kana(text: str) -> str:
    """Typed フリガナ as the register writes it: katakana (hiragana and half-width converted), parts separated
    by one full-width space."""
    katakana = jaconv.hira2kata(unicodedata.normalize("NFKC", text))
    return NAME_SEPARATOR.join(katakana.split())


def is_typed_kana_name(text: str) -> bool:
    """True when TEXT, once normalised, is a katakana name the register could hold."""
    return is_kana_name(normalise_kana(text))
