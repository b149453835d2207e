"""Which data dirs form the embedded cluster and which of them is the primary: DATA/cluster.json (0600).

Why a file and not pg_controldata alone: the control file tells one data dir's state ("in production",
"in archive recovery") but not which dirs belong together, their ports and socket dirs, nor which node must
stay fenced while its server is dead. The file lists the members; every command still asks the live servers
(pg_is_in_recovery) before acting, so a stale file makes a command refuse, never act wrongly.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

STATE_FILE = "cluster.json"
CLIENT_PASSFILE = "cluster.pgpass"  # in DATA/secrets: the login roles' passwords, for the multi-host URL
# libpq tries the hosts in order and keeps the first that accepts writes; a dead node costs at most 2 s.
MULTI_HOST_OPTIONS = {"target_session_attrs": "read-write", "connect_timeout": "2"}


@dataclass(frozen=True)
class Node:
    """One PostgreSQL server of the cluster: its data dir and where its Unix socket is."""

    name: str
    pgdata: Path
    port: int
    socket_dir: Path

    def conninfo(self, user: str, dbname: str = "postgres") -> dict[str, str]:
        """libpq keywords that reach this node over its socket."""
        return {"host": str(self.socket_dir), "port": str(self.port), "user": user, "dbname": dbname}


@dataclass(frozen=True)
class ClusterState:
    """The members of the cluster and which one is the primary."""

    primary: str  # with Patroni: the first leader; who leads now is Patroni's to say (`db cluster status`)
    nodes: tuple[Node, ...]
    synchronous: bool = False
    patroni: bool = False  # Patroni fails over by itself: the manual failover and rejoin refuse

    def node(self, name: str) -> Node:
        """The node called NAME."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    @property
    def primary_node(self) -> Node:
        """The node that should be accepting writes."""
        return self.node(self.primary)

    @property
    def others(self) -> tuple[Node, ...]:
        """Every node but the primary (standbys, or a fenced old primary waiting for `rejoin`)."""
        return tuple(node for node in self.nodes if node.name != self.primary)

    def with_node(self, node: Node) -> ClusterState:
        """This state with NODE added, or put in place of the node of the same name."""
        others = tuple(known for known in self.nodes if known.name != node.name)
        return replace(self, nodes=(*others, node))


def node_name(port: int) -> str:
    """A node's name, also its application_name on the primary (synchronous_standby_names)."""
    return f"node{port}"


def state_path(data_dir: Path) -> Path:
    """DATA/cluster.json."""
    return data_dir / STATE_FILE


def load_state(data_dir: Path) -> ClusterState | None:
    """The cluster's state, or None when no standby was ever made."""
    path = state_path(data_dir)
    if not path.exists():
        return None
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    nodes = tuple(
        Node(item["name"], Path(item["pgdata"]), int(item["port"]), Path(item["socket_dir"]))
        for item in raw["nodes"]
    )
    return ClusterState(
        raw["primary"], nodes, bool(raw.get("synchronous", False)), bool(raw.get("patroni", False))
    )


def save_state(data_dir: Path, state: ClusterState) -> None:
    """Write DATA/cluster.json atomically (0600): a crash leaves the old file or the new one, never half."""
    raw = {
        "primary": state.primary,
        "synchronous": state.synchronous,
        "patroni": state.patroni,
        "nodes": [
            {**asdict(node), "pgdata": str(node.pgdata), "socket_dir": str(node.socket_dir)}
            for node in state.nodes
        ],
    }
    path = state_path(data_dir)
    temporary = path.with_suffix(".json.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(raw, out, ensure_ascii=False, indent=2)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def multi_host_url(state: ClusterState, user: str, dbname: str, passfile: Path | None = None) -> str:
    """A libpq URL naming every node's socket (host=a,b port=p,q) that connects to whichever one accepts
    writes; the password comes from PASSFILE (a .pgpass file), so the URL itself carries no secret."""
    hosts = ",".join(str(node.socket_dir) for node in state.nodes)
    ports = ",".join(str(node.port) for node in state.nodes)
    query = {"host": hosts, "port": ports, **MULTI_HOST_OPTIONS}
    if passfile is not None:
        query["passfile"] = str(passfile)
    text = "&".join(f"{key}={quote(value, safe='/,')}" for key, value in query.items())
    return f"postgresql://{quote(user, safe='')}@/{quote(dbname, safe='')}?{text}"
