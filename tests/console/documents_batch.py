"""A small scanned batch imported into the console's database through the real services, as
`mynadesk forms render` and `mynadesk docs cover|import` do: a printed receipt scanned back (QR-indexed),
a legacy application sheet without a QR (for the indexing desk) and, in a second batch, その他の書類."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from core.clock import system_clock, today
from core.db.models.documents import Document
from core.domain.documents import DocumentKind, DocumentStatus, batch_reference, document_reference
from core.domain.forms import FormKind
from core.filestore import FileStore
from core.services.document_import import import_folder
from core.services.documents import open_batch, store_printed_form
from demo.scans import rasterise, save_jpeg_pdf, save_tiff_g4, scanned, sheet
from reports.documents import render_cover
from reports.filling import fill_form
from tests.factories import add_card, add_resident

OCR_WORDS = "受領書 鵠沼海岸 マイナンバーカード"  # what the OCR layer holds for the receipt (see below)


@dataclass(frozen=True)
class Imported:
    """What the batch holds, for the tests to find."""

    atena_no: str
    name: str
    kana: str
    birth: str
    notice_no: str
    receipt: str  # DOC-… of the QR-indexed receipt
    receipt_id: int
    legacy: str  # DOC-… of the application sheet waiting for its index
    legacy_id: int
    other_id: int  # a sheet of その他の書類 (kinds the 窓口 may not see)
    batch: str
    form_date: str


def import_batch(console: Flask, owner: Engine, folder: Path) -> Imported:
    """Print a receipt, scan it back with a legacy sheet behind a cover, and import the folder."""
    store = FileStore(console.extensions["mynadesk_console"].settings.documents_dir)
    now = system_clock()
    with store.written(), Session(owner) as s, s.begin():
        person = add_resident(
            s, name="文書\u3000花子", name_kana="ブンショ\u3000ハナコ", address="神奈川県藤沢市鵠沼海岸1番地"
        )
        add_card(s, person, "notified", notice_no="FJS-370017")
        form = fill_form(s, FormKind.RECEIPT, person.atena_no, actor="TCOU1", now=now)
        printed = store_printed_form(s, store, form.form_id, form.pdf, actor="TCOU1", now=now)
        cover = open_batch(s, DocumentKind.APPLICATION, 2, actor="TDOC1", now=now, note="箱 1")
        other = open_batch(s, DocumentKind.OTHER, 1, actor="TDOC1", now=now)
        atena, receipt_id = person.atena_no, printed.id
        covers = [render_cover(c, staff="TDOC1", created=now) for c in (cover, other)]
    pages = [
        scanned(rasterise(covers[0])[0], seed=1),
        scanned(rasterise(form.pdf)[0], seed=2),
        scanned(sheet(["個人番号カード交付申請書", "氏名 文書 花子(手書き)"]), seed=3),
    ]
    save_tiff_g4(pages, folder / "0001.tif")
    save_jpeg_pdf(
        [scanned(rasterise(covers[1])[0], seed=4), scanned(sheet(["住所変更の届出(写し)"]), seed=5)],
        folder / "0002.pdf",
    )
    with store.written(), Session(owner) as s, s.begin():
        report = import_folder(s, store, folder, actor="TDOC1", now=now)
        assert not report.held, [str(p) for p in report.problems]
        # the importer has no OCR yet (issue 17 item 3): write the receipt's text layer as OCR would
        s.execute(update(Document).where(Document.id == receipt_id).values(ocr_text=OCR_WORDS))
        waiting = s.scalars(
            select(Document).where(Document.status == DocumentStatus.NEEDS_INDEX.value).order_by(Document.id)
        ).all()
        legacy = next(d for d in waiting if d.batch_id == cover.batch_id)
        other_doc = next(d for d in waiting if d.batch_id == other.batch_id)
        legacy_id, other_id = legacy.id, other_doc.id
        # and the legacy sheet's, whose number the desk offers as a suggestion (never typed in for staff)
        legacy.ocr_text = f"個人番号カード交付申請書 宛名番号 {atena} 氏名 文書花子"
    return Imported(
        atena,
        "文書\u3000花子",
        "ブンショ ハナコ",
        "1985-10-10",
        "FJS-370017",
        document_reference(receipt_id),
        receipt_id,
        document_reference(legacy_id),
        legacy_id,
        other_id,
        batch_reference(cover.batch_id),
        today().isoformat(),
    )
