"""The document store's files in the backups: copied beside the base backups, checked by the drill, laid down
by a restore.

The store keeps files outside PostgreSQL, content-addressed and immutable (core.filestore): a file's name is
its sha256, so every copy is checked by hashing it, and a file once in the backup folder never needs copying
again. The backup folder keeps ONE documents/ folder for all its backups (ab/cd/<sha256>, files 0600 in 0700
folders). A backup copies the files its database names after pg_basebackup has finished: a file is written
before the row that names it commits, so every row in the base backup has its file in the live store by then.

Nothing is deleted from documents/ in this version. A kept base backup plus the archived WAL restores any
moment of its window, and every file any such moment named must stay; which files no moment of any kept
window names is not recorded yet. An expired document's files therefore stay in the backup folder (and its
off-machine copy) until an operator removes them (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.db.engine import make_engine
from core.db.models.documents import Document, Page
from core.filestore import FileStore
from core.ops import pgtools
from core.ops.layout import fsync_dir
from core.ops.restore import RestoreError
from core.paths import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE
from core.services.documents import referenced_files

SAMPLE = 200  # the drill hashes this many of the newest files fully
CHUNK = 1024 * 1024
T = TypeVar("T")


@dataclass
class Transfer:
    """Files a copy needed, copied (new ones and their bytes), and missing or damaged at the source."""

    referenced: int = 0
    copied: int = 0
    copied_bytes: int = 0
    missing: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "referenced": self.referenced,
            "copied": self.copied,
            "copied_bytes": self.copied_bytes,
            "missing": len(self.missing),
        }


def example(hashes: Iterable[str]) -> str:
    """One sha256 of HASHES, shortened (a file's name says nothing about a person; still, keep it short)."""
    return f"{min(hashes)[:12]}…"


def private_folders(root: Path, digest: str) -> Path:
    """ROOT/ab/cd for DIGEST, every level made 0700 (not the umask's mode); the folder back."""
    folder = root
    for part in ("", digest[:2], digest[2:4]):
        folder = folder / part if part else folder
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True, parents=part == "")
        if part:
            folder.chmod(PRIVATE_DIR_MODE)
    root.chmod(PRIVATE_DIR_MODE)
    return folder


