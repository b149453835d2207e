"""Importing a scanner's folder (`mynadesk docs import DIR`): read, check, and only then store every batch.

The folder is the unit: any problem in any file or batch holds the whole folder, with a report naming the
file, the page and why, and nothing of it is stored. Fixed and run again, it is imported once (the batch's
cover is then `imported` and its files' sha256 are known: a second run is refused).

Two passes keep memory flat for big folders: the first reads each file and keeps only facts (resolution,
blankness, QR codes, hashes, and with an OcrPool each sheet's OCR text); the second, when everything
passed, reads each file again and encodes it. The first pass needs no database: the command runs it (OCR
and all, the slow part) before it opens the write transaction, and hands its result in as READ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.documents import Batch, Document, Page, SourceFile
from core.db.models.forms import FilledForm
from core.db.models.register import Resident
from core.domain.documents import (
    BadQr,
    BatchStatus,
    CoverQr,
    DocumentError,
    DocumentStatus,
    FormQr,
    PlannedBatch,
    Problem,
    ScannedPage,
    batch_reference,
    document_reference,
    parse_qr,
    plan_batches,
)
from core.domain.forms import form_reference
from core.filestore import FileStore
from core.scans.archive import encode_page, pdfa, thumbnails
from core.scans.ocr import OcrPool
from core.scans.pages import PageImage, UnreadableScan, is_blank, qr_texts, read_scan, scan_files
from core.services import audit
from core.services.documents import audit_stored


@dataclass(frozen=True)
class PageFacts:
    """What the first pass keeps of a page: the domain's view, the pixels' sha256, the QR's raw text and
    the OCR text (None for covers, blank pages, or without OCR)."""

    scanned: ScannedPage
    sha256: str
    qr_text: str | None
    ocr_text: str | None = None


@dataclass(frozen=True)
class FileFacts:
    """What the first pass keeps of a file."""

    path: Path
    sha256: str
    size: int
    media_type: str
    pages: list[PageFacts]


@dataclass
class FolderReport:
    """The outcome: the batches found, what was stored (nothing when held), and every problem."""

    folder: Path
    batches: list[PlannedBatch] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)
    needs_index: int = 0

    @property
    def held(self) -> bool:
        """True when a problem holds the folder."""
        return bool(self.problems)


FolderRead = tuple[list[FileFacts], list[Problem]]
Pending = list[tuple[int, int, Callable[[], str]]]  # (file, page index, the OCR text when ready)


def _facts(path: Path, ocr: OcrPool | None, pending: Pending, file_index: int) -> FileFacts:
    scan = read_scan(path)
    pages = []
    for index, image in enumerate(scan.pages):
        facts = _page(path.name, index + 1, image)
        if ocr is not None and not facts.scanned.blank and not isinstance(facts.scanned.qr, CoverQr):
            pending.append((file_index, index, ocr.submit(image.image, image.dpi)))
        pages.append(facts)
    return FileFacts(path, scan.sha256, scan.size, scan.media_type, pages)


def _page(name: str, number: int, page: PageImage) -> PageFacts:
    blank = is_blank(page.image)
    texts = [] if blank else [t for t in qr_texts(page.image) if t.startswith("MYNADESK:")]
    qr: CoverQr | FormQr | None = None
    error: BadQr | None = None
    if texts:
        try:
            qr = parse_qr(texts[0])
        except BadQr as bad:
            error = bad
    return PageFacts(
        ScannedPage(name, number, page.dpi, blank, qr, error), page.sha256, texts[0] if texts else None
    )


def read_folder(folder: Path, *, ocr: OcrPool | None = None) -> FolderRead:
    """The first pass: facts of every PDF/TIFF in FOLDER (with OCR, each sheet's text), and the files that
    cannot be read. No database is touched."""
    if not folder.is_dir():
        raise DocumentError(f"フォルダ {folder} がありません", f"no folder {folder}")
    files: list[FileFacts] = []
    problems: list[Problem] = []
    pending: Pending = []
    for path in scan_files(folder):
        try:
            files.append(_facts(path, ocr, pending, len(files)))
        except UnreadableScan as error:
            problems.append(Problem(path.name, None, error.message_ja, error.message_en))
    for file_index, page_index, text in pending:
        pages = files[file_index].pages
        pages[page_index] = replace(pages[page_index], ocr_text=text())
    if not files and not problems:
        problems.append(
            Problem(
                folder.name, None, "PDF・TIFF のファイルがありません", "no PDF or TIFF files in the folder"
            )
        )
    return files, problems


def check_folder(
    session: Session, folder: Path, *, read: FolderRead | None = None
) -> tuple[FolderReport, list[FileFacts]]:
    """Read FOLDER (unless READ, its first pass, is given) and run every check (the register, the
    batches, duplicates); nothing is written."""
    files, problems = read if read is not None else read_folder(folder)
    report = FolderReport(folder, problems=problems)
    pages = [p for f in files for p in f.pages]
    report.batches = plan_batches([p.scanned for p in pages])
    for batch in report.batches:
        report.problems.extend(batch.problems)
        report.problems.extend(_database_problems(session, batch))
    report.problems.extend(_duplicate_problems(session, files, pages, report.batches))
    return report, files


def _database_problems(session: Session, batch: PlannedBatch) -> list[Problem]:
    problems = []
    if batch.cover is not None and isinstance(batch.cover.qr, CoverQr):
        problems.extend(_cover_problems(session, batch.cover, batch.cover.qr))
    for sheet in batch.sheets:
        if isinstance(sheet.qr, FormQr):
            problems.extend(_form_problems(session, sheet, sheet.qr))
        elif isinstance(sheet.qr, CoverQr):  # pragma: no cover - plan_batches cuts at covers
            continue
    return problems


def _cover_problems(session: Session, page: ScannedPage, cover: CoverQr) -> list[Problem]:
    stored = session.get(Batch, cover.batch_id)
    reference = batch_reference(cover.batch_id)
    if stored is None:
        return [
            _problem(
                page,
                f"バッチ {reference} は登録されていません(別のシステムの表紙?)",
                f"batch {reference} is unknown (a cover sheet from another system?)",
            )
        ]
    if stored.status == BatchStatus.IMPORTED:
        return [
            _problem(
                page,
                f"バッチ {reference} は取込済みです"
                f"({stored.imported_by}, {stored.imported_at:%Y-%m-%d %H:%M})",
                f"batch {reference} was imported already",
            )
        ]
    if stored.kind != cover.kind or stored.expected_count != cover.count:
        return [
            _problem(
                page,
                f"表紙の内容がバッチ {reference} の登録と違います",
                f"the cover does not match batch {reference}",
            )
        ]
    return []


def _form_problems(session: Session, page: ScannedPage, qr: FormQr) -> list[Problem]:
    reference = form_reference(qr.form_id)
    form = session.get(FilledForm, qr.form_id)
    if form is None:
        return [_problem(page, f"帳票 {reference} の記録がありません", f"no record of the form {reference}")]
    if qr.kind is not None and (qr.kind != form.kind or qr.atena_no != form.subject_atena_no):
        return [
            _problem(
                page,
                f"QR の内容が帳票 {reference} の記録と一致しません",
                f"the QR code does not match the record of {reference}",
            )
        ]
    atena_no = qr.atena_no or form.subject_atena_no
    if atena_no is None or session.get(Resident, atena_no) is None:
        return [
            _problem(
                page,
                f"宛名番号 {atena_no} は住民記録にありません。帳票と住民記録を確かめてください",
                f"the atena number {atena_no} is not in the register; check the form and the register",
            )
        ]
    scanned = session.scalar(
        select(Document.id).where(Document.filled_form_id == form.id, Document.archive_sha256.is_not(None))
    )
    if scanned is not None:
        return [
            _problem(
                page,
                f"帳票 {reference} は取込済みです: {document_reference(scanned)}",
                f"the form {reference} was scanned already: {document_reference(scanned)}",
            )
        ]
    return []


def _duplicate_problems(
    session: Session, files: list[FileFacts], pages: list[PageFacts], batches: list[PlannedBatch]
) -> list[Problem]:
    problems = []
    for file in files:
        known = session.scalar(select(SourceFile).where(SourceFile.sha256 == file.sha256))
        if known is not None:
            problems.append(
                Problem(
                    file.path.name,
                    None,
                    f"同じファイルを取込済みです: {known.file_name}"
                    f"(バッチ {batch_reference(known.batch_id)})",
                    f"the same file was imported already: {known.file_name} "
                    f"(batch {batch_reference(known.batch_id)})",
                )
            )
    sheets = {id(s) for b in batches for s in b.sheets}
    seen: dict[str, ScannedPage] = {}
    for page in pages:
        if id(page.scanned) not in sheets:
            continue
        if page.sha256 in seen:
            first = seen[page.sha256]
            problems.append(
                _problem(
                    page.scanned,
                    f"{first.file} p.{first.page} と同じ画像です",
                    f"the same image as {first.file} p.{first.page}",
                )
            )
            continue
        seen[page.sha256] = page.scanned
        existing = session.scalar(select(Page.document_id).where(Page.sha256 == page.sha256))
        if existing is not None:
            problems.append(
                _problem(
                    page.scanned,
                    f"同じ画像を取込済みです: {document_reference(existing)}",
                    f"the same image was imported already: {document_reference(existing)}",
                )
            )
    return problems


def _batch_id(batch: PlannedBatch) -> int:
    """The batch's id from its cover (only called once the checks have passed: every batch has a cover)."""
    cover = batch.cover.qr if batch.cover is not None else None
    if not isinstance(cover, CoverQr):
        raise DocumentError("表紙のないバッチです", "a batch without a cover sheet")
    return cover.batch_id


def _problem(page: ScannedPage, message_ja: str, message_en: str) -> Problem:
    return Problem(page.file, page.page, message_ja, message_en)


def import_folder(
    session: Session,
    store: FileStore,
    folder: Path,
    *,
    actor: str,
    now: datetime,
    dry_run: bool = False,
    read: FolderRead | None = None,
) -> FolderReport:
    """Check FOLDER and, unless held or DRY_RUN, store its batches (files first; the caller commits inside
    `store.written()` so the files go when the commit fails). READ is `read_folder(FOLDER, ocr=...)` done
    before the transaction began; without it the folder is read here, without OCR."""
    report, files = check_folder(session, folder, read=read)
    if report.held or dry_run:
        return report
    source_ids = _store_sources(session, store, files, report.batches)
    batches = {}
    for batch in report.batches:
        stored = session.get_one(Batch, _batch_id(batch))
        batches.update({(s.file, s.page): (stored, s) for s in batch.sheets})
    for file in files:  # one file's images in memory at a time
        for facts, image in zip(file.pages, read_scan(file.path).pages, strict=True):
            key = (facts.scanned.file, facts.scanned.page)
            if key in batches:
                stored, sheet = batches[key]
                document = _store_sheet(
                    session,
                    store,
                    stored,
                    sheet,
                    facts,
                    image,
                    source_ids[file.path.name],
                    actor=actor,
                    now=now,
                )
                report.documents.append(document.id)
                report.needs_index += document.status == DocumentStatus.NEEDS_INDEX
    for batch in report.batches:
        stored = session.get_one(Batch, _batch_id(batch))
        stored.status = BatchStatus.IMPORTED.value
        stored.imported_by, stored.imported_at = actor, now
        stored.source_dir, stored.blank_pages = str(folder), len(batch.blanks)
        audit.record(
            session,
            audit.Actor(actor),
            "document_import",
            "document_batch",
            object_id=batch_reference(stored.id),
            summary=f"スキャン取込 {len(batch.sheets)} 枚(白紙 {len(batch.blanks)} 枚を除外)",
            detail={"sheets": len(batch.sheets), "blanks": len(batch.blanks), "folder": folder.name},
        )
    session.flush()
    return report


def _store_sources(
    session: Session, store: FileStore, files: list[FileFacts], batches: list[PlannedBatch]
) -> dict[str, int]:
    first_batch = {}
    for batch in reversed(batches):
        for page in [*batch.sheets, *batch.blanks] + ([batch.cover] if batch.cover else []):
            first_batch[page.file] = _batch_id(batch)
    ids = {}
    for file in files:
        store.put(file.path.read_bytes())
        row = SourceFile(
            batch_id=first_batch[file.path.name],
            file_name=file.path.name,
            sha256=file.sha256,
            size_bytes=file.size,
            media_type=file.media_type,
            page_count=len(file.pages),
        )
        session.add(row)
        session.flush()
        ids[file.path.name] = row.id
    return ids


def _store_sheet(
    session: Session,
    store: FileStore,
    batch: Batch,
    sheet: ScannedPage,
    facts: PageFacts,
    image: PageImage,
    source_id: int,
    *,
    actor: str,
    now: datetime,
) -> Document:
    encoded = encode_page(image)
    archive = pdfa([encoded], title=f"{batch_reference(batch.id)} {sheet.file} p.{sheet.page}", created=now)
    thumbnail = store.put(thumbnails(archive)[0])
    document = _document_for(session, batch, sheet.qr, actor=actor, now=now)
    document.archive_sha256 = store.put(archive)
    document.batch_id = batch.id
    document.ocr_text = facts.ocr_text or None
    session.flush()
    session.add(
        Page(
            document_id=document.id,
            page_no=1,
            source_file_id=source_id,
            source_page=sheet.page,
            sha256=facts.sha256,
            width_px=image.image.width,
            height_px=image.image.height,
            dpi=image.dpi,
            encoding=encoded.encoding,
            qr_text=facts.qr_text,
            thumbnail_sha256=thumbnail,
        )
    )
    audit_stored(session, actor, document, f"の画像を保存({batch_reference(batch.id)})")
    return document


def _document_for(
    session: Session, batch: Batch, qr: CoverQr | FormQr | None, *, actor: str, now: datetime
) -> Document:
    """The sheet's document: the one its printed form already has (the scan attaches to it), or a new one,
    indexed from the QR code or waiting in the indexing queue."""
    if not isinstance(qr, FormQr):
        document = Document(
            kind=batch.kind, status=DocumentStatus.NEEDS_INDEX.value, created_by=actor, created_at=now
        )
        session.add(document)
        return document
    form = session.get_one(FilledForm, qr.form_id)
    found = session.scalar(select(Document).where(Document.filled_form_id == form.id))
    document = found or Document(filled_form_id=form.id, created_by=actor, created_at=now)
    if found is None:
        session.add(document)
    card = form.form_values.get("card") or {}
    document.kind = form.kind
    document.status = DocumentStatus.INDEXED.value
    document.atena_no = form.subject_atena_no
    document.form_date = date.fromisoformat(form.form_values["filled_on"])
    document.notice_no = card.get("notice_no")
    document.indexed_by, document.indexed_at = "qr", now
    return document
