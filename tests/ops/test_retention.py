"""Retention (7 daily, 4 weekly, 12 monthly) and the nightly schedule: pure rules, no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from core.clock import system_clock
from core.config import ConfigError, Settings
from core.domain.dates import TOKYO
from core.ops.retention import to_keep
from core.ops.schedule import next_run


def _nightly_backups(days: int) -> list[tuple[str, datetime]]:
    newest = system_clock().astimezone(TOKYO).replace(hour=2, minute=30, second=0, microsecond=0)
    return [(f"b{n:03d}", newest - timedelta(days=n)) for n in range(days)]


def test_retention_keeps_seven_days_four_weeks_and_twelve_months() -> None:
    backups = _nightly_backups(400)
    kept = to_keep(backups, daily=7, weekly=4, monthly=12)
    moments = dict(backups)
    newest_seven = {name for name, _ in backups[:7]}
    assert newest_seven <= kept
    weeks = {moments[name].isocalendar()[:2] for name in kept}
    months = {(moments[name].year, moments[name].month) for name in kept}
    assert len(months) == 12
    assert len(weeks) >= 4
    assert len(kept) <= 7 + 4 + 12
    assert "b399" not in kept  # older than a year


def test_retention_keeps_the_newest_even_with_nothing_configured() -> None:
    backups = _nightly_backups(3)
    assert to_keep(backups, daily=0, weekly=0, monthly=0) == {"b000"}


def test_the_nightly_run_is_the_next_time_of_day_in_japan() -> None:
    now = system_clock().astimezone(TOKYO).replace(hour=1, minute=0, second=0, microsecond=0)
    assert next_run(now, "02:30") == now.replace(hour=2, minute=30)
    later = now.replace(hour=3)
    assert next_run(later, "02:30") == (later + timedelta(days=1)).replace(hour=2, minute=30)
    assert next_run(now.replace(hour=2, minute=30), "02:30").day != now.day


def test_backup_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "MYNADESK_DATA_DIR": str(tmp_path),
            "MYNADESK_BACKUP_KEEP_DAILY": "3",
            "MYNADESK_BACKUP_AT": "3:05",
        }
    )
    assert settings.backup_dir == tmp_path / "backups"
    assert (settings.backup.keep_daily, settings.backup.keep_weekly, settings.backup.keep_monthly) == (
        3,
        4,
        12,
    )
    assert settings.backup.nightly_at == "03:05"
    elsewhere = Settings.from_env(
        {"MYNADESK_DATA_DIR": str(tmp_path), "MYNADESK_BACKUP_DIR": str(tmp_path / "b")}
    )
    assert elsewhere.backup_dir == tmp_path / "b"


def test_bad_backup_settings_are_refused_in_japanese_first() -> None:
    with pytest.raises(ConfigError, match="MYNADESK_BACKUP_KEEP_WEEKLY は 0 以上の数字です"):
        Settings.from_env({"MYNADESK_BACKUP_KEEP_WEEKLY": "four"})
    with pytest.raises(ConfigError, match="MYNADESK_BACKUP_AT は HH:MM です"):
        Settings.from_env({"MYNADESK_BACKUP_AT": "25:00"})
