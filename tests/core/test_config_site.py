"""Site and mail settings come from MYNADESK_SITE_* / MYNADESK_SMTP_*; a bad port is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, Settings


def test_site_and_mail_settings_are_read(tmp_path: Path) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret\n", encoding="utf-8")
    settings = Settings.from_env(
        {
            "MYNADESK_SMTP_HOST": "mail.city.example",
            "MYNADESK_SMTP_PORT": "587",
            "MYNADESK_SMTP_STARTTLS": "true",
            "MYNADESK_SMTP_PASSWORD_FILE": str(secret),
            "MYNADESK_SITE_BASE_URL": "https://yoyaku.city.example/",
            "MYNADESK_SITE_PROXIES": "1",
            "MYNADESK_SITE_TLS_CERT": "/etc/ssl/site.crt",
        }
    )
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "mail.city.example",
        587,
        True,
    )
    assert settings.smtp_password == "s3cret"
    assert settings.site_base_url == "https://yoyaku.city.example"
    assert settings.site_proxies == 1
    assert settings.site_tls_cert == Path("/etc/ssl/site.crt")
    assert "s3cret" not in repr(settings)


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})
    assert (settings.smtp_host, settings.smtp_port, settings.site_proxies) == ("127.0.0.1", 25, 0)
    assert settings.site_tls_cert is None


@pytest.mark.parametrize("port", ["0", "70000", "smtp"])
def test_a_bad_smtp_port_is_refused_in_both_languages(port: str) -> None:
    with pytest.raises(ConfigError, match="1〜65535") as error:
        Settings.from_env({"MYNADESK_SMTP_PORT": port})
    assert "1-65535" in str(error.value)
