"""Automatic failover: the embedded data dir and one or two replicas run under Patroni, with etcd on loopback
as its consensus store (`mynadesk db cluster init|start|status|stop`).

`init` hands the embedded server's data dir (stopped, data checksums on) to the first node; the other nodes'
Patroni copy it with pg_basebackup once it leads. DATA/cluster.json names every node's socket, so the apps'
multi-host URL (target_session_attrs=read-write) reaches whichever node Patroni made the leader. Run as root,
PostgreSQL, Patroni and etcd all run as the server's OS user (core.ops.pgtools.server_user()).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import yaml

from core.config import DEFAULT_DATABASE, Settings
from core.db.embedded import ensure_database, owner_password, start_embedded, stop_embedded
from core.domain.errors import DomainError
from core.ops import pgtools
from core.ops.cluster_state import ClusterState, Node, load_state, node_name, save_state
from core.ops.patroni_config import (
    LOOPBACK,
    PatroniNode,
    PatroniSetup,
    etcd_argv,
    load_setup,
    node_config,
    save_setup,
)
from core.ops.standby import socket_dir, stop_node, write_client_passfile

STOP_SECONDS = 60


class ClusterError(DomainError):
    """A `db cluster` step was refused or failed."""


@dataclass(frozen=True)
class MemberStatus:
    """One node as Patroni reports it now (role None: its Patroni does not answer)."""

    node: PatroniNode
    role: str | None  # leader | sync_standby | replica
    state: str  # running | streaming | starting | stopped | …
    timeline: int | None
    lag: str
    patroni_running: bool
    postgres_running: bool


def etcd_binary() -> str | None:
    """etcd's path (Debian: etcd-server), or None."""
    return shutil.which("etcd") or next((p for p in ("/usr/bin/etcd",) if Path(p).exists()), None)


def _refuse(message_ja: str, message_en: str) -> ClusterError:
    return ClusterError(message_ja, message_en)


def _ports(base_port: int | None, count: int) -> tuple[list[int], list[int], tuple[int, int]]:
    """PostgreSQL ports, REST ports and etcd's (client, peer): from BASE_PORT up, else free ones now."""
    if base_port is not None:
        pg = [base_port + n for n in range(count)]
        return pg, [base_port + 10 + n for n in range(count)], (base_port + 20, base_port + 21)
    chosen: set[int] = set()
    while len(chosen) < 2 * count + 2:
        chosen.add(pgtools.free_port())
    ports = sorted(chosen)
    return ports[:count], ports[count : 2 * count], (ports[-2], ports[-1])


def _checksums_on(pgdata: Path) -> None:
    """Turn data checksums on in the stopped data dir PGDATA if they are off (a data dir made before MynaDesk
    created them with checksums): a damaged page is then an error, and pg_rewind needs no hint bits."""
    control = pgtools.run("pg_controldata", ["-D", str(pgdata)])
    if "Data page checksum version:           0" in control:
        pgtools.run("pg_checksums", ["--enable", "-D", str(pgdata)], timeout=3600)


def _make_nodes(settings: Settings, pg_ports: list[int], rest_ports: list[int]) -> list[PatroniNode]:
    nodes = []
    for n, (port, rest_port) in enumerate(zip(pg_ports, rest_ports, strict=True)):
        name = node_name(port)
        folder = settings.layout.cluster / name
        pgdata = settings.layout.pg if n == 0 else folder / "pg"
        nodes.append(PatroniNode(name, pgdata, port, socket_dir(settings, name), rest_port, folder))
    return nodes


