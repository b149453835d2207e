"""Issue 15, item 4: the 管理者 (top page) and the 管理職 (overview) see the last good backup and the last
restore drill with its RTO, and an alert when the newest drill or backup failed. The rows are what
`mynadesk ops run` records (core.ops.records), written here by the owner as the nightly job does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from core.db.models.ops import BackupRun, DrillRun
from core.domain.roles import Role
from tests.console.conftest import Seed, log_in, open_page, shot


@pytest.fixture
def owner(console_db: tuple[Engine, Engine, Seed]) -> Iterator[Engine]:
    yield console_db[0]
    with Session(console_db[0]) as session, session.begin():
        session.execute(delete(DrillRun))
        session.execute(delete(BackupRun))


def _nightly(owner: Engine, drill_ok: bool) -> None:
    night = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)
    with Session(owner) as session, session.begin():
        session.add(
            BackupRun(
                name=f"{night:%Y%m%dT%H%M%S}",
                status="good",
                started_at=night,
                finished_at=night + timedelta(seconds=12),
                format="plain",
                wal_method="stream",
                size_bytes=650 * 1024**2,
                verify_ok=True,
            )
        )
        session.add(
            DrillRun(
                backup_name=f"{night:%Y%m%dT%H%M%S}",
                started_at=night + timedelta(minutes=1),
                finished_at=night + timedelta(minutes=1, seconds=13),
                ok=drill_ok,
                rto_seconds=4.4,
                message=None if drill_ok else "件数が一致しません: booking.reservations",
            )
        )


def test_a_failed_drill_is_an_alert_for_the_admin_and_the_manager(
    page: Any, live_server: str, owner: Engine
) -> None:
    _nightly(owner, drill_ok=False)
    log_in(page, live_server, Role.ADMIN)
    open_page(page, f"{live_server}/")
    panel = page.locator("#backup-panel")
    expect(panel).to_contain_text("要対応")
    expect(panel).to_contain_text("最後の復元訓練")
    expect(panel).to_contain_text("失敗: 件数が一致しません")
    expect(panel).to_contain_text("RTO 4.4 秒")
    expect(panel).to_have_class(re.compile(r"\balert-danger\b"))
    expect(panel).to_contain_text("0.6 GiB")
    shot(page, "console-home-backup-alert")

    page.context.clear_cookies()
    log_in(page, live_server, Role.MANAGER)
    open_page(page, f"{live_server}/overview")
    expect(page.locator("#backup-panel")).to_contain_text("要対応")


def test_a_good_night_is_shown_quietly(page: Any, live_server: str, owner: Engine) -> None:
    _nightly(owner, drill_ok=True)
    log_in(page, live_server, Role.MANAGER)
    open_page(page, f"{live_server}/overview")
    panel = page.locator("#backup-panel")
    expect(panel).to_contain_text("最後の復元訓練")
    expect(panel).to_contain_text("成功、RTO 4.4 秒")
    expect(panel).not_to_contain_text("要対応")
    expect(panel).not_to_have_class(re.compile(r"\balert-danger\b"))
    page.set_viewport_size({"width": 1366, "height": 768})
    shot(page, "console-overview-backup-ok")
