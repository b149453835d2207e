"""`mynadesk docs cover|import|expire` run for real: generated scans (demo/scans.py) of real printed forms and
cover sheets, a migrated database, the document store's folder. A held batch changes nothing."""

from __future__ import annotations

import io
import shutil
import stat
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core.clock import system_clock, today
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.domain.documents import add_years, format_form_qr
from demo.scans import blank, rasterise, save_jpeg_pdf, save_tiff_g4, scanned, sheet
from mynadesk.cli import app
from tests.conftest import mynadesk_env, recreate_database
from tests.reports.people import HANAKO, add_card, add_resident

runner = CliRunner()
TABLES = ("batches", "source_files", "documents", "pages", "index_entries", "deletions")
UNKNOWN_ATENA = "999999999999"


@pytest.fixture(scope="module")
def docs_db(server_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[URL, Engine, Path]]:
    url = recreate_database(server_url, "mynadesk_docs_cli")
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        add_card(session, add_resident(session).atena_no)
    yield url, engine, tmp_path_factory.mktemp("documents-store")
    engine.dispose()


def _cli(db: tuple[URL, Engine, Path], *args: str, **env: str) -> Result:
    url, _, store = db
    return runner.invoke(
        app, list(args), env=mynadesk_env(url, MYNADESK_DOCUMENTS_DIR=str(store), COLUMNS="250", **env)
    )


def _cover(db: tuple[URL, Engine, Path], tmp: Path, kind: str, count: int, seed: int = 0) -> Image.Image:
    out = tmp / f"cover-{kind}-{count}-{seed}.pdf"
    result = _cli(db, "docs", "cover", "--kind", kind, "--count", str(count), "--out", str(out))
    assert result.exit_code == 0, result.output
    return scanned(rasterise(out.read_bytes())[0], seed=seed)


def _printed_form(db: tuple[URL, Engine, Path], tmp: Path, seed: int) -> Image.Image:
    out = tmp / f"form-{seed}.pdf"
    result = _cli(db, "forms", "render", "receipt", "--person", HANAKO["atena_no"], "--out", str(out))
    assert result.exit_code == 0, result.output
    return scanned(rasterise(out.read_bytes())[0], seed=seed)


def _state(db: tuple[URL, Engine, Path]) -> tuple[dict[str, int], list[str]]:
    _, engine, store = db
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM documents.{t}")).scalar_one() for t in TABLES}
    return counts, sorted(str(p.relative_to(store)) for p in store.rglob("*") if p.is_file())


def test_qr_sheets_land_with_their_index_and_the_rest_wait_for_indexing(
    docs_db: tuple[URL, Engine, Path], tmp_path: Path
) -> None:
    _, engine, store = docs_db
    scans = tmp_path / "scans"
    scans.mkdir()
    form = _printed_form(docs_db, tmp_path, seed=1)  # forms render keeps the printed copy as a document
    with engine.connect() as conn:
        printed = conn.execute(
            text("SELECT id, printed_sha256 FROM documents.documents ORDER BY id DESC LIMIT 1")
        ).one()
    legacy = scanned(sheet(["個人番号カード交付申請書", "氏名 藤沢 花子(手書き)"]), seed=2)
    photo = scanned(sheet(["交付申請書(写真貼付)"], photo=True), seed=3)
    save_tiff_g4([_cover(docs_db, tmp_path, "application", 3), form, blank(seed=9)], scans / "0001.tif")
    save_jpeg_pdf([legacy, photo], scans / "0002.pdf")

    checked = _cli(docs_db, "docs", "import", str(scans), "--dry-run")
    assert checked.exit_code == 0, checked.output
    assert "確認しました" in checked.output
    before = _state(docs_db)
    result = _cli(docs_db, "docs", "import", str(scans))
    assert result.exit_code == 0, result.output
    assert "3 枚" in result.output
    assert "白紙除外 / blanks dropped 1" in result.output

    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.id, d.kind, d.status, d.atena_no, d.form_date, d.notice_no, d.filled_form_id, "
                "d.archive_sha256, d.printed_sha256, p.encoding, p.thumbnail_sha256, p.dpi "
                "FROM documents.documents d JOIN documents.pages p ON p.document_id = d.id ORDER BY d.id"
            )
        ).all()
        audit = conn.execute(text("SELECT count(*) FROM audit.log WHERE action = 'document_import'")).scalar()
    by_status = {r.status: r for r in rows if r.status == "indexed"}
    waiting = [r for r in rows if r.status == "needs_index"]
    indexed = by_status["indexed"]
    assert indexed.id == printed.id  # the scan attached to the printed form's document
    assert (indexed.kind, indexed.atena_no, indexed.notice_no) == (
        "receipt",
        HANAKO["atena_no"],
        "FJS-000123",
    )
    assert indexed.form_date == today()
    assert indexed.printed_sha256 == printed.printed_sha256
    assert indexed.encoding == "g4"
    assert [(r.kind, r.atena_no) for r in waiting] == [("application", None)] * 2
    assert sorted(r.encoding for r in waiting) == ["g4", "jpeg"]  # the photo page stays greyscale
    assert all(round(r.dpi) == 300 for r in rows)
    assert audit == 1
    counts, files = _state(docs_db)
    assert counts["documents"] == before[0]["documents"] + 2
    assert counts["pages"] == 3
    for row in rows:
        for digest in (row.archive_sha256, row.thumbnail_sha256):
            path = store / digest[:2] / digest[2:4] / digest
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
    archive = store / indexed.archive_sha256[:2] / indexed.archive_sha256[2:4] / indexed.archive_sha256
    with pikepdf.open(io.BytesIO(archive.read_bytes())) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert len(pdf.Root.OutputIntents) == 1
        image = next(iter(pdf.pages[0].get_images().values()))
        assert [str(f) for f in image.Filter] == ["/CCITTFaxDecode"]  # G4, lossless; never JBIG2
    thumb = Image.open(
        store / indexed.thumbnail_sha256[:2] / indexed.thumbnail_sha256[2:4] / indexed.thumbnail_sha256
    )
    assert (thumb.format, thumb.width) == ("PNG", 240)

    again = _cli(docs_db, "docs", "import", str(scans))
    assert again.exit_code == 2
    assert "取込済み" in again.output
    assert _state(docs_db) == (counts, files)


