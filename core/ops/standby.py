"""A streaming standby of the embedded cluster, a failover by hand, and the old primary's rejoin (pg_rewind).

Two writable primaries must never exist: `failover` stops the old primary if it still runs and, before the
standby is promoted, marks its data dir as a standby of the new primary (standby.signal + primary_conninfo),
so that whoever starts it later gets a read-only standby, never a second primary.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from core.config import Settings
from core.db.embedded import OWNER, owner_password, secrets_dir, start_embedded
from core.domain.errors import DomainError
from core.ops import pgtools
from core.ops.cluster_state import (
    CLIENT_PASSFILE,
    ClusterState,
    Node,
    load_state,
    node_name,
    save_state,
)

REPLICATION_PASSFILE = "mynadesk-replication.pgpass"  # in each data dir, read by the server's user only
WAL_KEEP_SIZE = "256MB"  # WAL a standby that was away for a while (or a rewound old primary) can still fetch
SOCKET_PATH_MAX = 107  # sun_path on Linux, terminating NUL excluded


class StandbyError(DomainError):
    """A standby, failover or rejoin step was refused or failed; nothing further was changed."""


@dataclass(frozen=True)
class FailoverReport:
    """What `failover` did."""

    old_primary: Node
    new_primary: Node
    old_was_running: bool
    seconds: float


@dataclass(frozen=True)
class NodeStatus:
    """One node as its server reports it now."""

    node: Node
    primary_in_state: bool
    running: bool
    in_recovery: bool | None  # None: not reachable
    replication: str  # on the primary: the standbys it streams to


@contextmanager
def _connect(node: Node, password: str, timeout: int = 2) -> Iterator[psycopg.Connection[Any]]:
    conninfo = make_conninfo(**node.conninfo(OWNER), password=password, connect_timeout=str(timeout))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        yield conn


def _in_recovery(node: Node, password: str) -> bool | None:
    """Whether NODE's server is a standby; None when it does not answer."""
    try:
        with _connect(node, password) as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    except psycopg.OperationalError:
        return None
    return bool(row and row[0])


def _streaming_to(primary: Node, password: str) -> dict[str, str]:
    """The standbys PRIMARY streams to: application_name → sync_state."""
    with _connect(primary, password) as conn:
        rows = conn.execute(
            "SELECT application_name, sync_state FROM pg_stat_replication WHERE state = 'streaming'"
        ).fetchall()
    return {str(name): str(sync) for name, sync in rows}


