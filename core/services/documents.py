"""The document store's use cases (イメージ管理): cover sheets, printed forms kept at once, search and view
(audited), the indexing queue with double entry, and retention. Importing scans is
core.services.document_import.

Services take a Session and never commit; files are written through a core.filestore.FileStore before the
caller commits (inside `store.written()`), and removed only after the rows that named them are gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from core.db.models.documents import Batch, Deletion, Document, IndexEntryRow, Page, SourceFile
from core.db.models.forms import FilledForm
from core.db.models.register import Resident
from core.domain.documents import (
    BatchStatus,
    CoverQr,
    DocumentError,
    DocumentKind,
    DocumentStatus,
    IndexEntry,
    Retention,
    document_reference,
    entry_differences,
    parse_reference,
)
from core.domain.forms import form_reference, parse_form_reference
from core.domain.ocr_text import query_grams, search_text
from core.filestore import FileStore
from core.services import audit


def open_batch(
    session: Session, kind: DocumentKind, count: int, *, actor: str, now: datetime, note: str | None = None
) -> CoverQr:
    """Register a batch for a cover sheet about to be printed; what its QR code says back."""
    if count < 1:
        raise DocumentError("枚数は 1 枚以上です", "the sheet count must be 1 or more")
    batch = Batch(
        kind=kind.value,
        expected_count=count,
        status=BatchStatus.OPEN.value,
        note=note,
        created_by=actor,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    return CoverQr(batch.id, kind, count)


def store_printed_form(
    session: Session, store: FileStore, form_id: int, pdf: bytes, *, actor: str, now: datetime
) -> Document:
    """Keep the PDF of a form MynaDesk just printed as a document linked to its cards.filled_forms record,
    indexed from that record; its signed and scanned copy attaches to the same document on import."""
    form = session.get_one(FilledForm, form_id)
    card = form.form_values.get("card") or {}
    document = Document(
        kind=form.kind,
        status=DocumentStatus.INDEXED.value,
        atena_no=form.subject_atena_no,
        form_date=date.fromisoformat(form.form_values["filled_on"]),
        notice_no=card.get("notice_no"),
        filled_form_id=form.id,
        printed_sha256=store.put(pdf),
        created_by=actor,
        created_at=now,
        indexed_by="form",
        indexed_at=now,
    )
    session.add(document)
    session.flush()
    audit_stored(session, actor, document, f"の印刷控えを保存({form_reference(form.id)})")
    return document


def audit_stored(session: Session, actor: str, document: Document, what: str) -> None:
    """Audit that DOCUMENT's files were kept (a printed copy or a scanned sheet): its kind's name + WHAT."""
    audit.record(
        session,
        audit.Actor(actor),
        "document_store",
        "document",
        object_id=document_reference(document.id),
        subject_atena_no=document.atena_no,
        summary=f"{DocumentKind(document.kind).label_ja}{what}",
    )


def printed_form_pdf(session: Session, store: FileStore, form_id: int) -> bytes:
    """The PDF of filled form FORM_ID exactly as it was printed and kept (store_printed_form)."""
    digest = session.scalar(select(Document.printed_sha256).where(Document.filled_form_id == form_id))
    if digest is None:
        reference = form_reference(form_id)
        raise DocumentError(
            f"{reference} の印刷控えは保存されていません", f"no printed copy of {reference} is stored"
        )
    return store.read(digest)


def view_printed_form(
    session: Session, store: FileStore, reference: str, *, actor: audit.Actor
) -> tuple[FilledForm, bytes]:
    """A printed form's kept PDF by its reference (MDF-…), for the screen; the view is audited."""
    form_id = parse_form_reference(reference)
    form = None if form_id is None else session.get(FilledForm, form_id)
    if form is None:
        raise DocumentError(f"帳票 {reference} はありません", f"no filled form {reference}")
    pdf = printed_form_pdf(session, store, form.id)
    audit.record(
        session,
        actor,
        "view",
        "filled_form",
        object_id=form_reference(form.id),
        subject_atena_no=form.subject_atena_no,
        summary=f"{DocumentKind(form.kind).label_ja}の印刷控えを表示",
    )
    return form, pdf


