"""`mynadesk sla report`: the monthly サービスレベル実施状況報告 as PDF (and XLSX), from own measurements."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from core.config import Settings

app = typer.Typer(help="サービスレベル / service levels: the monthly SLA report.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)


@app.command("report")
def sla_report(
    month: Annotated[str, typer.Option("--month", help="対象月 YYYY-MM / the month, e.g. 2026-11")],
    out: Annotated[Path, typer.Option("--out", help="出力する PDF / PDF file to write")],
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="同じ内容の XLSX も出力 / also write the figures as XLSX")
    ] = None,
) -> None:
    """月次のサービスレベル実施状況報告 / the month's SLA report with every formula and its inputs."""
    from core.clock import system_clock
    from core.db.engine import session_factory
    from core.services.sla import monthly_report, parse_month
    from reports import sla

    try:
        first = parse_month(month)
    except ValueError as error:
        err_console.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(2) from error
    settings = Settings.from_env()
    now = system_clock()
    with session_factory(settings, "app").begin() as session:
        result = monthly_report(session, first, now, settings.sla)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(sla.render(result, now))
    console.print(f"[green]SLA 報告を作成しました / written:[/] {out}")
    if xlsx is not None:
        xlsx.parent.mkdir(parents=True, exist_ok=True)
        xlsx.write_bytes(sla.xlsx(result))
        console.print(f"[green]XLSX:[/] {xlsx}")
    for figure in result.figures:
        console.print(f"  {figure.name}: {figure.value_text}")
