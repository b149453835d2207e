"""A content-addressed file store: each file kept once, under its sha256, 0600, moved into place atomically.

    <root>/ab/cd/abcd…(64 hex)

The database row and its files appear together or not at all. A file is written (to a temp file in the same
folder, fsync'd, then os.replace'd, so a reader never sees half a file) BEFORE the transaction that refers to
it commits; `FileStore.written()` removes the files its block created when the block fails, the commit
included. A crash between the two leaves a file no row names, never a row without its file; `orphans()`
finds such files for a sweep. Deleting goes the other way: the rows first, committed, then the files.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from core.paths import PRIVATE_FILE_MODE, private_dir


def sha256_of(data: bytes) -> str:
    """The hex sha256 of DATA."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class FileStore:
    """Files under ROOT by their sha256; `created` lists those this object wrote that were new."""

    root: Path
    created: list[str] = field(default_factory=list)

    def path(self, sha256: str) -> Path:
        """Where the file with this sha256 lives."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Keep DATA (once); its sha256 back."""
        digest = sha256_of(data)
        target = self.path(digest)
        if target.exists():
            return digest
        folder = private_dir(target.parent)
        descriptor, temp = tempfile.mkstemp(dir=folder, prefix=".part-")
        try:
            os.fchmod(descriptor, PRIVATE_FILE_MODE)
            with os.fdopen(descriptor, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        self.created.append(digest)
        return digest

    def read(self, sha256: str) -> bytes:
        """The file's bytes."""
        return self.path(sha256).read_bytes()

    def remove(self, sha256: str) -> None:
        """Delete the file (no error when it is already gone)."""
        self.path(sha256).unlink(missing_ok=True)

    def hashes(self) -> Iterator[str]:
        """The sha256 of every file kept."""
        if self.root.exists():
            for path in self.root.glob("??/??/*"):
                if not path.name.startswith("."):
                    yield path.name

    def orphans(self, referenced: set[str]) -> list[str]:
        """Files no row refers to (left by a crash between writing and committing)."""
        return sorted(set(self.hashes()) - referenced)

    @contextmanager
    def written(self) -> Iterator[FileStore]:
        """Run a block that writes files and commits rows naming them; when it raises, remove the files it
        created (files that were there before stay: another row may name them)."""
        start = len(self.created)
        try:
            yield self
        except BaseException:
            for digest in self.created[start:]:
                self.remove(digest)
            del self.created[start:]
            raise
