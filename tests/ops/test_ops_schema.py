"""Who may touch the record of backups and drills (migration 0015)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError


def test_the_app_role_reads_the_backup_record_but_cannot_write_it(app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ops.backups")).scalar_one() >= 0
        assert conn.execute(text("SELECT count(*) FROM ops.drills")).scalar_one() >= 0
    with app_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("DELETE FROM ops.drills"))


def test_the_site_role_cannot_read_the_backup_record(site_engine: Engine) -> None:
    with site_engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("SELECT count(*) FROM ops.backups"))
