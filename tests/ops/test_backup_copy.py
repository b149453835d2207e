"""The off-machine copy (`mynadesk backup copy`, `backup key create`, `backup restore --from-copy`) on a real
embedded PostgreSQL: an encrypted copy restores the same bookings and hides the names; a damaged, cut or
wrongly keyed copy is refused and nothing is created; misplaced or open keys are refused. Also: `backup run`
refuses a Patroni-managed cluster instead of restarting its leader."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.ops import pgtools, records
from core.ops.cluster_state import ClusterState, Node, save_state
from core.ops.layout import BackupRoot
from core.ops.restore import Copy, socket_dir, start_and_wait
from tests.factories import add_resident
from tests.ops.conftest import DataDir
from tests.ops.test_backups import _book

NAME = "鵠沼\u3000梵天丸"
AGE_CHUNK = 64 * 1024 + 16


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder apart from the copy and the data dir: the safe where the secret key is kept."""
    return tmp_path_factory.mktemp("safe")


@pytest.fixture(scope="module")
def encrypted_copy(
    data_dir: DataDir, owner_engine: Engine, keys: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A booking and a resident, a verified backup, and an encrypted copy of it on the 'NAS'; the copy."""
    created = data_dir.run("backup", "key", "create", str(keys / "copy.key"))
    assert created.returncode == 0, created.stdout + created.stderr
    assert (keys / "copy.key").stat().st_mode & 0o777 == 0o600
    _book(owner_engine, "COPY-BEFORE", 30)
    with Session(owner_engine) as session, session.begin():
        add_resident(session, name=NAME)
    taken = data_dir.run("backup", "run")
    assert taken.returncode == 0, taken.stdout + taken.stderr
    nas = tmp_path_factory.mktemp("nas")
    copied = data_dir.run("backup", "copy", "--to", str(nas), "--key", str(keys / "copy.key"))
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert "暗号化済み / encrypted" in copied.stdout
    (folder,) = [p for p in nas.iterdir() if p.is_dir() and p.name != "documents"]  # documents: shared
    return folder


def _bytes_hold(folder: Path, needle: bytes) -> bool:
    return any(needle in path.read_bytes() for path in folder.rglob("*") if path.is_file())


def _restored_rows(data_dir: DataDir, target: Path) -> tuple[set[str], set[str]]:
    password = (data_dir.path / "secrets" / "db-postgres.password").read_text(encoding="ascii").strip()
    copy = Copy(target, socket_dir(), pgtools.free_port())
    try:
        start_and_wait(copy, password, timeout=60)
        with psycopg.connect(copy.uri(password, "mynadesk")) as conn:
            bookings = {row[0] for row in conn.execute("SELECT booking_no FROM booking.reservations")}
            names = {row[0] for row in conn.execute("SELECT name FROM register.residents")}
    finally:
        pgtools.stop_server(target)
        pgtools.remove_tree(copy.socket_dir)
    return bookings, names


def _tampered(copy: Path, tmp_path: Path, change: object, *, fix_manifest: bool) -> Path:
    """A copy of COPY whose base.tar.age CHANGE (bytes -> bytes) alters; FIX_MANIFEST also rewrites its
    SHA-256 (so that the age layer itself must notice)."""
    twin = tmp_path / "nas" / copy.name
    shutil.copytree(copy, twin)
    stored = twin / "base.tar.age"
    stored.write_bytes(change(stored.read_bytes()))  # type: ignore[operator]
    if fix_manifest:
        manifest = json.loads((twin / "copy.json").read_text(encoding="utf-8"))
        manifest["files"]["base.tar.age"]["sha256"] = hashlib.sha256(stored.read_bytes()).hexdigest()
        (twin / "copy.json").write_text(json.dumps(manifest), encoding="utf-8")
    return twin


def _flip(data: bytes) -> bytes:
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    return bytes(flipped)


def _cut_last_chunk(data: bytes) -> bytes:
    """age: a text header ending in a '---' line, a 16-byte nonce, then 64 KiB chunks (+16-byte tag each)."""
    header_end = data.index(b"\n", data.index(b"\n---") + 1) + 1 + 16
    payload = len(data) - header_end
    last = payload % AGE_CHUNK or AGE_CHUNK
    return data[: len(data) - last]


def _refused(data_dir: DataDir, copy: Path, key: Path, target: Path) -> str:
    restored = data_dir.run(
        "backup", "restore", "--from-copy", str(copy), "--key", str(key), "--to", str(target)
    )
    assert restored.returncode != 0, restored.stdout
    assert not target.exists()
    assert not list(target.parent.glob(".mynadesk-fetch-*"))
    return " ".join(restored.stdout.split())


def test_an_encrypted_copy_restores_the_same_bookings_and_hides_the_names(
    data_dir: DataDir, encrypted_copy: Path, keys: Path, tmp_path: Path
) -> None:
    assert not _bytes_hold(encrypted_copy, NAME.encode("utf-8"))
    assert not _bytes_hold(encrypted_copy, b"COPY-BEFORE")
    assert (encrypted_copy / "base.tar.age").exists()
    listed = data_dir.run("backup", "list")
    assert "暗号化あり / encrypted" in listed.stdout, listed.stdout
    target = tmp_path / "restored"
    restored = data_dir.run(
        "backup", "restore", "--from-copy", str(encrypted_copy.parent), "--key", str(keys / "copy.key"),
        "--to", str(target),
    )  # fmt: skip
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "復元完了 / restored" in restored.stdout
    bookings, names = _restored_rows(data_dir, target)
    assert "COPY-BEFORE" in bookings
    assert NAME in names


def test_a_flipped_byte_in_the_encrypted_copy_is_refused(
    data_dir: DataDir, encrypted_copy: Path, keys: Path, tmp_path: Path
) -> None:
    damaged = _tampered(encrypted_copy, tmp_path, _flip, fix_manifest=False)
    out = _refused(data_dir, damaged, keys / "copy.key", tmp_path / "r1")
    assert "は壊れています" in out
    assert "is damaged" in out
    forged = _tampered(encrypted_copy, tmp_path / "b", _flip, fix_manifest=True)
    out = _refused(data_dir, forged, keys / "copy.key", tmp_path / "r2")
    assert "復号できません" in out
    assert "does not decrypt" in out


def test_a_copy_cut_short_by_its_last_chunk_is_refused(
    data_dir: DataDir, encrypted_copy: Path, keys: Path, tmp_path: Path
) -> None:
    cut = _tampered(encrypted_copy, tmp_path, _cut_last_chunk, fix_manifest=True)
    assert (cut / "base.tar.age").stat().st_size < (encrypted_copy / "base.tar.age").stat().st_size
    out = _refused(data_dir, cut, keys / "copy.key", tmp_path / "restored")
    assert "復号できません" in out


def test_a_wrong_key_is_refused(data_dir: DataDir, encrypted_copy: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    assert data_dir.run("backup", "key", "create", str(other)).returncode == 0
    out = _refused(data_dir, encrypted_copy, other, tmp_path / "restored")
    assert "この複製の鍵ではありません" in out
    assert "is not this copy's key" in out


def test_misplaced_or_open_keys_and_a_copy_folder_in_the_data_dir_are_refused(
    data_dir: DataDir, encrypted_copy: Path, keys: Path, tmp_path: Path
) -> None:
    nas = tmp_path / "nas"
    nas.mkdir()
    beside = nas / "copy.key"
    shutil.copy(keys / "copy.key", beside)
    beside.chmod(0o600)
    refused = data_dir.run("backup", "copy", "--to", str(nas), "--key", str(beside))
    assert refused.returncode == 1
    assert "複製先の中にあります" in " ".join(refused.stdout.split())
    assert [p.name for p in nas.iterdir()] == ["copy.key"]

    open_key = tmp_path / "open.key"
    shutil.copy(keys / "copy.key", open_key)
    open_key.chmod(0o644)
    refused = data_dir.run("backup", "copy", "--to", str(nas), "--key", str(open_key))
    assert refused.returncode == 1
    assert "chmod 600" in refused.stdout

    inside = data_dir.path / "nas"
    refused = data_dir.run("backup", "copy", "--to", str(inside), "--key", str(keys / "copy.key.pub"))
    assert refused.returncode == 1
    assert "データディレクトリ" in refused.stdout
    assert not inside.exists()

    again = data_dir.run("backup", "key", "create", str(keys / "copy.key"))
    assert again.returncode == 1
    assert "上書きしません" in again.stdout


def test_a_copy_without_a_key_is_marked_unencrypted_and_restores(
    data_dir: DataDir, encrypted_copy: Path, tmp_path: Path, keys: Path
) -> None:
    nas = tmp_path / "usb"
    copied = data_dir.run("backup", "copy", "--to", str(nas))
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert "暗号化なし / NOT encrypted" in copied.stdout
    (folder,) = [p for p in nas.iterdir() if p.is_dir() and p.name != "documents"]  # documents: shared
    manifest = json.loads((folder / "copy.json").read_text(encoding="utf-8"))
    assert manifest["encrypted"] is False
    assert manifest["recipient"] is None
    assert (folder / "base.tar").exists()
    assert _bytes_hold(folder, NAME.encode("utf-8"))  # the grep above would have seen the name
    assert "暗号化なし / NOT encrypted" in data_dir.run("backup", "list").stdout
    target = tmp_path / "restored"
    restored = data_dir.run("backup", "restore", "--from-copy", str(nas), "--to", str(target))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    bookings, _ = _restored_rows(data_dir, target)
    assert "COPY-BEFORE" in bookings


def test_backup_run_refuses_a_patroni_cluster_and_changes_nothing(tmp_path: Path) -> None:
    folder = DataDir(tmp_path / "data")
    folder.path.mkdir()
    node = Node("pg5432", folder.pgdata, 5432, tmp_path / "sock")
    save_state(folder.path, ClusterState(node.name, (node,), False, patroni=True))
    refused = folder.run("backup", "run")
    assert refused.returncode == 1
    out = " ".join(refused.stdout.split())
    assert "Patroni が管理するクラスタ" in out
    assert "patronictl edit-config" in out
    assert not folder.backups.exists()
    assert not folder.pgdata.exists()


def test_the_nightly_copies_the_backup_that_passed_its_drill(
    data_dir: DataDir, encrypted_copy: Path, keys: Path, tmp_path: Path
) -> None:
    nas = tmp_path / "nas-nightly"
    env = {
        **data_dir.env(),
        "MYNADESK_BACKUP_COPY_DIR": str(nas),
        "MYNADESK_BACKUP_COPY_KEY_FILE": str(keys / "copy.key.pub"),  # the server needs the public half only
    }
    argv = data_dir.argv("ops", "run", "--once")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    newest = BackupRoot(data_dir.backups).finished()[-1].name
    manifest = json.loads((nas / newest / "copy.json").read_text(encoding="utf-8"))
    assert manifest["encrypted"] is True
    assert (nas / newest / "base.tar.age").exists()
    assert not _bytes_hold(nas, NAME.encode("utf-8"))


def test_a_failed_nightly_copy_is_an_alert_until_a_later_good_night(
    data_dir: DataDir, owner_engine: Engine, tmp_path: Path
) -> None:
    inside = data_dir.path / "nas-inside-the-data-dir"  # refused: a copy on the same disk protects nothing
    env = {**data_dir.env(), "MYNADESK_BACKUP_COPY_DIR": str(inside)}
    argv = data_dir.argv("ops", "run", "--once")
    failed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    with Session(owner_engine) as session:
        state = records.summary(session)
    assert state.failed_copy is not None
    assert state.alert
    assert state.failed_since_good is None  # the backup itself was good: only the copy is the alert
    assert not inside.exists()

    again = data_dir.run("ops", "run", "--once")  # the next night, without the copy
    assert again.returncode == 0, again.stdout + again.stderr
    with Session(owner_engine) as session:
        state = records.summary(session)
    assert state.failed_copy is None
    assert not state.alert
