"""A MynaDesk data dir of its own for the backup tests: an embedded PostgreSQL that `mynadesk backup run`
may restart (to turn WAL archiving on) without disturbing the session's shared server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.clock import system_clock, today
from core.config import Settings
from core.db.embedded import start_embedded, stop_embedded
from core.db.engine import make_engine
from core.ops import pgtools
from core.ops.cluster_state import Node, load_state
from core.ops.standby import stop_node
from demo.seed import seed_fujisawa

ROOT = Path(__file__).resolve().parents[2]
CLI_TIMEOUT = 180


@dataclass
class DataDir:
    """A data dir with its own embedded server, migrated and seeded."""

    path: Path

    @property
    def pgdata(self) -> Path:
        return self.path / "pg"

    @property
    def backups(self) -> Path:
        return self.path / "backups"

    def env(self) -> dict[str, str]:
        """A `mynadesk` subprocess's environment: this process's, less its MYNADESK_ settings, on this data
        dir's embedded server (no MYNADESK_DATABASE_URL: the backup commands manage that server)."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("MYNADESK_")}
        return {**inherited, "PYTHONPATH": str(ROOT), "MYNADESK_DATA_DIR": str(self.path)}

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "mynadesk", *args]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `mynadesk ARGS` to its end (bounded in time)."""
        return subprocess.run(
            self.argv(*args), env=self.env(), capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False
        )

    def owner_uri(self) -> str:
        return start_embedded(self.pgdata)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DataDir]:
    """A migrated, seeded MynaDesk data dir; its server is stopped at the end."""
    folder = DataDir(tmp_path_factory.mktemp("ops"))
    done = folder.run("db", "upgrade")
    assert done.returncode == 0, done.stdout + done.stderr
    yield folder
    stop_embedded(folder.pgdata)


@pytest.fixture(scope="module")
def owner_engine(data_dir: DataDir) -> Iterator[Engine]:
    """The owner's engine on the data dir's MynaDesk database, with Fujisawa's venues and slots."""
    url = make_url(data_dir.owner_uri()).set(drivername="postgresql+psycopg", database="mynadesk")
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        seed_fujisawa(session, today(system_clock))
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """A data dir of its own for a standby and failover test; every server of it is stopped afterwards."""
    settings = Settings.from_env({"MYNADESK_DATA_DIR": str(tmp_path / "data")})
    yield settings
    state = load_state(settings.data_dir)
    nodes = state.nodes if state else (Node("primary", settings.layout.pg, 0, settings.layout.pg),)
    for node in nodes:
        stop_node(node)


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    """Wait until CONDITION holds, at most TIMEOUT seconds (then fail)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def kill_server(pgdata: Path) -> tuple[float, int]:
    """SIGKILL every process of the server in PGDATA (the postmaster and its children) and wait until they are
    gone: when they were killed (time.monotonic()) and how many there were."""
    victims = pgtools.server_processes(pgdata)
    for process in victims:
        process.kill()
    killed = time.monotonic()
    psutil.wait_procs(victims, timeout=10)
    return killed, len(victims)
