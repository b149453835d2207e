"""`backup copy` and `backup restore --from-copy` as the CLI and the nightly run them."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.clock import Clock
from core.config import Settings
from core.ops import docfiles, pgtools, records
from core.ops.backup import BackupError, exclusive, new_name, verify_folder
from core.ops.copy_keys import CopyKey, load_key, refuse_inside
from core.ops.jobs import Restored, archive_latest, connect, database_name, owner_password_of, restore_into
from core.ops.layout import BackupInfo, BackupRoot
from core.ops.offsite import CopyError, CopyInfo, copies, fetch, prune_copies, read_copy, write_copy
from core.ops.offsite_documents import copy_documents, fetch_documents
from core.ops.restore import refuse_live

LAST_COPY = "last-copy.json"


@dataclass(frozen=True)
class CopyOutcome:
    """A finished copy and the older copies retention removed."""

    copy: CopyInfo
    pruned: list[str]


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def check_places(settings: Settings, copy_dir: Path, key: CopyKey | None) -> None:
    """Refuse a copy folder on the data dir or the backup folder (it must be another disk) and a secret key
    inside the copy folder, the backup folder or the data dir."""
    for folder, ja, en in (
        (settings.data_dir, "データディレクトリ", "data dir"),
        (settings.backup_dir, "バックアップフォルダー", "backup folder"),
    ):
        if _inside(copy_dir, folder) or _inside(folder, copy_dir):
            raise CopyError(
                f"複製先 {copy_dir} が{ja} {folder} と重なっています。"
                "別の機械の NAS か外付けディスクにしてください",
                f"the copy folder {copy_dir} overlaps the {en} {folder}; use a NAS or an external disk",
            )
    if key is not None:
        refuse_inside(
            key,
            [
                ("複製先", "copy folder", copy_dir),
                ("バックアップフォルダー", "backup folder", settings.backup_dir),
                ("データディレクトリ", "data dir", settings.data_dir),
            ],
        )


def newest_verified(settings: Settings, root: BackupRoot) -> BackupInfo:
    """The newest backup whose last pg_verifybackup passed (as recorded)."""
    with connect(settings).factory() as session:
        runs = records.runs_by_name(session)
    good = [b for b in root.finished() if b.name in runs and runs[b.name].verify_ok]
    if not good:
        raise CopyError(
            "検証済みのバックアップがありません。`mynadesk backup run` の後に複製してください",
            "there is no verified backup to copy; take one with `mynadesk backup run` first",
        )
    return good[-1]


def make_copy(settings: Settings, clock: Clock, copy_dir: Path, key_file: Path | None) -> CopyOutcome:
    """Copy the newest verified backup and its WAL into COPY_DIR (encrypted when KEY_FILE is given)."""
    key = load_key(key_file) if key_file else None
    check_places(settings, copy_dir, key)
    root = BackupRoot(settings.backup_dir)
    info = newest_verified(settings, root)
    archive_latest(settings, root)  # the copy then reaches to (nearly) now
    try:
        copy_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise CopyError(
            f"複製先 {copy_dir} を作れません: {error}", f"cannot make {copy_dir}: {error}"
        ) from error
    with exclusive(root):
        verify_folder(root.folder(info.name), info.format)  # the bytes copied are the verified ones
        documents = copy_documents(root.documents, copy_dir, key)  # before the copy is listed
        copy = write_copy(root, info, copy_dir, key, clock(), documents)
        backup = settings.backup
        pruned = prune_copies(copy_dir, backup.keep_daily, backup.keep_weekly, backup.keep_monthly)
    _remember(settings, copy)
    return CopyOutcome(copy, pruned)


def _remember(settings: Settings, copy: CopyInfo) -> None:
    """Note the last copy in the backup folder (`backup list` shows it without reaching the NAS)."""
    values = {
        "folder": str(copy.folder),
        "name": copy.name,
        "created_at": copy.created_at.isoformat(),
        "encrypted": copy.encrypted,
        "recipient": copy.recipient,
    }
    pgtools.write_private(settings.backup_dir / LAST_COPY, json.dumps(values, indent=2) + "\n")


def last_copy(settings: Settings) -> dict[str, Any] | None:
    """The last copy made from this backup folder, or None."""
    path = settings.backup_dir / LAST_COPY
    if not path.is_file():
        return None
    values: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    values["created_at"] = datetime.fromisoformat(values["created_at"])
    return values


def choose_copy(source: Path, at: datetime | None) -> CopyInfo:
    """SOURCE itself when it is one copy; else the newest copy in SOURCE begun before AT (or the newest)."""
    single = read_copy(source)
    if single is not None:
        return single
    found = copies(source)
    if at is not None:
        found = [copy for copy in found if copy.name <= new_name(at)]
    if not found:
        raise CopyError(f"{source} に使える複製がありません", f"there is no usable copy in {source}")
    return found[-1]


def restore_from_copy(
    settings: Settings,
    source: Path,
    key_file: Path | None,
    to: Path,
    at: datetime | None,
    allow_missing_documents: bool = False,
) -> tuple[CopyInfo, Restored]:
    """Check and decrypt a copy into a scratch folder beside TO, pg_verifybackup it, and restore it into the
    new data dir TO as `backup restore` does, with the document files it names (decrypted, each checked
    against its name) in TO-documents; nothing is left behind when any step fails."""
    key = load_key(key_file) if key_file else None
    if key is not None:
        refuse_inside(key, [("複製先", "copy folder", source)])
    refuse_live(to, settings.layout.pg if settings.embedded else None)
    documents_dir = docfiles.restored_documents_dir(to)
    docfiles.refuse_documents_target(documents_dir, settings.documents_dir)
    copy = choose_copy(source, at)
    password = owner_password_of(settings)
    started = time.monotonic()
    to.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".mynadesk-fetch-{to.name}-", dir=to.parent))
    try:
        root, info = fetch(copy, key, scratch)
        fill = docfiles.lay_down_into(documents_dir, fetch_documents(copy, key, allow_missing_documents))
        transfer = restore_into(root, info, to, at, password, database_name(settings), fill)
    except BackupError as error:
        raise CopyError(
            f"複製 {copy.folder} のバックアップが検証を通りません: {error.message_ja}",
            f"the backup in the copy {copy.folder} fails verification: {error.message_en}",
        ) from error
    finally:
        pgtools.remove_tree(scratch)
    return copy, Restored(info, time.monotonic() - started, documents_dir, transfer)
