"""The document store's rules (イメージ管理): kinds, QR payloads, batch checks, retention, double entry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from core.domain.errors import DomainError
from core.domain.forms import FormKind

MIN_DPI = 200  # below this digits blur: the scanner must be set to 200-300 dpi
QR_PREFIX = "MYNADESK:"
DEFAULT_RETENTION_YEARS = (
    15  # until the city's 文書管理規程 says otherwise per kind (MYNADESK_DOCUMENT_RETENTION)
)


class DocumentKind(StrEnum):
    """What a stored sheet is: the counter's forms and the legacy sheets MynaDesk never printed."""

    CERTIFICATE = FormKind.CERTIFICATE.value
    PIN_RESET = FormKind.PIN_RESET.value
    FACE_CHANGE = FormKind.FACE_CHANGE.value
    RECEIPT = FormKind.RECEIPT.value
    NOTICE = FormKind.NOTICE.value
    APPLICATION = "application"  # 個人番号カード交付申請書 (legacy paper)
    OTHER = "other"  # その他の書類

    @property
    def label_ja(self) -> str:
        """The kind's name on screens and cover sheets."""
        if self.value in FormKind.__members__.values():
            return FormKind(self.value).label_ja
        return "個人番号カード交付申請書" if self is DocumentKind.APPLICATION else "その他の書類"


class DocumentStatus(StrEnum):
    """Where a document stands: indexed from a QR or by staff, or waiting in the indexing queue."""

    INDEXED = "indexed"
    NEEDS_INDEX = "needs_index"


class BatchStatus(StrEnum):
    """A cover sheet printed (open) or its batch imported."""

    OPEN = "open"
    IMPORTED = "imported"


class DocumentError(DomainError):
    """A document-store rule was broken (the message says what, where and what to do)."""


def document_kind(text: str) -> DocumentKind:
    """The kind named TEXT, or a DocumentError listing the kinds."""
    try:
        return DocumentKind(text.strip())
    except ValueError:
        kinds = ", ".join(k.value for k in DocumentKind)
        raise DocumentError(
            f"書類の種類 {text} はありません。次のいずれかです: {kinds}",
            f"unknown document kind {text}; one of: {kinds}",
        ) from None


def batch_reference(batch_id: int) -> str:
    """The printed reference of a scan batch: `BAT-` + 8 digits."""
    return f"BAT-{batch_id:08d}"


def document_reference(document_id: int) -> str:
    """The reference of a stored document: `DOC-` + 8 digits."""
    return f"DOC-{document_id:08d}"


def parse_reference(text: str, prefix: str) -> int | None:
    """The id in a reference such as `BAT-00000012` (PREFIX `BAT`), or None when malformed."""
    head, _, digits = text.strip().upper().partition("-")
    return int(digits) if head == prefix and digits.isdigit() else None


# --- QR payloads -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CoverQr:
    """A batch's cover sheet: `MYNADESK:BATCH:BAT-00000012:<kind>:<expected sheets>`."""

    batch_id: int
    kind: DocumentKind
    count: int


@dataclass(frozen=True)
class FormQr:
    """A form MynaDesk printed: `MYNADESK:FORM:MDF-00000042[:<kind>:<宛名番号>:<YYYYMMDD>]`."""

    form_id: int
    kind: DocumentKind | None = None
    atena_no: str | None = None
    form_date: date | None = None


class BadQr(DocumentError):  # noqa: N818 - named for what staff see
    """A MynaDesk QR code whose content makes no sense (misprinted, forged, or damaged beyond correction)."""

    def __init__(self, text: str) -> None:
        shown = text if len(text) <= 60 else text[:57] + "..."
        super().__init__(
            f"QR コードの内容が不正です({shown})。印刷し直した帳票で読み取り直してください",
            f"the QR code holds nonsense ({shown}); rescan a freshly printed sheet",
        )


def format_cover_qr(cover: CoverQr) -> str:
    """The cover sheet's QR text."""
    return f"{QR_PREFIX}BATCH:{batch_reference(cover.batch_id)}:{cover.kind.value}:{cover.count}"


def format_form_qr(reference: str, kind: str, atena_no: str | None, form_date: date) -> str:
    """A printed form's QR text: reference, kind, 宛名番号 and the form's date (its index, no lookup)."""
    return f"{QR_PREFIX}FORM:{reference}:{kind}:{atena_no or ''}:{form_date:%Y%m%d}"


def parse_qr(text: str) -> CoverQr | FormQr | None:
    """What a decoded QR says: a cover sheet, a form, or None when it is not MynaDesk's (e.g. a notice
    number's QR); BadQr when it claims to be MynaDesk's and is malformed."""
    if not text.startswith(QR_PREFIX):
        return None
    parts = text[len(QR_PREFIX) :].split(":")
    try:
        if parts[0] == "BATCH" and len(parts) == 4:
            return _cover(parts[1:])
        if parts[0] == "FORM" and len(parts) in (2, 5):
            return _form(parts[1:])
    except ValueError:
        pass
    raise BadQr(text)


def _cover(parts: list[str]) -> CoverQr:
    batch_id = parse_reference(parts[0], "BAT")
    if batch_id is None or not parts[2].isdigit() or int(parts[2]) < 1:
        raise ValueError(parts)
    return CoverQr(batch_id, DocumentKind(parts[1]), int(parts[2]))


def _form(parts: list[str]) -> FormQr:
    form_id = parse_reference(parts[0], "MDF")
    if form_id is None:
        raise ValueError(parts)
    if len(parts) == 1:
        return FormQr(form_id)
    kind, atena_no, day = parts[1:]
    if atena_no and not atena_no.isdigit():
        raise ValueError(atena_no)
    form_date = date(int(day[:4]), int(day[4:6]), int(day[6:8])) if len(day) == 8 and day.isdigit() else None
    if form_date is None:
        raise ValueError(day)
    return FormQr(form_id, DocumentKind(kind), atena_no or None, form_date)


