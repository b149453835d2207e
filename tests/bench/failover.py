"""Standby and failover (issue 15): the booking throughput of 8 clients with no standby and with a synchronous
standby (remote_apply), each beside the raw floor of the same run (8 threads committing one-row INSERTs), and
the RTO of a failover under that load (SIGKILL of the primary → the first acknowledged booking on the
promoted standby): by hand (`mynadesk db failover`, goal under 5 s) and by Patroni with nobody at the keyboard
(the leader's Patroni killed too; goal under 30 s). Real bookings through the site's role and services
(tests/ops/test_failover_bookings.py's clients), on Fujisawa's demo set-up in a throwaway data dir."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from core.config import Settings
from core.db.engine import database_url, engine_for
from core.db.migrate import upgrade
from core.ops.cluster_state import Node, load_state
from core.ops.patroni_config import TTL
from core.ops.standby import create_standby, failover, stop_node
from tests.ops.conftest import kill_server, wait_for
from tests.ops.test_failover_bookings import Bookers, _cert_slots

SECONDS = 10.0
CLIENTS = 8
RTO_GOAL = 5.0
AUTOMATIC_RTO_GOAL = 30.0


def _floor(settings: Settings) -> float:
    """One-row INSERT commits per second from CLIENTS threads (the owner's engine, no MynaDesk code)."""
    engine = engine_for(settings, "owner", pool_size=CLIENTS)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (n bigint)"))
    done = [0] * CLIENTS
    stop = threading.Event()

    def commit(client: int) -> None:
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO bench_floor VALUES (1)"))
            done[client] += 1

    threads = [threading.Thread(target=commit, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join()
    engine.dispose()
    return sum(done) / SECONDS


def _roomy(settings: Settings, slots: list[int]) -> None:
    """Give SLOTS room for every booking of the run: the demo's 1–3 seats a slot would fill within seconds
    and the figure would measure the search for a free seat, not booking."""
    engine = engine_for(settings, "owner")
    with engine.begin() as conn:
        conn.execute(text("UPDATE booking.slots SET capacity = 30000 WHERE id = ANY(:ids)"), {"ids": slots})
    engine.dispose()


def _bookings(settings: Settings, slots: list[int]) -> float:
    """Bookings per second of CLIENTS clients over SECONDS."""
    with Bookers(settings, slots) as bookers:
        started = time.monotonic()
        time.sleep(SECONDS)
        made = len(bookers.done)
    return made / (time.monotonic() - started)


def _rto(settings: Settings, slots: list[int]) -> float:
    state = load_state(settings.data_dir)
    assert state is not None
    old = state.primary_node
    with Bookers(settings, slots) as bookers:
        wait_for(lambda: len(bookers.done) >= 20, 60)
        killed, _ = kill_server(old.pgdata)
        failover(settings)
        wait_for(lambda: bool(bookers.sent_after(killed)), 60)
    return min(a.at for a in bookers.sent_after(killed)) - killed


def _automatic_rto() -> float | str:
    """Patroni's RTO in a data dir of its own (two nodes, synchronous), or why it cannot be measured here."""
    from core.ops.patroni import etcd_binary
    from tests.ops.test_patroni_failover import kill_leader, running_cluster

    if etcd_binary() is None:
        return "etcd is not installed (Debian: etcd-server)"
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({"MYNADESK_DATA_DIR": str(Path(folder) / "data")})
        try:
            upgrade(database_url(settings, "owner"))
            slots = _cert_slots(settings)
            _roomy(settings, slots)
            with running_cluster(settings) as setup, Bookers(settings, slots) as bookers:
                wait_for(lambda: len(bookers.done) >= 20, 60)
                _old, killed, _ = kill_leader(setup)
                wait_for(lambda: bool(bookers.sent_after(killed)), 3 * AUTOMATIC_RTO_GOAL)
        finally:
            state = load_state(settings.data_dir)
            for node in state.nodes if state else (Node("p", settings.layout.pg, 0, settings.layout.pg),):
                stop_node(node)
    return min(a.at for a in bookers.sent_after(killed)) - killed


def run(console: Console) -> bool:
    """Throughput without and with a synchronous standby, beside the floor; then a failover's RTO."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({"MYNADESK_DATA_DIR": str(Path(folder) / "data")})
        try:
            upgrade(database_url(settings, "owner"))
            slots = _cert_slots(settings)
            _roomy(settings, slots)
            third = len(slots) // 3  # each measurement books into free slots of its own
            alone = (_floor(settings), _bookings(settings, slots[:third]))
            create_standby(settings, 5435, synchronous=True)
            synchronous = (_floor(settings), _bookings(settings, slots[third : 2 * third]))
            rto = _rto(settings, slots[2 * third :])
        finally:
            state = load_state(settings.data_dir)
            for node in state.nodes if state else (Node("p", settings.layout.pg, 0, settings.layout.pg),):
                stop_node(node)
    table = Table(title=f"Bookings with a standby ({CLIENTS} clients, {SECONDS:.0f} s each, same run)")
    for column in ("set-up", "raw floor (commits/s)", "bookings/s", "bookings ÷ floor"):
        table.add_column(column, justify="right")
    for name, (floor, booked) in (("no standby", alone), ("synchronous standby", synchronous)):
        table.add_row(name, f"{floor:.0f}", f"{booked:.1f}", f"{booked / floor:.2%}")
    console.print(table)
    cost = 1 - synchronous[1] / alone[1]
    console.print(f"synchronous standby costs {cost:.0%} of the booking throughput")
    verdict = "[green]meets[/]" if rto < RTO_GOAL else "[red]misses[/]"
    console.print(
        f"manual failover RTO (SIGKILL → first booking): {rto:.2f} s, {verdict} the {RTO_GOAL:.0f} s goal"
    )
    automatic = _automatic_rto()
    if isinstance(automatic, str):
        console.print(f"[red]automatic (Patroni) failover RTO: cannot run ({automatic})[/]")
        return False
    verdict = "[green]meets[/]" if automatic < AUTOMATIC_RTO_GOAL else "[red]misses[/]"
    console.print(
        f"automatic failover RTO (Patroni; leader's Patroni and PostgreSQL SIGKILLed → first booking):"
        f" {automatic:.2f} s, {verdict} the {AUTOMATIC_RTO_GOAL:.0f} s goal (etcd ttl {TTL} s)"
    )
    return rto < RTO_GOAL and automatic < AUTOMATIC_RTO_GOAL
