"""FTP settings for `etl pull`: read from MYNADESK_FTP_*, the password possibly from a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, Settings


def test_ftp_is_off_without_a_host(tmp_path: Path) -> None:
    assert Settings.from_env({"MYNADESK_DATA_DIR": str(tmp_path)}).ftp is None


def test_reads_every_ftp_setting_and_the_password_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "ftp-password"
    secret.write_text("s3cret\n", encoding="utf-8")
    settings = Settings.from_env(
        {
            "MYNADESK_DATA_DIR": str(tmp_path),
            "MYNADESK_FTP_HOST": "cokas.city.fujisawa.lg.jp",
            "MYNADESK_FTP_PORT": "990",
            "MYNADESK_FTP_USER": "mynadesk",
            "MYNADESK_FTP_PASSWORD_FILE": str(secret),
            "MYNADESK_FTP_DIR": "/export/juki",
            "MYNADESK_FTP_TLS": "1",
        }
    )
    ftp = settings.ftp
    assert ftp is not None
    assert (ftp.host, ftp.port, ftp.user, ftp.password, ftp.directory) == (
        "cokas.city.fujisawa.lg.jp",
        990,
        "mynadesk",
        "s3cret",
        "/export/juki",
    )
    assert ftp.tls is True
    assert ftp.delete_after_load is False
    assert "s3cret" not in repr(settings)
    assert settings.layout.register == tmp_path.resolve() / "register"


@pytest.mark.parametrize(("name", "value"), [("MYNADESK_FTP_PORT", "ftp"), ("MYNADESK_FTP_TLS", "maybe")])
def test_refuses_a_malformed_ftp_setting(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env({"MYNADESK_DATA_DIR": str(tmp_path), "MYNADESK_FTP_HOST": "h", name: value})
