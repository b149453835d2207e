"""The `mynadesk` command: one entry point for every administrative task."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.clock import as_of_day
from core.config import Settings
from core.domain.errors import DomainError
from mynadesk import cli_analytics, cli_console, cli_forms, cli_migrate, cli_reader, progress
from mynadesk.cli_etl import etl_app
from mynadesk.cli_site import site_app

app = typer.Typer(
    help="MynaDesk — マイナンバーカード予約・交付管理 / My Number card reservations and issuance.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
)


@app.callback()
def _private_files() -> None:
    """MynaDesk — マイナンバーカード予約・交付管理 / My Number card reservations and issuance."""
    # Every file a MynaDesk command writes (pulled register extracts, generated data, forms, analytics builds,
    # keys, the embedded database, backups) holds personal data or secrets: readable by its OS user only.
    os.umask(0o077)


db_app = typer.Typer(help="データベース / database: migrations and status.", no_args_is_help=True)
data_app = typer.Typer(help="データ / data: realistic synthetic input files.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(data_app, name="data")
app.add_typer(cli_console.console_app, name="console")
app.add_typer(cli_console.staff_app, name="staff")
app.add_typer(site_app, name="site")
app.add_typer(cli_reader.app, name="reader")
app.add_typer(cli_forms.app, name="forms")
app.add_typer(etl_app, name="etl")
app.add_typer(cli_migrate.app, name="migrate")
etl_app.command("analytics")(cli_analytics.build_command)

console = Console()


def _fail(error: Exception, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]エラー / error:[/] {error}")
    return typer.Exit(code)


@db_app.command("upgrade")
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


@db_app.command("status")
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


@db_app.command("stop")
def db_stop() -> None:
    """組込み PostgreSQL を停止する / stop the embedded PostgreSQL."""
    from core.db.embedded import stop_embedded

    settings = Settings.from_env()
    if not settings.embedded:
        raise _fail(ValueError("外部サーバーは停止しません / an external server is not ours to stop"), 2)
    stopped = stop_embedded(settings.pgdata_dir)
    console.print("停止しました / stopped" if stopped else "起動していません / not running")


@data_app.command("generate")
def data_generate(
    out: Annotated[Path, typer.Option("--out", help="出力先フォルダ / output folder")],
    scale: Annotated[
        float, typer.Option(help="規模 (1.0 = 藤沢市) / scale, 1.0 = Fujisawa", min=0.0001)
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="乱数の種 / random seed")] = 42,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="基準日 YYYY-MM-DD / extract date (default: today)")
    ] = None,
    encoding: Annotated[str, typer.Option(help="文字コード cp932|utf-8 / encoding")] = "cp932",
) -> None:
    """市が渡すファイルを合成する / write a realistic resident extract and card ledger export."""
    try:
        day = as_of_day(as_of)
    except ValueError as error:
        raise _fail(
            ValueError(f"--as-of は YYYY-MM-DD で指定してください / use YYYY-MM-DD: {as_of}"), 2
        ) from error
    if encoding not in ("cp932", "utf-8"):
        raise _fail(ValueError("--encoding は cp932 か utf-8 / --encoding must be cp932 or utf-8"), 2)
    from demo.synth import generate

    try:
        with progress.bar(console) as report:
            summary = generate(out, scale=scale, seed=seed, as_of=day, encoding=encoding, progress=report)
    except DomainError as error:
        raise _fail(error) from error
    table = Table(title=f"生成結果 / generated ({summary.seconds:.1f} s)", show_header=False)
    table.add_row("住民 / residents", f"{summary.residents:,}")
    table.add_row("消除者 / removed (400 days)", f"{summary.removed:,}")
    table.add_row("世帯 / households", f"{summary.households:,}")
    table.add_row("外国人住民 / foreign residents", f"{summary.foreign_residents:,}")
    table.add_row("カード (全件) / cards (all)", f"{summary.cards_total:,}")
    table.add_row("保有カード / cards held", f"{summary.cards_held:,}")
    console.print(table)
    for path in summary.files:
        console.print(f"ファイル / file: {path}", soft_wrap=True)


def main() -> None:
    """Entry point for `python -m mynadesk`."""
    app()
