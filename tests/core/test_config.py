"""Settings come from MYNADESK_* variables; secrets may come from files."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, Settings


def test_without_a_url_the_database_is_embedded_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"MYNADESK_DATA_DIR": str(tmp_path)})
    assert settings.embedded
    assert settings.layout.pg == tmp_path / "pg"


def test_a_url_points_at_an_external_server(tmp_path: Path) -> None:
    url = "postgresql://owner:pw@db.example:5432/mynadesk"
    settings = Settings.from_env({"MYNADESK_DATA_DIR": str(tmp_path), "MYNADESK_DATABASE_URL": url})
    assert not settings.embedded
    assert settings.database_url == url


def test_secrets_are_read_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "site_password"
    secret.write_text("s3cret-pass\n", encoding="utf-8")
    settings = Settings.from_env({"MYNADESK_SITE_DB_PASSWORD_FILE": str(secret)})
    assert settings.site_db_password == "s3cret-pass"
    assert "s3cret-pass" not in repr(settings)


def test_a_value_wins_over_its_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-file", encoding="utf-8")
    env = {"MYNADESK_SECRET_KEY": "from-env", "MYNADESK_SECRET_KEY_FILE": str(secret)}
    assert Settings.from_env(env).secret_key == "from-env"


def test_a_missing_secret_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MYNADESK_APP_DB_PASSWORD_FILE") as error:
        Settings.from_env({"MYNADESK_APP_DB_PASSWORD_FILE": str(tmp_path / "nope")})
    assert "見つかりません" in str(error.value)
