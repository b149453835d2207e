"""The off-machine copy (a mounted NAS or USB disk): a verified base backup and the archived WAL from its
start on, optionally encrypted for an age key (core/ops/copy_keys.py).

A copy is COPY_DIR/<backup name>/ holding base.tar[.age] (the backup's folder), wal/<segment>[.age] and
copy.json, the manifest, written last with the SHA-256 of every stored file. The document files go, before
it, into COPY_DIR/documents/<sha256>[.age], one folder every copy shares (core/ops/offsite_documents.py).
A copy is written under COPY_DIR/.partial-<name>/ and renamed once complete, so a copy cut short is never
listed; fetching one checks every SHA-256 first, then decrypts (age authenticates each 64 KiB chunk and the
last one's place), then runs pg_verifybackup on the result.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pyrage

from core.domain.errors import DomainError
from core.ops import pgtools
from core.ops.backup import verify_folder
from core.ops.copy_keys import CopyKey
from core.ops.layout import PARTIAL, BackupInfo, BackupRoot, fsync_dir, read_info
from core.ops.retention import to_keep

MANIFEST = "copy.json"
DATA_TAR = "base.tar"
AGE = ".age"
CHUNK = 1024 * 1024


class CopyError(DomainError):
    """A copy could not be written, or a copy is damaged, cut short or for another key."""


@dataclass(frozen=True)
class CopyInfo:
    """What a copy's copy.json says."""

    folder: Path
    name: str  # the backup's name
    created_at: datetime
    encrypted: bool
    recipient: str | None  # the age public key it was encrypted for
    format: str
    files: dict[str, dict[str, Any]]  # relative path -> {"sha256": …, "size": …}
    # the document files in COPY_DIR/documents/ when it was made: files, copied (new), copied_bytes
    documents: dict[str, Any] = field(default_factory=dict)


