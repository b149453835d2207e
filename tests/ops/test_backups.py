"""Fault tests of `mynadesk backup …` on a real embedded PostgreSQL: PITR between two bookings, a damaged
backup, a killed backup, and the restore drill on a seeded database."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from core.clock import system_clock
from core.db.models.booking import Procedure, Venue
from core.db.models.ops import BackupRun, DrillRun
from core.ops import pgtools
from core.ops.drill import run_drill
from core.ops.layout import BackupRoot
from core.ops.restore import Copy, RestoreError, socket_dir, start_and_wait
from core.services.audit import Actor, record
from core.services.audit_chain import HEAD_FILE, read_head_file, recorded_heads
from tests.factories import add_booking, add_card, add_resident
from tests.ops.conftest import DataDir

BOOKING_OFFSET = timedelta(days=3)


def _book(engine: Engine, booking_no: str, minutes: int) -> None:
    with Session(engine) as session, session.begin():
        venue = session.execute(select(Venue.id).order_by(Venue.id)).scalars().first()
        procedure = session.execute(select(Procedure.id).order_by(Procedure.id)).scalars().first()
        assert venue is not None
        assert procedure is not None
        starts = system_clock().replace(hour=3, minute=0, second=0, microsecond=0) + BOOKING_OFFSET
        add_booking(session, venue, procedure, starts + timedelta(minutes=minutes), booking_no)


def _server_time(engine: Engine) -> datetime:
    with engine.connect() as conn:
        return conn.execute(text("SELECT clock_timestamp()")).scalar_one()


def _newest(data_dir: DataDir) -> str:
    return BackupRoot(data_dir.backups).finished()[-1].name


def test_restore_to_a_moment_between_two_bookings_has_the_first_and_not_the_second(
    data_dir: DataDir, owner_engine: Engine, tmp_path: Path
) -> None:
    taken = data_dir.run("backup", "run")
    assert taken.returncode == 0, taken.stdout + taken.stderr
    _book(owner_engine, "PITR-FIRST", 0)
    first_done = _server_time(owner_engine)
    moment = first_done.replace(microsecond=0) + timedelta(seconds=1)
    while _server_time(owner_engine) < moment + timedelta(milliseconds=300):
        time.sleep(0.05)
    _book(owner_engine, "PITR-SECOND", 15)

    backup = data_dir.backups / "base" / _newest(data_dir)
    for path in [data_dir.backups, data_dir.backups / "wal", backup, *backup.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path  # 0700 folders, 0600 files

    target = tmp_path / "restored"
    at = moment.astimezone(system_clock().tzinfo).strftime("%Y-%m-%d %H:%M:%S%z")
    restored = data_dir.run("backup", "restore", "--to", str(target), "--at", at)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "復元完了 / restored" in restored.stdout

    password = (data_dir.path / "secrets" / "db-postgres.password").read_text(encoding="ascii").strip()
    copy = Copy(target, socket_dir(), pgtools.free_port())
    try:
        start_and_wait(copy, password, timeout=60)
        with psycopg.connect(copy.uri(password, "mynadesk")) as conn:
            found = {row[0] for row in conn.execute("SELECT booking_no FROM booking.reservations")}
    finally:
        pgtools.stop_server(target)
        pgtools.remove_tree(copy.socket_dir)
    assert "PITR-FIRST" in found
    assert "PITR-SECOND" not in found


def test_restore_refuses_the_live_data_dir(data_dir: DataDir, owner_engine: Engine) -> None:
    refused = data_dir.run("backup", "restore", "--to", str(data_dir.pgdata))
    assert refused.returncode == 1
    assert "稼働中" in refused.stdout
    assert "never touches a running cluster" in refused.stdout
    assert (data_dir.pgdata / "postmaster.pid").exists()


def test_a_flipped_byte_fails_verify_with_a_clear_message(data_dir: DataDir, owner_engine: Engine) -> None:
    taken = data_dir.run("backup", "run")
    assert taken.returncode == 0, taken.stdout + taken.stderr
    name = _newest(data_dir)
    data = data_dir.backups / "base" / name / "data"
    victim = max((p for p in (data / "base").rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    original = victim.read_bytes()
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0x01
    victim.write_bytes(bytes(flipped))
    try:
        checked = data_dir.run("backup", "verify", "--name", name)
    finally:
        victim.write_bytes(original)
    assert checked.returncode != 0
    out = " ".join(checked.stdout.split())
    assert f"バックアップ {name} は壊れています" in out
    assert out.index("壊れています") < out.index("is damaged")
    with Session(owner_engine) as session:
        run = session.execute(select(BackupRun).where(BackupRun.name == name)).scalar_one()
    assert run.verify_ok is False
    again = data_dir.run("backup", "verify", "--name", name)
    assert again.returncode == 0, again.stdout


def test_a_killed_backup_leaves_no_backup_listed_as_good(data_dir: DataDir, owner_engine: Engine) -> None:
    before = {b.name for b in BackupRoot(data_dir.backups).finished()}
    process = subprocess.Popen(
        data_dir.argv("backup", "run", "--max-rate", "2M"),
        env=data_dir.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = data_dir.backups / "base"
    deadline = time.monotonic() + 60
    partial: list[Path] = []
    while not partial and time.monotonic() < deadline:
        partial = [p for p in base.glob(".partial-*") if any((p / "data").glob("*"))] if base.exists() else []
        time.sleep(0.05)
    assert partial, "the backup never started copying"
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)  # the CLI and its pg_basebackup
    process.wait(timeout=30)

    assert {b.name for b in BackupRoot(data_dir.backups).finished()} == before
    name = partial[0].name.removeprefix(".partial-")
    with Session(owner_engine) as session:
        status = session.execute(select(BackupRun.status).where(BackupRun.name == name)).scalar_one()
    assert status != "good"
    listed = data_dir.run("backup", "list")
    assert listed.returncode == 0
    assert name not in listed.stdout
    retaken = data_dir.run("backup", "run")  # the next run clears what the killed one left
    assert retaken.returncode == 0, retaken.stdout + retaken.stderr
    assert not list(base.glob(".partial-*"))
    with Session(owner_engine) as session:
        run = session.execute(select(BackupRun).where(BackupRun.name == name)).scalar_one()
    assert run.status == "failed"
    assert run.message is not None
    assert "中断" in run.message


def test_the_drill_on_a_seeded_database_reports_identical_fingerprints(
    data_dir: DataDir, owner_engine: Engine
) -> None:
    actor = Actor("test:drill", role="admin")
    with Session(owner_engine) as session, session.begin():
        for _ in range(20):
            holder = add_resident(session)
            card = add_card(session, holder)
            session.execute(
                text("INSERT INTO cards.card_events (card_id, kind, actor) VALUES (:c, 'state_change', 't')"),
                {"c": card.id},
            )
            record(session, actor, "view", "card", str(card.id))
    _book(owner_engine, "DRILL-1", 30)
    taken = data_dir.run("backup", "run")
    assert taken.returncode == 0, taken.stdout + taken.stderr
    _book(owner_engine, "DRILL-2", 45)  # after the base backup: only the archived WAL has it
    with Session(owner_engine) as session, session.begin():
        record(session, actor, "view", "card", "after-backup")

    drilled = data_dir.run("backup", "verify", "--drill")
    assert drilled.returncode == 0, drilled.stdout + drilled.stderr
    out = " ".join(drilled.stdout.split())
    assert "一致 / identical" in out
    with Session(owner_engine) as session:
        drill = session.execute(select(DrillRun).order_by(DrillRun.id.desc())).scalars().first()
    assert drill is not None
    assert drill.ok
    assert drill.message is None
    assert drill.rto_seconds is not None
    assert 0 < drill.rto_seconds < 120
    assert drill.detail is not None
    assert drill.detail["fingerprints"]["audit.log"]
    assert drill.detail["checksums"] == "Data checksum version: 1"
    assert drill.detail["login_roles"] == ["mynadesk_app", "mynadesk_site"]
    listed = " ".join(data_dir.run("backup", "list").stdout.split())
    assert "一致 OK" in listed


def test_ops_run_once_backs_up_verifies_and_drills(data_dir: DataDir, owner_engine: Engine) -> None:
    done = data_dir.run("ops", "run", "--once")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "夜間処理 OK / nightly OK" in done.stdout
    with Session(owner_engine) as session:
        drill = session.execute(select(DrillRun).order_by(DrillRun.id.desc())).scalars().first()
    assert drill is not None
    assert drill.ok
    assert drill.backup_name == _newest(data_dir)
    # the night's audit-chain head is written down before the backup, and kept beside it (issue 16, item 5)
    with Session(owner_engine) as session:
        recorded = recorded_heads(session)
    kept = read_head_file(data_dir.backups / HEAD_FILE)
    assert recorded
    assert [(h.seq, h.row_hash) for h in kept] == [(h.seq, h.row_hash) for h in recorded]
    assert stat.S_IMODE((data_dir.backups / HEAD_FILE).stat().st_mode) == 0o600


def test_a_failed_nightly_is_written_to_the_audit_log(
    data_dir: DataDir, owner_engine: Engine, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    env = {**data_dir.env(), "MYNADESK_BACKUP_DIR": str(blocked / "backups")}
    done = subprocess.run(
        data_dir.argv("ops", "run", "--once"),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "夜間処理の失敗 / nightly failed" in done.stdout
    with Session(owner_engine) as session:
        action = session.execute(
            text("SELECT action FROM audit.log WHERE actor = 'ops:nightly' ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    assert action == "backup_failed"


def test_the_drill_refuses_a_backup_folder_inside_the_live_cluster(
    data_dir: DataDir, owner_engine: Engine
) -> None:
    inside = BackupRoot(data_dir.pgdata / "backups-here")
    before = sorted(p.name for p in data_dir.pgdata.iterdir())
    info = BackupRoot(data_dir.backups).finished()[-1]
    with pytest.raises(RestoreError, match="稼働中のクラスタ"):
        run_drill(inside, info, data_dir.owner_uri(), "unused", "mynadesk-drill-refused")
    assert sorted(p.name for p in data_dir.pgdata.iterdir()) == before


def test_backup_run_refuses_a_backup_folder_inside_the_data_dir(
    data_dir: DataDir, owner_engine: Engine
) -> None:
    env = {**data_dir.env(), "MYNADESK_BACKUP_DIR": str(data_dir.pgdata / "backups")}
    done = subprocess.run(
        data_dir.argv("backup", "run"), env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert "重なっています" in done.stdout
    assert not (data_dir.pgdata / "backups").exists()
