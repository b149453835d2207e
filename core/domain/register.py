"""The resident register extract as a contract (spec: resident-extract.md): columns, codes, dates, file names.

Shared by the synthetic data generator (demo.synth) and the loader, so both read the spec the same way.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum
from types import MappingProxyType

from core.domain.cards import ResidentStatus, RevokeReason
from core.domain.errors import DomainError

# --- Columns ----------------------------------------------------------------------------------------------
COLUMN_LABELS_JA: MappingProxyType[str, str] = MappingProxyType(
    {
        "atena_no": "宛名番号",
        "juminhyo_code": "住民票コード",
        "household_no": "世帯番号",
        "relation": "続柄",
        "resident_kind": "住民種別",
        "resident_status": "住民状態",
        "name": "氏名",
        "name_kana": "氏名カナ",
        "name_alpha": "氏名(英字)",
        "common_name": "通称",
        "birth_date": "生年月日",
        "sex": "性別",
        "postal_code": "郵便番号",
        "address": "住所",
        "address_extra": "方書",
        "area_code": "町丁コード",
        "move_reason": "異動事由",
        "move_date": "異動日",
        "notified_date": "届出日",
        "card_status": "個人番号カード",
        "nationality": "国籍・地域",
        "residence_status": "在留資格",
        "residence_expiry": "在留期間満了日",
        "updated_at": "処理日時",
    }
)
COLUMNS: tuple[str, ...] = tuple(COLUMN_LABELS_JA)
OPTIONAL_COLUMNS: frozenset[str] = frozenset(
    {
        "name_alpha",
        "common_name",
        "address_extra",
        "notified_date",
        "nationality",
        "residence_status",
        "residence_expiry",
    }
)
REQUIRED_COLUMNS: frozenset[str] = frozenset(COLUMNS) - OPTIONAL_COLUMNS
NO_EXPIRY_RESIDENCE_STATUSES: frozenset[str] = frozenset({"永住者", "特別永住者"})
DATE_COLUMNS: tuple[str, ...] = ("birth_date", "move_date", "notified_date", "residence_expiry")
# The file never carries the 個人番号: any of these column names makes the whole file invalid.
FORBIDDEN_COLUMNS: frozenset[str] = frozenset({"kojin_bango", "my_number", "個人番号"})
NAME_SEPARATOR = "\u3000"  # between surname and given name, in name and name_kana


# --- Codes ------------------------------------------------------------------------------------------------
class MoveReason(StrEnum):
    """異動事由: A = a person joins the register, B = leaves it, C = the record changes."""

    DOMESTIC_MOVE_IN = "A01"
    MOVE_IN_FROM_ABROAD = "A02"
    BIRTH = "A03"
    ENTERED_EX_OFFICIO = "A04"
    DOMESTIC_MOVE_OUT = "B01"
    MOVE_OUT_ABROAD = "B02"
    DEATH = "B03"
    REMOVED_EX_OFFICIO = "B04"
    ADDRESS_CHANGE = "C01"
    NAME_CHANGE = "C02"
    HOUSEHOLD_CHANGE = "C03"
    STAY_CHANGE = "C04"
    CORRECTION = "C05"

    @property
    def label_ja(self) -> str:
        """The 事由 as the register names it."""
        return _MOVE_LABELS_JA[self]

    @property
    def adds_resident(self) -> bool:
        """True for the A codes: the person becomes a resident."""
        return self.value.startswith("A")

    @property
    def removal_status(self) -> ResidentStatus | None:
        """The 住民状態 a B code leaves the person in; None for A and C codes."""
        return _REMOVAL_STATUS.get(self)


_MOVE_LABELS_JA: dict[MoveReason, str] = {
    MoveReason.DOMESTIC_MOVE_IN: "国内転入",
    MoveReason.MOVE_IN_FROM_ABROAD: "国外転入",
    MoveReason.BIRTH: "出生",
    MoveReason.ENTERED_EX_OFFICIO: "職権記載",
    MoveReason.DOMESTIC_MOVE_OUT: "国内転出",
    MoveReason.MOVE_OUT_ABROAD: "国外転出",
    MoveReason.DEATH: "死亡",
    MoveReason.REMOVED_EX_OFFICIO: "職権消除",
    MoveReason.ADDRESS_CHANGE: "転居",
    MoveReason.NAME_CHANGE: "氏名変更",
    MoveReason.HOUSEHOLD_CHANGE: "世帯変更",
    MoveReason.STAY_CHANGE: "在留期間等の変更",
    MoveReason.CORRECTION: "誤記修正・職権修正",
}
_REMOVAL_STATUS: dict[MoveReason, ResidentStatus] = {
    MoveReason.DOMESTIC_MOVE_OUT: ResidentStatus.MOVED_OUT,
    MoveReason.MOVE_OUT_ABROAD: ResidentStatus.MOVED_OUT,
    MoveReason.DEATH: ResidentStatus.DECEASED,
    MoveReason.REMOVED_EX_OFFICIO: ResidentStatus.OTHER_REMOVED,
}


class ResidentKind(IntEnum):
    """住民種別."""

    JAPANESE = 1
    FOREIGN = 2

    @property
    def label_ja(self) -> str:
        """The register's term."""
        return "日本人" if self is ResidentKind.JAPANESE else "外国人住民"


