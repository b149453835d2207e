"""The data directory's layout: every folder and file MynaDesk keeps under MYNADESK_DATA_DIR, named once.

    <data dir>/
        pg/         the embedded PostgreSQL's cluster (pgserver makes it, 0700)
        secrets/    the embedded server's role passwords, db-<role>.password
        run/        keys the processes share: the console's secret key, the demo password
        analytics/  builds of the analytic marts and the `current` link (core.analytics.marts)
        register/   extracts pulled from the city's server: inbox/, loaded/, errors/ (with their reports)
        generated/  synthetic input files (`make demo`)
        backups/    database backups
        cluster/    Patroni's nodes (config, logs, replica data dirs) and the loopback etcd (`db cluster`)
        documents/  the document store's files, content-addressed (core.filestore; MYNADESK_DOCUMENTS_DIR)

Everything here but the data dir itself holds personal data or secrets: folders are made 0700 (`private_dir`),
files 0600 (`private_file`). The data dir keeps the mode it has: the embedded server's own OS user
(pgserver's, when started by root) must be able to reach pg/ through it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


@dataclass(frozen=True)
class DataLayout:
    """Where each thing lives under ROOT, the data dir (`settings.layout`)."""

    root: Path

    @property
    def pg(self) -> Path:
        """The embedded PostgreSQL's cluster (PGDATA)."""
        return self.root / "pg"

    @property
    def secrets(self) -> Path:
        """The embedded server's role passwords, one file per role."""
        return self.root / "secrets"

    @property
    def run(self) -> Path:
        """Keys the processes of one installation share."""
        return self.root / "run"

    @property
    def analytics(self) -> Path:
        """The analytic marts' builds and the `current` link."""
        return self.root / "analytics"

    @property
    def register(self) -> Path:
        """Register extracts pulled from the city's server."""
        return self.root / "register"

    @property
    def register_inbox(self) -> Path:
        """Extracts downloaded and not yet loaded."""
        return self.register / "inbox"

    @property
    def register_loaded(self) -> Path:
        """Extracts loaded."""
        return self.register / "loaded"

    @property
    def register_errors(self) -> Path:
        """Extracts rejected, each with its report."""
        return self.register / "errors"

    @property
    def generated(self) -> Path:
        """Synthetic input files written for the demo."""
        return self.root / "generated"

    @property
    def backups(self) -> Path:
        """Database backups."""
        return self.root / "backups"

    @property
    def cluster(self) -> Path:
        """The Patroni cluster on this machine: one folder per node and the loopback etcd."""
        return self.root / "cluster"

    @property
    def documents(self) -> Path:
        """The document store's scanned and printed sheets, by sha256 (unless MYNADESK_DOCUMENTS_DIR)."""
        return self.root / "documents"

    @property
    def console_secret_key(self) -> Path:
        """The console's cookie-signing key when MYNADESK_SECRET_KEY is not set."""
        return self.run / "console-secret-key"

    @property
    def demo_password(self) -> Path:
        """The demo administrator's first password (scripts/demo-serve.sh)."""
        return self.run / "demo-password"

    def db_password(self, role: str) -> Path:
        """The embedded server's password for login role ROLE."""
        return self.secrets / f"db-{role}.password"


def private_dir(path: Path) -> Path:
    """PATH as a folder, made 0700 if it is new (its missing parents get the umask's mode, as the data dir
    does); PATH back."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    return path


def private_file(path: Path, make: Callable[[], str]) -> str:
    """PATH's text (stripped), or MAKE()'s, written first to a new 0600 file in a 0700 folder. Two processes
    that start at once agree: the file is created exclusively and the loser reads the winner's."""
    private_dir(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    value = make()
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(value + "\n")
    return value
