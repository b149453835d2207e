"""Compare the card's basic 4 items with the resident register's record (normalised, differences named).

Normalising: NFKC (full/half width), no spaces, kanji numerals before 丁目/番/号 as digits, and
丁目/番地/番/号/の and every dash written as one hyphen, so 「一丁目２番地３」 and 「1-2-3」 compare equal.
A 外字 (private-use character) can match any one character but is never called "same": staff check it
against the card face. Old and new forms of a kanji (髙/高, 﨑/崎) are legally different names, so they are
reported as "check", not "same".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.domain.errors import DomainError
from core.domain.register import Sex

_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"[‐‑‒–—―−－ｰ─━]")
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER = re.compile(r"([〇一二三四五六七八九十百]+)(?=丁目|番地|番|号)")
_BLOCK_WORDS = re.compile(r"(?<=\d)(丁目|番地の|番の|番地|番|の)(?=\d)")
_TRAILING = re.compile(r"(?<=\d)(番地|番|号)$")
_DASH_AFTER_DIGIT = re.compile(r"(?<=\d)ー(?=\d)")
# Old (旧字) and variant forms seen in names and place names, folded only to say "check", never "same".
_VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "邊": "辺",
        "邉": "辺",
        "齋": "斎",
        "齊": "斉",
        "濵": "浜",
        "濱": "浜",
        "德": "徳",
        "櫻": "桜",
        "澤": "沢",
        "廣": "広",
        "嶋": "島",
        "國": "国",
        "藏": "蔵",
        "實": "実",
        "惠": "恵",
        "冨": "富",
        "峯": "峰",
    }
)


class Match(StrEnum):
    """How one item of the card compares with the register."""

    SAME = "same"
    DIFFERENT = "different"
    CHECK_GAIJI = "check_gaiji"  # equal except for 外字: compare with the card face
    CHECK_VARIANT = "check_variant"  # equal except for old/variant kanji forms
    UNKNOWN = "unknown"  # the register does not know the value (e.g. a 不詳 birth date)

    @property
    def label_ja(self) -> str:
        """What the console shows."""
        return _MATCH_LABELS_JA[self]


_MATCH_LABELS_JA = {
    Match.SAME: "一致",
    Match.DIFFERENT: "相違",
    Match.CHECK_GAIJI: "外字のため券面で確認",
    Match.CHECK_VARIANT: "異体字のため確認",
    Match.UNKNOWN: "住民記録に値なし",
}


@dataclass(frozen=True)
class PersonFace:
    """The 4 items as one source holds them; sex as the ISO 5218 code string."""

    name: str
    address: str
    birth_date: date | None
    sex: str
    address_extra: str | None = None  # 方書 (register only)


@dataclass(frozen=True)
class FieldComparison:
    """One item side by side."""

    field: str
    label_ja: str
    card: str
    register: str
    match: Match


@dataclass(frozen=True)
class IdentityComparison:
    """The 4 items side by side, and what they mean for the counter."""

    fields: tuple[FieldComparison, ...]

    @property
    def differences(self) -> tuple[FieldComparison, ...]:
        """Items that are not plainly the same."""
        return tuple(f for f in self.fields if f.match is not Match.SAME)

    @property
    def face_change_needed(self) -> bool:
        """True when name or address differ: the card face needs a 券面記載事項変更."""
        return any(f.field in ("name", "address") and f.match is Match.DIFFERENT for f in self.fields)

    @property
    def same_person_likely(self) -> bool:
        """False when the birth date or sex differ: likely not this person's record at all."""
        return not any(f.field in ("birth_date", "sex") and f.match is Match.DIFFERENT for f in self.fields)


def _kanji_number(run: str) -> str:
    if "十" not in run and "百" not in run:
        return "".join(str(_KANJI_DIGITS[ch]) for ch in run)
    total, current = 0, 0
    for ch in run:
        if ch in ("十", "百"):
            total += max(current, 1) * (10 if ch == "十" else 100)
            current = 0
        else:
            current = current * 10 + _KANJI_DIGITS[ch]
    return str(total + current)


