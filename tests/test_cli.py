"""The `mynadesk` command, run for real against PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from core.db.migrate import head_revisions
from mynadesk.cli import app
from tests.conftest import mynadesk_env, recreate_database

runner = CliRunner()


def test_help_is_in_japanese_and_english() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "マイナンバーカード" in result.output
    assert "My Number card" in result.output
    generate_help = runner.invoke(app, ["data", "generate", "--help"])
    assert "出力先フォルダ" in generate_help.output
    assert "output" in generate_help.output


def test_db_upgrade_then_status_on_an_external_server(server_url: URL) -> None:
    url = recreate_database(server_url, "mynadesk_cli_test")
    env = mynadesk_env(url)
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    status = runner.invoke(app, ["db", "status"], env=env)
    assert status.exit_code == 0, status.output
    assert "外部 PostgreSQL" in status.output
    assert all(head in status.output for head in head_revisions())
    assert "db upgrade" not in status.output  # nothing left to migrate


def test_generate_refuses_a_malformed_date(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "generate", "--out", str(tmp_path), "--as-of", "2026/11/26"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output
    assert list(tmp_path.iterdir()) == []


def _mynadesk(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYNADESK_")}
    env["MYNADESK_DATA_DIR"] = str(data_dir)
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "mynadesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_files_the_cli_writes_are_readable_by_their_os_user_only(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    result = _mynadesk(tmp_path / "data", "data", "generate", "--out", str(out), "--scale", "0.002")
    assert result.returncode == 0, result.stderr
    written = list(out.rglob("*"))
    assert any(p.suffix == ".csv" for p in written)
    for path in [out, *written]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pg" / "postmaster.pid").read_text().splitlines()[0])


@pytest.mark.slow
def test_embedded_server_starts_once_and_is_reused_across_commands(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = _mynadesk(data_dir, "db", "upgrade")
    assert first.returncode == 0, first.stderr + first.stdout
    pid = _postmaster_pid(data_dir)

    status = _mynadesk(data_dir, "db", "status")
    assert status.returncode == 0, status.stderr
    assert "組込み PostgreSQL" in status.stdout
    assert str(data_dir / "pg") in status.stdout
    assert _postmaster_pid(data_dir) == pid  # reused, not restarted

    again = _mynadesk(data_dir, "db", "upgrade")
    assert again.returncode == 0
    assert _postmaster_pid(data_dir) == pid

    stopped = _mynadesk(data_dir, "db", "stop")
    assert "停止しました" in stopped.stdout
    assert not (data_dir / "pg" / "postmaster.pid").exists()


@pytest.mark.slow
def test_a_command_on_a_data_folder_never_migrated_says_to_run_db_upgrade(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    try:
        listed = _mynadesk(data_dir, "docs", "list")
        assert listed.returncode == 3, listed.stderr
        assert "`mynadesk db upgrade`" in listed.stderr
        assert "データベース" in listed.stderr.splitlines()[0]  # Japanese first
        assert "Traceback" not in listed.stderr + listed.stdout
    finally:
        _mynadesk(data_dir, "db", "stop")
