"""Document store (issue 17): schema documents — batches, the scanner's files, documents with their index,
pages, index entries of the indexing desk, and the record of deletions. The site role gets nothing here.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITE_ROLE = "mynadesk_site"
APP_ROLE = "mynadesk_app"
S = "documents"
KINDS = "('certificate', 'pin_reset', 'face_change', 'receipt', 'notice', 'application', 'other')"

GRANTS = f"""
REVOKE ALL ON SCHEMA {S} FROM PUBLIC;
GRANT USAGE ON SCHEMA {S} TO {APP_ROLE};
REVOKE ALL ON ALL TABLES IN SCHEMA {S} FROM PUBLIC, {SITE_ROLE}, {APP_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON {S}.batches, {S}.source_files, {S}.documents, {S}.pages,
    {S}.index_entries TO {APP_ROLE};
-- what was deleted stays: the app adds to the record and reads it, never changes it
GRANT SELECT, INSERT ON {S}.deletions TO {APP_ROLE};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA {S} TO {APP_ROLE};
"""


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger(), nullable=False)


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _kind(table: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"kind IN {KINDS}", name=op.f(f"ck_{table}_kind"))


def upgrade() -> None:
    op.execute(f"CREATE SCHEMA {S}")
    op.create_table(
        "batches",
        _id(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("expected_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        _at("created_at"),
        sa.Column("imported_by", sa.String(100), nullable=True),
        _at("imported_at", True),
        sa.Column("source_dir", sa.Text(), nullable=True),
        sa.Column("blank_pages", sa.Integer(), nullable=True),
        _kind("batches"),
        sa.CheckConstraint("status IN ('open', 'imported')", name=op.f("ck_batches_status")),
        sa.CheckConstraint("expected_count > 0", name=op.f("ck_batches_expected_count")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        schema=S,
    )
    op.create_table(
        "source_files",
        _id(),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], [f"{S}.batches.id"], name=op.f("fk_source_files_batch_id_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_source_files_sha256")),
        schema=S,
    )
    op.create_index("ix_source_files_batch_id", "source_files", ["batch_id"], schema=S)
    op.create_table(
        "documents",
        _id(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("atena_no", sa.String(15), nullable=True),
        sa.Column("form_date", sa.Date(), nullable=True),
        sa.Column("notice_no", sa.String(40), nullable=True),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("filled_form_id", sa.BigInteger(), nullable=True),
        sa.Column("archive_sha256", sa.String(64), nullable=True),
        sa.Column("printed_sha256", sa.String(64), nullable=True),
        sa.Column("ocr_text", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        _at("created_at"),
        sa.Column("indexed_by", sa.String(200), nullable=True),
        _at("indexed_at", True),
        _kind("documents"),
        sa.CheckConstraint("status IN ('indexed', 'needs_index')", name=op.f("ck_documents_status")),
        sa.CheckConstraint(
            "status = 'needs_index' OR atena_no IS NOT NULL", name=op.f("ck_documents_indexed_has_atena")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], [f"{S}.batches.id"], name=op.f("fk_documents_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["filled_form_id"],
            ["cards.filled_forms.id"],
            name=op.f("fk_documents_filled_form_id_filled_forms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("filled_form_id", name=op.f("uq_documents_filled_form_id")),
        schema=S,
    )
    op.create_index("ix_documents_atena_no", "documents", ["atena_no"], schema=S)
    op.create_index("ix_documents_kind_form_date", "documents", ["kind", "form_date"], schema=S)
    op.create_index("ix_documents_notice_no", "documents", ["notice_no"], schema=S)
    op.create_index("ix_documents_batch_id", "documents", ["batch_id"], schema=S)
    op.create_index("ix_documents_status", "documents", ["status"], schema=S)
    op.create_table(
        "pages",
        _id(),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("page_no", sa.SmallInteger(), nullable=False),
        sa.Column("source_file_id", sa.BigInteger(), nullable=False),
        sa.Column("source_page", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("width_px", sa.Integer(), nullable=False),
        sa.Column("height_px", sa.Integer(), nullable=False),
        sa.Column("dpi", sa.Float(), nullable=False),
        sa.Column("encoding", sa.String(4), nullable=False),
        sa.Column("qr_text", sa.Text(), nullable=True),
        sa.Column("thumbnail_sha256", sa.String(64), nullable=False),
        sa.CheckConstraint("encoding IN ('g4', 'jpeg')", name=op.f("ck_pages_encoding")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            [f"{S}.documents.id"],
            name=op.f("fk_pages_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_file_id"], [f"{S}.source_files.id"], name=op.f("fk_pages_source_file_id_source_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("document_id", "page_no", name=op.f("uq_pages_document_id_page_no")),
        schema=S,
    )
    op.create_index("ix_pages_sha256", "pages", ["sha256"], schema=S)
    op.create_index("ix_pages_source_file_id", "pages", ["source_file_id"], schema=S)
    op.create_table(
        "index_entries",
        _id(),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("atena_no", sa.String(15), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("form_date", sa.Date(), nullable=False),
        sa.Column("notice_no", sa.String(40), nullable=True),
        sa.Column("entered_by", sa.String(100), nullable=False),
        _at("entered_at"),
        _kind("index_entries"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            [f"{S}.documents.id"],
            name=op.f("fk_index_entries_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_entries")),
        schema=S,
    )
    op.create_index("ix_index_entries_document_id", "index_entries", ["document_id"], schema=S)
    op.create_table(
        "deletions",
        _id(),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("atena_no", sa.String(15), nullable=True),
        sa.Column("form_date", sa.Date(), nullable=True),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("retention_years", sa.SmallInteger(), nullable=False),
        sa.Column("kept_until", sa.Date(), nullable=False),
        sa.Column("files", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("deleted_by", sa.String(100), nullable=False),
        _at("deleted_at"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletions")),
        schema=S,
    )
    op.execute(GRANTS)


def downgrade() -> None:
    for table in ("deletions", "index_entries", "pages", "documents", "source_files", "batches"):
        op.drop_table(table, schema=S)
    op.execute(f"DROP SCHEMA {S}")