def normalise_name(text: str) -> str:
    """A name for comparison: NFKC and no spaces."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def normalise_address(text: str) -> str:
    """An address for comparison: NFKC, no spaces, digits, and 丁目/番地/番/号 written as hyphens."""
    value = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    value = _KANJI_NUMBER.sub(lambda m: _kanji_number(m.group(1)), value)
    value = _DASHES.sub("-", value)
    value = _DASH_AFTER_DIGIT.sub("-", value)
    value = _BLOCK_WORDS.sub("-", value)
    value = _TRAILING.sub("", value)
    return value.replace("丁目", "-").replace("号", "")


def _is_gaiji(ch: str) -> bool:
    return unicodedata.category(ch) == "Co"


def _match_text(card: str, register: str) -> Match:
    if card == register:
        return Match.SAME
    has_gaiji = any(_is_gaiji(ch) for ch in card + register) and len(card) == len(register)
    if has_gaiji and all(a == b or _is_gaiji(a) or _is_gaiji(b) for a, b in zip(card, register, strict=True)):
        return Match.CHECK_GAIJI
    if card.translate(_VARIANTS) == register.translate(_VARIANTS):
        return Match.CHECK_VARIANT
    return Match.DIFFERENT


def _address_match(card: PersonFace, register: PersonFace) -> Match:
    card_address = normalise_address(card.address)
    candidates = [normalise_address(register.address)]
    if register.address_extra:
        candidates.insert(0, normalise_address(register.address + register.address_extra))
    results = [_match_text(card_address, c) for c in candidates]
    order = [Match.SAME, Match.CHECK_GAIJI, Match.CHECK_VARIANT, Match.DIFFERENT]
    return min(results, key=order.index)


def _same(equal: bool) -> Match:
    return Match.SAME if equal else Match.DIFFERENT


def sex_label(code: str) -> str:
    """男 / 女 for the ISO 5218 codes 1 / 2; 不明 for 0, 適用不能 for 9, anything else as it came."""
    labels = {str(int(s)): s.label_ja for s in Sex} | {"0": "不明", "9": "適用不能"}
    return labels.get(code.strip(), code)


def compare_identity(card: PersonFace, register: PersonFace) -> IdentityComparison:
    """Compare the card's 4 items with the register's record."""
    register_address = register.address + (register.address_extra or "")
    birth = Match.UNKNOWN if register.birth_date is None else _same(card.birth_date == register.birth_date)
    return IdentityComparison(
        (
            FieldComparison(
                "name",
                "氏名",
                card.name,
                register.name,
                _match_text(normalise_name(card.name), normalise_name(register.name)),
            ),
            FieldComparison(
                "address", "住所", card.address, register_address, _address_match(card, register)
            ),
            FieldComparison(
                "birth_date",
                "生年月日",
                card.birth_date.isoformat() if card.birth_date else "",
                register.birth_date.isoformat() if register.birth_date else "",
                birth,
            ),
            FieldComparison(
                "sex", "性別", sex_label(card.sex), sex_label(register.sex), _same(card.sex == register.sex)
            ),
        )
    )


class NotThisPerson(DomainError):  # noqa: N818 - named for what staff see
    """The card's birth date or sex differ from the register record: probably another person's record."""

    def __init__(self, comparison: IdentityComparison) -> None:
        fields = [f for f in comparison.differences if f.field in ("birth_date", "sex")]
        ja = "・".join(f"{f.label_ja}(カード {f.card} / 住民記録 {f.register})" for f in fields)
        en = ", ".join(f"{f.field} (card {f.card} / register {f.register})" for f in fields)
        super().__init__(
            f"カードと住民記録で{ja}が違います。宛名番号が本人のものか確認してください",
            f"the card and the register record differ in {en}; check that the atena number is this person's",
        )
        self.comparison = comparison


def require_same_person(card: PersonFace, register: PersonFace) -> IdentityComparison:
    """The comparison, or NotThisPerson when birth date or sex differ (forms must not mix two people)."""
    comparison = compare_identity(card, register)
    if not comparison.same_person_likely:
        raise NotThisPerson(comparison)
    return comparison