class Sex(IntEnum):
    """性別."""

    MALE = 1
    FEMALE = 2

    @property
    def label_ja(self) -> str:
        """The register's term."""
        return "男" if self is Sex.MALE else "女"


class CardHolding(IntEnum):
    """個人番号カード column of the register: whether the person holds a card."""

    NONE = 0
    HELD = 1
    ABOLISHED = 2

    @property
    def label_ja(self) -> str:
        """The register's term."""
        return ("なし", "保有", "廃止")[self]


class ExtractKind(StrEnum):
    """Which extract a data file is."""

    FULL = "full"
    DELTA = "delta"


# --- Eras -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Era:
    """A Japanese era (元号) with the code used in the 7-digit date form and its first and last day."""

    code: int
    name_ja: str
    name_en: str
    first_day: date
    last_day: date | None  # None: the current era

    def contains(self, day: date) -> bool:
        """True when `day` falls within the era."""
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)

    def gregorian_year(self, era_year: int) -> int:
        """The Western year of ERA_YEAR of this era (元年 = 1)."""
        return self.first_day.year + era_year - 1

    def describe_span(self) -> str:
        """The era's span as text, e.g. '1926-12-25〜1989-01-07'."""
        return f"{self.first_day.isoformat()}〜{self.last_day.isoformat() if self.last_day else ''}"


# 明治 starts on 1868-01-25, the Gregorian day of 明治元年1月1日 (the era was applied from the year's start).
# Dates before 1873 (when Japan adopted the Gregorian calendar) are treated as Gregorian: nobody alive.
ERAS: tuple[Era, ...] = (
    Era(1, "明治", "Meiji", date(1868, 1, 25), date(1912, 7, 29)),
    Era(2, "大正", "Taisho", date(1912, 7, 30), date(1926, 12, 24)),
    Era(3, "昭和", "Showa", date(1926, 12, 25), date(1989, 1, 7)),
    Era(4, "平成", "Heisei", date(1989, 1, 8), date(2019, 4, 30)),
    Era(5, "令和", "Reiwa", date(2019, 5, 1), None),
)
_ERAS_BY_CODE: dict[int, Era] = {era.code: era for era in ERAS}


class InvalidRegisterDate(DomainError):  # noqa: N818 - named for what happened, like the other domain errors
    """A date in the extract cannot be read; keeps the text as received."""

    def __init__(self, text: str, message_ja: str, message_en: str) -> None:
        super().__init__(f"日付「{text}」: {message_ja}", f"date '{text}': {message_en}")
        self.text = text


