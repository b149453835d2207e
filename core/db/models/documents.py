"""Schema `documents`: scanned and printed sheets (イメージ管理) — batches, the scanner's files, documents
with their index, pages, staff's index entries and the record of deletions. Files live content-addressed
on disk (core.filestore); every file's sha256 is here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, validates

from core.db.base import Base, created_at_column
from core.db.models.forms import FilledForm
from core.domain.documents import BatchStatus, DocumentKind, DocumentStatus
from core.domain.ocr_text import text_grams

SCHEMA = "documents"
SHA256 = String(64)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


KIND_CHECK = _in("kind", tuple(k.value for k in DocumentKind))


class Batch(Base):
    """One cover sheet printed (`mynadesk docs cover`) and, once imported, the batch it opened."""

    __tablename__ = "batches"
    __table_args__ = (
        CheckConstraint(KIND_CHECK, name="kind"),
        CheckConstraint(_in("status", tuple(s.value for s in BatchStatus)), name="status"),
        CheckConstraint("expected_count > 0", name="expected_count"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    expected_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)  # e.g. the box label of legacy sheets
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    imported_by: Mapped[str | None] = mapped_column(String(100))
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_dir: Mapped[str | None] = mapped_column(Text)
    blank_pages: Mapped[int | None] = mapped_column(Integer)


class SourceFile(Base):
    """A file as the scanner wrote it (PDF or multi-page TIFF), kept unchanged under its sha256."""

    __tablename__ = "source_files"
    __table_args__ = (
        Index("ix_source_files_batch_id", "batch_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey(Batch.id))
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(SHA256, unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(40))
    page_count: Mapped[int] = mapped_column(Integer)


class Document(Base):
    """One sheet (or printed form) with its index: 宛名番号, kind, date, notice number, batch, form record."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(KIND_CHECK, name="kind"),
        CheckConstraint(_in("status", tuple(s.value for s in DocumentStatus)), name="status"),
        CheckConstraint("status = 'needs_index' OR atena_no IS NOT NULL", name="indexed_has_atena"),
        Index("ix_documents_atena_no", "atena_no"),
        Index("ix_documents_kind_form_date", "kind", "form_date"),
        Index("ix_documents_notice_no", "notice_no"),
        Index("ix_documents_batch_id", "batch_id"),
        Index("ix_documents_status", "status"),
        Index("ix_documents_ocr_grams", "ocr_grams", postgresql_using="gin"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    atena_no: Mapped[str | None] = mapped_column(String(15))
    form_date: Mapped[date | None] = mapped_column(Date)
    notice_no: Mapped[str | None] = mapped_column(String(40))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey(Batch.id))
    filled_form_id: Mapped[int | None] = mapped_column(ForeignKey(FilledForm.id), unique=True)
    archive_sha256: Mapped[str | None] = mapped_column(SHA256)  # PDF/A-2b of the scanned pages
    printed_sha256: Mapped[str | None] = mapped_column(SHA256)  # the PDF as MynaDesk printed it
    ocr_text: Mapped[str | None] = mapped_column(Text)  # searchable text (OCR), a suggestion only
    ocr_grams: Mapped[list[str] | None] = mapped_column(ARRAY(Text))  # text_grams(ocr_text), GIN-indexed
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    indexed_by: Mapped[str | None] = mapped_column(String(200))  # "qr", or the staff who keyed it
    indexed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @validates("ocr_text")
    def _keep_grams(self, _key: str, ocr_text: str | None) -> str | None:
        """Whenever the OCR text is set, its characters and bigrams (the search index) are set with it."""
        self.ocr_grams = None if ocr_text is None else text_grams(ocr_text)
        return ocr_text


# every search's order (newest first): a common word's first hits come without sorting all its hits
Index("ix_documents_newest", Document.form_date.desc().nulls_last(), Document.id.desc())


class Page(Base):
    """One scanned page of a document: where it came from, how it is encoded, its thumbnail."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("document_id", "page_no"),
        CheckConstraint("encoding IN ('g4', 'jpeg')", name="encoding"),
        Index("ix_pages_sha256", "sha256"),
        Index("ix_pages_source_file_id", "source_file_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey(Document.id, ondelete="CASCADE"))
    page_no: Mapped[int] = mapped_column(SmallInteger)
    source_file_id: Mapped[int] = mapped_column(ForeignKey(SourceFile.id))
    source_page: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(SHA256)  # of the page's pixels as scanned
    width_px: Mapped[int] = mapped_column(Integer)
    height_px: Mapped[int] = mapped_column(Integer)
    dpi: Mapped[float] = mapped_column(Float)
    encoding: Mapped[str] = mapped_column(String(4))
    qr_text: Mapped[str | None] = mapped_column(Text)
    thumbnail_sha256: Mapped[str] = mapped_column(SHA256)


class IndexEntryRow(Base):
    """One keying of an unindexed sheet at the indexing desk (two that agree, by two people, index it)."""

    __tablename__ = "index_entries"
    __table_args__ = (
        CheckConstraint(KIND_CHECK, name="kind"),
        Index("ix_index_entries_document_id", "document_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey(Document.id, ondelete="CASCADE"))
    atena_no: Mapped[str] = mapped_column(String(15))
    kind: Mapped[str] = mapped_column(String(20))
    form_date: Mapped[date] = mapped_column(Date)
    notice_no: Mapped[str | None] = mapped_column(String(40))
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Deletion(Base):
    """What `mynadesk docs expire --apply` deleted, kept after the document and its files are gone."""

    __tablename__ = "deletions"
    __table_args__ = ({"schema": SCHEMA},)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    atena_no: Mapped[str | None] = mapped_column(String(15))
    form_date: Mapped[date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(BigInteger)
    retention_years: Mapped[int] = mapped_column(SmallInteger)
    kept_until: Mapped[date] = mapped_column(Date)
    files: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the sha256 of every file removed
    deleted_by: Mapped[str] = mapped_column(String(100))
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = created_at_column()