def init_cluster(
    settings: Settings, nodes: int = 2, synchronous: bool = False, base_port: int | None = None
) -> PatroniSetup:
    """Write the Patroni configuration of NODES nodes (2 or 3) around the embedded data dir, which is stopped
    and given data checksums; DATA/cluster.json then points the apps at every node."""
    if nodes not in (2, 3):
        raise _refuse("ノード数は 2 か 3 です", f"a cluster has 2 or 3 nodes, not {nodes}")
    if load_state(settings.data_dir) is not None or load_setup(settings.layout.cluster) is not None:
        raise _refuse(
            "クラスターまたはスタンバイは作成済みです。何も変更していません",
            "a cluster or standby already exists (DATA/cluster.json); nothing was changed",
        )
    if etcd_binary() is None:
        raise _refuse(
            "etcd がありません (Debian: etcd-server)", "etcd is not installed (Debian package etcd-server)"
        )
    ensure_database(start_embedded(settings.layout.pg), DEFAULT_DATABASE)
    stop_embedded(settings.layout.pg)
    _checksums_on(settings.layout.pg)
    handles = settings.layout.pg / ".handle_pids.json"  # pgserver's, written as root: base backups read it
    if handles.exists():
        pgtools.give_to_server(handles)
    pgtools.private_dir(settings.layout.cluster)
    pg_ports, rest_ports, (client, peer) = _ports(base_port, nodes)
    members = _make_nodes(settings, pg_ports, rest_ports)
    setup = PatroniSetup(tuple(members), client, peer, synchronous)
    for n, node in enumerate(members):
        pgtools.private_dir(node.folder)
        pgtools.private_dir(node.socket_dir)
        config = node_config(setup, node, pgtools.bin_dir(), first=n == 0)
        pgtools.write_private(node.config, yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    save_setup(settings.layout.cluster, setup)
    state = ClusterState(
        members[0].name,
        tuple(Node(m.name, m.pgdata, m.port, m.socket_dir) for m in members),
        synchronous,
        patroni=True,
    )
    save_state(settings.data_dir, state)
    write_client_passfile(settings)
    return setup


def _setup(settings: Settings) -> PatroniSetup:
    setup = load_setup(settings.layout.cluster)
    if setup is None:
        raise _refuse(
            "クラスターがありません (`mynadesk db cluster init`)",
            "no cluster yet (`mynadesk db cluster init`)",
        )
    return setup


def _process(pid_file: Path, marker: str) -> psutil.Process | None:
    """The live process whose pid PID_FILE holds, if its command line names MARKER."""
    try:
        process = psutil.Process(int(pid_file.read_text(encoding="ascii")))
        if process.is_running() and marker in " ".join(process.cmdline()):
            return process
    except (FileNotFoundError, ValueError, psutil.Error):
        pass
    return None


def patroni_process(node: PatroniNode) -> psutil.Process | None:
    """NODE's running Patroni, or None."""
    return _process(node.pid_file, str(node.config))


def _etcd_dir(settings: Settings) -> Path:
    return settings.layout.cluster / "etcd"


def _etcd_process(settings: Settings) -> psutil.Process | None:
    return _process(settings.layout.cluster / "etcd.pid", str(_etcd_dir(settings)))


def _spawn(argv: list[str], log: Path, pid_file: Path, env: dict[str, str] | None = None) -> None:
    """Start ARGV in a session of its own as the server's OS user, its output appended to LOG."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(log.parent),
            env={**os.environ, **(env or {})},
            user=pgtools.server_user(),
            umask=0o077,
            start_new_session=True,
        )
    pid_file.write_text(str(process.pid), encoding="ascii")


def _get(port: int, path: str) -> Any:
    """Patroni's REST answer (JSON) at PORT, or None when it does not answer."""
    try:
        with urllib.request.urlopen(f"http://{LOOPBACK}:{port}{path}", timeout=1) as answer:
            return json.loads(answer.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None


def _etcd_healthy(setup: PatroniSetup) -> bool:
    try:
        with urllib.request.urlopen(f"{setup.etcd_url}/health", timeout=1) as answer:  # noqa: S310
            return bool(json.loads(answer.read()).get("health") == "true")
    except (OSError, ValueError):
        return False


def _wait(condition: Any, timeout: float, what_ja: str, what_en: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            seconds = f"{timeout:.0f}"
            raise _refuse(f"{what_ja}が {seconds} 秒以内にありませんでした", f"{what_en} within {seconds} s")
        time.sleep(0.2)


def start_etcd(settings: Settings, setup: PatroniSetup) -> None:
    """Start the loopback etcd unless it runs, and wait until it answers."""
    binary = etcd_binary()
    if binary is None:
        raise _refuse("etcd がありません (Debian: etcd-server)", "etcd is not installed (etcd-server)")
    if _etcd_process(settings) is None:
        argv = [binary, *etcd_argv(setup, _etcd_dir(settings))[1:]]
        _spawn(argv, settings.layout.cluster / "etcd.log", settings.layout.cluster / "etcd.pid")
    _wait(lambda: _etcd_healthy(setup), 30, "etcd の応答", "etcd did not answer")


def _runs_patroni(python: str, env: dict[str, str]) -> bool:
    try:
        pgtools.run_program([python, "-c", "import patroni"], env=env, timeout=60)
    except (pgtools.ToolFailed, OSError):
        return False
    return True


def patroni_python() -> tuple[str, dict[str, str]]:
    """The Python that runs Patroni as the server's OS user, and the environment it needs. Ours, if that user
    may run it; else (our interpreter under root's home, say) the system's python3 of the same version,
    given the folder Patroni is installed in."""
    spec = importlib.util.find_spec("patroni")
    if spec is None or spec.origin is None:
        raise _refuse("Patroni がありません", "Patroni is not installed: pip install 'mynadesk[cluster]'")
    if _runs_patroni(sys.executable, {}):
        return sys.executable, {}
    env = {"PYTHONPATH": str(Path(spec.origin).parent.parent)}
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python in (shutil.which(version), f"/usr/bin/{version}"):
        if python and _runs_patroni(python, env):
            return python, env
    raise _refuse(
        f"{pgtools.server_user()} ユーザーが実行できる {version} がありません",
        f"the server's OS user ({pgtools.server_user()}) can run no {version} that imports Patroni",
    )


def start_node(settings: Settings, node: PatroniNode, python: tuple[str, dict[str, str]]) -> None:
    """Start NODE's Patroni with PYTHON (patroni_python()) unless it runs; Patroni then starts, copies or
    rewinds its PostgreSQL by itself. The passwords go in its environment, not its configuration file."""
    if patroni_process(node) is not None:
        return
    interpreter, env = python
    password = owner_password(settings.layout.pg)
    for role in ("SUPERUSER", "REPLICATION", "REWIND"):
        env = {**env, f"PATRONI_{role}_PASSWORD": password}
    _spawn([interpreter, "-m", "patroni", str(node.config)], node.log, node.pid_file, env)


def leader(setup: PatroniSetup) -> str | None:
    """The name of the node that leads now and runs, as the first answering Patroni says; else None."""
    for node in setup.nodes:
        answer = _get(node.rest_port, "/cluster")
        if answer is None:
            continue
        for member in answer.get("members", []):
            if member.get("role") == "leader" and member.get("state") == "running":
                return str(member["name"])
        return None
    return None


def start_cluster(settings: Settings, timeout: float = 120) -> str:
    """Start etcd and every node's Patroni; return the leader's name once one leads."""
    setup = _setup(settings)
    start_etcd(settings, setup)
    python = patroni_python()
    for node in setup.nodes:
        start_node(settings, node, python)
    _wait(lambda: leader(setup) is not None, timeout, "リーダーの選出", "no node became the leader")
    return str(leader(setup))


def cluster_members(settings: Settings) -> list[MemberStatus]:
    """Every node as Patroni reports it now."""
    setup = _setup(settings)
    reported: dict[str, dict[str, Any]] = {}
    for node in setup.nodes:
        answer = _get(node.rest_port, "/cluster")
        if answer is not None:
            reported = {str(m["name"]): m for m in answer.get("members", [])}
            break
    result = []
    for node in setup.nodes:
        member = reported.get(node.name, {})
        lag = member.get("lag", member.get("receive_lag", ""))
        status = MemberStatus(
            node=node,
            role=member.get("role"),
            state=str(member.get("state", "down")),
            timeline=member.get("timeline"),
            lag="" if lag in ("", None) else str(lag),
            patroni_running=patroni_process(node) is not None,
            postgres_running=pgtools.postmaster(node.pgdata) is not None,
        )
        result.append(status)
    return result


def _stop_patroni(node: PatroniNode) -> None:
    """SIGTERM NODE's Patroni (it stops its PostgreSQL) and wait; then make sure the server is down."""
    process = patroni_process(node)
    if process is not None:
        process.send_signal(signal.SIGTERM)
        _gone, alive = psutil.wait_procs([process], timeout=STOP_SECONDS)
        for straggler in alive:
            straggler.kill()
    stop_node(Node(node.name, node.pgdata, node.port, node.socket_dir))


def stop_cluster(settings: Settings) -> None:
    """Stop the replicas' Patroni, then the leader's (so that no replica takes over), then etcd."""
    setup = _setup(settings)
    lead = leader(setup)
    for node in sorted(setup.nodes, key=lambda n: n.name == lead):
        _stop_patroni(node)
    etcd = _etcd_process(settings)
    if etcd is not None:
        etcd.send_signal(signal.SIGTERM)
        _gone, alive = psutil.wait_procs([etcd], timeout=STOP_SECONDS)
        for straggler in alive:
            straggler.kill()