def era_of(day: date) -> Era:
    """The era a full date falls in."""
    for era in reversed(ERAS):
        if era.contains(day):
            return era
    raise InvalidRegisterDate(
        day.isoformat(), "明治より前の日付は和暦にできません", "dates before Meiji have no era form"
    )


# --- Dates ------------------------------------------------------------------------------------------------
class DateStyle(StrEnum):
    """The three forms a date may take in the extract."""

    ISO = "iso"  # YYYY-MM-DD
    COMPACT = "compact"  # YYYYMMDD
    ERA = "era"  # GYYMMDD


@dataclass(frozen=True)
class RegisterDate:
    """A date as the register holds it: month and day may be 不詳 (unknown, written 00)."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        _check_parts(self.year, self.month, self.day, text=None)

    @classmethod
    def of(cls, day: date) -> RegisterDate:
        """A fully known date."""
        return cls(day.year, day.month, day.day)

    @property
    def is_partial(self) -> bool:
        """True when the month or day is 不詳."""
        return self.day is None

    def as_date(self) -> date | None:
        """The date, or None when a part is 不詳 (never invent a day)."""
        if self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)

    def first_possible_day(self) -> date:
        """Earliest day the date can be, counting 不詳 parts."""
        return date(self.year, self.month or 1, self.day or 1)

    def last_possible_day(self) -> date:
        """Latest day the date can be, counting 不詳 parts."""
        month = self.month or 12
        return date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])


def _check_parts(year: int, month: int | None, day: int | None, *, text: str | None) -> None:
    """Raise InvalidRegisterDate when the parts make no date; TEXT is the date as written (None: as
    RegisterDate writes it, made only when it is shown)."""
    problem = _parts_problem(year, month, day)
    if problem is not None:
        shown = text if text is not None else f"{year:04d}-{month or 0:02d}-{day or 0:02d}"
        raise InvalidRegisterDate(shown, *problem)


def _parts_problem(year: int, month: int | None, day: int | None) -> tuple[str, str] | None:
    """What is wrong with the parts (Japanese, English), or None."""
    if not 1 <= year <= 9999:
        return "年が不正です(0000 や範囲外の年は使えません)", "the year is invalid"
    if month is None:
        if day is not None:
            return "月が不詳(00)のときは日も00にしてください", "the day must be 00 when the month is 00"
        return None
    if not 1 <= month <= 12:
        return f"月({month})は01〜12です", f"month {month} is not 01-12"
    if day is None:
        return None
    if (month, day) == (2, 29) and not calendar.isleap(year):
        return f"{year}年はうるう年ではないので2月29日はありません", f"{year} is not a leap year"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return f"{month}月{day}日は存在しません(日は01〜{last})", f"month {month} has no day {day}"
    return None


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ERA_FORM = re.compile(r"(\d)(\d{2})(\d{2})(\d{2})")


def parse_register_date(text: str) -> RegisterDate:
    """Read `YYYY-MM-DD`, `YYYYMMDD` or `GYYMMDD`; `00` parts are 不詳. Raises InvalidRegisterDate."""
    value = text.strip()
    match = _ISO.fullmatch(value) or _COMPACT.fullmatch(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _build(text, year, month, day)
    match = _ERA_FORM.fullmatch(value)
    if match is None:
        raise InvalidRegisterDate(
            text,
            "形式が正しくありません(YYYY-MM-DD、YYYYMMDD、GYYMMDD のいずれかにしてください)",
            "unknown format (use YYYY-MM-DD, YYYYMMDD or GYYMMDD)",
        )
    code, era_year, month, day = (int(part) for part in match.groups())
    era = _ERAS_BY_CODE.get(code)
    if era is None:
        raise InvalidRegisterDate(
            text, f"元号コード({code})は1(明治)〜5(令和)です", f"era code {code} is not 1 (Meiji)-5 (Reiwa)"
        )
    if era_year == 0:
        raise InvalidRegisterDate(
            text, f"{era.name_ja}の年は01(元年)からです", f"{era.name_en} years start at 01 (the first year)"
        )
    parsed = _build(text, era.gregorian_year(era_year), month, day)
    _check_in_era(text, parsed, era, era_year)
    return parsed


def _build(text: str, year: int, month: int, day: int) -> RegisterDate:
    _check_parts(year, month or None, day or None, text=text)
    return RegisterDate(year, month or None, day or None)


def _check_in_era(text: str, parsed: RegisterDate, era: Era, era_year: int) -> None:
    # A partial date is valid when some day it may be falls within the era.
    starts_after = era.last_day is not None and parsed.first_possible_day() > era.last_day
    if starts_after or parsed.last_possible_day() < era.first_day:
        month = f"{parsed.month}月" if parsed.month else ""
        day = f"{parsed.day}日" if parsed.day else ""
        raise InvalidRegisterDate(
            text,
            f"{era.name_ja}{era_year}年{month}{day}は{era.name_ja}の期間({era.describe_span()})外です",
            f"{era.name_en} {era_year}{'-' if parsed.month else ''}{parsed.month or ''}"
            f"{'-' if parsed.day else ''}{parsed.day or ''} is outside the era ({era.describe_span()})",
        )


def format_date(value: date | RegisterDate, style: DateStyle | str = DateStyle.ISO) -> str:
    """Write a date (不詳 parts as 00) in one of the three forms the extract accepts."""
    register_date = value if isinstance(value, RegisterDate) else RegisterDate.of(value)
    year, month, day = register_date.year, register_date.month or 0, register_date.day or 0
    style = DateStyle(style)
    if style is DateStyle.ISO:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if style is DateStyle.COMPACT:
        return f"{year:04d}{month:02d}{day:02d}"
    # A partial date takes the era of the first day it may be (1989-00-00 -> 昭和64年).
    era = era_of(register_date.first_possible_day())
    return f"{era.code}{year - era.first_day.year + 1:02d}{month:02d}{day:02d}"


# --- Files ------------------------------------------------------------------------------------------------
END_SUFFIX = ".end"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class InvalidEndLine(DomainError):  # noqa: N818
    """The completion flag (.end) does not hold `<count>,<sha256 hex>`."""


def extract_file_name(as_of: date, kind: ExtractKind | str) -> str:
    """`resident_<YYYYMMDD>_<kind>.csv`."""
    return f"resident_{as_of:%Y%m%d}_{ExtractKind(kind).value}.csv"


def end_file_name(data_file_name: str) -> str:
    """The completion flag's name: `<data file>.end`."""
    return data_file_name + END_SUFFIX


