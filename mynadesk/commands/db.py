"""`mynadesk db …`: apply migrations, show where the data lives, stop the embedded PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.config import Settings
from mynadesk.commands import cluster

app = typer.Typer(help="データベース / database: migrations and status.", no_args_is_help=True)
console = Console()


@app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="目標リビジョン / target revision")] = "heads",
) -> None:
    """スキーマを最新にする / apply database migrations (starts the embedded PostgreSQL if needed)."""
    from core.db.engine import locate_database
    from core.db.migrate import upgrade

    location = locate_database(Settings.from_env())
    console.print(location.description)
    upgrade(location.owner_url, revision)
    console.print(f"[green]マイグレーション完了 / migrated to {revision}[/]")


@app.command("status")
def db_status() -> None:
    """データの場所とマイグレーションの状態 / where the data lives and the migration head."""
    from core.db.status import database_status

    settings = Settings.from_env()
    status = database_status(settings)
    table = Table(title="MynaDesk データベース / database", show_header=False)
    table.add_row("データディレクトリ / data dir", str(settings.data_dir))
    table.add_row("接続先 / server", status.description)
    table.add_row("PostgreSQL", status.server_version)
    table.add_row("現在のリビジョン / current", ", ".join(status.current) or "(未適用 / none)")
    table.add_row("最新のリビジョン / head", ", ".join(status.head) or "-")
    for schema, count in status.rows_by_schema.items():
        table.add_row(f"{schema} 件数 / rows", f"{count:,}")
    console.print(table)
    if status.current != status.head:
        console.print("[yellow]`mynadesk db upgrade` を実行してください / run `mynadesk db upgrade`[/]")


@app.command("stop")
def db_stop() -> None:
    """組込み PostgreSQL を停止する / stop the embedded PostgreSQL."""
    from core.db.embedded import stop_embedded
    from core.ops.cluster_state import load_state

    settings = Settings.from_env()
    if not settings.embedded:
        error = ValueError("外部サーバーは停止しません / an external server is not ours to stop")
        console.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(2)
    state = load_state(settings.data_dir)
    if state is not None and state.patroni:  # pg_ctl stop would only make Patroni restart it or fail over
        console.print(
            "[bold red]エラー / error:[/] Patroni が管理しています (`mynadesk db cluster stop`)"
            " / Patroni manages the server: use `mynadesk db cluster stop`"
        )
        raise typer.Exit(2)
    stopped = stop_embedded(settings.layout.pg)
    console.print("停止しました / stopped" if stopped else "起動していません / not running")


standby_app = typer.Typer(help="スタンバイ / streaming standby of the embedded server.", no_args_is_help=True)
app.add_typer(standby_app, name="standby")
app.add_typer(cluster.app, name="cluster")


@standby_app.command("create")
def standby_create(
    port: Annotated[
        int, typer.Option(help="スタンバイのポート (ソケット名) / the standby's port (socket name)")
    ],
    directory: Annotated[
        Path | None, typer.Option("--dir", help="データディレクトリ / data dir (default DATA/standby-PORT)")
    ] = None,
    sync: Annotated[
        bool, typer.Option("--sync", help="同期レプリケーション (remote_apply) / synchronous (remote_apply)")
    ] = False,
) -> None:
    """スタンバイを作成して起動する / build and start a streaming standby (pg_basebackup)."""
    from core.ops.standby import StandbyError, create_standby

    settings = cluster.embedded_settings()
    try:
        node = create_standby(settings, port, directory, synchronous=sync)
    except StandbyError as error:
        raise cluster.refuse(error) from error
    mode = "同期 / synchronous (remote_apply)" if sync else "非同期 / asynchronous"
    console.print(
        f"[green]スタンバイ {node.name} を起動しました / standby started[/]: {node.pgdata} ({mode})"
    )


@standby_app.command("status")
def standby_status() -> None:
    """各ノードの状態 / every node of the cluster and its role now."""
    from core.ops.standby import cluster_status

    rows = cluster_status(cluster.embedded_settings())
    if not rows:
        console.print("スタンバイはありません / no standby (`mynadesk db standby create`)")
        return
    table = Table(title="MynaDesk クラスター / cluster")
    for column in (
        "ノード / node",
        "データ / data dir",
        "ポート / port",
        "役割 / role",
        "送信先 / streams to",
    ):
        table.add_column(column)
    for row in rows:
        role = {None: "停止 / down", True: "スタンバイ / standby", False: "プライマリ / primary"}[
            row.in_recovery
        ]
        mark = " *" if row.primary_in_state else ""
        table.add_row(row.node.name + mark, str(row.node.pgdata), str(row.node.port), role, row.replication)
    console.print(table)


@standby_app.command("url")
def standby_url(
    role: Annotated[str, typer.Option(help="ログインロール / login role")] = "postgres",
    database: Annotated[str, typer.Option(help="データベース / database")] = "mynadesk",
) -> None:
    """アプリ用の複数ホスト URL / the multi-host URL for the apps (password in a passfile)."""
    from core.ops.cluster_state import load_state, multi_host_url
    from core.ops.standby import write_client_passfile

    settings = cluster.embedded_settings()
    state = load_state(settings.data_dir)
    if state is None:
        raise cluster.refuse(ValueError("スタンバイはありません / no standby yet"))
    console.print(multi_host_url(state, role, database, write_client_passfile(settings)), soft_wrap=True)


@app.command("failover")
def db_failover() -> None:
    """スタンバイを昇格し旧プライマリを隔離する / promote the standby, fence the old primary."""
    from core.ops.standby import StandbyError, failover

    try:
        report = failover(cluster.embedded_settings())
    except StandbyError as error:
        raise cluster.refuse(error) from error
    console.print(
        f"[green]{report.new_primary.name} がプライマリになりました / is now the primary[/] "
        f"({report.seconds:.1f} s); {report.old_primary.name} は停止・隔離済み / stopped and fenced"
    )


@app.command("rejoin")
def db_rejoin() -> None:
    """旧プライマリを pg_rewind でスタンバイに戻す / bring the old primary back as a standby (pg_rewind)."""
    from core.ops.pgtools import ToolFailed
    from core.ops.standby import StandbyError, rejoin

    try:
        node = rejoin(cluster.embedded_settings())
    except (StandbyError, ToolFailed) as error:
        raise cluster.refuse(error) from error
    console.print(
        f"[green]{node.name} はスタンバイとして復帰しました / rejoined as a standby[/]: {node.pgdata}"
    )
