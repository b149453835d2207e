"""The document store's files in the backups, on a real embedded PostgreSQL through the CLI: `backup run`
brings them (only the new ones the next time), `backup restore` lays them down beside the restored cluster,
the off-machine copy carries them encrypted and refuses an altered one, and the drill fails when one is
missing from the backup folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.clock import system_clock
from core.db.models.documents import Document
from core.filestore import FileStore
from core.ops import pgtools
from core.ops.restore import Copy, socket_dir, start_and_wait
from tests.ops.conftest import DataDir

MARKER = b"MYNADESK-PLAINTEXT-MARKER"


def _store(data_dir: DataDir, engine: Engine, n: int) -> str:
    """Keep a 'scanned sheet' (a marker, then noise) in the live store with the row that names it."""
    store = FileStore(data_dir.path / "documents")
    data = b"%PDF-1.7\n%" + MARKER + f"-{n}\n".encode() + os.urandom(150_000 + n)
    with store.written(), Session(engine) as session, session.begin():
        digest = store.put(data)
        session.add(
            Document(
                kind="application",
                status="needs_index",
                created_by="TEST",
                created_at=system_clock(),
                printed_sha256=digest,
            )
        )
    return digest


def _backed_up(data_dir: DataDir, digest: str) -> Path:
    return FileStore(data_dir.backups / "documents").path(digest)


def _newest_info(data_dir: DataDir) -> dict[str, object]:
    newest = sorted(p for p in (data_dir.backups / "base").iterdir() if not p.name.startswith("."))[-1]
    values: dict[str, object] = json.loads((newest / "mynadesk.json").read_text(encoding="utf-8"))
    return values


def _ok(done: object) -> str:
    assert done.returncode == 0, done.stdout + done.stderr  # type: ignore[attr-defined]
    return " ".join(done.stdout.split())  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def stored(data_dir: DataDir, owner_engine: Engine) -> list[str]:
    """Two documents kept and backed up; their files' sha256 (a test adds more)."""
    hashes = [_store(data_dir, owner_engine, 1), _store(data_dir, owner_engine, 2)]
    _ok(data_dir.run("backup", "run"))
    return hashes


def _restored_hashes(data_dir: DataDir, target: Path) -> set[str]:
    """The files the restored cluster in TARGET names (started for the query, stopped again)."""
    password = (data_dir.path / "secrets" / "db-postgres.password").read_text(encoding="ascii").strip()
    copy = Copy(target, socket_dir(), pgtools.free_port())
    try:
        start_and_wait(copy, password, timeout=60)
        with psycopg.connect(copy.uri(password, "mynadesk")) as conn:
            rows = conn.execute("SELECT printed_sha256 FROM documents.documents").fetchall()
    finally:
        pgtools.stop_server(target)
        pgtools.remove_tree(copy.socket_dir)
    return {row[0] for row in rows}


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_a_backup_carries_the_document_files_and_the_next_only_the_new_one(
    data_dir: DataDir, owner_engine: Engine, stored: list[str]
) -> None:
    first = _newest_info(data_dir)["documents"]
    assert first == {"referenced": 2, "copied": 2, "copied_bytes": first["copied_bytes"], "missing": 0}  # type: ignore[index]
    for digest in stored:
        path = _backed_up(data_dir, digest)
        assert path.read_bytes() == FileStore(data_dir.path / "documents").read(digest)
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700
        assert path.parent.parent.stat().st_mode & 0o777 == 0o700
    before = {digest: _backed_up(data_dir, digest).stat().st_ino for digest in stored}
    third = _store(data_dir, owner_engine, 3)
    out = _ok(data_dir.run("backup", "run"))
    assert "3 件を確認、新規 1 件" in out
    second = _newest_info(data_dir)["documents"]
    size = _backed_up(data_dir, third).stat().st_size
    assert second == {"referenced": 3, "copied": 1, "copied_bytes": size, "missing": 0}
    assert {digest: _backed_up(data_dir, digest).stat().st_ino for digest in stored} == before  # untouched
    stored.append(third)


def test_restore_lays_down_the_files_the_restored_rows_name(
    data_dir: DataDir, stored: list[str], tmp_path: Path
) -> None:
    target = tmp_path / "restored"
    out = _ok(data_dir.run("backup", "restore", "--to", str(target)))
    documents = tmp_path / "restored-documents"
    assert f"MYNADESK_DOCUMENTS_DIR={documents}" in out
    restored = _files(documents)
    assert set(restored) == set(stored) == _restored_hashes(data_dir, target)
    live = FileStore(data_dir.path / "documents")
    assert all(restored[digest] == live.read(digest) for digest in stored)
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in documents.rglob("*") if p.is_file())


