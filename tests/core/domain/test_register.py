"""The resident extract contract: columns, codes, the three date forms, eras, 不詳 dates and file names."""

from __future__ import annotations

import hashlib
import itertools
from datetime import date, timedelta

import pytest

from core.domain.cards import ResidentStatus
from core.domain.errors import DomainError
from core.domain.register import (
    COLUMNS,
    DATE_COLUMNS,
    ERAS,
    FORBIDDEN_COLUMNS,
    REQUIRED_COLUMNS,
    CardHolding,
    DateStyle,
    ExtractKind,
    InvalidEndLine,
    InvalidRegisterDate,
    MoveReason,
    RegisterDate,
    ResidentKind,
    end_file_name,
    end_line,
    era_of,
    extract_file_name,
    format_date,
    has_gaiji,
    is_kana_name,
    parse_end_line,
    parse_register_date,
)


def test_columns_follow_the_spec_order_and_never_carry_the_my_number() -> None:
    assert COLUMNS[:3] == ("atena_no", "juminhyo_code", "household_no")
    assert COLUMNS[-1] == "updated_at"
    assert len(COLUMNS) == len(set(COLUMNS)) == 24
    assert set(COLUMNS) > REQUIRED_COLUMNS
    assert {"name_alpha", "common_name", "address_extra", "notified_date"}.isdisjoint(REQUIRED_COLUMNS)
    assert set(DATE_COLUMNS) < set(COLUMNS)
    assert {"kojin_bango", "my_number", "個人番号"} == FORBIDDEN_COLUMNS
    assert FORBIDDEN_COLUMNS.isdisjoint(COLUMNS)


def test_move_reasons_are_the_thirteen_codes_with_japanese_labels() -> None:
    assert [r.value for r in MoveReason] == [
        *("A01", "A02", "A03", "A04", "B01", "B02", "B03", "B04"),
        *("C01", "C02", "C03", "C04", "C05"),
    ]
    assert MoveReason("C01").label_ja == "転居"
    assert MoveReason("A03").label_ja == "出生"
    assert MoveReason("B04").label_ja == "職権消除"
    assert MoveReason.BIRTH.adds_resident
    assert not MoveReason.ADDRESS_CHANGE.adds_resident
    assert MoveReason.DEATH.removal_status is ResidentStatus.DECEASED
    assert MoveReason.MOVE_OUT_ABROAD.removal_status is ResidentStatus.MOVED_OUT
    assert MoveReason.REMOVED_EX_OFFICIO.removal_status is ResidentStatus.OTHER_REMOVED
    assert MoveReason.NAME_CHANGE.removal_status is None


def test_kind_and_card_holding_codes() -> None:
    assert ResidentKind(2) is ResidentKind.FOREIGN
    assert ResidentKind.FOREIGN.label_ja == "外国人住民"
    assert [(c.value, c.label_ja) for c in CardHolding] == [(0, "なし"), (1, "保有"), (2, "廃止")]


@pytest.mark.parametrize("text", ["2025-04-01", "20250401", "5070401", " 2025-04-01 "])
def test_every_form_reads_the_same_day(text: str) -> None:
    parsed = parse_register_date(text)
    assert parsed == RegisterDate(2025, 4, 1)
    assert parsed.as_date() == date(2025, 4, 1)
    assert not parsed.is_partial


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4010108", date(1989, 1, 8)),  # 平成元年1月8日, the first day of 平成
        ("3640107", date(1989, 1, 7)),  # 昭和64年1月7日, the last day of 昭和
        ("1450729", date(1912, 7, 29)),
        ("2010730", date(1912, 7, 30)),
        ("2151224", date(1926, 12, 24)),
        ("3011225", date(1926, 12, 25)),
        ("4310430", date(2019, 4, 30)),
        ("5010501", date(2019, 5, 1)),
        ("3200815", date(1945, 8, 15)),
    ],
)
def test_era_dates_within_their_era_are_valid(text: str, expected: date) -> None:
    assert parse_register_date(text).as_date() == expected


