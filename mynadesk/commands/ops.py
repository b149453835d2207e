"""`mynadesk ops …`: the nightly backup, verification and restore drill."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from core.clock import system_clock
from core.config import Settings

app = typer.Typer(help="運用 / operations: the nightly backup and restore drill.", no_args_is_help=True)
console = Console()


def _nightly(settings: Settings) -> bool:
    from core.ops.jobs import nightly

    report = nightly(settings, system_clock)
    if report.ok and report.drill is not None:
        console.print(
            f"[green]夜間処理 OK / nightly OK:[/] {report.backup}, RTO {report.drill.rto_seconds or 0:.1f} s",
        )
        return True
    console.print(
        f"[bold red]夜間処理の失敗 / nightly failed:[/] {escape(report.failure or '')}", soft_wrap=True
    )
    return False


@app.command("run")
def ops_run(
    once: Annotated[
        bool, typer.Option("--once", help="今すぐ一度だけ実行 / run once now (for cron or a systemd timer)")
    ] = False,
) -> None:
    """毎日 MYNADESK_BACKUP_AT にバックアップと復元訓練 / backup + drill every day at MYNADESK_BACKUP_AT."""
    from core.ops.schedule import next_run

    settings = Settings.from_env()
    if once:
        raise typer.Exit(0 if _nightly(settings) else 1)
    while True:
        due = next_run(system_clock(), settings.backup.nightly_at)
        console.print(f"次回 / next run: {due:%Y-%m-%d %H:%M} (JST)")
        while system_clock() < due:
            time.sleep(min(60.0, max(0.5, (due - system_clock()).total_seconds())))
        _nightly(settings)
