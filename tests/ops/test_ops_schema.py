"""Who may touch the record of backups and drills (migration 0015)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from core.clock import system_clock
from core.ops.records import backup_failed, backup_started, drill_done, summary


def test_the_app_role_reads_the_backup_record_but_cannot_write_it(app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ops.backups")).scalar_one() >= 0
        assert conn.execute(text("SELECT count(*) FROM ops.drills")).scalar_one() >= 0
    with app_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("DELETE FROM ops.drills"))


def test_the_site_role_cannot_read_the_backup_record(site_engine: Engine) -> None:
    with site_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("SELECT count(*) FROM ops.backups"))


def test_the_summary_alerts_on_a_failed_drill_and_on_a_backup_failing_after_the_last_good_one(
    session: Session,
) -> None:
    now = system_clock()
    backup_started(session, "T-GOOD", now - timedelta(days=1), "plain", "stream")
    session.execute(text("UPDATE ops.backups SET status = 'good' WHERE name = 'T-GOOD'"))
    assert not summary(session).alert
    backup_started(session, "T-FAILED", now, "plain", "stream")
    backup_failed(session, "T-FAILED", now, "pg_basebackup failed")
    found = summary(session)
    assert found.alert
    assert found.last_backup is not None
    assert found.last_backup.name == "T-GOOD"
    drill_done(session, "T-GOOD", now, now, False, "restore point x", 3.0, 1.0, "rows differ", {})
    assert summary(session).last_drill is not None
