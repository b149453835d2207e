"""Free-text search of the OCR layer through its GIN index of characters and bigrams (no pg_trgm): a word
is found and a word that is not there is not, LIKE keeps the match exact, one character works too, the
index is used, and migration 0021's SQL fills existing rows exactly as text_grams() does."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from core.db.models.documents import Document
from core.domain.ocr_text import query_grams, text_grams
from core.services.audit import Actor
from core.services.documents import DocumentQuery, search_documents, search_statement

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
STAFF = Actor("S0001")
MIGRATION = Path(__file__).parents[2] / "core/db/migrations/versions/0021_ocr_grams.py"


def _sheet(session: Session, ocr_text: str | None) -> Document:
    document = Document(
        kind="application", status="needs_index", ocr_text=ocr_text, created_by="etl", created_at=NOW
    )
    session.add(document)
    session.flush()
    return document


def _found(session: Session, words: str) -> list[int]:
    return [d.id for d in search_documents(session, DocumentQuery(text=words), actor=STAFF)]


def test_grams_are_the_distinct_characters_and_pairs_within_each_line() -> None:
    assert text_grams("藤沢市の藤沢\nAB") == [
        *("A", "AB", "B", "の", "の藤", "市", "市の", "沢", "沢市", "藤", "藤沢"),
    ]
    assert text_grams("字") == ["字"]
    assert text_grams("") == []
    assert query_grams("藤沢市") == ["沢市", "藤沢"]
    assert query_grams("藤") == ["藤"]


def test_setting_the_ocr_text_sets_its_bigrams(session: Session) -> None:
    document = _sheet(session, "藤沢市辻堂")
    assert document.ocr_grams == text_grams("藤沢市辻堂")
    assert "辻堂" in document.ocr_grams
    document.ocr_text = "湘南台"
    session.flush()
    stored = session.scalar(select(Document.ocr_grams).where(Document.id == document.id))
    assert stored == ["南", "南台", "台", "湘", "湘南"]
    document.ocr_text = None
    assert document.ocr_grams is None


def test_a_word_of_the_ocr_text_is_found_and_others_are_not(session: Session) -> None:
    document = _sheet(session, "個人番号カード交付申請書\n住所 藤沢市辻堂東海岸1丁目\n藤沢市の沢藤")
    _sheet(session, "個人番号カード交付申請書\n住所 藤沢市鵠沼石上")
    assert _found(session, "辻堂東海岸") == [document.id]
    assert _found(session, "藤沢 市 辻堂") == [document.id]  # spaced as OCR reads it: normalised
    assert _found(session, "片瀬海岸") == []
    # every bigram of 沢藤沢 is in the first sheet, but not in this order: LIKE keeps the match exact
    assert set(text_grams("沢藤沢")) <= set(document.ocr_grams or [])
    assert _found(session, "沢藤沢") == []
    assert len(_found(session, "交付申請書")) == 2


def test_a_one_character_query_finds_the_sheets_holding_it(session: Session) -> None:
    document = _sheet(session, "住所 藤沢市辻堂")
    assert _found(session, "堂") == [document.id]
    assert _found(session, "猫") == []


def _plan(session: Session, words: str) -> str:
    compiled = search_statement(DocumentQuery(text=words)).compile(session.get_bind())
    rows = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    return "\n".join(r[0] for r in rows)


def _kanji(n: int) -> str:
    return chr(0x4E00 + n)


def test_free_text_search_uses_the_gin_index(session: Session) -> None:
    sheets = []
    for n in range(5_000):
        ocr = f"個人番号カード交付申請書\n氏名 {_kanji(n)}{_kanji(n + 7)}{_kanji(n + 13)}"
        sheets.append({"kind": "application", "status": "needs_index", "ocr_text": ocr})
        sheets[-1] |= {"ocr_grams": text_grams(ocr), "created_by": "etl", "created_at": NOW}
    session.execute(insert(Document), sheets)
    session.execute(text("ANALYZE documents.documents"))
    # new rows wait in the GIN index's pending list, which the planner prices as a full read, until
    # (auto)vacuum merges them; a transaction cannot vacuum, so merge them as it would
    session.execute(text("SELECT gin_clean_pending_list('documents.ix_documents_ocr_grams')"))
    assert "ix_documents_ocr_grams" in _plan(session, f"{_kanji(123)}{_kanji(130)}")
    assert "ix_documents_ocr_grams" in _plan(session, "猫")


def test_the_migration_fills_existing_rows_as_text_grams_does(session: Session) -> None:
    spec = importlib.util.spec_from_file_location("migration_0021", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    ocr = "個人番号カード 交付\n藤沢市の藤沢 ABC-12\n𠮷野家𠮷\n字\n"
    _sheet(session, ocr)
    _sheet(session, None)
    session.execute(text("UPDATE documents.documents SET ocr_grams = NULL"))
    session.execute(text(migration.BACKFILL))
    rows = session.execute(select(Document.ocr_text, Document.ocr_grams).order_by(Document.id)).all()
    assert [tuple(r) for r in rows][-2:] == [(ocr, text_grams(ocr)), (None, None)]