def _held(db: tuple[URL, Engine, Path], folder: Path, message: str) -> None:
    before = _state(db)
    result = _cli(db, "docs", "import", str(folder))
    assert result.exit_code == 2, result.output
    assert "何も取り込んでいません" in result.output
    assert message in result.output, result.output
    assert _state(db) == before


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    folder.mkdir()
    return folder


def test_a_batch_without_its_cover_sheet_is_held(docs_db: tuple[URL, Engine, Path], tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    save_tiff_g4([scanned(sheet(["申請書"]), seed=11)], folder / "0001.tif")
    _held(docs_db, folder, "0001.tif p.1: 表紙(バッチの QR コード)がありません")


def test_a_short_batch_is_held(docs_db: tuple[URL, Engine, Path], tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    sheets = [scanned(sheet([f"申請書 {n}"]), seed=20 + n) for n in range(2)]
    save_tiff_g4([_cover(docs_db, tmp_path, "application", 3), *sheets], folder / "0001.tif")
    _held(docs_db, folder, "表紙の枚数は 3 枚ですが、白紙を除いて 2 枚でした")


def test_a_duplicate_image_is_refused_with_the_document_it_duplicates(
    docs_db: tuple[URL, Engine, Path], tmp_path: Path
) -> None:
    page = scanned(sheet(["受領書(重複)"]), seed=31)
    first = tmp_path / "first"
    first.mkdir()
    save_tiff_g4([_cover(docs_db, tmp_path, "receipt", 1, seed=1), page], first / "a.tif")
    assert _cli(docs_db, "docs", "import", str(first)).exit_code == 0
    second = _folder(tmp_path)
    save_tiff_g4([_cover(docs_db, tmp_path, "receipt", 1, seed=2), page], second / "b.tif")
    _held(docs_db, second, "b.tif p.2: 同じ画像を取込済みです: DOC-")
    shutil.copy(first / "a.tif", second / "b.tif")
    _held(docs_db, second, "同じファイルを取込済みです: a.tif")


def test_a_form_of_a_person_the_register_does_not_know_is_held(
    docs_db: tuple[URL, Engine, Path], tmp_path: Path
) -> None:
    _, engine, _ = docs_db
    with engine.begin() as conn:  # a record whose person has left the register since
        form_id = conn.execute(
            text(
                'INSERT INTO cards.filled_forms (kind, source, subject_atena_no, "values", created_by) '
                "VALUES ('receipt', 'register', :atena, CAST(:values AS jsonb), 'S0001') RETURNING id"
            ),
            {"atena": UNKNOWN_ATENA, "values": f'{{"filled_on": "{today()}"}}'},
        ).scalar_one()
    qr = format_form_qr(f"MDF-{form_id:08d}", "receipt", UNKNOWN_ATENA, today())
    folder = _folder(tmp_path)
    save_tiff_g4(
        [_cover(docs_db, tmp_path, "receipt", 1), scanned(sheet(["受領書"], qr=qr), seed=41)],
        folder / "x.tif",
    )
    _held(docs_db, folder, f"x.tif p.2: 宛名番号 {UNKNOWN_ATENA} は住民記録にありません")


def test_a_qr_code_holding_nonsense_is_held(docs_db: tuple[URL, Engine, Path], tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    bad = scanned(sheet(["受領書"], qr="MYNADESK:FORM:XYZ-1"), seed=51)
    save_tiff_g4([_cover(docs_db, tmp_path, "receipt", 1), bad], folder / "x.tif")
    _held(docs_db, folder, "x.tif p.2: QR コードの内容が不正です(MYNADESK:FORM:XYZ-1)")


def test_a_corrupt_file_holds_the_folder(docs_db: tuple[URL, Engine, Path], tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    save_tiff_g4([_cover(docs_db, tmp_path, "receipt", 1)], folder / "0001.tif")
    good = save_jpeg_pdf([scanned(sheet(["受領書"]), seed=61)], tmp_path / "page.pdf").read_bytes()
    (folder / "0002.pdf").write_bytes(good[: len(good) // 3])
    _held(docs_db, folder, "0002.pdf: ファイルを読めません")


def test_a_page_scanned_at_100_dpi_is_held(docs_db: tuple[URL, Engine, Path], tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    coarse = scanned(sheet(["受領書"], dpi=100), seed=71)
    save_tiff_g4([_cover(docs_db, tmp_path, "receipt", 1)], folder / "0001.tif")
    save_tiff_g4([coarse], folder / "0002.tif", dpi=100)
    _held(docs_db, folder, "0002.tif p.1: 解像度が 100 dpi です")


def test_expire_lists_then_deletes_only_documents_past_retention_with_a_record(
    docs_db: tuple[URL, Engine, Path], tmp_path: Path
) -> None:
    _, engine, store = docs_db
    old, recent = (_printed_form(docs_db, tmp_path, seed=s) for s in (81, 82))
    del old, recent
    day = system_clock().date()
    with engine.begin() as conn:
        ids = conn.execute(
            text("SELECT id, printed_sha256 FROM documents.documents ORDER BY id DESC LIMIT 2")
        ).all()
        expired_on = date(day.year - 3, day.month, 1)  # kept 2 years: past
        kept_on = add_years(day, -2) + timedelta(days=1)  # kept 2 years: its last day is still to come
        conn.execute(
            text("UPDATE documents.documents SET form_date = :d WHERE id = :id"),
            {"d": expired_on, "id": ids[1].id},
        )
        conn.execute(
            text("UPDATE documents.documents SET form_date = :d WHERE id = :id"),
            {"d": kept_on, "id": ids[0].id},
        )
    env = {"MYNADESK_DOCUMENT_RETENTION": "*=2"}
    listed = _cli(docs_db, "docs", "expire", **env)
    assert listed.exit_code == 0, listed.output
    assert f"DOC-{ids[1].id:08d}" in listed.output
    assert f"DOC-{ids[0].id:08d}" not in listed.output
    printed = store / ids[1].printed_sha256[:2] / ids[1].printed_sha256[2:4] / ids[1].printed_sha256
    assert printed.exists()

    applied = _cli(docs_db, "docs", "expire", "--apply", **env)
    assert applied.exit_code == 0, applied.output
    with engine.connect() as conn:
        left = (
            conn.execute(
                text("SELECT id FROM documents.documents WHERE id = ANY(:ids)"), {"ids": [r.id for r in ids]}
            )
            .scalars()
            .all()
        )
        record = conn.execute(
            text("SELECT kind, retention_years, files FROM documents.deletions WHERE document_id = :id"),
            {"id": ids[1].id},
        ).one()
        audited = conn.execute(
            text("SELECT count(*) FROM audit.log WHERE action = 'document_expire' AND object_id = :o"),
            {"o": f"DOC-{ids[1].id:08d}"},
        ).scalar()
    assert left == [ids[0].id]
    assert (record.kind, record.retention_years, record.files["printed"]) == (
        "receipt",
        2,
        ids[1].printed_sha256,
    )
    assert audited == 1
    assert not printed.exists()
