"""OCR text as stored and searched: normalised alike at both ends, 個人番号 masked, index suggestions."""

from __future__ import annotations

from datetime import date, timedelta

from core.clock import today
from core.domain.ocr_text import (
    MASK,
    is_my_number,
    normalise_text,
    search_text,
    stored_ocr_text,
    suggest_index,
)


def _my_number(body: str) -> str:
    """BODY (11 digits) with its valid check digit."""
    total = sum(int(p) * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(reversed(body), 1))
    remainder = total % 11
    return body + str(0 if remainder <= 1 else 11 - remainder)


def test_spaces_tesseract_puts_between_japanese_characters_are_dropped_at_store_and_query() -> None:
    stored = normalise_text("藤 沢 市 朝 日 町 １ 番 地\n\n  Fujisawa   City  \n")
    assert stored == "藤沢市朝日町1番地\nFujisawa City"
    assert search_text("朝日 町 1") in stored
    assert search_text("ｆｕｊｉｓａｗａ") == "fujisawa"  # NFKC: full-width letters are plain ones


def test_a_twelve_digit_number_with_a_valid_my_number_check_digit_is_never_kept() -> None:
    number = _my_number("12345678901")
    assert is_my_number(number)
    assert not is_my_number(number[:11] + str((int(number[11]) + 1) % 10))
    kept = stored_ocr_text(f"申請者 {number[:4]} {number[4:8]} {number[8:]}\n宛名番号 10000123")
    assert number[:4] not in kept
    assert MASK in kept
    assert "10000123" in kept
    # on a line labelled 個人番号, any long number goes, even with a check digit OCR misread
    assert stored_ocr_text("個人番号 1234 5678 9013") == f"個人番号{MASK}"
    assert "個人番号カード交付申請書" in stored_ocr_text("個人番号カード交付申請書")


def test_suggest_index_reads_the_labelled_atena_number_and_the_first_plausible_date() -> None:
    day = today() - timedelta(days=400)
    reiwa = f"令和{day.year - 2018}年{day.month}月{day.day}日"
    suggestion = suggest_index(f"個人番号カード交付申請書\n申請日 {reiwa}\n宛 名 番 号 1000 0123", today())
    assert suggestion.form_date == day
    assert suggestion.atena_no == "10000123"
    assert suggest_index("宛名番号 10000123\n2999年1月1日 2024/4/1", date(2030, 1, 1)).form_date == date(
        2024, 4, 1
    )
    assert suggest_index("宛名番号 10000123", today()).atena_no == "10000123"
    assert suggest_index("20240401 に受付 10000456", today()).atena_no == "10000456"  # a date is no number
    assert suggest_index(f"番号 {_my_number('12345678901')}", today()).atena_no is None
    assert suggest_index(None, today()) == suggest_index("", today())
