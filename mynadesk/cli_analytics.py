"""`mynadesk analytics` — builds the analytic layer (Parquet marts + DuckDB) from PostgreSQL.

Registered as `mynadesk analytics` for now; when PART A (`mynadesk etl load/pull`) is merged, the integrator
moves this command under `mynadesk etl analytics` (register `build_command` on the `etl` typer app).
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.clock import as_of_day
from core.config import Settings
from core.services.audit import Actor
from mynadesk import progress

app = typer.Typer(help="分析データ / analytics: Parquet marts and DuckDB.", no_args_is_help=True)
console = Console()


@app.command("build")
def build_command(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="基準日 YYYY-MM-DD (既定: 今日) / reference day (default: today)"),
    ] = None,
) -> None:
    """分析データを作り直す / rebuild the analytics marts and swap them in atomically."""
    from core.analytics.marts import current_duckdb
    from core.db.engine import app_engine
    from etl.analytics.build import build_analytics

    try:
        day = as_of_day(as_of)
    except ValueError as error:
        console.print(f"[red]--as-of は YYYY-MM-DD で指定してください / use YYYY-MM-DD: {as_of}[/]")
        raise typer.Exit(2) from error
    settings = Settings.from_env()
    engine = app_engine(settings)
    try:
        with progress.bar(console) as report:
            actor = Actor(f"analytics:{getpass.getuser()}", role="etl")
            summary = build_analytics(engine, settings.data_dir, day, report, actor)
    finally:
        engine.dispose()
    table = Table(
        "マート / mart", "行数 / rows", title=f"分析データ / analytics ({summary.seconds:.1f} s, {day})"
    )
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"DuckDB: {current_duckdb(settings.data_dir)}", soft_wrap=True)