@pytest.mark.parametrize(
    "text",
    [
        "3640108",  # 昭和64年1月8日 is already 平成
        "1450730",  # 明治45年7月30日 is already 大正
        "2151225",  # 大正15年12月25日 is already 昭和
        "3011224",  # 昭和元年12月24日 is still 大正
        "4310501",  # 平成31年5月1日 is already 令和
        "5010430",  # 令和元年4月30日 is still 平成
        "3640200",  # 昭和64年2月 (day 不詳) cannot be 昭和 at all
        "3990101",  # 昭和99年
    ],
)
def test_era_dates_outside_their_era_are_refused_in_both_languages(text: str) -> None:
    with pytest.raises(InvalidRegisterDate) as caught:
        parse_register_date(text)
    assert isinstance(caught.value, DomainError)
    assert "期間" in caught.value.message_ja
    assert "outside the era" in caught.value.message_en
    assert caught.value.text == text


@pytest.mark.parametrize(
    ("text", "ja", "en"),
    [
        ("6010101", "元号コード", "era code"),
        ("0010101", "元号コード", "era code"),
        ("4000101", "元年", "first year"),
        ("2023-02-29", "うるう年", "leap year"),
        ("19000229", "うるう年", "leap year"),
        ("2025-04-31", "存在しません", "no day 31"),
        ("2025-13-01", "01〜12", "month 13"),
        ("1950-00-05", "月が不詳", "month is 00"),
        ("0000-00-00", "年が不正", "year is invalid"),
        ("2025/04/01", "形式", "format"),
        ("2025-4-1", "形式", "format"),
        ("202504011", "形式", "format"),
        ("", "形式", "format"),
        ("令和7年4月1日", "形式", "format"),
    ],
)
def test_invalid_dates_say_what_is_wrong(text: str, ja: str, en: str) -> None:
    with pytest.raises(InvalidRegisterDate) as caught:
        parse_register_date(text)
    assert ja in caught.value.message_ja
    assert en in caught.value.message_en
    assert text in str(caught.value)


@pytest.mark.parametrize("text", ["2024-02-29", "20000229", "5060229", "4120229", "3630229"])
def test_feb_29_of_a_leap_year_is_valid(text: str) -> None:
    parsed = parse_register_date(text)
    assert (parsed.month, parsed.day) == (2, 29)


@pytest.mark.parametrize(
    ("text", "year", "month"),
    [
        ("1950-00-00", 1950, None),
        ("19500000", 1950, None),
        ("19500300", 1950, 3),
        ("1950-03-00", 1950, 3),
        ("3250000", 1950, None),
        ("3250300", 1950, 3),
        ("3640000", 1989, None),  # 昭和64年, month 不詳: part of 1989 was 昭和
        ("4010000", 1989, None),
        ("4010100", 1989, 1),  # 平成元年1月: 8th to 31st
        ("3640100", 1989, 1),  # 昭和64年1月: 1st to 7th
    ],
)
def test_unknown_parts_keep_what_is_known_and_invent_no_day(text: str, year: int, month: int | None) -> None:
    parsed = parse_register_date(text)
    assert (parsed.year, parsed.month, parsed.day) == (year, month, None)
    assert parsed.is_partial
    assert parsed.as_date() is None


def test_partial_date_bounds() -> None:
    assert RegisterDate(1950, 2).last_possible_day() == date(1950, 2, 28)
    assert RegisterDate(1952, 2).last_possible_day() == date(1952, 2, 29)
    assert RegisterDate(1950).first_possible_day() == date(1950, 1, 1)
    assert RegisterDate(1950).last_possible_day() == date(1950, 12, 31)


def test_a_register_date_cannot_be_built_invalid() -> None:
    with pytest.raises(InvalidRegisterDate):
        RegisterDate(2023, 2, 29)
    with pytest.raises(InvalidRegisterDate):
        RegisterDate(2023, None, 5)