def _wait_streaming(primary: Node, name: str, password: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while name not in _streaming_to(primary, password):
        if time.monotonic() > deadline:
            raise StandbyError(
                f"{name} がプライマリ {primary.name} からのストリーミングを始めません (各データのログを確認)",
                f"{name} does not stream from {primary.name} (see the logs in each data dir)",
            )
        time.sleep(0.2)


def _write_replication_passfile(pgdata: Path, password: str) -> Path:
    handles = pgdata / ".handle_pids.json"  # pgserver writes it as root; pg_basebackup/pg_rewind must read it
    if handles.exists():
        pgtools.give_to_server(handles)
    path = pgdata / REPLICATION_PASSFILE
    pgtools.write_private(path, f"*:*:*:{OWNER}:{password}\n")
    return path


def _conf_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def follow(node: Node, primary: Node, password: str) -> None:
    """Make NODE's data dir a standby of PRIMARY (standby.signal + primary_conninfo). This is also the fence
    of an old primary: started again, it comes up read-only and asks the new primary for WAL."""
    passfile = _write_replication_passfile(node.pgdata, password)
    conninfo = make_conninfo(
        **primary.conninfo(OWNER), passfile=str(passfile), application_name=node.name, connect_timeout="2"
    )
    with (node.pgdata / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:  # the last setting wins
        conf.write(f"# mynadesk: standby of {primary.name}\nprimary_conninfo = {_conf_string(conninfo)}\n")
    pgtools.write_private(node.pgdata / "standby.signal", "")


def start_node(node: Node, action: str = "start", also_listen_in: Path | None = None) -> None:
    """Start (or restart) NODE's server on its own socket dir and port, TCP off, waiting until it answers."""
    sockets = f"{also_listen_in},{node.socket_dir}" if also_listen_in else str(node.socket_dir)
    options = f"-h '' -k '{sockets}' -p {node.port}"
    pgtools.run(
        "pg_ctl",
        ["-D", str(node.pgdata), "-l", str(node.pgdata / "log"), "-o", options, "-w", "-t", "60", action],
    )


def stop_node(node: Node) -> bool:
    """Stop NODE's server if it runs (fast, else immediate, else SIGKILL); return whether it was running."""
    if pgtools.postmaster(node.pgdata) is None:
        return False
    for mode in ("fast", "immediate"):
        try:
            pgtools.run("pg_ctl", ["-D", str(node.pgdata), "-m", mode, "-w", "-t", "20", "stop"])
            return True
        except pgtools.ToolFailed:
            continue
    for process in pgtools.server_processes(node.pgdata):
        process.kill()
    psutil.wait_procs(pgtools.server_processes(node.pgdata), timeout=10)
    return True


def _embedded_primary(settings: Settings) -> Node:
    """The embedded server as the cluster's first node, from the postmaster.pid pgserver wrote."""
    start_embedded(settings.layout.pg)
    lines = (settings.layout.pg / "postmaster.pid").read_text(encoding="utf-8").splitlines()
    port, socket_dir = int(lines[3]), Path(lines[4])
    return Node(node_name(port), settings.layout.pg, port, socket_dir)


def _refuse_patroni(state: ClusterState | None) -> None:
    if state is not None and state.patroni:
        raise StandbyError(
            "このクラスターは Patroni が管理しています (`mynadesk db cluster status`)。何も変更していません",
            "Patroni manages this cluster (`mynadesk db cluster status`); nothing was changed",
        )


def current_state(settings: Settings) -> ClusterState:
    """The saved state, or a one-node cluster of the embedded server (started if needed)."""
    state = load_state(settings.data_dir)
    _refuse_patroni(state)
    if state is not None:
        return state
    primary = _embedded_primary(settings)
    return ClusterState(primary.name, (primary,))


def _alter_system(conn: psycopg.Connection[Any], name: str, value: str | None) -> None:
    if value is None:
        conn.execute(sql.SQL("ALTER SYSTEM RESET {}").format(sql.Identifier(name)))
    else:
        conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))


def _set_synchronous(primary: Node, password: str, standby: str | None) -> None:
    """Make PRIMARY wait for STANDBY to apply every commit (remote_apply), or (None) wait for nobody."""
    with _connect(primary, password) as conn:
        if standby is None:
            _alter_system(conn, "synchronous_standby_names", None)
        else:
            _alter_system(conn, "synchronous_standby_names", f'"{standby}"')
            _alter_system(conn, "synchronous_commit", "remote_apply")
        conn.execute("SELECT pg_reload_conf()")


def socket_dir(settings: Settings, name: str) -> Path:
    """Where node NAME listens: DATA/run/NAME, outside every data dir (pg_rewind cannot copy sockets)."""
    return settings.layout.run / name


def _prepare_primary(settings: Settings, primary: Node, password: str) -> Node:
    """wal_log_hints (pg_rewind needs it, or data checksums) and wal_keep_size; restart if hints were off or
    the server does not listen in its run dir yet (pgserver's socket, in the data dir, stays as well)."""
    with _connect(primary, password) as conn:
        hints = conn.execute("SHOW wal_log_hints").fetchone()
        checksums = conn.execute("SHOW data_checksums").fetchone()
        _alter_system(conn, "wal_keep_size", WAL_KEEP_SIZE)
        conn.execute("SELECT pg_reload_conf()")
        needs_restart = (hints and hints[0]) == "off" and (checksums and checksums[0]) == "off"
        if needs_restart:
            _alter_system(conn, "wal_log_hints", "on")
    ready = replace(primary, socket_dir=socket_dir(settings, primary.name))
    if ready.socket_dir != primary.socket_dir:
        _make_dir(ready.socket_dir)
        start_node(ready, "restart", also_listen_in=primary.socket_dir)
    elif needs_restart:
        start_node(primary, "restart")
    return ready