def end_line(count: int, sha256_hex: str) -> str:
    """The one line of a `.end` file: `<record count>,<sha256 hex of the data file's bytes>`."""
    if count < 0:
        raise ValueError(f"件数は0以上です / the record count must not be negative: {count}")
    if not _SHA256_HEX.fullmatch(sha256_hex.lower()):
        raise ValueError(f"SHA-256 は16進64桁です / not a SHA-256 hex digest: {sha256_hex!r}")
    return f"{count},{sha256_hex.lower()}"


def parse_end_line(text: str) -> tuple[int, str]:
    """Read a `.end` file's text into (record count, sha256 hex). Raises InvalidEndLine."""
    count, _, digest = text.strip().partition(",")
    if not count.isdigit() or not _SHA256_HEX.fullmatch(digest.lower()):
        raise InvalidEndLine(
            f"完了ファイルの内容「{text.strip()[:80]}」は「件数,SHA-256」ではありません",
            f"the completion flag holds {text.strip()[:80]!r}, not '<count>,<sha256 hex>'",
        )
    return int(count), digest.lower()


# --- Characters -------------------------------------------------------------------------------------------
GAIJI_FIRST, GAIJI_LAST = 0xE000, 0xF8FF  # 外字 arrive as Unicode private-use code points
_KANA_PART = "[\u30a1-\u30fa\u30fc\u30fb]+"
_KANA_NAME = re.compile(f"{_KANA_PART}(?:{NAME_SEPARATOR}{_KANA_PART})*")