def test_an_encrypted_copy_carries_the_files_hidden_and_restores_them(
    data_dir: DataDir, owner_engine: Engine, stored: list[str], tmp_path: Path
) -> None:
    safe, nas = tmp_path / "safe", tmp_path / "nas"
    safe.mkdir()
    key = safe / "copy.key"
    _ok(data_dir.run("backup", "key", "create", str(key)))
    _ok(data_dir.run("backup", "copy", "--to", str(nas), "--key", str(key)))
    shared = nas / "documents"
    assert {p.name for p in shared.iterdir()} == {f"{d}.age" for d in stored} | {"recipient"}
    assert not any(MARKER in path.read_bytes() for path in nas.rglob("*") if path.is_file())
    first_inodes = {p.name: p.stat().st_ino for p in shared.iterdir()}
    fourth = _store(data_dir, owner_engine, 4)
    _ok(data_dir.run("backup", "run"))
    out = _ok(data_dir.run("backup", "copy", "--to", str(nas), "--key", str(key)))
    assert "新規 1 件" in out
    assert {p.name: p.stat().st_ino for p in shared.iterdir() if p.name in first_inodes} == first_inodes
    stored.append(fourth)

    target = tmp_path / "from-copy"
    _ok(data_dir.run("backup", "restore", "--from-copy", str(nas), "--key", str(key), "--to", str(target)))
    restored = _files(tmp_path / "from-copy-documents")
    assert set(restored) == set(stored) == _restored_hashes(data_dir, target)
    live = FileStore(data_dir.path / "documents")
    assert all(restored[digest] == live.read(digest) for digest in stored)

    twin = tmp_path / "twin"
    shutil.copytree(nas, twin)
    victim = twin / "documents" / f"{fourth}.age"
    flipped = bytearray(victim.read_bytes())
    flipped[len(flipped) // 2] ^= 0x01
    victim.write_bytes(bytes(flipped))
    refused = tmp_path / "refused"
    done = data_dir.run(
        "backup", "restore", "--from-copy", str(twin), "--key", str(key), "--to", str(refused)
    )
    assert done.returncode != 0, done.stdout
    message = " ".join(done.stdout.split())
    assert "複製の文書ファイル 1 件がないか、改ざん・破損しています" in message
    assert f"例 {fourth[:12]}" in message
    assert not refused.exists()
    assert not (tmp_path / "refused-documents").exists()


def test_a_plain_copy_refuses_a_document_file_whose_bytes_differ_from_its_name(
    data_dir: DataDir, stored: list[str], tmp_path: Path
) -> None:
    nas = tmp_path / "nas"
    out = _ok(data_dir.run("backup", "copy", "--to", str(nas)))
    assert "暗号化なし" in out
    victim = nas / "documents" / stored[0]
    assert victim.read_bytes() == FileStore(data_dir.path / "documents").read(stored[0])
    flipped = bytearray(victim.read_bytes())
    flipped[-1] ^= 0x01
    victim.write_bytes(bytes(flipped))
    refused = tmp_path / "refused"
    done = data_dir.run("backup", "restore", "--from-copy", str(nas), "--to", str(refused))
    assert done.returncode != 0, done.stdout
    assert f"例 {stored[0][:12]}" in " ".join(done.stdout.split())
    assert not refused.exists()
    assert not (tmp_path / "refused-documents").exists()


def test_a_document_file_missing_from_the_backup_fails_the_drill_and_the_restore(
    data_dir: DataDir, stored: list[str], tmp_path: Path
) -> None:
    """Last: it damages the backup folder."""
    lost = stored[1]
    _backed_up(data_dir, lost).unlink()
    done = data_dir.run("backup", "verify", "--drill")
    assert done.returncode != 0, done.stdout + done.stderr
    message = " ".join(done.stdout.split())
    assert "文書ファイル 1 件がバックアップ" in message, message
    assert f"例 {lost[:12]}…" in message
    assert "不一致 / DIFFERS" in message
    target = tmp_path / "restored"
    done = data_dir.run("backup", "restore", "--to", str(target))
    assert done.returncode != 0, done.stdout
    assert f"例 {lost[:12]}" in " ".join(done.stdout.split())
    assert not target.exists()
    assert not (tmp_path / "restored-documents").exists()
    out = _ok(data_dir.run("backup", "restore", "--to", str(target), "--allow-missing-documents"))
    assert f"文書ファイル 1 件はバックアップになく(または壊れていて)復元していません(例 {lost[:12]}…)" in out
    assert set(_files(tmp_path / "restored-documents")) == set(stored) - {lost}
    assert _restored_hashes(data_dir, target) == set(stored)
