"""The console's use of the document store: search and view narrowed to the kinds a role may see, page
images rendered for the viewer, the indexing desk's queue, the register check beside the image, and each
keying. Every view of personal data is audited; a refusal is the caller's to record (record_refusal, in a
transaction of its own, since the refused one is rolled back)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import pypdfium2
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models.documents import Document, IndexEntryRow, Page
from core.db.models.register import Resident
from core.domain.document_access import kinds_for, normalise, parse_date
from core.domain.documents import (
    DocumentError,
    DocumentKind,
    DocumentStatus,
    IndexEntry,
    batch_reference,
    document_reference,
    parse_reference,
)
from core.domain.roles import Role
from core.filestore import FileStore
from core.services import audit
from core.services.documents import DocumentQuery, EntryOutcome, enter_index, search_documents, view_document

VIEWER_WIDTH = 1000  # pixels: an A4 page legible on a 1366-wide screen
THUMB_WIDTH = 240
STATUS_JA = {DocumentStatus.INDEXED.value: "索引済", DocumentStatus.NEEDS_INDEX.value: "索引待ち"}


class NotAllowed(DocumentError):  # noqa: N818 - named for what staff see
    """The role may not see this kind of document."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"書類 {reference} を表示する権限がありません", f"your role may not see {reference}")
        self.reference = reference


@dataclass(frozen=True)
class DocumentRow:
    """One line of a result list."""

    id: int
    reference: str
    kind: str
    status: str
    atena_no: str | None
    name: str | None
    form_date: date | None
    notice_no: str | None
    batch: str | None
    pages: int


@dataclass(frozen=True)
class DocumentSheet:
    """A document as the viewer shows it."""

    row: DocumentRow
    name_kana: str | None
    birth_date: date | None
    indexed_by: str | None


def allowed_kinds(roles: Iterable[Role]) -> frozenset[DocumentKind]:
    """The kinds ROLES may see; a DocumentError when none."""
    allowed = kinds_for(roles)
    if not allowed:
        raise DocumentError("書類を見る権限がありません", "your role may not see documents")
    return allowed


def query_from_form(
    *,
    atena_no: str | None,
    name: str | None,
    notice_no: str | None,
    kinds: Sequence[str] | None,
    date_from: str | None,
    date_to: str | None,
    batch: str | None,
    text: str | None,
) -> DocumentQuery:
    """What the search form says as a DocumentQuery, or a DocumentError naming each field to fix."""
    problems = []
    atena = normalise(atena_no)
    if atena and not atena.isdigit():
        problems.append(("宛名番号は数字で入れてください", "the atena number is digits"))
    days = {}
    for label, key, value in (("日付(から)", "from", date_from), ("日付(まで)", "to", date_to)):
        days[key] = parse_date(value)
        if normalise(value) and days[key] is None:
            problems.append(
                (f"{label}は 2026-12-01 の形で入れてください", f"the date ({key}) reads like 2026-12-01")
            )
    if days["from"] and days["to"] and days["from"] > days["to"]:
        problems.append(("日付の範囲が逆です(から ≦ まで)", "the date range is reversed"))
    reference = normalise(batch)
    if reference and parse_reference(reference, "BAT") is None:
        problems.append(("バッチは BAT-00000012 の形で入れてください", "a batch reads like BAT-00000012"))
    if problems:
        raise DocumentError("。".join(ja for ja, _ in problems), "; ".join(en for _, en in problems))
    return DocumentQuery(
        atena_no=atena or None,
        name=(name or "").strip() or None,
        kinds=tuple(DocumentKind(k) for k in kinds or ()),
        date_from=days["from"],
        date_to=days["to"],
        batch=reference or None,
        notice_no=normalise(notice_no) or None,
        text=(text or "").strip() or None,
    )


def has_criteria(query: DocumentQuery) -> bool:
    """True when QUERY narrows by at least one field (an empty search would list everyone's sheets)."""
    fields = (query.atena_no, query.name, query.kinds, query.date_from, query.date_to, query.batch)
    return any(fields) or bool(query.notice_no or query.text or query.status)


