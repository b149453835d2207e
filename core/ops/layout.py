"""The backup folder: base/<name>/ per finished backup, base/.partial-<name>/ while one is taken, wal/ for the
archived WAL, documents/ for the document store's files (one shared folder, content-addressed: ab/cd/<sha>).
A backup is listed only once its folder has its final name, which it gets after pg_verifybackup passed and the
document files its rows name were copied: a killed or failed run leaves at most a .partial- folder, which the
next run deletes."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.ops import pgtools

PARTIAL = ".partial-"
METADATA = "mynadesk.json"
SEGMENT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class BackupInfo:
    """What a finished backup's mynadesk.json says about it."""

    name: str
    started_at: datetime  # MynaDesk's clock
    finished_at: datetime
    consistent_at: datetime  # the server's clock when the backup was complete: the earliest restorable moment
    format: str  # plain | tar
    wal_method: str  # stream | fetch
    size_bytes: int
    timeline: int
    start_lsn: str
    end_lsn: str
    start_wal: str
    stop_wal: str
    # the document files when the backup was taken: referenced, copied (new), copied_bytes, missing_live
    documents: dict[str, Any] | None = None


@dataclass(frozen=True)
class BackupRoot:
    """The folder that holds base backups and the WAL archive (MYNADESK_BACKUP_DIR or DATA/backups)."""

    path: Path

    @property
    def base(self) -> Path:
        return self.path / "base"

    @property
    def wal(self) -> Path:
        return self.path / "wal"

    @property
    def documents(self) -> Path:
        """The document store's files, kept once for every backup (they never change under their name)."""
        return self.path / "documents"

    @property
    def lock(self) -> Path:
        return self.path / "backup.lock"

    def prepare(self) -> BackupRoot:
        """Make the folders (0700, the server's OS user's: it writes the archived WAL)."""
        for folder in (self.path, self.base, self.wal):
            pgtools.private_dir(folder)
        return self

    def partial(self, name: str) -> Path:
        return self.base / f"{PARTIAL}{name}"

    def finished(self) -> list[BackupInfo]:
        """Every finished backup, oldest first."""
        if not self.base.is_dir():
            return []
        found = [read_info(d) for d in self.base.iterdir() if not d.name.startswith(".") and d.is_dir()]
        return sorted((info for info in found if info is not None), key=lambda info: info.name)

    def folder(self, name: str) -> Path:
        return self.base / name


def wal_file(timeline: int, lsn: str) -> str:
    """The name of the WAL segment holding LSN (e.g. '0/2000028') on TIMELINE."""
    high, low = (int(part, 16) for part in lsn.split("/"))
    return f"{timeline:08X}{high:08X}{low // SEGMENT_BYTES:08X}"


def write_info(folder: Path, info: BackupInfo) -> None:
    """Write FOLDER/mynadesk.json and flush it to disk."""
    values = {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in asdict(info).items()
    }
    path = folder / METADATA
    pgtools.write_private(path, json.dumps(values, ensure_ascii=False, indent=2) + "\n")
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def read_info(folder: Path) -> BackupInfo | None:
    """FOLDER's metadata, or None when it has none (not a finished backup)."""
    path = folder / METADATA
    if not path.is_file():
        return None
    values = json.loads(path.read_text(encoding="utf-8"))
    for key in ("started_at", "finished_at", "consistent_at"):
        values[key] = datetime.fromisoformat(values[key])
    return BackupInfo(**values)


def folder_size(folder: Path) -> int:
    """Bytes in the files under FOLDER."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def fsync_dir(folder: Path) -> None:
    """Flush a directory's entries (a rename in it) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