def sha256_file(path: Path) -> str | None:
    """PATH's sha256, or None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as source:
            while block := source.read(CHUNK):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def copy_checked(source: Path, target_root: Path, digest: str) -> int | None:
    """Copy SOURCE into TARGET_ROOT/ab/cd/DIGEST when its bytes hash to DIGEST (a temp file beside it, 0600,
    fsync'd, renamed); its size, or None when SOURCE is missing or differs from its name (nothing written)."""
    try:
        handle = source.open("rb")
    except OSError:
        return None
    folder = private_folders(target_root, digest)
    descriptor, temp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)
        hashed, size = hashlib.sha256(), 0
        with handle, os.fdopen(descriptor, "wb") as out:
            while block := handle.read(CHUNK):
                hashed.update(block)
                size += len(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if hashed.hexdigest() != digest:
            Path(temp).unlink()
            return None
        os.replace(temp, folder / digest)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return size


def sync_files(source_root: Path, target_root: Path, hashes: set[str]) -> Transfer:
    """Copy the files HASHES from one store folder to another, only those not there yet (a file never
    changes under its name); each copy checked against its name and flushed, the folders too."""
    source, target = FileStore(source_root), FileStore(target_root)
    transfer = Transfer(referenced=len(hashes))
    touched: set[Path] = set()
    for digest in sorted(hashes):
        if target.path(digest).is_file():
            continue
        size = copy_checked(source.path(digest), target_root, digest)
        if size is None:
            transfer.missing.append(digest)
            continue
        transfer.copied += 1
        transfer.copied_bytes += size
        touched |= {target.path(digest).parent, target.path(digest).parent.parent}
    for folder in sorted(touched, reverse=True):
        fsync_dir(folder)
    if touched:
        fsync_dir(target_root)
    return transfer


def referenced(session: Session) -> set[str]:
    """The files a (restored) database names; none when it predates the document store (an old backup)."""
    if session.scalar(text("SELECT to_regclass('documents.documents')")) is None:
        return set()
    return referenced_files(session)


def back_up(factory: sessionmaker[Session], store_root: Path, backup_documents: Path) -> Transfer:
    """Bring every file the live database names into the backup folder's documents/ (new ones only)."""
    with factory() as session:
        hashes = referenced_files(session)
    return sync_files(store_root, backup_documents, hashes)


def restored_without(transfer: Transfer) -> str | None:
    """What a restore with --allow-missing-documents must say about the files it could not bring."""
    if not transfer.missing:
        return None
    count, one = len(transfer.missing), example(transfer.missing)
    return (
        f"文書ファイル {count} 件はバックアップになく(または壊れていて)復元していません(例 {one})。"
        "それらの文書は開けません"
        f" / {count} document files were not in the backup (or damaged) and were not restored (e.g. {one}); "
        "those documents will not open"
    )


def missing_note(transfer: Transfer) -> str | None:
    """What the operator must know when the live store lacks files its rows name (the drill fails on them)."""
    if not transfer.missing:
        return None
    count, one = len(transfer.missing), example(transfer.missing)
    return (
        f"文書ファイル {count} 件が稼働中の保存先にないか壊れています(例 {one})。"
        "以前のバックアップにもなければ復元できません"
        f" / {count} document files the database names are missing or damaged in the live store "
        f"(e.g. {one}); they cannot be restored unless an earlier backup holds them"
    )


def newest_files(session: Session, limit: int = SAMPLE) -> list[str]:
    """The files of the newest documents (archive, printed copy, page thumbnails), at most LIMIT."""
    rows = session.execute(
        select(Document.id, Document.archive_sha256, Document.printed_sha256)
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(limit)
    ).all()
    thumbnails: dict[int, list[str]] = {}
    ids = [row.id for row in rows]
    for document_id, thumbnail in session.execute(
        select(Page.document_id, Page.thumbnail_sha256)
        .where(Page.document_id.in_(ids))
        .order_by(Page.page_no)
    ):
        thumbnails.setdefault(document_id, []).append(thumbnail)
    found: dict[str, None] = {}
    for row in rows:
        for digest in (row.archive_sha256, row.printed_sha256, *thumbnails.get(row.id, [])):
            if digest:
                found.setdefault(digest)
    return list(found)[:limit]


def check_backup(
    session: Session, backup_documents: Path, sample: int = SAMPLE
) -> tuple[list[str], dict[str, int]]:
    """The drill's check on a restored database (SESSION): every file it names is in BACKUP_DOCUMENTS, and
    the newest SAMPLE of them hash to their names; the problems found and the counts."""
    store = FileStore(backup_documents)
    hashes = referenced(session)
    if not hashes:
        return [], {"referenced": 0, "missing": 0, "hashed": 0, "damaged": 0}
    absent = [digest for digest in sorted(hashes) if not store.path(digest).is_file()]
    gone = set(absent)
    hashed = [digest for digest in newest_files(session, sample) if digest not in gone]
    damaged = [digest for digest in hashed if sha256_file(store.path(digest)) != digest]
    problems = []
    if absent:
        problems.append(
            f"復元したデータベースが指す文書ファイル {len(absent)} 件がバックアップ"
            f"({backup_documents})にありません(例 {example(absent)})。"
            "`mynadesk backup run` で取り直してください"
            f" / {len(absent)} document files the restored database names are not in {backup_documents} "
            f"(e.g. {example(absent)}); take a new backup with `mynadesk backup run`"
        )
    if damaged:
        problems.append(
            f"バックアップの文書ファイル {len(damaged)} 件が壊れています(SHA-256 が名前と不一致、例 "
            f"{example(damaged)}) / {len(damaged)} document files in {backup_documents} are damaged "
            f"(their SHA-256 differs from their name, e.g. {example(damaged)})"
        )
    counts = {
        "referenced": len(hashes),
        "missing": len(absent),
        "hashed": len(hashed),
        "damaged": len(damaged),
    }
    return problems, counts


def restored_documents_dir(to: Path) -> Path:
    """Where a restore into the new data dir TO puts the document files: its sibling TO-documents."""
    return to.parent / f"{to.name}-documents"


def refuse_documents_target(target: Path, live_documents: Path) -> None:
    """Refuse to restore files into the live document store (or around it) or into a folder not empty."""
    there, live = target.resolve(), live_documents.resolve()
    if there == live or live in there.parents or there in live.parents:
        raise RestoreError(
            f"文書ファイルの復元先 {target} が稼働中の文書保存先 {live_documents} と重なっています。"
            "--to に別の場所を指定してください",
            f"the document files would be restored into {target}, which overlaps the live document store "
            f"{live_documents}; give --to another place",
        )
    if target.exists() and any(target.iterdir()):
        raise RestoreError(
            f"文書ファイルの復元先 {target} は空ではありません。新しい --to を指定してください",
            f"{target} (where the document files would go) is not empty; give a new --to",
        )


def from_backup(backup_documents: Path, allow_missing: bool = False) -> Callable[[set[str], Path], Transfer]:
    """Fill a restore's documents folder from the backup folder's documents/, refusing when any is missing
    (unless ALLOW_MISSING: then the transfer lists them)."""

    def fill(hashes: set[str], target: Path) -> Transfer:
        transfer = sync_files(backup_documents, target, hashes)
        if transfer.missing and not allow_missing:
            count, one = len(transfer.missing), example(transfer.missing)
            raise RestoreError(
                f"復元したデータベースが指す文書ファイル {count} 件がバックアップ({backup_documents})にないか"
                f"壊れています(例 {one})。何も残していません。機械外の複製(--from-copy)を試すか、"
                "欠けたファイルなしで復元するには --allow-missing-documents を付けてください",
                f"{count} document files the restored database names are missing or damaged in "
                f"{backup_documents} (e.g. {one}); nothing was left behind; try the off-machine copy "
                "(--from-copy), or restore without them with --allow-missing-documents",
            )
        return transfer

    return fill


def with_session(uri: str, read: Callable[[Session], T]) -> T:
    """READ on a session of the (restored) server behind the libpq URI."""
    engine = make_engine(make_url(uri).set(drivername="postgresql+psycopg"))
    try:
        with Session(engine) as session:
            return read(session)
    finally:
        engine.dispose()


def lay_down_into(target: Path, fill: Callable[[set[str], Path], Transfer]) -> Callable[[str], Transfer]:
    """A step for a restore: given the restored database's URI, FILL the files it names into TARGET; a
    failure deletes TARGET (half the files must not look like a restored store)."""

    def step(uri: str) -> Transfer:
        try:
            hashes = with_session(uri, referenced)
            target.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
            return fill(hashes, target)
        except BaseException:
            pgtools.remove_tree(target)
            raise

    return step
