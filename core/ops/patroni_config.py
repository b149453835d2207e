"""Patroni's configuration for the nodes of `mynadesk db cluster` on one machine: what DATA/cluster/setup.json
records (ports, data dirs, synchronous or not) and the patroni.yml each node's Patroni reads.

The timings make a failover complete in under 30 s after the leader dies without a word (SIGKILL, power
loss): its leader key in etcd expires TTL seconds after it was last renewed, the replicas watch that key and
the synchronous one promotes itself at once. TTL is Patroni's minimum (20); LOOP_WAIT + 2 × RETRY_TIMEOUT
must not exceed it. No password is written here: Patroni gets them from its environment (PATRONI_*_PASSWORD).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SCOPE = "mynadesk"
TTL = 20
LOOP_WAIT = 2
RETRY_TIMEOUT = 5
SETUP_FILE = "setup.json"
CONFIG_FILE = "patroni.yml"
LOOPBACK = "127.0.0.1"
# The embedded server's rule (core/db/embedded.py MANAGED_HBA): every connection proves a password by SCRAM;
# Patroni's nodes also talk over loopback TCP (replication, pg_rewind, Patroni's own connection).
HBA = (
    "local all all scram-sha-256",
    "local replication all scram-sha-256",
    f"host all all {LOOPBACK}/32 scram-sha-256",
    f"host replication all {LOOPBACK}/32 scram-sha-256",
)


@dataclass(frozen=True)
class PatroniNode:
    """One node: its PostgreSQL (loopback TCP port, Unix socket dir, data dir) and Patroni's REST port."""

    name: str
    pgdata: Path
    port: int
    socket_dir: Path
    rest_port: int
    folder: Path  # DATA/cluster/<name>: patroni.yml, patroni.log, patroni.pid, pgpass

    @property
    def config(self) -> Path:
        return self.folder / CONFIG_FILE

    @property
    def log(self) -> Path:
        return self.folder / "patroni.log"

    @property
    def pid_file(self) -> Path:
        return self.folder / "patroni.pid"


@dataclass(frozen=True)
class PatroniSetup:
    """The nodes, the loopback etcd's ports, and whether commits wait for a synchronous standby."""

    nodes: tuple[PatroniNode, ...]
    etcd_client_port: int
    etcd_peer_port: int
    synchronous: bool

    def node(self, name: str) -> PatroniNode:
        """The node called NAME."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    @property
    def etcd_url(self) -> str:
        return f"http://{LOOPBACK}:{self.etcd_client_port}"


def setup_path(cluster_dir: Path) -> Path:
    """DATA/cluster/setup.json."""
    return cluster_dir / SETUP_FILE


def save_setup(cluster_dir: Path, setup: PatroniSetup) -> None:
    """Write DATA/cluster/setup.json (0600)."""
    raw = {
        **asdict(setup),
        "nodes": [
            {**asdict(node), **{key: str(getattr(node, key)) for key in ("pgdata", "socket_dir", "folder")}}
            for node in setup.nodes
        ],
    }
    fd = os.open(setup_path(cluster_dir), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(raw, out, indent=2)


def load_setup(cluster_dir: Path) -> PatroniSetup | None:
    """The saved set-up, or None when `db cluster init` was never run."""
    path = setup_path(cluster_dir)
    if not path.exists():
        return None
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    nodes = tuple(
        PatroniNode(
            name=item["name"],
            pgdata=Path(item["pgdata"]),
            port=int(item["port"]),
            socket_dir=Path(item["socket_dir"]),
            rest_port=int(item["rest_port"]),
            folder=Path(item["folder"]),
        )
        for item in raw["nodes"]
    )
    etcd = int(raw["etcd_client_port"]), int(raw["etcd_peer_port"])
    return PatroniSetup(nodes, *etcd, synchronous=bool(raw["synchronous"]))


def _dcs(setup: PatroniSetup) -> dict[str, Any]:
    """The cluster-wide settings the first node puts into etcd when it takes the cluster over."""
    parameters: dict[str, Any] = {
        "wal_level": "replica",
        "hot_standby": "on",
        "wal_log_hints": "on",  # pg_rewind needs it when a data dir was made without checksums
        "wal_keep_size": "256MB",
        "max_wal_senders": 10,
        "max_replication_slots": 10,
        "password_encryption": "scram-sha-256",
    }
    if setup.synchronous:  # as `db standby create --sync`: a commit returns once the standby applied it
        parameters["synchronous_commit"] = "remote_apply"
    return {
        "ttl": TTL,
        "loop_wait": LOOP_WAIT,
        "retry_timeout": RETRY_TIMEOUT,
        "maximum_lag_on_failover": 1024 * 1024,
        # Only a synchronous standby may be promoted, so no acknowledged commit is lost; without `strict`,
        # a leader left alone keeps taking bookings rather than hanging.
        "synchronous_mode": setup.synchronous,
        "postgresql": {"use_pg_rewind": True, "use_slots": True, "parameters": parameters},
    }


def node_config(setup: PatroniSetup, node: PatroniNode, bin_dir: Path, first: bool) -> dict[str, Any]:
    """NODE's patroni.yml as a dict. Only the FIRST node (the embedded data dir) has a `bootstrap` section:
    the others, with empty data dirs, never initdb a cluster of their own; they wait and copy the leader."""
    rest = f"{LOOPBACK}:{node.rest_port}"
    config: dict[str, Any] = {
        "scope": SCOPE,
        "name": node.name,
        "log": {"level": "INFO"},
        "restapi": {"listen": rest, "connect_address": rest},
        "etcd3": {"hosts": [f"{LOOPBACK}:{setup.etcd_client_port}"]},
        "postgresql": {
            "listen": f"{LOOPBACK}:{node.port}",
            "connect_address": f"{LOOPBACK}:{node.port}",
            "data_dir": str(node.pgdata),
            "bin_dir": str(bin_dir),
            "pgpass": str(node.folder / "pgpass"),
            "authentication": {
                role: {"username": "postgres"} for role in ("superuser", "replication", "rewind")
            },
            "parameters": {
                "unix_socket_directories": str(node.socket_dir),  # the apps' multi-host URL
                "logging_collector": "on",
                "log_directory": "pg_log",  # pgserver's own `log` file is in the first node's data dir
            },
            "pg_hba": list(HBA),
            "basebackup": [{"checkpoint": "fast"}],
            "remove_data_directory_on_rewind_failure": True,
        },
        "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False, "nosync": False},
    }
    if first:
        config["bootstrap"] = {
            "dcs": _dcs(setup),
            "initdb": ["data-checksums", {"encoding": "UTF8"}, {"auth": "scram-sha-256"}],
        }
    return config


def etcd_argv(setup: PatroniSetup, data_dir: Path) -> list[str]:
    """The loopback etcd's command line (one member; the city's servers run three, docs/operations.md)."""
    peer = f"http://{LOOPBACK}:{setup.etcd_peer_port}"
    return [
        "etcd",
        "--name", SCOPE,
        "--data-dir", str(data_dir),
        "--listen-client-urls", setup.etcd_url,
        "--advertise-client-urls", setup.etcd_url,
        "--listen-peer-urls", peer,
        "--initial-advertise-peer-urls", peer,
        "--initial-cluster", f"{SCOPE}={peer}",
        "--initial-cluster-token", f"{SCOPE}-{setup.etcd_client_port}",
        "--initial-cluster-state", "new",
    ]  # fmt: skip
