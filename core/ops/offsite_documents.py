"""The document files in the off-machine copy: COPY_DIR/documents/<sha256>[.age], one folder every copy
shares (a file never changes under its name, so each night adds only the new ones), each file encrypted on
its own for the copy's age key.

Each file is written as .part-<name>, flushed, then renamed: a copy cut short leaves no half file under a
real name, and the copy's copy.json (which lists the backup, not the documents) is written only after every
document file is in place. A restore decrypts each file the restored database names (age authenticates every
chunk) and checks that the plaintext's SHA-256 is the file's name; a missing or altered file refuses the
restore. The folder remembers the key it was encrypted for (documents/recipient): a copy with another key
goes to another folder, never mixed into this one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

from core.filestore import FileStore
from core.ops.copy_keys import CopyKey
from core.ops.docfiles import CHUNK, Transfer, example, private_folders
from core.ops.layout import fsync_dir
from core.ops.offsite import AGE, CopyError, CopyInfo, HashingWriter, open_stored, store_file
from core.paths import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE

FOLDER = "documents"
RECIPIENT = "recipient"
PART = ".part-"


def documents_folder(copy_dir: Path) -> Path:
    """The document files every copy in COPY_DIR shares."""
    return copy_dir / FOLDER


def _same_key(folder: Path, key: CopyKey | None) -> None:
    """Refuse to mix files for two keys in one folder; note the key the first time."""
    if key is None:
        return
    marker = folder / RECIPIENT
    if marker.is_file():
        recorded = marker.read_text(encoding="ascii").strip()
        if recorded != key.public:
            raise CopyError(
                f"{folder} の文書ファイルは別の鍵({recorded})で暗号化されています。"
                "鍵を替えたときは新しい複製先を指定してください",
                f"the document files in {folder} are encrypted for another key ({recorded}); after changing "
                "the key, give a new copy folder",
            )
        return
    marker.write_text(key.public + "\n", encoding="ascii")


def _checked(source: Path, digest: str) -> Any:
    """A fill that streams SOURCE and fails when its bytes do not hash to DIGEST (its name)."""

    def fill(out: IO[bytes]) -> None:
        hashed = hashlib.sha256()
        with source.open("rb") as handle:
            while block := handle.read(CHUNK):
                hashed.update(block)
                out.write(block)
        if hashed.hexdigest() != digest:
            raise CopyError(
                f"バックアップの文書ファイルが壊れています(例 {example([digest])})。複製を中止しました",
                f"a document file in the backup folder is damaged (e.g. {example([digest])}); "
                "the copy was stopped",
            )

    return fill


def copy_documents(backup_documents: Path, copy_dir: Path, key: CopyKey | None) -> dict[str, Any]:
    """Bring every file of the backup folder's documents/ not yet in COPY_DIR/documents/ (encrypted for KEY
    when given); their counts."""
    folder = documents_folder(copy_dir)
    folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    for leftover in folder.glob(f"{PART}*"):  # a run cut short
        leftover.unlink()
    _same_key(folder, key)
    suffix = AGE if key else ""
    have = {path.name for path in folder.iterdir()}
    hashes = sorted(FileStore(backup_documents).hashes())
    copied = copied_bytes = 0
    for digest in hashes:
        name = f"{digest}{suffix}"
        if name in have:
            continue
        temp = folder / f"{PART}{name}"
        try:
            stored = store_file(temp, _checked(FileStore(backup_documents).path(digest), digest), key)
            temp.chmod(PRIVATE_FILE_MODE)
            os.replace(temp, folder / name)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        copied, copied_bytes = copied + 1, copied_bytes + stored["size"]
    fsync_dir(folder)
    return {"files": len(hashes), "copied": copied, "copied_bytes": copied_bytes}


def _fetch_one(
    stored: Path, target_root: Path, digest: str, copy: CopyInfo, key: CopyKey | None
) -> int | None:
    """Decrypt (or copy) STORED into TARGET_ROOT/ab/cd/DIGEST when its plaintext hashes to DIGEST; the size,
    or None when it is missing, does not decrypt or differs (nothing written then)."""
    if not stored.is_file():
        return None
    folder = private_folders(target_root, digest)
    descriptor, temp = tempfile.mkstemp(dir=folder, prefix=PART)
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)
        with stored.open("rb") as source, os.fdopen(descriptor, "wb") as out:
            writer = HashingWriter(out)
            try:
                open_stored(source, writer, copy, key)  # type: ignore[arg-type]  # a writer is enough
            except CopyError:
                ok = False
            else:
                ok = writer.digest.hexdigest() == digest
            out.flush()
            os.fsync(out.fileno())
        if not ok:
            Path(temp).unlink()
            return None
        os.replace(temp, folder / digest)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return writer.size


def fetch_documents(copy: CopyInfo, key: CopyKey | None, allow_missing: bool = False) -> Any:
    """A fill for docfiles.lay_down_into: the files a restored database names, from COPY's shared documents
    folder, decrypted and checked; any missing or altered one refuses the restore (unless ALLOW_MISSING:
    then the transfer lists them)."""
    folder = documents_folder(copy.folder.parent)
    suffix = AGE if copy.encrypted else ""

    def fill(hashes: set[str], target: Path) -> Transfer:
        transfer = Transfer(referenced=len(hashes))
        for digest in sorted(hashes):
            size = _fetch_one(folder / f"{digest}{suffix}", target, digest, copy, key)
            if size is None:
                transfer.missing.append(digest)
            else:
                transfer.copied, transfer.copied_bytes = transfer.copied + 1, transfer.copied_bytes + size
        if transfer.missing and not allow_missing:
            count, one = len(transfer.missing), example(transfer.missing)
            shutil.rmtree(target, ignore_errors=True)
            raise CopyError(
                f"複製の文書ファイル {count} 件がないか、改ざん・破損しています(例 {one}、{folder})。"
                "この複製からは復元しません。何も残していません",
                f"{count} document files of the copy are missing, altered or damaged (e.g. {one}, in "
                f"{folder}); nothing was restored from it and nothing was left behind",
            )
        return transfer

    return fill
