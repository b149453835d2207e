"""`mynadesk db …`: apply migrations, show where the data lives, stop the embedded PostgreSQL."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.config import Settings

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

    settings = Settings.from_env()
    if not settings.embedded:
        error = ValueError("外部サーバーは停止しません / an external server is not ours to stop")
        console.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(2)
    stopped = stop_embedded(settings.layout.pg)
    console.print("停止しました / stopped" if stopped else "起動していません / not running")