def search(
    session: Session, query: DocumentQuery, *, roles: Iterable[Role], actor: audit.Actor
) -> list[DocumentRow]:
    """The documents matching QUERY among the kinds ROLES may see (audited by search_documents)."""
    allowed = allowed_kinds(roles)
    if not has_criteria(query):
        raise DocumentError("検索条件を1つ以上入れてください", "enter at least one search field")
    kinds = tuple(k for k in (query.kinds or tuple(DocumentKind)) if k in allowed)
    if not kinds:
        raise DocumentError("選んだ種類の書類を見る権限がありません", "your role may not see those kinds")
    documents = search_documents(session, replace(query, kinds=kinds), actor=actor)
    return rows(session, documents)


def rows(session: Session, documents: Sequence[Document]) -> list[DocumentRow]:
    """Result lines for DOCUMENTS: the register's name, the batch reference and the page count."""
    atena = {d.atena_no for d in documents if d.atena_no}
    names = dict(
        session.execute(select(Resident.atena_no, Resident.name).where(Resident.atena_no.in_(atena))).all()
    )
    ids = [d.id for d in documents]
    pages = dict(
        session.execute(
            select(Page.document_id, func.count()).where(Page.document_id.in_(ids)).group_by(Page.document_id)
        ).all()
    )
    return [
        DocumentRow(
            d.id,
            document_reference(d.id),
            DocumentKind(d.kind).label_ja,
            STATUS_JA.get(d.status, d.status),
            d.atena_no,
            names.get(d.atena_no or ""),
            d.form_date,
            d.notice_no,
            batch_reference(d.batch_id) if d.batch_id else None,
            pages.get(d.id, 0) or (1 if d.printed_sha256 else 0),
        )
        for d in documents
    ]


def _allowed_document(session: Session, document_id: int, roles: Iterable[Role]) -> Document:
    document = session.get(Document, document_id)
    reference = document_reference(document_id)
    if document is None:
        raise DocumentError(f"書類 {reference} はありません", f"no document {reference}")
    if DocumentKind(document.kind) not in allowed_kinds(roles):
        raise NotAllowed(reference)
    return document


def record_refusal(session: Session, actor: audit.Actor, refused: NotAllowed) -> None:
    """Write a refused view to the audit log (in its own transaction: the refused one rolls back)."""
    audit.record(
        session,
        actor,
        "access_denied",
        "document",
        refused.reference,
        summary="権限のない種類の書類を拒否 / document refused",
    )


def open_document(
    session: Session, document_id: int, *, roles: Iterable[Role], actor: audit.Actor
) -> DocumentSheet:
    """One document for the viewer (the view is audited by view_document)."""
    _allowed_document(session, document_id, roles)
    view = view_document(session, document_id, actor=actor)
    row = rows(session, [view.document])[0]
    resident = session.get(Resident, view.document.atena_no) if view.document.atena_no else None
    return DocumentSheet(
        row,
        resident.name_kana if resident else None,
        resident.birth_date if resident else None,
        view.document.indexed_by,
    )


def page_image(
    session: Session,
    store: FileStore,
    document_id: int,
    page_no: int,
    *,
    width: int,
    roles: Iterable[Role],
    actor: audit.Actor,
) -> bytes:
    """Page PAGE_NO (1-based) of a document as a PNG WIDTH pixels wide: the stored thumbnail when that is
    the size asked for, else rendered from the archive (or the printed copy). Each image is audited."""
    document = _allowed_document(session, document_id, roles)
    reference = document_reference(document.id)
    page = session.scalar(select(Page).where(Page.document_id == document.id, Page.page_no == page_no))
    source = document.archive_sha256 or document.printed_sha256
    if source is None or page_no < 1:
        raise DocumentError(
            f"{reference} に {page_no} ページ目はありません", f"{reference} has no page {page_no}"
        )
    if page is not None and width <= THUMB_WIDTH:
        png = store.read(page.thumbnail_sha256)
    else:
        png = _render(store.read(source), page_no - 1, width, reference)
    audit.record(
        session,
        actor,
        "view",
        "document_page",
        f"{reference} p.{page_no}",
        subject_atena_no=document.atena_no,
        summary=f"{DocumentKind(document.kind).label_ja}の画像 {page_no} ページ目を表示",
    )
    return png


