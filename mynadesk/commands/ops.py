"""`mynadesk ops …`: the nightly backup, verification and restore drill."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from core.clock import system_clock
from core.config import Settings

if TYPE_CHECKING:
    from core.ops.probes import Prober

app = typer.Typer(
    help="運用 / operations: the nightly backup and restore drill, the health probes.", no_args_is_help=True
)
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


def _probe_round(prober: Prober) -> bool:
    results = prober.run_once()
    line = " ".join(f"{r.target}={'OK' if r.ok else 'NG'}({r.ms} ms)" for r in results)
    waiting = f" [yellow]未記録 / not recorded yet: {len(prober.pending)}[/]" if prober.pending else ""
    console.print(f"{results[0].at:%H:%M:%S} {escape(line)}{waiting}")
    return all(r.ok for r in results) and not prober.pending


def _probe_loop(prober: Prober) -> None:
    """Probe every MYNADESK_PROBE_SECONDS (60 s), on the minute's rhythm, until the process ends."""
    every = prober.settings.service_levels.probe_seconds
    while True:
        started = time.monotonic()
        try:
            _probe_round(prober)
        except Exception as error:  # a round that fails must not stop the next one
            console.print(f"[bold red]監視の失敗 / probe round failed:[/] {type(error).__name__}")
        time.sleep(max(1.0, every - (time.monotonic() - started)))


def _prober(settings: Settings) -> Prober:
    from core.db.engine import session_factory
    from core.ops.probes import Prober

    return Prober(settings, session_factory(settings, "app"), system_clock)


@app.command("probe")
def ops_probe(
    once: Annotated[bool, typer.Option("--once", help="1回だけ監視 / probe once and stop")] = False,
) -> None:
    """予約ページ・職員ログイン・DB を監視 / probe the site, the console and the database (ops.probes)."""
    prober = _prober(Settings.from_env())
    if once:
        raise typer.Exit(0 if _probe_round(prober) else 1)
    _probe_loop(prober)


@app.command("run")
def ops_run(
    once: Annotated[
        bool, typer.Option("--once", help="今すぐ一度だけ実行 / run once now (for cron or a systemd timer)")
    ] = False,
) -> None:
    """毎分の監視、毎日 MYNADESK_BACKUP_AT のバックアップと復元訓練 / probes each minute, nightly backup."""
    from core.ops.schedule import next_run

    settings = Settings.from_env()
    if once:
        raise typer.Exit(0 if _nightly(settings) else 1)
    # the probes run beside the nightly work (which takes minutes) in a thread of their own
    threading.Thread(target=_probe_loop, args=(_prober(settings),), name="probes", daemon=True).start()
    while True:
        due = next_run(system_clock(), settings.backup.nightly_at)
        console.print(f"次回 / next run: {due:%Y-%m-%d %H:%M} (JST)")
        while system_clock() < due:
            time.sleep(min(60.0, max(0.5, (due - system_clock()).total_seconds())))
        _nightly(settings)
