"""`mynadesk docs demo-batch` (run by `make demo`): receipts printed for real card holders come back through
the scanner QR-indexed, legacy sheets without a QR wait at the indexing desk with OCR text that suggests
their 宛名番号, and a second run adds nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.clock import today
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.domain.ocr_text import suggest_index
from mynadesk.cli import app
from tests.conftest import mynadesk_env, recreate_database
from tests.reports.people import add_card, add_resident

runner = CliRunner()


def _people(session: Session) -> tuple[list[str], list[str]]:
    holders, others = [], []
    for n in range(6):
        atena_no = f"1000{n + 1:04d}"
        add_resident(session, atena_no=atena_no, juminhyo_code=f"9000000000{n}", name=f"藤沢\u3000太郎{n}")
        if n < 3:
            add_card(session, atena_no, notice_no=f"FJS-90000{n}")
            holders.append(atena_no)
        else:
            others.append(atena_no)
    return holders, others


def test_demo_batch_imports_qr_receipts_and_queues_legacy_sheets_with_ocr_text(
    server_url: URL, tmp_path: Path
) -> None:
    url = recreate_database(server_url, "mynadesk_demo_documents")
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        holders, others = _people(session)
    env = mynadesk_env(url, MYNADESK_DOCUMENTS_DIR=str(tmp_path / "store"), COLUMNS="200")
    result = runner.invoke(app, ["docs", "demo-batch", "--sheets", "6"], env=env)
    assert result.exit_code == 0, result.output
    assert "6 枚" in result.output
    assert "索引待ち / to index 3" in result.output
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT kind, status, atena_no, ocr_text, archive_sha256 IS NOT NULL AS scanned, "
                "printed_sha256 IS NOT NULL AS printed FROM documents.documents ORDER BY id"
            )
        ).all()
    indexed = [r for r in rows if r.status == "indexed"]
    waiting = [r for r in rows if r.status == "needs_index"]
    assert sorted(r.atena_no for r in indexed) == holders
    assert all(r.kind == "receipt" and r.scanned and r.printed for r in indexed)
    assert [(r.kind, r.atena_no, r.scanned) for r in waiting] == [("application", None, True)] * 3
    suggested = [suggest_index(r.ocr_text, today()).atena_no for r in waiting]
    assert suggested == others
    assert all("交付申請書" in (r.ocr_text or "") for r in waiting)

    again = runner.invoke(app, ["docs", "demo-batch", "--sheets", "6"], env=env)
    assert again.exit_code == 0, again.output
    assert "取込済み" in again.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM documents.documents")).scalar_one() == len(rows)
    engine.dispose()


def test_demo_batch_on_an_empty_register_says_what_to_load_first(server_url: URL, tmp_path: Path) -> None:
    url = recreate_database(server_url, "mynadesk_demo_documents_empty")
    upgrade(url)
    env = mynadesk_env(url, MYNADESK_DOCUMENTS_DIR=str(tmp_path / "store"), COLUMNS="200")
    result = runner.invoke(app, ["docs", "demo-batch", "--sheets", "4"], env=env)
    assert result.exit_code == 2
    assert "etl load" in result.output