def _render(pdf: bytes, index: int, width: int, reference: str) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    try:
        if index >= len(document):
            raise DocumentError(
                f"{reference} に {index + 1} ページ目はありません", f"{reference} has no page {index + 1}"
            )
        page = document[index]
        image: Image.Image = page.render(scale=width / page.get_width(), grayscale=True).to_pil()
        out = io.BytesIO()
        image.convert("L").save(out, "PNG")
        return out.getvalue()
    finally:
        document.close()


def page_count(session: Session, store: FileStore, document_id: int) -> int:
    """How many pages the viewer pages through (the scanned pages, else the printed copy's)."""
    document = session.get_one(Document, document_id)
    scanned = session.scalar(select(func.count()).where(Page.document_id == document_id)) or 0
    if scanned or document.printed_sha256 is None:
        return int(scanned)
    pdf = pypdfium2.PdfDocument(store.read(document.printed_sha256))
    try:
        return len(pdf)
    finally:
        pdf.close()


# --- The indexing desk -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueItem:
    """A sheet waiting for its index, with how many keyings it has."""

    id: int
    reference: str
    kind: DocumentKind
    batch: str | None
    created_at: datetime
    entries: int
    entered_by: tuple[str, ...]
    ocr_text: str | None = None


def desk_queue(session: Session, *, roles: Iterable[Role], limit: int = 50) -> list[QueueItem]:
    """Sheets without a readable QR code of the kinds ROLES may see, oldest first."""
    allowed = allowed_kinds(roles)
    documents = session.scalars(
        select(Document)
        .where(Document.status == DocumentStatus.NEEDS_INDEX.value)
        .where(Document.kind.in_([k.value for k in allowed]))
        .order_by(Document.id)
        .limit(limit)
    ).all()
    entered: dict[int, list[str]] = {}
    for document_id, who in session.execute(
        select(IndexEntryRow.document_id, IndexEntryRow.entered_by)
        .where(IndexEntryRow.document_id.in_([d.id for d in documents]))
        .order_by(IndexEntryRow.id)
    ).all():
        entered.setdefault(document_id, []).append(who)
    return [
        QueueItem(
            d.id,
            document_reference(d.id),
            DocumentKind(d.kind),
            batch_reference(d.batch_id) if d.batch_id else None,
            d.created_at,
            len(entered.get(d.id, [])),
            tuple(entered.get(d.id, [])),
            d.ocr_text,
        )
        for d in documents
    ]


@dataclass(frozen=True)
class Glance:
    """What the desk shows beside the image once a 宛名番号 is typed: enough to check, no more."""

    atena_no: str
    name: str
    name_kana: str
    birth_date: date | None


def register_glance(session: Session, atena_no: str, *, document_id: int, actor: audit.Actor) -> Glance:
    """The register's name and birth date for ATENA_NO (audited as a view); a DocumentError when unknown."""
    resident = session.get(Resident, atena_no)
    if resident is None:
        raise DocumentError(
            f"宛名番号 {atena_no} は住民記録にありません。番号を確かめてください",
            f"the atena number {atena_no} is not in the register",
        )
    audit.record(
        session,
        actor,
        "view",
        "resident",
        atena_no,
        subject_atena_no=atena_no,
        summary=f"索引入力の照合(氏名・生年月日、{document_reference(document_id)})",
    )
    return Glance(atena_no, resident.name, resident.name_kana, resident.birth_date)


def key_entry(
    session: Session,
    document_id: int,
    entry: IndexEntry,
    *,
    roles: Iterable[Role],
    now: datetime,
    actor: audit.Actor,
) -> EntryOutcome:
    """One keying at the desk (audited); enter_index decides whether two entries by two people agree."""
    roles = frozenset(roles)
    _allowed_document(session, document_id, roles)
    if entry.kind not in allowed_kinds(roles):
        raise NotAllowed(document_reference(document_id))
    outcome = enter_index(session, document_id, entry, now=now, actor=actor)
    audit.record(
        session,
        actor,
        "document_index_entry",
        "document",
        document_reference(document_id),
        subject_atena_no=entry.atena_no,
        summary="書類の索引を入力" + ("(一致して確定)" if outcome.indexed else ""),
        detail={"indexed": outcome.indexed, "differences": outcome.differences},
    )
    return outcome