# --- Search and view ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DocumentQuery:
    """What staff search by; empty fields do not narrow. TEXT matches the OCR layer, normalised as the
    stored text is (NFKC, no spaces next to CJK characters): its bigrams through the GIN index, then LIKE;
    NAME matches the register's name or kana (spaces ignored)."""

    atena_no: str | None = None
    name: str | None = None
    kinds: tuple[DocumentKind, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    batch: str | None = None  # BAT-00000012
    notice_no: str | None = None
    text: str | None = None
    status: DocumentStatus | None = None
    limit: int = 100


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _compact(column: object) -> object:
    return func.translate(column, " \u3000", "")


def _text_matches(text: str) -> list[ColumnElement[bool]]:
    """Documents whose OCR text holds TEXT: those holding all its bigrams, or its one character (the GIN
    index finds them), and of those the ones where LIKE finds TEXT in order."""
    return [Document.ocr_grams.contains(query_grams(text)), Document.ocr_text.like(_like(text))]


def _filtered(query: DocumentQuery) -> Select[Document]:
    statement = select(Document)
    if query.atena_no:
        statement = statement.where(Document.atena_no == query.atena_no.strip())
    if query.name:
        pattern = _like(query.name.replace(" ", "").replace("\u3000", ""))
        people = select(Resident.atena_no).where(
            or_(_compact(Resident.name).like(pattern), _compact(Resident.name_kana).like(pattern))  # type: ignore[attr-defined]
        )
        statement = statement.where(Document.atena_no.in_(people))
    if query.kinds:
        statement = statement.where(Document.kind.in_([k.value for k in query.kinds]))
    if query.date_from:
        statement = statement.where(Document.form_date >= query.date_from)
    if query.date_to:
        statement = statement.where(Document.form_date <= query.date_to)
    if query.batch:
        batch_id = parse_reference(query.batch, "BAT")
        statement = statement.where(Document.batch_id == (batch_id if batch_id is not None else -1))
    if query.notice_no:
        statement = statement.where(Document.notice_no == query.notice_no.strip())
    if query.text and search_text(query.text):
        statement = statement.where(*_text_matches(search_text(query.text)))
    if query.status:
        statement = statement.where(Document.status == query.status.value)
    return statement


def search_statement(query: DocumentQuery) -> Select[Document]:
    """The SELECT search_documents runs for QUERY: newest form date first, at most QUERY.limit."""
    statement = _filtered(query).order_by(Document.form_date.desc().nulls_last(), Document.id.desc())
    return statement.limit(query.limit)


def search_documents(session: Session, query: DocumentQuery, *, actor: audit.Actor) -> list[Document]:
    """Documents matching QUERY, newest form date first; the search is audited (its criteria, not hits)."""
    documents = list(session.scalars(search_statement(query)))
    criteria = {k: str(v) for k, v in vars(query).items() if v not in (None, (), "") and k != "limit"}
    audit.record(
        session,
        actor,
        "search",
        "document",
        subject_atena_no=query.atena_no,
        summary=f"書類を検索({len(documents)}件)",
        detail={"criteria": criteria, "hits": len(documents)},
    )
    return documents


@dataclass(frozen=True)
class DocumentView:
    """A document with its pages and the batch it came in."""

    document: Document
    pages: list[Page]
    batch: Batch | None


def view_document(session: Session, document_id: int, *, actor: audit.Actor) -> DocumentView:
    """One document to show (its images are store.read(page.thumbnail_sha256) / document.archive_sha256);
    the view is audited."""
    document = session.get(Document, document_id)
    if document is None:
        reference = document_reference(document_id)
        raise DocumentError(f"書類 {reference} はありません", f"no document {reference}")
    pages = list(session.scalars(select(Page).where(Page.document_id == document.id).order_by(Page.page_no)))
    batch = None if document.batch_id is None else session.get(Batch, document.batch_id)
    audit.record(
        session,
        actor,
        "view",
        "document",
        object_id=document_reference(document.id),
        subject_atena_no=document.atena_no,
        summary=f"{DocumentKind(document.kind).label_ja}の画像を表示",
    )
    return DocumentView(document, pages, batch)


def index_queue(session: Session, *, limit: int = 50, batch_id: int | None = None) -> list[Document]:
    """Sheets without a readable QR code, oldest first: the indexing desk's queue."""
    statement = select(Document).where(Document.status == DocumentStatus.NEEDS_INDEX.value)
    if batch_id is not None:
        statement = statement.where(Document.batch_id == batch_id)
    return list(session.scalars(statement.order_by(Document.id).limit(limit)))


# --- Double entry ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EntryOutcome:
    """After a keying: indexed (two entries agreed), waiting for a second one, or which fields disagreed."""

    indexed: bool
    differences: list[str]


def enter_index(
    session: Session, document_id: int, entry: IndexEntry, *, now: datetime, actor: audit.Actor
) -> EntryOutcome:
    """Record one keying of an unindexed sheet; the second that agrees with an earlier one by someone else
    indexes the document (audited). A 宛名番号 the register does not know is refused."""
    document = session.get(Document, document_id, with_for_update=True)
    if document is None or document.status != DocumentStatus.NEEDS_INDEX:
        reference = document_reference(document_id)
        raise DocumentError(
            f"書類 {reference} は索引待ちではありません", f"{reference} is not waiting for an index"
        )
    if session.get(Resident, entry.atena_no) is None:
        raise DocumentError(
            f"宛名番号 {entry.atena_no} は住民記録にありません",
            f"the atena number {entry.atena_no} is unknown",
        )
    earlier = list(session.scalars(select(IndexEntryRow).where(IndexEntryRow.document_id == document.id)))
    session.add(
        IndexEntryRow(
            document_id=document.id,
            atena_no=entry.atena_no,
            kind=entry.kind.value,
            form_date=entry.form_date,
            notice_no=entry.notice_no,
            entered_by=entry.entered_by,
            entered_at=now,
        )
    )
    differences: list[str] = []
    for row in reversed(earlier):
        other = IndexEntry(row.atena_no, DocumentKind(row.kind), row.form_date, row.entered_by, row.notice_no)
        differences = entry_differences(other, entry)
        if not differences:
            _index(session, document, entry, confirmed_by=(other.entered_by, entry.entered_by), now=now)
            audit.record(
                session,
                actor,
                "document_index",
                "document",
                object_id=document_reference(document.id),
                subject_atena_no=entry.atena_no,
                summary="書類の索引を確定(二重入力一致)",
            )
            return EntryOutcome(True, [])
    session.flush()
    return EntryOutcome(False, differences)


def _index(
    session: Session, document: Document, entry: IndexEntry, *, confirmed_by: tuple[str, str], now: datetime
) -> None:
    document.atena_no, document.kind = entry.atena_no, entry.kind.value
    document.form_date, document.notice_no = entry.form_date, entry.notice_no
    document.status = DocumentStatus.INDEXED.value
    document.indexed_by, document.indexed_at = ",".join(confirmed_by), now
    session.flush()


# --- Retention ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expired:
    """A document past its retention period."""

    document: Document
    kept_until: date


def expired_documents(session: Session, retention: Retention, today: date) -> list[Expired]:
    """Indexed documents whose last day of keeping has passed (the form date, else the day it was stored);
    unindexed sheets wait for their index."""
    shortest = min([retention.default_years, *retention.years.values()])
    latest = date(today.year - shortest, 12, 31)
    candidates = session.scalars(
        select(Document)
        .where(Document.status == DocumentStatus.INDEXED.value)
        .where(func.coalesce(Document.form_date, func.date(Document.created_at)) <= latest)
        .order_by(Document.id)
    )
    found = []
    for document in candidates:
        dated = document.form_date or document.created_at.date()
        kind = DocumentKind(document.kind)
        if retention.expired(kind, dated, today):
            found.append(Expired(document, retention.keep_until(kind, dated)))
    return found


def delete_expired(
    session: Session, expired: list[Expired], retention: Retention, *, actor: str, now: datetime
) -> list[str]:
    """Delete the documents (rows first; the caller commits, then removes the returned files with
    `remove_unreferenced`), each with a Deletion record and an audit entry."""
    files: list[str] = []
    for item in expired:
        document = item.document
        pages = list(session.scalars(select(Page).where(Page.document_id == document.id)))
        hashes = {
            "archive": document.archive_sha256,
            "printed": document.printed_sha256,
            "thumbnails": [p.thumbnail_sha256 for p in pages],
        }
        files += [h for h in (document.archive_sha256, document.printed_sha256) if h]
        files += [p.thumbnail_sha256 for p in pages]
        sources = {p.source_file_id for p in pages}
        session.add(
            Deletion(
                document_id=document.id,
                kind=document.kind,
                atena_no=document.atena_no,
                form_date=document.form_date,
                batch_id=document.batch_id,
                retention_years=retention.years_of(DocumentKind(document.kind)),
                kept_until=item.kept_until,
                files=hashes,
                deleted_by=actor,
                deleted_at=now,
            )
        )
        audit.record(
            session,
            audit.Actor(actor),
            "document_expire",
            "document",
            object_id=document_reference(document.id),
            subject_atena_no=document.atena_no,
            summary=f"保存年限満了により削除({DocumentKind(document.kind).label_ja}、{item.kept_until}まで保存)",
        )
        session.delete(document)
        session.flush()
        files += _drop_unused_sources(session, sources)
    return files


def _drop_unused_sources(session: Session, source_ids: set[int]) -> list[str]:
    """The scanner's original files no remaining page comes from: their rows deleted, their hashes back."""
    gone = []
    for source in session.scalars(select(SourceFile).where(SourceFile.id.in_(source_ids))):
        if session.scalar(select(Page.id).where(Page.source_file_id == source.id).limit(1)) is None:
            gone.append(source.sha256)
            session.delete(source)
    session.flush()
    return gone


def referenced_files(session: Session) -> set[str]:
    """The sha256 of every file a row names."""
    names: set[str] = set(session.scalars(select(SourceFile.sha256)))
    names |= set(session.scalars(select(Page.thumbnail_sha256)))
    for column in (Document.archive_sha256, Document.printed_sha256):
        names |= {h for h in session.scalars(select(column).where(column.is_not(None))) if h}
    return names


def remove_unreferenced(session: Session, store: FileStore, hashes: list[str]) -> int:
    """Remove those of HASHES no row names any more (after the deleting transaction committed)."""
    still = referenced_files(session)
    removed = [h for h in hashes if h not in still]
    for digest in removed:
        store.remove(digest)
    return len(removed)