@pytest.mark.parametrize(
    ("day", "iso", "compact", "era"),
    [
        (date(1989, 1, 7), "1989-01-07", "19890107", "3640107"),
        (date(1989, 1, 8), "1989-01-08", "19890108", "4010108"),
        (date(1912, 7, 29), "1912-07-29", "19120729", "1450729"),
        (date(1912, 7, 30), "1912-07-30", "19120730", "2010730"),
        (date(2019, 5, 1), "2019-05-01", "20190501", "5010501"),
        (date(2025, 4, 1), "2025-04-01", "20250401", "5070401"),
    ],
)
def test_format_writes_the_three_forms(day: date, iso: str, compact: str, era: str) -> None:
    assert format_date(day) == iso
    assert format_date(day, DateStyle.COMPACT) == compact
    assert format_date(day, "era") == era


def test_every_day_of_a_century_round_trips_through_every_form() -> None:
    day = date(1920, 1, 1)
    while day <= date(2030, 12, 31):
        for style in DateStyle:
            assert parse_register_date(format_date(day, style)).as_date() == day
        day += timedelta(days=13)


@pytest.mark.parametrize(
    "value", [RegisterDate(1950), RegisterDate(1950, 3), RegisterDate(1989), RegisterDate(1989, 1)]
)
def test_partial_dates_round_trip(value: RegisterDate) -> None:
    for style in DateStyle:
        assert parse_register_date(format_date(value, style)) == value
    assert format_date(RegisterDate(1950, 3), "compact") == "19500300"
    assert format_date(RegisterDate(1950), "iso") == "1950-00-00"
    assert format_date(RegisterDate(1989), "era") == "3640000"


def test_era_table_has_no_gaps() -> None:
    for earlier, later in itertools.pairwise(ERAS):
        assert earlier.last_day is not None
        assert earlier.last_day + timedelta(days=1) == later.first_day
    assert era_of(date(2026, 11, 26)).name_ja == "令和"
    assert era_of(date(1989, 1, 7)).name_ja == "昭和"
    with pytest.raises(InvalidRegisterDate):
        format_date(date(1850, 1, 1), "era")


def test_file_names_and_end_line() -> None:
    assert extract_file_name(date(2026, 11, 26), "full") == "resident_20261126_full.csv"
    assert extract_file_name(date(2026, 1, 5), ExtractKind.DELTA) == "resident_20260105_delta.csv"
    with pytest.raises(ValueError, match="weekly"):
        extract_file_name(date(2026, 1, 5), "weekly")
    assert end_file_name("resident_20261126_full.csv") == "resident_20261126_full.csv.end"
    digest = hashlib.sha256(b"data").hexdigest()
    assert end_line(468_105, digest) == f"468105,{digest}"
    assert parse_end_line(f"468105,{digest}\r\n") == (468_105, digest)
    assert parse_end_line(end_line(0, digest.upper())) == (0, digest)


@pytest.mark.parametrize("text", ["", "12", "12,abc", f"-1,{'0' * 64}", f"1,{'0' * 63}", f"x,{'0' * 64}"])
def test_a_bad_end_line_is_refused(text: str) -> None:
    with pytest.raises(InvalidEndLine) as caught:
        parse_end_line(text)
    assert "件数" in caught.value.message_ja


def test_end_line_refuses_what_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        end_line(1, "abc")
    with pytest.raises(ValueError, match="negative"):
        end_line(-1, "0" * 64)


def test_gaiji_are_private_use_code_points() -> None:
    assert has_gaiji("\ue000田\u3000太郎")
    assert has_gaiji("渡\uf8ff")
    assert not has_gaiji("髙橋\u3000﨑子")  # CP932 extension kanji are not 外字
    assert not has_gaiji("")


def test_kana_names_are_full_width_katakana_separated_by_ideographic_spaces() -> None:
    assert is_kana_name("ヤマダ\u3000タロウ")
    assert is_kana_name("グエン\u3000ヴァン・アン")
    assert is_kana_name("スズキ")
    assert not is_kana_name("ﾔﾏﾀﾞ\u3000ﾀﾛｳ")  # half-width
    assert not is_kana_name("やまだ\u3000たろう")  # hiragana
    assert not is_kana_name("ヤマダ タロウ")  # ASCII space
    assert not is_kana_name("ヤマダ\u3000\u3000タロウ")
    assert not is_kana_name("\u3000ヤマダ")
