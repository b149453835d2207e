"""`mynadesk staff …` bootstraps console users; `mynadesk console --help` explains itself."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL
from typer.testing import CliRunner

from mynadesk.cli import app
from tests.conftest import mynadesk_env, recreate_database

runner = CliRunner()


def test_staff_add_list_passwd_and_roles(server_url: URL, tmp_path: Path) -> None:
    url = recreate_database(server_url, "mynadesk_cli_staff_test")
    env = mynadesk_env(url, MYNADESK_DATA_DIR=str(tmp_path))
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    secret = tmp_path / "password"
    secret.write_text("first password 123\n", encoding="utf-8")
    added = runner.invoke(
        app,
        [
            "staff",
            "add",
            "A0001",
            "--name",
            "管理 太郎",
            "--role",
            "管理者",
            "--role",
            "counter",
            "--password-file",
            str(secret),
        ],
        env=env,
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["staff", "list"], env=env)
    assert "A0001" in listed.output
    assert "管理者・窓口" in listed.output or "窓口・管理者" in listed.output
    assert runner.invoke(app, ["staff", "roles", "A0001", "--role", "analyst"], env=env).exit_code == 0
    assert "統計" in runner.invoke(app, ["staff", "list"], env=env).output
    secret.write_text("second password 456\n", encoding="utf-8")
    assert (
        runner.invoke(app, ["staff", "passwd", "A0001", "--password-file", str(secret)], env=env).exit_code
        == 0
    )


def test_staff_add_refuses_a_short_password_and_an_unknown_role(server_url: URL, tmp_path: Path) -> None:
    url = recreate_database(server_url, "mynadesk_cli_staff_test2")
    env = mynadesk_env(url, MYNADESK_DATA_DIR=str(tmp_path))
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    secret = tmp_path / "password"
    secret.write_text("short", encoding="utf-8")
    short = runner.invoke(
        app, ["staff", "add", "A1", "--name", "x", "--role", "admin", "--password-file", str(secret)], env=env
    )
    assert short.exit_code == 1
    assert "10文字以上" in short.output
    unknown = runner.invoke(
        app, ["staff", "add", "A1", "--name", "x", "--role", "boss", "--password-file", str(secret)], env=env
    )
    assert "役割「boss」はありません" in unknown.output
    assert "A1" not in runner.invoke(app, ["staff", "list"], env=env).output


def test_console_help_is_in_japanese_and_english() -> None:
    result = runner.invoke(app, ["console", "--help"])
    assert result.exit_code == 0
    assert "業務コンソール" in result.output
    assert "gunicorn" in result.output