def _check_new_node(settings: Settings, state: ClusterState, port: int, target: Path) -> None:
    if any(node.port == port for node in state.nodes):
        raise StandbyError(
            f"ポート {port} は使用中です", f"port {port} is already used by a node of the cluster"
        )
    if target.exists() and any(target.iterdir()):
        raise StandbyError(f"{target} は空ではありません", f"{target} is not empty: choose a new directory")
    if len(str(socket_dir(settings, node_name(port)) / f".s.PGSQL.{port}").encode()) > SOCKET_PATH_MAX:
        raise StandbyError(
            f"{target} はソケットのパスとして長すぎます",
            f"{target} is too long for a Unix socket path: use a shorter --dir",
        )


def _make_dir(target: Path) -> None:
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    pgtools.give_to_server(target)
    if pgtools.server_user() is not None:  # the server's user must be able to reach it, as pgserver arranges
        import pgserver.utils  # only when running as root

        pgserver.utils.ensure_prefix_permissions(target)


def create_standby(
    settings: Settings, port: int, target: Path | None = None, synchronous: bool = False
) -> Node:
    """Build a streaming standby of the current primary into TARGET (default DATA/standby-PORT) and start it;
    with SYNCHRONOUS the primary then waits for it to apply each commit (synchronous_commit=remote_apply)."""
    state = current_state(settings)
    target = (target or settings.data_dir / f"standby-{port}").resolve()
    _check_new_node(settings, state, port, target)
    primary = state.primary_node
    password = owner_password(settings.layout.pg)
    if _in_recovery(primary, password) is not False:
        raise StandbyError(
            f"プライマリ {primary.name} ({primary.pgdata}) が書き込み可能な状態で動いていません",
            f"the primary {primary.name} ({primary.pgdata}) is not running as a writable server",
        )
    primary = _prepare_primary(settings, primary, password)
    state = state.with_node(primary)
    node = Node(node_name(port), target, port, socket_dir(settings, node_name(port)))
    _make_dir(target)
    _make_dir(node.socket_dir)
    passfile = _write_replication_passfile(primary.pgdata, password)
    source = make_conninfo(**primary.conninfo(OWNER), application_name=node.name)
    pgtools.run(
        "pg_basebackup", ["-D", str(target), "-X", "stream", "-c", "fast", "--no-password", "-d", source],
        env={"PGPASSFILE": str(passfile)}, timeout=3600,
    )  # fmt: skip
    for leftover in ("log", ".handle_pids.json"):  # pgserver's files of the primary, copied along
        (target / leftover).unlink(missing_ok=True)
    follow(node, primary, password)
    start_node(node)
    _wait_streaming(primary, node.name, password)
    if synchronous:
        _set_synchronous(primary, password, node.name)
    save_state(
        settings.data_dir, replace(state.with_node(node), synchronous=synchronous or state.synchronous)
    )
    write_client_passfile(settings)
    return node


def failover(settings: Settings) -> FailoverReport:
    """Promote the running standby: first stop and fence the old primary, then pg_promote(), then clear
    synchronous_standby_names on the new primary so that its commits do not wait for a standby it lacks."""
    started = time.monotonic()
    state = load_state(settings.data_dir)
    _refuse_patroni(state)
    password = owner_password(settings.layout.pg)
    standbys = [node for node in (state.others if state else ()) if _in_recovery(node, password) is True]
    if state is None or not standbys:
        raise StandbyError(
            "昇格できるスタンバイがありません (`mynadesk db standby create`)。何も変更していません",
            "there is no running standby to promote (`mynadesk db standby create`); nothing was changed",
        )
    old, new = state.primary_node, standbys[0]
    old_was_running = stop_node(old)
    follow(old, new, password)
    with _connect(new, password, timeout=5) as conn:
        row = conn.execute("SELECT pg_promote(true, 60)").fetchone()
    if not (row and row[0]):
        raise StandbyError(
            f"{new.name} の昇格が 60 秒で終わりませんでした。旧プライマリは停止・隔離済みです",
            f"{new.name} was not promoted within 60 s; the old primary is stopped and fenced",
        )
    _set_synchronous(new, password, None)
    save_state(settings.data_dir, replace(state, primary=new.name))
    return FailoverReport(old, new, old_was_running, time.monotonic() - started)


