"""The document store's rules and services the indexing desk and search build on (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models.audit import AuditEntry
from core.db.models.documents import Document
from core.domain.documents import (
    BadQr,
    CoverQr,
    DocumentError,
    DocumentKind,
    DocumentStatus,
    FormQr,
    IndexEntry,
    Retention,
    format_cover_qr,
    format_form_qr,
    parse_qr,
    parse_retention,
)
from core.services.audit import Actor
from core.services.documents import DocumentQuery, enter_index, search_documents, view_document
from tests.reports.people import HANAKO, add_resident

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
STAFF = Actor("S0001")


def test_qr_payloads_round_trip_and_nonsense_is_refused() -> None:
    cover = CoverQr(12, DocumentKind.APPLICATION, 50)
    assert parse_qr(format_cover_qr(cover)) == cover
    form = format_form_qr("MDF-00000042", "receipt", "100000000001", date(2026, 12, 5))
    assert parse_qr(form) == FormQr(42, DocumentKind.RECEIPT, "100000000001", date(2026, 12, 5))
    assert parse_qr("MYNADESK:FORM:MDF-00000042") == FormQr(42)
    assert parse_qr("FJS-000123") is None  # the notice number's QR on the same sheet
    for text in ("MYNADESK:FORM:XYZ", "MYNADESK:BATCH:BAT-1:receipt:0", "MYNADESK:FORM:MDF-1:receipt:1:2026"):
        with pytest.raises(BadQr):
            parse_qr(text)


def test_retention_never_deletes_before_the_last_day() -> None:
    retention = parse_retention("receipt=5,*=10")
    assert retention == Retention({DocumentKind.RECEIPT: 5}, 10)
    assert not retention.expired(DocumentKind.RECEIPT, date(2021, 12, 7), date(2026, 12, 7))
    assert retention.expired(DocumentKind.RECEIPT, date(2021, 12, 7), date(2026, 12, 8))
    assert retention.keep_until(DocumentKind.APPLICATION, date(2020, 2, 29)) == date(2030, 2, 28)
    with pytest.raises(DocumentError):
        parse_retention("receipt=forever")


def _unindexed(session: Session) -> Document:
    document = Document(kind="application", status="needs_index", created_by="etl", created_at=NOW)
    session.add(document)
    session.flush()
    return document


def test_two_agreeing_entries_by_two_people_index_a_sheet(session: Session) -> None:
    add_resident(session)
    document = _unindexed(session)
    first = IndexEntry(HANAKO["atena_no"], DocumentKind.APPLICATION, date(2016, 1, 20), "S0001")
    assert not enter_index(session, document.id, first, now=NOW, actor=STAFF).indexed
    same_person = enter_index(session, document.id, first, now=NOW, actor=STAFF)
    assert same_person.differences == ["entered_by"]
    typo = IndexEntry(HANAKO["atena_no"], DocumentKind.APPLICATION, date(2016, 1, 21), "S0002")
    assert enter_index(session, document.id, typo, now=NOW, actor=Actor("S0002")).differences == ["form_date"]
    second = IndexEntry(HANAKO["atena_no"], DocumentKind.APPLICATION, date(2016, 1, 20), "S0003")
    assert enter_index(session, document.id, second, now=NOW, actor=Actor("S0003")).indexed
    assert (document.status, document.atena_no, document.indexed_by) == (
        DocumentStatus.INDEXED,
        HANAKO["atena_no"],
        "S0001,S0003",
    )


def test_an_entry_for_an_unknown_person_is_refused(session: Session) -> None:
    document = _unindexed(session)
    entry = IndexEntry("999999999999", DocumentKind.APPLICATION, date(2016, 1, 20), "S0001")
    with pytest.raises(DocumentError, match="住民記録にありません"):
        enter_index(session, document.id, entry, now=NOW, actor=STAFF)


def test_search_finds_by_each_field_and_every_search_and_view_is_audited(session: Session) -> None:
    add_resident(session)
    document = _unindexed(session)
    document.status, document.atena_no, document.form_date = "indexed", HANAKO["atena_no"], date(2016, 1, 20)
    document.notice_no, document.ocr_text = "FJS-000777", "個人番号カード交付申請書 藤沢市辻堂"
    session.flush()
    queries = [
        DocumentQuery(atena_no=HANAKO["atena_no"]),
        DocumentQuery(name="フジサワ ハナコ"),
        DocumentQuery(
            kinds=(DocumentKind.APPLICATION,), date_from=date(2016, 1, 1), date_to=date(2016, 1, 31)
        ),
        DocumentQuery(notice_no="FJS-000777"),
        DocumentQuery(text="辻堂"),
    ]
    for query in queries:
        assert document.id in [d.id for d in search_documents(session, query, actor=STAFF)], query
    assert search_documents(session, DocumentQuery(text="鵠沼"), actor=STAFF) == []
    view_document(session, document.id, actor=STAFF)
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "document").order_by(AuditEntry.id)
    ).all()
    assert actions[-7:] == ["search"] * 6 + ["view"]