class HashingWriter:
    """A file that also counts and hashes what is written to it."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.digest, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


def store_file(path: Path, fill: Any, key: CopyKey | None) -> dict[str, Any]:
    """Write PATH from FILL (called with a binary writer), encrypted for KEY if given; flushed to disk."""
    with path.open("xb") as out:
        writer = HashingWriter(out)
        if key is None:
            fill(writer)
        else:
            _encrypt_stream(fill, writer, key)
        out.flush()
        os.fsync(out.fileno())
    return {"sha256": writer.digest.hexdigest(), "size": writer.size}


def _encrypt_stream(fill: Any, writer: HashingWriter, key: CopyKey) -> None:
    """FILL writes plaintext into a pipe that age encrypts into WRITER: no plaintext ever lands on disk."""
    read_fd, write_fd = os.pipe()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            with os.fdopen(write_fd, "wb") as pipe:
                fill(pipe)
        except BaseException as error:  # re-raised in the caller's thread
            failure.append(error)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    with os.fdopen(read_fd, "rb") as pipe:
        pyrage.encrypt_io(pipe, writer, [key.recipient])
    producer.join()
    if failure:
        raise failure[0]


def _tar_folder(folder: Path, arcname: str) -> Any:
    def fill(out: IO[bytes]) -> None:
        with tarfile.open(fileobj=out, mode="w|") as tar:
            tar.add(folder, arcname=arcname)

    return fill


def _file(path: Path) -> Any:
    def fill(out: IO[bytes]) -> None:
        with path.open("rb") as source:
            shutil.copyfileobj(source, out, CHUNK)

    return fill


def wal_since(root: BackupRoot, info: BackupInfo) -> list[Path]:
    """The archived WAL a restore of INFO needs, and all archived since (PITR); every timeline history."""
    return sorted(
        path
        for path in root.wal.iterdir()
        if path.is_file()
        and not path.name.endswith(".part")
        and (path.name.endswith(".history") or path.name[:24] >= info.start_wal)
    )


def write_copy(
    root: BackupRoot,
    info: BackupInfo,
    copy_dir: Path,
    key: CopyKey | None,
    now: datetime,
    documents: dict[str, Any] | None = None,
) -> CopyInfo:
    """Copy backup INFO (already verified) and its WAL into COPY_DIR/<name>/ (ROOT's lock held by the
    caller; its document files already in COPY_DIR/documents/, DOCUMENTS their counts); an older copy of the
    same backup is replaced only once the new one is complete."""
    suffix = AGE if key else ""
    partial = copy_dir / f"{PARTIAL}{info.name}"
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "wal").mkdir(mode=0o700, parents=True)
    data_tar = f"{DATA_TAR}{suffix}"
    files = {data_tar: store_file(partial / data_tar, _tar_folder(root.folder(info.name), info.name), key)}
    for segment in wal_since(root, info):
        relative = f"wal/{segment.name}{suffix}"
        files[relative] = store_file(partial / relative, _file(segment), key)
    public = key.public if key else None
    copy = CopyInfo(
        copy_dir / info.name, info.name, now, key is not None, public, info.format, files, documents or {}
    )
    values = {**asdict(copy), "folder": None, "created_at": now.isoformat()}
    manifest = partial / MANIFEST
    with manifest.open("x", encoding="utf-8") as out:
        json.dump(values, out, ensure_ascii=False, indent=2)
        out.flush()
        os.fsync(out.fileno())
    fsync_dir(partial)
    if copy.folder.exists():  # a copy of this backup from an earlier night: the new one has more WAL
        old = copy_dir / f"{PARTIAL}old-{info.name}"
        copy.folder.rename(old)
        partial.rename(copy.folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        partial.rename(copy.folder)
    fsync_dir(copy_dir)
    return copy


def read_copy(folder: Path) -> CopyInfo | None:
    """The copy in FOLDER, or None when FOLDER holds no complete copy."""
    path = folder / MANIFEST
    if folder.name.startswith(".") or not path.is_file():
        return None
    values = json.loads(path.read_text(encoding="utf-8"))
    values["folder"] = folder
    values["created_at"] = datetime.fromisoformat(values["created_at"])
    return CopyInfo(**values)


def copies(copy_dir: Path) -> list[CopyInfo]:
    """Every complete copy in COPY_DIR, oldest first."""
    if not copy_dir.is_dir():
        return []
    found = (read_copy(folder) for folder in copy_dir.iterdir() if folder.is_dir())
    return sorted((copy for copy in found if copy is not None), key=lambda copy: copy.name)


def prune_copies(copy_dir: Path, daily: int, weekly: int, monthly: int) -> list[str]:
    """Delete the copies retention does not keep (the same rule as the backups) and unfinished ones."""
    for leftover in copy_dir.glob(f"{PARTIAL}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    found = copies(copy_dir)
    keep = to_keep(((c.name, c.created_at) for c in found), daily, weekly, monthly)
    removed = [c.name for c in found if c.name not in keep]
    for name in removed:
        shutil.rmtree(copy_dir / name, ignore_errors=True)
    return removed


def check_sums(copy: CopyInfo) -> None:
    """Refuse a copy whose stored files differ from its manifest (missing, cut short, altered)."""
    bad = []
    for relative, expected in sorted(copy.files.items()):
        path = copy.folder / relative
        digest = hashlib.sha256()
        try:
            with path.open("rb") as source:
                while block := source.read(CHUNK):
                    digest.update(block)
        except OSError:
            bad.append(f"{relative} (missing)")
            continue
        if digest.hexdigest() != expected["sha256"]:
            bad.append(relative)
    if bad:
        raise CopyError(
            f"複製 {copy.folder} は壊れています(SHA-256 がマニフェストと不一致: {', '.join(bad[:5])})。"
            "この複製から復元しないでください",
            f"the copy {copy.folder} is damaged (files differ from its manifest: {', '.join(bad[:5])}); "
            "do not restore from it",
        )


def open_stored(source: IO[bytes], target: IO[bytes], copy: CopyInfo, key: CopyKey | None) -> None:
    """Copy SOURCE (a stored file) into TARGET, decrypting it when COPY is encrypted."""
    if not copy.encrypted:
        shutil.copyfileobj(source, target, CHUNK)
        return
    if key is None or key.identity is None:
        raise CopyError(
            f"複製 {copy.folder} は暗号化されています。秘密鍵ファイルを --key で指定してください",
            f"the copy {copy.folder} is encrypted; give its secret key file with --key",
        )
    try:
        pyrage.decrypt_io(source, target, [key.identity])
    except (pyrage.DecryptError, OSError, ValueError) as error:
        if key.public != copy.recipient:
            raise CopyError(
                f"鍵 {key.path} はこの複製の鍵ではありません(複製の公開鍵 {copy.recipient})",
                f"the key {key.path} is not this copy's key (the copy was made for {copy.recipient})",
            ) from error
        raise CopyError(
            f"複製 {copy.folder} を復号できません(改ざん・切り詰め・破損)。この複製から復元しないでください",
            f"the copy {copy.folder} does not decrypt (altered, cut short or damaged); "
            "do not restore from it",
        ) from error


def fetch(copy: CopyInfo, key: CopyKey | None, scratch: Path) -> tuple[BackupRoot, BackupInfo]:
    """Check, decrypt and unpack COPY into SCRATCH as a backup folder (base/<name>/, wal/), then
    pg_verifybackup it; the caller deletes SCRATCH whatever happens."""
    check_sums(copy)
    root = BackupRoot(scratch).prepare()
    suffix = AGE if copy.encrypted else ""
    plain_tar = scratch / DATA_TAR
    with (copy.folder / f"{DATA_TAR}{suffix}").open("rb") as source, plain_tar.open("xb") as target:
        open_stored(source, target, copy, key)
    with tarfile.open(plain_tar) as tar:
        tar.extractall(root.base, filter="data")
    plain_tar.unlink()
    for relative in copy.files:
        if relative.startswith("wal/"):
            segment = root.wal / relative.removeprefix("wal/").removesuffix(suffix)
            with (copy.folder / relative).open("rb") as source, segment.open("xb") as target:
                open_stored(source, target, copy, key)
    _give_tree(scratch)
    info = read_info(root.folder(copy.name))
    if info is None:
        raise CopyError(
            f"複製 {copy.folder} にバックアップがありません", f"the copy {copy.folder} holds no backup"
        )
    verify_folder(root.folder(info.name), info.format)
    return root, info


def _give_tree(folder: Path) -> None:
    """Everything under FOLDER to the server's OS user, folders 0700 (the server reads the backup and WAL)."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o700)
        pgtools.give_to_server(path)
