"""OCR text as it is stored and searched: normalised the same way at store and at query time, with any
個人番号 masked before it is kept, and read for index suggestions (never an index by itself).

Tesseract's Japanese model puts spaces between CJK characters ("藤 沢 市") and prints full-width digits
sometimes; NFKC and dropping every space next to a CJK character make "藤沢市" match however it was read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from core.domain.typed_input import InvalidTypedDate, parse_typed_date

MASK = "[個人番号は記録しません]"
_CJK = (
    "\u3000-\u303f"  # CJK punctuation (、。「」)
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kanji
    "\uff01-\uff60"  # what NFKC leaves full-width
)
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+|[ \t]+(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\u00a0]+")
# twelve digits, perhaps printed in groups (1234 5678 9012, 1234-5678-9012), not part of a longer number
_TWELVE = re.compile(r"(?<![\d])(\d{4})[ -]?(\d{4})[ -]?(\d{4})(?![\d])")
_MY_NUMBER_LABEL = re.compile(r"個人番号(?!カード)")
_LONG_DIGITS = re.compile(r"\d(?:[ -]?\d){9,}")
_ATENA_LABELLED = re.compile(r"宛名(?:番号|コード|No\.?)[:：]?(\d{6,15})")
_ATENA_BARE = re.compile(r"(?<![\d])(\d{8,15})(?![\d])")
_DATE = re.compile(
    r"(?:明治|大正|昭和|平成|令和|[MTSHR])?\s*(?:\d{1,4}|元)\s*[年./\-]\s*\d{1,2}\s*[月./\-]\s*\d{1,2}\s*日?"
)


def normalise_text(text: str) -> str:
    """TEXT as stored and searched: NFKC, spaces next to CJK characters dropped, other runs of spaces
    made one, empty lines dropped."""
    lines = []
    for line in unicodedata.normalize("NFKC", text).splitlines():
        compact = _SPACES.sub(" ", _SPACE_NEXT_TO_CJK.sub("", line)).strip()
        if compact:
            lines.append(compact)
    return "\n".join(lines)


def is_my_number(digits: str) -> bool:
    """True when DIGITS (12) carry a valid 個人番号 check digit (番号法施行令 第8条)."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = [int(c) for c in reversed(digits[:11])]  # P1 is the digit just before the check digit
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(body, 1))
    remainder = total % 11
    return int(digits[11]) == (0 if remainder <= 1 else 11 - remainder)


def mask_my_numbers(text: str) -> str:
    """TEXT with anything that may be a 個人番号 replaced by MASK: every twelve-digit number whose check
    digit is valid, and every long number on a line labelled 個人番号 (an OCR slip can break the check
    digit). MynaDesk never stores a 個人番号, not even inside scanned text."""
    lines = []
    for line in text.split("\n"):
        if _MY_NUMBER_LABEL.search(line):
            line = _LONG_DIGITS.sub(MASK, line)
        lines.append(_TWELVE.sub(lambda m: MASK if is_my_number("".join(m.groups())) else m[0], line))
    return "\n".join(lines)


def stored_ocr_text(raw: str) -> str:
    """What is kept of Tesseract's output: normalised, 個人番号 masked."""
    return mask_my_numbers(normalise_text(raw))


def search_text(query: str) -> str:
    """A free-text query normalised as the stored text is (one line)."""
    return " ".join(normalise_text(query).split("\n"))


def text_grams(text: str) -> list[str]:
    """The distinct characters and two-character pieces (bigrams) of TEXT within its lines, sorted: what
    the GIN index of the OCR layer holds (no extension needed, unlike pg_trgm). Migration 0021 fills
    existing rows by the same rule in SQL."""
    lines = text.split("\n")
    return sorted(
        {c for line in lines for c in line} | {ln[i : i + 2] for ln in lines for i in range(len(ln) - 1)}
    )


def query_grams(query: str) -> list[str]:
    """What a normalised QUERY asks the index for: its bigrams, or the character itself when it is one
    (the bigrams imply the characters). LIKE then checks their order."""
    return [query] if len(query) == 1 else [g for g in text_grams(query) if len(g) == 2]


@dataclass(frozen=True)
class IndexSuggestion:
    """What the OCR text suggests for the indexing desk; staff still key and check every field."""

    atena_no: str | None = None
    form_date: date | None = None


def suggest_index(ocr_text: str | None, today: date) -> IndexSuggestion:
    """A 宛名番号 (labelled, else the first 8-15 digit number) and the first date up to TODAY in the text."""
    text = normalise_text(ocr_text or "")
    labelled = _ATENA_LABELLED.search(text.replace(" ", ""))
    numbers = [labelled[1]] if labelled else [m[1] for m in _ATENA_BARE.finditer(text)]
    atena_no = next((n for n in numbers if not is_my_number(n) and not _is_date(n, today)), None)
    form_date = None
    for found in _DATE.finditer(text):
        try:
            form_date = parse_typed_date(found[0], today)
        except InvalidTypedDate:
            continue
        break
    return IndexSuggestion(atena_no, form_date)


def _is_date(digits: str, today: date) -> bool:
    """True when DIGITS read as a date written without separators (20250401), not a number."""
    try:
        parse_typed_date(digits, today)
    except InvalidTypedDate:
        return False
    return True
