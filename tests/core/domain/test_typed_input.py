"""Dates and kana as residents type them: 和暦, Western, full-width, compact; refusals say why."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.register import ERAS
from core.domain.typed_input import (
    DateProblem,
    InvalidTypedDate,
    is_typed_kana_name,
    normalise_kana,
    parse_typed_date,
)

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1964年11月1日", date(1964, 11, 1)),
        ("昭和39年11月1日", date(1964, 11, 1)),
        ("昭和３９年１１月１日", date(1964, 11, 1)),
        ("S39.11.1", date(1964, 11, 1)),
        ("s39.11.01", date(1964, 11, 1)),
        ("Ｓ３９．１１．１", date(1964, 11, 1)),  # full-width letters and digits
        ("S391101", date(1964, 11, 1)),
        ("昭39年11月1日", date(1964, 11, 1)),
        ("R2.4.1", date(2020, 4, 1)),
        ("H元年1月8日", date(1989, 1, 8)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("㍻元年1月8日", date(1989, 1, 8)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("大正3年2月1日", date(1914, 2, 1)),
        ("明治33年1月1日", date(1900, 1, 1)),
        ("1964/11/1", date(1964, 11, 1)),
        ("1964-11-01", date(1964, 11, 1)),
        ("１９６４／１１／１", date(1964, 11, 1)),
        ("19641101", date(1964, 11, 1)),
        ("１９６４１１０１", date(1964, 11, 1)),
        (" 1964 11 1 ", date(1964, 11, 1)),
        ("1964　年　11　月　1　日", date(1964, 11, 1)),  # full-width spaces
        ("2026-12-01", TODAY),
        ("2024年2月29日", date(2024, 2, 29)),
    ],
)
def test_typed_dates_are_read_in_every_common_form(text: str, expected: date) -> None:
    assert parse_typed_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("平成31年5月1日", DateProblem.OUTSIDE_ERA),
        ("令和元年4月30日", DateProblem.OUTSIDE_ERA),
        ("昭和64年1月8日", DateProblem.OUTSIDE_ERA),
        ("令和100年1月1日", DateProblem.OUTSIDE_ERA),
        ("2023年2月29日", DateProblem.NO_SUCH_DAY),
        ("20230229", DateProblem.NO_SUCH_DAY),
        ("1985-13-45", DateProblem.NO_SUCH_DAY),
        ("2026-12-02", DateProblem.FUTURE),
        ("令和9年1月1日", DateProblem.FUTURE),
        ("1899-12-31", DateProblem.TOO_EARLY),
        ("明治32年12月31日", DateProblem.TOO_EARLY),
        ("64/11/1", DateProblem.FORMAT),  # a two-digit year needs its era
        ("元年5月1日", DateProblem.FORMAT),
        ("X39.11.1", DateProblem.FORMAT),
        ("yesterday", DateProblem.FORMAT),
        ("", DateProblem.FORMAT),
        ("1964\x0011\x0001", DateProblem.FORMAT),
        ("1" * 10_000, DateProblem.FORMAT),
        ("1964-11-01" + " " * 100, DateProblem.FORMAT),
    ],
)
def test_impossible_future_and_garbled_dates_are_refused_with_their_reason(
    text: str, problem: DateProblem
) -> None:
    with pytest.raises(InvalidTypedDate) as caught:
        parse_typed_date(text, TODAY)
    assert caught.value.problem is problem
    assert caught.value.message_ja
    assert caught.value.message_en


def test_the_eras_year_counts_from_gannen() -> None:
    heisei = next(era for era in ERAS if era.name_ja == "平成")
    assert heisei.gregorian_year(1) == 1989
    assert heisei.gregorian_year(31) == 2019


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ふじさわ たろう", "フジサワ\u3000タロウ"),
        ("フジサワ\u3000タロウ", "フジサワ\u3000タロウ"),
        ("ﾌｼﾞｻﾜ ﾀﾛｳ", "フジサワ\u3000タロウ"),
        ("  ふじさわ\u3000\u3000たろう ", "フジサワ\u3000タロウ"),
        ("ゔぃーなす", "ヴィーナス"),
    ],
)
def test_typed_kana_becomes_the_registers_katakana(typed: str, expected: str) -> None:
    assert normalise_kana(typed) == expected
    assert is_typed_kana_name(typed)


@pytest.mark.parametrize("typed", ["fujisawa", "藤沢", "フジサワ1", ""])
def test_non_kana_names_are_refused(typed: str) -> None:
    assert not is_typed_kana_name(typed)
