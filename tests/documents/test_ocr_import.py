"""OCR at import (`mynadesk docs import`, Tesseract with the Japanese model): a sheet's printed words land
in documents.ocr_text, normalised, and search finds the sheet by one word; --no-ocr stores none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core.clock import today
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.db.models.documents import Document
from core.domain.ocr_text import suggest_index
from core.services.audit import Actor
from core.services.documents import DocumentQuery, search_documents
from demo.scans import rasterise, save_tiff_g4, scanned, sheet
from mynadesk.cli import app
from tests.conftest import mynadesk_env, recreate_database

runner = CliRunner()
WORDS = ["個人番号カード交付申請書", "氏名 藤沢 花子", "宛名番号 10000123", "住所 藤沢市朝日町1番地の1"]


@pytest.fixture(scope="module")
def ocr_db(server_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[URL, Engine, Path]]:
    url = recreate_database(server_url, "mynadesk_docs_ocr")
    upgrade(url)
    engine = make_engine(url)
    yield url, engine, tmp_path_factory.mktemp("documents-ocr")
    engine.dispose()


def _cli(db: tuple[URL, Engine, Path], *args: str) -> Result:
    url, _, store = db
    env = mynadesk_env(url, MYNADESK_DOCUMENTS_DIR=str(store), COLUMNS="250")
    return runner.invoke(app, list(args), env=env)


def _batch(db: tuple[URL, Engine, Path], tmp: Path, name: str, lines: list[str], seed: int) -> Path:
    cover = tmp / f"{name}-cover.pdf"
    assert (
        _cli(db, "docs", "cover", "--kind", "application", "--count", "1", "--out", str(cover)).exit_code == 0
    )
    folder = tmp / name
    folder.mkdir()
    pages = [scanned(rasterise(cover.read_bytes())[0], seed=seed), scanned(sheet(lines), seed=seed + 1)]
    save_tiff_g4(pages, folder / "0001.tif")
    return folder


def _texts(engine: Engine) -> list[str | None]:
    with Session(engine) as session:
        return list(session.scalars(select(Document.ocr_text).order_by(Document.id)))


def test_an_imported_sheet_is_found_by_one_word_of_its_printed_text(
    ocr_db: tuple[URL, Engine, Path], tmp_path: Path
) -> None:
    _, engine, _ = ocr_db
    result = _cli(ocr_db, "docs", "import", str(_batch(ocr_db, tmp_path, "ocr", WORDS, seed=5)))
    assert result.exit_code == 0, result.output
    [stored] = _texts(engine)
    assert stored is not None
    assert "藤沢市朝日町" in stored
    assert "藤沢花子" in stored
    assert suggest_index(stored, today()).atena_no == "10000123"
    with Session(engine) as session, session.begin():
        actor = Actor("S0001")
        for word in (
            "朝日町",
            "藤沢 花子",
            "交付申請書",
            "１００００１２３",
        ):  # spaced, full-width: normalised
            found = search_documents(session, DocumentQuery(text=word), actor=actor)
            assert [d.ocr_text for d in found] == [stored], word
        assert search_documents(session, DocumentQuery(text="辻堂"), actor=actor) == []
        audited = session.execute(
            text("SELECT count(*) FROM audit.log WHERE action = 'search' AND object_type = 'document'")
        ).scalar_one()
        assert audited == 5


def test_no_ocr_stores_no_text(ocr_db: tuple[URL, Engine, Path], tmp_path: Path) -> None:
    _, engine, _ = ocr_db
    folder = _batch(ocr_db, tmp_path, "plain", ["受領書 辻堂太郎"], seed=8)
    result = _cli(ocr_db, "docs", "import", str(folder), "--no-ocr")
    assert result.exit_code == 0, result.output
    assert _texts(engine)[-1] is None
