"""`mynadesk db cluster …`: the embedded server and its replicas under Patroni (automatic failover)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.config import Settings

app = typer.Typer(help="自動フェイルオーバー / Patroni cluster (automatic failover).", no_args_is_help=True)
console = Console()


def embedded_settings() -> Settings:
    """The settings, or exit 2 when the server is external (its replication is configured there)."""
    settings = Settings.from_env()
    if not settings.embedded:
        console.print(
            "[bold red]エラー / error:[/] 外部サーバーの冗長化はそのサーバー側で行います"
            " / an external server's replication is configured on that server"
        )
        raise typer.Exit(2)
    return settings


def refuse(error: Exception) -> typer.Exit:
    """Print ERROR and the exit (code 2) to raise."""
    console.print(f"[bold red]エラー / error:[/] {error}")
    return typer.Exit(2)


@app.command("init")
def cluster_init(
    nodes: Annotated[int, typer.Option(help="ノード数 (2 か 3) / number of nodes (2 or 3)")] = 2,
    sync: Annotated[
        bool, typer.Option("--sync", help="同期レプリケーション / synchronous mode (no acknowledged loss)")
    ] = False,
    base_port: Annotated[
        int | None,
        typer.Option(help="先頭ポート / first port (PG +0.., REST +10.., etcd +20/+21); default: free ones"),
    ] = None,
) -> None:
    """Patroni の設定を書く / write Patroni's configuration around the (stopped) embedded server."""
    from core.ops.patroni import ClusterError, init_cluster
    from core.ops.pgtools import ToolFailed

    try:
        setup = init_cluster(embedded_settings(), nodes, synchronous=sync, base_port=base_port)
    except (ClusterError, ToolFailed) as error:
        raise refuse(error) from error
    for node in setup.nodes:
        console.print(f"{node.name}: {node.config} (PostgreSQL {node.port}, REST {node.rest_port})")
    console.print(f"etcd: {setup.etcd_url}")
    console.print("[green]起動 / start: `mynadesk db cluster start`[/]")


@app.command("start")
def cluster_start() -> None:
    """etcd と各ノードの Patroni を起動する / start etcd and every node's Patroni."""
    from core.ops.patroni import ClusterError, start_cluster

    try:
        leader = start_cluster(embedded_settings())
    except ClusterError as error:
        raise refuse(error) from error
    console.print(f"[green]起動しました / started[/]: リーダー / leader {leader}")


@app.command("status")
def cluster_status() -> None:
    """各ノードの役割と遅延 / every node's role and lag, as Patroni reports them."""
    from core.ops.patroni import ClusterError, cluster_members

    try:
        members = cluster_members(embedded_settings())
    except ClusterError as error:
        raise refuse(error) from error
    table = Table(title="MynaDesk Patroni クラスター / cluster")
    columns = ("ノード / node", "役割 / role", "状態 / state", "TL", "遅延 / lag", "Patroni", "PostgreSQL")
    for column in columns:
        table.add_column(column)
    roles = {
        "leader": "リーダー / leader",
        "sync_standby": "同期 / sync standby",
        "replica": "レプリカ / replica",
    }
    for m in members:
        table.add_row(
            m.node.name,
            roles.get(m.role or "", "-"),
            m.state,
            str(m.timeline or "-"),
            m.lag,
            "稼働 / up" if m.patroni_running else "停止 / down",
            "稼働 / up" if m.postgres_running else "停止 / down",
        )
    console.print(table)


@app.command("stop")
def cluster_stop() -> None:
    """レプリカ、リーダー、etcd の順に停止する / stop the replicas, then the leader, then etcd."""
    from core.ops.patroni import ClusterError, stop_cluster

    try:
        stop_cluster(embedded_settings())
    except ClusterError as error:
        raise refuse(error) from error
    console.print("停止しました / stopped")