def has_gaiji(text: str) -> bool:
    """True when the text holds a 外字 (a private-use code point)."""
    return any(GAIJI_FIRST <= ord(char) <= GAIJI_LAST for char in text)


def is_kana_name(text: str) -> bool:
    """True for full-width katakana parts (ー and ・ allowed) separated by single U+3000."""
    return _KANA_NAME.fullmatch(text) is not None


_FILE_NAME = re.compile(r"resident_(\d{8})_(full|delta)\.csv")


class InvalidExtractName(DomainError):  # noqa: N818
    """A data file is not named `resident_<YYYYMMDD>_<full|delta>.csv`."""


def parse_extract_file_name(name: str) -> tuple[date, ExtractKind]:
    """The extract date and kind a data file's name carries. Raises InvalidExtractName."""
    match = _FILE_NAME.fullmatch(name)
    day: date | None = None
    if match:
        try:
            day = date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
        except ValueError:
            day = None
    if match is None or day is None:
        raise InvalidExtractName(
            f"ファイル名「{name}」は resident_<YYYYMMDD>_<full|delta>.csv の形ではありません",
            f"the file name '{name}' is not resident_<YYYYMMDD>_<full|delta>.csv",
        )
    return day, ExtractKind(match[2])


# --- Effects on cards (resident-extract.md 異動事由 table, card-lifecycle.md) -----------------------------
# A card in use is revoked with this reason when its holder leaves the register for this 事由.
IN_USE_REVOKE_REASONS: MappingProxyType[MoveReason, RevokeReason] = MappingProxyType(
    {
        MoveReason.MOVE_OUT_ABROAD: RevokeReason.MOVED_ABROAD,
        MoveReason.DEATH: RevokeReason.DEATH,
        MoveReason.REMOVED_EX_OFFICIO: RevokeReason.REMOVED_EX_OFFICIO,
    }
)
# A card not yet handed over is blocked when its holder leaves the register (any B code) and must then be
# revoked at the counter with this reason (MynaDesk rule: the load blocks, a person revokes).
PRE_ISSUE_REVOKE_REASONS: MappingProxyType[MoveReason, RevokeReason] = MappingProxyType(
    {
        MoveReason.DOMESTIC_MOVE_OUT: RevokeReason.MOVED_OUT_BEFORE_PICKUP,
        MoveReason.MOVE_OUT_ABROAD: RevokeReason.MOVED_OUT_BEFORE_PICKUP,
        MoveReason.DEATH: RevokeReason.DEATH,
    }
)  # B04 職権消除 has no pre-issue reason of its own: the card stays blocked until the counter decides.
# 異動 that change what the card face shows and revoke the 署名用電子証明書.
FACE_CHANGING_REASONS: frozenset[MoveReason] = frozenset({MoveReason.ADDRESS_CHANGE, MoveReason.NAME_CHANGE})


# --- What the register keeps of a person (the loader's staging row, in this order) -----------------------
STORED_COLUMNS: tuple[str, ...] = (
    "atena_no",
    "juminhyo_code",
    "household_no",
    "relation",
    "resident_kind",
    "resident_status",
    "name",
    "name_kana",
    "name_alpha",
    "common_name",
    "birth_year",
    "birth_month",
    "birth_day",
    "birth_date",
    "sex",
    "postal_code",
    "address",
    "address_extra",
    "area_code",
    "move_reason",
    "move_date",
    "notified_date",
    "card_status",
    "nationality",
    "residence_status",
    "residence_expiry",
    "updated_at",
    "has_gaiji",
)