# --- Batch checks ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """Why a batch is held: which file, which page (1-based; None for the whole file), and why."""

    file: str
    page: int | None
    message_ja: str
    message_en: str

    def __str__(self) -> str:
        where = self.file if self.page is None else f"{self.file} p.{self.page}"
        return f"{where}: {self.message_ja} / {self.message_en}"


@dataclass(frozen=True)
class ScannedPage:
    """What the importer learned from one page of a scanner's file."""

    file: str
    page: int  # 1-based within the file
    dpi: float
    blank: bool
    qr: CoverQr | FormQr | None
    qr_error: BadQr | None = None


@dataclass
class PlannedBatch:
    """The pages of one batch in scanning order: its cover sheet, its sheets (blank pages dropped)."""

    cover: ScannedPage | None
    sheets: list[ScannedPage] = field(default_factory=list)
    blanks: list[ScannedPage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def plan_batches(pages: Sequence[ScannedPage]) -> list[PlannedBatch]:
    """Cut the pages into batches at each cover sheet and check what needs no database: a cover first, the
    resolution, the QR codes, and the sheet count against the cover's."""
    batches: list[PlannedBatch] = []
    for page in pages:
        if isinstance(page.qr, CoverQr):
            batches.append(PlannedBatch(page))
            continue
        if not batches:
            batches.append(PlannedBatch(None))
            batches[0].problems.append(
                Problem(
                    page.file,
                    page.page,
                    "表紙(バッチの QR コード)がありません。`mynadesk docs cover` で印刷した表紙を先頭に入れて"
                    "読み取り直してください",
                    "no cover sheet before this page; put the cover printed by `mynadesk docs cover` first "
                    "and scan again",
                )
            )
        batch = batches[-1]
        (batch.blanks if page.blank else batch.sheets).append(page)
    for batch in batches:
        batch.problems.extend(_page_problems(batch))
        batch.problems.extend(_count_problems(batch))
    return batches


def _page_problems(batch: PlannedBatch) -> list[Problem]:
    problems = []
    pages = ([batch.cover] if batch.cover else []) + batch.sheets
    for page in pages:
        if page.dpi < MIN_DPI:
            problems.append(
                Problem(
                    page.file,
                    page.page,
                    f"解像度が {page.dpi:.0f} dpi です。"
                    f"{MIN_DPI} dpi 以上(推奨 300 dpi)で読み取り直してください",
                    f"scanned at {page.dpi:.0f} dpi; scan again at {MIN_DPI} dpi or more (300 recommended)",
                )
            )
        if page.qr_error is not None:
            problems.append(Problem(page.file, page.page, page.qr_error.message_ja, page.qr_error.message_en))
    return problems


def _count_problems(batch: PlannedBatch) -> list[Problem]:
    if batch.cover is None or not isinstance(batch.cover.qr, CoverQr):
        return []
    expected, found = batch.cover.qr.count, len(batch.sheets)
    if expected == found:
        return []
    return [
        Problem(
            batch.cover.file,
            batch.cover.page,
            f"表紙の枚数は {expected} 枚ですが、白紙を除いて {found} 枚でした。抜けや重なりを確かめて"
            "読み取り直してください",
            f"the cover says {expected} sheets, {found} were found (blank pages left out); "
            "look for missing or "
            "double-fed sheets and scan again",
        )
    ]


# --- Retention ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Retention:
    """How many years each kind is kept after its form date (the default for kinds not named)."""

    years: Mapping[DocumentKind, int] = field(default_factory=dict)
    default_years: int = DEFAULT_RETENTION_YEARS

    def years_of(self, kind: DocumentKind) -> int:
        """The retention period of KIND in years."""
        return self.years.get(kind, self.default_years)

    def keep_until(self, kind: DocumentKind, dated: date) -> date:
        """The last day a document of KIND dated DATED must be kept."""
        return add_years(dated, self.years_of(kind))

    def expired(self, kind: DocumentKind, dated: date, today: date) -> bool:
        """True when the document may be deleted TODAY: its last day has passed, never earlier."""
        return today > self.keep_until(kind, dated)


def add_years(day: date, years: int) -> date:
    """DAY moved by YEARS (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def parse_retention(text: str) -> Retention:
    """`receipt=10,application=15,*=15` (years per kind, `*` for the rest) as a Retention."""
    years: dict[DocumentKind, int] = {}
    default = DEFAULT_RETENTION_YEARS
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        if not value.strip().isdigit() or int(value) < 1:
            raise DocumentError(
                f"保存年限は 種類=年数 で書きます: {item}", f"a retention period reads kind=years: {item}"
            )
        if name.strip() == "*":
            default = int(value)
        else:
            years[document_kind(name)] = int(value)
    return Retention(years, default)


# --- Double entry at the indexing desk ---------------------------------------------------------------------
@dataclass(frozen=True)
class IndexEntry:
    """What one member of staff keyed for an unindexed sheet."""

    atena_no: str
    kind: DocumentKind
    form_date: date
    entered_by: str
    notice_no: str | None = None


def entry_differences(first: IndexEntry, second: IndexEntry) -> list[str]:
    """The fields two entries disagree on (empty: they agree); the same person twice never confirms."""
    fields = ("atena_no", "kind", "form_date", "notice_no")
    differences = [name for name in fields if getattr(first, name) != getattr(second, name)]
    if first.entered_by == second.entered_by:
        differences.append("entered_by")
    return differences
