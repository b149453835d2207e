"""`mynadesk etl load` as a user runs it: exit codes, summary, alerts; a load killed midway leaves nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from core.db.models.register import ExtractFile, Resident, ResidentVersion
from mynadesk.cli import app
from tests.conftest import mynadesk_env
from tests.etl.register_files import person, write_extract

ROOT = Path(__file__).resolve().parents[2]


def run(url: URL, *args: str) -> tuple[int, str]:
    env = mynadesk_env(url, COLUMNS="200")
    result = CliRunner().invoke(app, ["etl", *args], env=env)
    return result.exit_code, result.output


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(Resident)) or 0,
            conn.scalar(select(func.count()).select_from(ResidentVersion)) or 0,
            conn.scalar(select(func.count()).select_from(ExtractFile)) or 0,
        )


def test_load_prints_the_summary_and_exits_0_then_says_a_reload_changes_nothing(
    committing_url: URL, committing_engine: Engine, tmp_path: Path
) -> None:
    path = write_extract(tmp_path, [person(1), person(2, resident_status=3, move_reason="B03")])
    code, output = run(committing_url, "load", str(path))
    assert code == 0, output
    assert "新規 / new" in output
    assert "消除 / removed" in output
    assert "B03 死亡" in output
    assert counts(committing_engine) == (2, 0, 1)  # version 1 is the residents row
    code, output = run(committing_url, "load", str(path))
    assert code == 0
    assert "読込済みです(変更なし)" in output
    assert counts(committing_engine) == (2, 0, 1)  # version 1 is the residents row


def test_load_exits_1_listing_every_error_and_2_for_a_missing_file(
    committing_url: URL, committing_engine: Engine, tmp_path: Path
) -> None:
    path = write_extract(tmp_path, [person(1, sex="5"), person(2, area_code="12")])
    code, output = run(committing_url, "load", str(path))
    assert code == 1
    assert "2行目 性別(sex)「5」" in output
    assert "3行目 町丁コード(area_code)「12」" in output
    assert counts(committing_engine) == (0, 0, 0)
    code, output = run(committing_url, "load", str(tmp_path / "resident_20261101_full.csv.missing"))
    assert code == 2


def test_dry_run_exits_0_and_changes_nothing(
    committing_url: URL, committing_engine: Engine, tmp_path: Path
) -> None:
    code, output = run(committing_url, "load", "--dry-run", str(write_extract(tmp_path, [person(1)])))
    assert code == 0
    assert "dry run" in output
    assert counts(committing_engine) == (0, 0, 0)


KILLABLE = """
import sys, time
from pathlib import Path
from sqlalchemy.engine import make_url
from core.db.engine import make_engine, make_session_factory
from core.services.audit import Actor
from etl.load import load_file

def pause_when_applied(task, done, total):
    if task.startswith("反映") and done == total:  # every row written, not yet committed
        Path(sys.argv[2]).write_text("applied")
        time.sleep(120)

factory = make_session_factory(make_engine(make_url(sys.argv[1])))
with factory() as session, session.begin():
    load_file(session, Path(sys.argv[3]), Actor("etl:kill-test"), progress=pause_when_applied)
"""


def register_indexes_and_keys(engine: Engine) -> list[tuple[str, str]]:
    """The register's indexes and constraints (a first load sets some aside until it commits)."""
    with engine.connect() as conn:
        return [
            *conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'register'")),
            *conn.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE connamespace = 'register'::regnamespace"
                )
            ),
        ]


def test_a_load_killed_in_the_middle_leaves_nothing_half_applied(
    committing_url: URL, committing_engine: Engine, tmp_path: Path
) -> None:
    from demo.synth import generate

    schema = sorted(register_indexes_and_keys(committing_engine))
    generate(tmp_path, scale=0.003, seed=3, as_of=date(2026, 11, 26))
    path = tmp_path / "resident_20261126_full.csv"
    marker = tmp_path / "applied"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLABLE,
            committing_url.render_as_string(hide_password=False),
            str(marker),
            str(path),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), "the loader never reached the end of its writes"
        with committing_engine.connect() as conn:  # the rows are written, in a transaction nobody else sees
            assert conn.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")
            )
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert counts(committing_engine) == (0, 0, 0)
    assert sorted(register_indexes_and_keys(committing_engine)) == schema  # the first load's DDL undone too
    code, output = run(committing_url, "load", str(path))
    assert code == 0, output
    assert counts(committing_engine)[0] > 1000
    assert sorted(register_indexes_and_keys(committing_engine)) == schema


def test_alerts_shows_what_the_last_load_raised(
    committing_url: URL, committing_engine: Engine, tmp_path: Path
) -> None:
    assert run(committing_url, "load", str(write_extract(tmp_path, [person(1), person(2)])))[0] == 0
    later = write_extract(tmp_path, [person(1)], name="resident_20261102_full.csv")
    assert run(committing_url, "load", str(later))[0] == 0
    code, output = run(committing_url, "alerts")
    assert code == 0
    assert "missing_from_full" in output
    assert "100002" in output


def test_pull_without_a_configured_server_is_a_usage_error(committing_url: URL, tmp_path: Path) -> None:
    code, output = run(committing_url, "pull")
    assert code == 2
    assert "MYNADESK_FTP_HOST" in output


def test_load_applies_files_in_date_order_and_stops_at_a_rejected_one(
    committing_url: URL, committing_engine: Engine, tmp_path: Path
) -> None:
    full = write_extract(tmp_path, [person(1)], name="resident_20261101_full.csv")
    bad = write_extract(tmp_path, [person(2, sex="x")], name="resident_20261102_delta.csv")
    later = write_extract(tmp_path, [person(3)], name="resident_20261103_delta.csv")
    code, output = run(committing_url, "load", str(later), str(bad), str(full))
    assert code == 1
    assert "not loaded (an earlier file was rejected): " in output
    with committing_engine.connect() as conn:
        assert list(conn.scalars(select(ExtractFile.file_name))) == ["resident_20261101_full.csv"]
