"""A demo scan batch (`mynadesk docs demo-batch`, run by `make demo`): a cover sheet, receipts MynaDesk
printed for real demo residents (QR-indexed on import), legacy application sheets without a QR (they wait at
the indexing desk, their OCR text suggesting the 宛名番号 and date), a photo page and a blank back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import day_of, system_clock
from core.config import Settings
from core.db.engine import session_factory
from core.db.models.cards import Card
from core.db.models.documents import Batch
from core.db.models.register import Resident
from core.domain.booking import TOKYO
from core.domain.documents import DocumentError, DocumentKind
from core.domain.forms import FormKind
from core.domain.register import era_of
from core.filestore import FileStore
from core.services.documents import open_batch
from demo.scans import blank, rasterise, save_jpeg_pdf, save_tiff_g4, scanned, sheet
from reports.documents import render_cover
from reports.filling import print_form

DEMO_NOTE = "デモ: 旧申請書の箱 1 / demo box 1"
STAFF = "demo"


def demo_batch_exists(settings: Settings) -> bool:
    """True when the demo batch was made already (`make demo` run again adds nothing)."""
    with session_factory(settings, "app")() as session:
        return session.scalar(select(Batch.id).where(Batch.note == DEMO_NOTE).limit(1)) is not None


def wareki(day: date) -> str:
    """DAY as 令和7年4月1日."""
    era = era_of(day)
    year = day.year - era.first_day.year + 1
    return f"{era.name_ja}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def legacy_lines(resident: Resident, signed_on: date) -> list[str]:
    """The printed and written lines of a legacy 交付申請書 (no QR): what OCR reads and staff index."""
    return [
        "個人番号カード交付申請書",
        f"氏名 {resident.name}",
        f"宛名番号 {resident.atena_no}",
        f"住所 {resident.address}",
        f"申請日 {wareki(signed_on)}",
        "藤沢市長 宛",
    ]


def _people(session: Session, count: int) -> tuple[list[str], list[Resident]]:
    """Card holders for the printed receipts, and other residents for the legacy sheets."""
    holders = list(
        session.scalars(
            select(Card.holder_atena_no)
            .where(Card.holder_atena_no.is_not(None))
            .order_by(Card.holder_atena_no)
            .distinct()
            .limit(count)
        )
    )
    others = list(
        session.scalars(
            select(Resident).where(Resident.atena_no.not_in(holders)).order_by(Resident.atena_no).limit(count)
        )
    )
    return [h for h in holders if h], others


def _pages(
    session: Session, store: FileStore, sheets: int, seed: int, now: datetime
) -> list[list[Image.Image]]:
    """[cover + printed receipts + a blank back] and [legacy sheets, the last with a photo], scanned."""
    printed_count = sheets * 2 // 3
    holders, others = _people(session, sheets)
    holders, others = holders[:printed_count], others[: sheets - min(printed_count, len(holders))]
    if not holders and not others:
        raise DocumentError(
            "住民記録がありません。先に `mynadesk etl load` で住民記録を取り込んでください",
            "the register is empty; load it first with `mynadesk etl load`",
        )
    cover = open_batch(
        session, DocumentKind.APPLICATION, len(holders) + len(others), actor=STAFF, now=now, note=DEMO_NOTE
    )
    cover_pdf = render_cover(cover, staff=STAFF, created=now.astimezone(TOKYO), note=DEMO_NOTE)
    first = [scanned(rasterise(cover_pdf)[0], seed=seed)]
    for number, atena_no in enumerate(holders, 1):
        result = print_form(session, store, FormKind.RECEIPT, atena_no, actor=STAFF, now=now)
        first.append(scanned(rasterise(result.pdf)[0], seed=seed + number))
    first.append(blank(seed=seed))
    today = day_of(now)
    legacy = [
        scanned(
            sheet(legacy_lines(person, today - timedelta(days=400 + 37 * n)), photo=n == len(others) - 1),
            seed=seed + 100 + n,
        )
        for n, person in enumerate(others)
    ]
    return [first, legacy]


def write_demo_batch(settings: Settings, folder: Path, *, sheets: int = 20, seed: int = 42) -> None:
    """Open the demo batch, print its receipts (kept in the store as the counter does) and write the
    scanner's files into FOLDER: 0001.tif (G4: cover, receipts, blank) and 0002.pdf (JPEG: legacy)."""
    store = FileStore(settings.documents_dir)
    with store.written(), session_factory(settings, "app").begin() as session:
        first, legacy = _pages(session, store, sheets, seed, system_clock())
    save_tiff_g4(first, folder / "0001.tif")
    if legacy:
        save_jpeg_pdf(legacy, folder / "0002.pdf")
