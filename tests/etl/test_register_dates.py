"""etl.register_dates: Arrow takes only the dates the domain's parser reads the same way."""

from __future__ import annotations

import re
from datetime import date

import pyarrow as pa
import pytest

from core.domain.register import InvalidRegisterDate, parse_register_date
from etl.register_dates import date_lookups, dates_valid, whole_dates

STANDARD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8}")
YEARS = ("0000", "0001", "1900", "1950", "2000", "2023", "2024", "9999")


def candidates() -> list[str]:
    """Every month 00-13 and day 00-32 of some years, both forms, and a few odd texts."""
    texts = [
        f"{year}{sep}{month:02d}{sep}{day:02d}"
        for year in YEARS
        for month in range(14)
        for day in range(33)
        for sep in ("", "-")
    ]
    return [*texts, "", " 2024-01-01", "2024-1-01", "２０２４０１０１", "3550300", "5070401", "2024/01/01"]


def domain_date(text: str) -> date | None:
    try:
        return parse_register_date(text).as_date()
    except InvalidRegisterDate:
        return None


def test_arrow_takes_only_whole_dates_the_domain_reads_alike() -> None:
    texts = candidates()
    mask, dates = whole_dates(pa.array(texts))
    taken = [t for t, whole in zip(texts, mask.to_pylist(), strict=True) if whole]
    assert "2024-02-29" in taken
    assert "20230229" not in taken  # 2023 is no leap year
    assert "0000-01-01" not in taken  # year 0 is refused by the domain
    for text, whole, converted in zip(texts, mask.to_pylist(), dates.to_pylist(), strict=True):
        if whole:
            assert converted == domain_date(text), text
        elif STANDARD.fullmatch(text) and domain_date(text) is not None:
            pytest.fail(f"{text} is a whole date Arrow should convert")


@pytest.mark.parametrize(
    ("birth", "move", "valid"),
    [
        ("1950-00-00", "2024-01-01", True),  # 不詳 parts in the birth date only
        ("3550300", "5070401", True),  # 和暦
        ("1950-02-30", "2024-01-01", False),
        ("1950-01-01", "2024-01-00", False),  # a move date must be whole
        ("1950-01-01", "", True),
    ],
)
def test_date_lookups_judge_as_the_domain(birth: str, move: str, valid: bool) -> None:
    table = pa.table(
        {"birth_date": [birth], "move_date": [move], "notified_date": [""], "residence_expiry": [""]}
    )
    assert dates_valid(date_lookups(table)) is valid
