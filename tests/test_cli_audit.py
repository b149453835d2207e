"""`mynadesk audit verify` and `mynadesk audit head` for real: a clean chain passes, a row rewritten by the
owner with the triggers off is named with exit code 1, and removed newest rows are caught against the head
recorded in the database and in the head file beside the backups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.services.audit import Actor, record
from mynadesk.cli import app
from tests.conftest import mynadesk_env, recreate_database

runner = CliRunner()


@pytest.fixture
def chain_db(server_url: URL) -> URL:
    """A fresh database with ten chained audit entries (each test tampers with its own)."""
    url = recreate_database(server_url, "mynadesk_audit_cli_test")
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        for n in range(10):
            record(session, Actor("S0001", role="staff"), "view", "resident", str(n), summary="住民を表示")
    engine.dispose()
    return url


def _owner_sql(url: URL, *statements: str) -> None:
    """Statements run by the owner with the audit triggers off, committed: the tampering under test."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit.log DISABLE TRIGGER ALL"))
        for statement in statements:
            conn.execute(text(statement))
        conn.execute(text("ALTER TABLE audit.log ENABLE TRIGGER ALL"))
    engine.dispose()


def _audit(url: URL, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = mynadesk_env(url, MYNADESK_BACKUP_DIR=str(tmp_path / "backups"), COLUMNS="200")
    result = runner.invoke(app, ["audit", *args], env=env)
    return result.exit_code, result.output


def test_verify_passes_on_a_clean_chain(chain_db: URL, tmp_path: Path) -> None:
    code, output = _audit(chain_db, tmp_path, "verify")
    assert code == 0, output
    assert "監査ログ OK / audit chain intact" in output
    assert "10 行 / rows (seq 1–10)" in output
    code, output = _audit(chain_db, tmp_path, "verify", "--from", "6")
    assert code == 0, output
    assert "5 行 / rows (seq 6–10)" in output


def test_verify_names_the_row_the_owner_rewrote_with_triggers_off(chain_db: URL, tmp_path: Path) -> None:
    _owner_sql(chain_db, "UPDATE audit.log SET summary = '何も表示していない' WHERE seq = 4")
    code, output = _audit(chain_db, tmp_path, "verify")
    assert code == 1
    assert "the audit chain is broken at seq 4 (id" in output
    assert "altered" in output
    code, output = _audit(chain_db, tmp_path, "verify", "--from", "5")  # the rows after it still hold
    assert code == 0, output


def test_removed_newest_rows_are_caught_against_the_recorded_head(chain_db: URL, tmp_path: Path) -> None:
    code, output = _audit(chain_db, tmp_path, "head")
    assert code == 0, output
    head_file = tmp_path / "backups" / "audit-chain-heads.jsonl"
    lines = [json.loads(line) for line in head_file.read_text(encoding="utf-8").splitlines()]
    assert [line["seq"] for line in lines] == [10]
    # the owner removes the newest three rows, moves the live head back, and erases the heads in the database
    _owner_sql(
        chain_db,
        "DELETE FROM audit.log WHERE seq > 7",
        "UPDATE audit.chain_head SET seq = l.seq, row_hash = l.row_hash FROM audit.log l WHERE l.seq = 7",
        "ALTER TABLE audit.chain_heads DISABLE TRIGGER ALL",
        "DELETE FROM audit.chain_heads",
    )
    code, output = _audit(chain_db, tmp_path, "verify")
    assert code == 0, output  # the walk alone cannot tell
    code, output = _audit(chain_db, tmp_path, "verify", "--against-head")
    assert code == 1
    assert "the audit chain is broken at seq 10" in output
    assert "the newest rows were removed" in output


def test_a_bad_start_is_refused(chain_db: URL, tmp_path: Path) -> None:
    code, output = _audit(chain_db, tmp_path, "verify", "--from", "0")
    assert code == 2
    assert "--from must be 1 or more" in output
