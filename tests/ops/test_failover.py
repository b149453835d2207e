"""Standby, failover and rejoin against real PostgreSQL processes (pgserver's binaries, Unix sockets)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, text

from core.config import APP_ROLE, DEFAULT_DATABASE, Settings
from core.db.embedded import OWNER, EmbeddedIsStandby, owner_password, start_embedded
from core.db.engine import database_url, engine_for
from core.db.migrate import upgrade
from core.ops import pgtools
from core.ops.cluster_state import Node, load_state
from core.ops.standby import (
    StandbyError,
    create_standby,
    failover,
    rejoin,
    start_node,
    stop_node,
)
from tests.ops.conftest import kill_server
from tests.ops.conftest import wait_for as _wait_for

CLIENTS = 8


def _owner(
    settings: Settings, node: Node, dbname: str = "postgres"
) -> psycopg.Connection[tuple[object, ...]]:
    conninfo = make_conninfo(**node.conninfo(OWNER, dbname), password=owner_password(settings.layout.pg))
    return psycopg.connect(conninfo, autocommit=True)


def _multi_host_engine(settings: Settings) -> Engine:
    """What the apps use (core.db.engine): once DATA/cluster.json exists, a URL naming every node's socket,
    read-write target, 2 s connect timeout, pre-ping; logged in as the app role, as the console is."""
    return engine_for(settings, "app", pool_size=CLIENTS)


class Writers:
    """CLIENTS threads inserting (client, seq) rows; a row counts only once its commit was acknowledged."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.acked: list[tuple[int, int, float]] = []
        self.unknown: list[tuple[int, int]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._write, args=(client,)) for client in range(CLIENTS)]

    def _write(self, client: int) -> None:
        seq = 0
        while not self.stop.is_set():
            seq += 1
            try:
                with self.engine.begin() as conn:
                    conn.execute(text("INSERT INTO acks VALUES (:c, :s)"), {"c": client, "s": seq})
                self.acked.append((client, seq, time.monotonic()))
            except Exception:  # the server went away: the outcome of this one commit is unknown
                self.unknown.append((client, seq))
                time.sleep(0.05)

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def test_failover_under_load_loses_no_acknowledged_write_and_the_old_primary_rejoins(
    settings: Settings,
) -> None:
    upgrade(database_url(settings, "owner"))  # MynaDesk's database and its login roles, as `db upgrade` makes
    create_standby(settings, 5433, synchronous=True)
    state = load_state(settings.data_dir)
    assert state is not None
    old, standby = state.primary_node, state.node("node5433")
    with _owner(settings, old, DEFAULT_DATABASE) as conn:
        conn.execute("CREATE TABLE acks (client int, seq int, PRIMARY KEY (client, seq))")
        conn.execute(f"GRANT INSERT, SELECT ON acks TO {APP_ROLE}")
    engine = _multi_host_engine(settings)
    with Writers(engine) as writers:
        _wait_for(lambda: len(writers.acked) >= 200, 30)
        killed, victims = kill_server(old.pgdata)
        assert victims > 3  # postmaster, checkpointer, walsender, backends …
        report = failover(settings)
        _wait_for(lambda: any(at > killed for _, _, at in writers.acked), 30)
        first_after = min(at for _, _, at in writers.acked if at > killed)
        _wait_for(lambda: sum(at > killed for _, _, at in writers.acked) >= 100, 30)
    engine.dispose()
    print(
        f"\nRTO (SIGKILL → first acknowledged write): {first_after - killed:.2f} s;"
        f" failover command {report.seconds:.2f} s"
    )

    with _owner(settings, standby, DEFAULT_DATABASE) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
        assert conn.execute("SHOW synchronous_standby_names").fetchone() == ("",)
        stored = set(conn.execute("SELECT client, seq FROM acks").fetchall())
    acked = {(client, seq) for client, seq, _ in writers.acked}
    assert acked <= stored, f"lost {len(acked - stored)} acknowledged rows"
    resolved = sum(row in stored for row in writers.unknown)
    print(
        f"acknowledged {len(acked)}, lost 0; unknown outcomes {len(writers.unknown)} ({resolved} committed)"
    )

    # The fenced old primary, started by hand, comes up as a read-only standby; pgserver refuses it.
    with pytest.raises(EmbeddedIsStandby):
        start_embedded(settings.layout.pg)
    start_node(old)
    with _owner(settings, old, DEFAULT_DATABASE) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO acks VALUES (-1, -1)")

    rejoin(settings)
    with _owner(settings, standby, DEFAULT_DATABASE) as conn:
        conn.execute(
            "INSERT INTO acks VALUES (-2, -2)"
        )  # synchronous again: applied on the standby on commit
    with _owner(settings, old, DEFAULT_DATABASE) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        assert conn.execute("SELECT count(*) FROM acks WHERE client = -2").fetchone() == (1,)


def test_failover_refuses_without_a_running_standby_and_changes_nothing(settings: Settings) -> None:
    start_embedded(settings.layout.pg)
    with pytest.raises(StandbyError, match="no running standby"):
        failover(settings)
    assert load_state(settings.data_dir) is None

    node = create_standby(settings, 5433)
    stop_node(node)
    with pytest.raises(StandbyError, match="no running standby"):
        failover(settings)
    state = load_state(settings.data_dir)
    assert state is not None
    assert state.primary == "node5432"
    with _owner(settings, state.primary_node) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
    assert not (settings.layout.pg / "standby.signal").exists()


def test_switchover_stops_and_fences_a_running_primary(settings: Settings) -> None:
    create_standby(settings, 5433)
    report = failover(settings)
    assert report.old_was_running
    assert pgtools.postmaster(settings.layout.pg) is None
    start_node(report.old_primary)
    with _owner(settings, report.old_primary) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
    with _owner(settings, report.new_primary) as conn:
        conn.execute("CREATE TABLE after_switch (id int)")