def rejoin(settings: Settings) -> Node:
    """Bring the fenced old primary back as a standby of the current primary: pg_rewind, then stream."""
    state = load_state(settings.data_dir)
    _refuse_patroni(state)
    password = owner_password(settings.layout.pg)
    if state is None or _in_recovery(state.primary_node, password) is not False:
        raise StandbyError(
            "稼働中のプライマリがありません。何も変更していません",
            "there is no running primary; nothing was changed",
        )
    primary = state.primary_node
    streaming = _streaming_to(primary, password)
    # The fenced old primary may stream for a moment before its diverged timeline stops it: with one other
    # node, rewind that one (pg_rewind says when nothing needs rewinding).
    waiting = list(state.others)
    if len(waiting) > 1:
        waiting = [node for node in waiting if node.name not in streaming]
    if not waiting:
        raise StandbyError(
            "復帰させるノードがありません", "every other node already streams from the primary"
        )
    node = waiting[0]
    stop_node(node)
    for stale in node.pgdata.glob(".s.PGSQL.*"):  # pgserver's socket; the node now listens in DATA/run
        stale.unlink()
    # pg_rewind finishes a crashed target's recovery in single-user mode, which refuses standby mode;
    # single-user mode accepts no connections, and the fence is written again whatever happens.
    (node.pgdata / "standby.signal").unlink(missing_ok=True)
    _write_replication_passfile(node.pgdata, password)
    source = make_conninfo(**primary.conninfo(OWNER))
    try:
        pgtools.run(
            "pg_rewind", ["--target-pgdata", str(node.pgdata), "--source-server", source],
            env={"PGPASSFILE": str(_write_replication_passfile(primary.pgdata, password))}, timeout=3600,
        )  # fmt: skip
    finally:
        follow(node, primary, password)
    start_node(node)
    _wait_streaming(primary, node.name, password)
    if state.synchronous:
        _set_synchronous(primary, password, node.name)
    return node


def cluster_status(settings: Settings) -> list[NodeStatus]:
    """Every node of the cluster as its server reports it now."""
    state = load_state(settings.data_dir)
    if state is None:
        return []
    password = owner_password(settings.layout.pg)
    result = []
    for node in state.nodes:
        in_recovery = _in_recovery(node, password)
        replication = ""
        if in_recovery is False:
            replication = ", ".join(
                f"{name} ({sync})" for name, sync in _streaming_to(node, password).items()
            )
        running = pgtools.postmaster(node.pgdata) is not None
        result.append(NodeStatus(node, node.name == state.primary, running, in_recovery, replication))
    return result


def write_client_passfile(settings: Settings) -> Path:
    """DATA/secrets/cluster.pgpass: every role's password (from its file in DATA/secrets), for the apps'
    multi-host URL (`passfile=`); 0600 like the files it is made from."""
    folder = secrets_dir(settings.layout.pg)
    lines = []
    for file in sorted(folder.glob("db-*.password")):
        role = file.name.removeprefix("db-").removesuffix(".password")
        lines.append(f"*:*:*:{role}:{file.read_text(encoding='ascii').strip()}\n")
    path = folder / CLIENT_PASSFILE
    path.touch(mode=0o600, exist_ok=True)
    path.write_text("".join(lines), encoding="ascii")
    return path
