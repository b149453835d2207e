"""`mynadesk etl …`: load resident register extracts (from a file or the city's FTP server), show the last
load's alerts, rebuild the analytics marts."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from core.clock import as_of_day
from core.config import Settings
from core.db.engine import engine_for, session_factory
from core.db.models.register import LoadAlert
from core.domain.register import MoveReason
from core.services.audit import Actor
from etl.load import LoadOutcome, load_extract, sort_by_extract_date
from mynadesk import progress

app = typer.Typer(help="連携 / ETL: resident register extracts.", no_args_is_help=True)
console = Console()

EXIT_LOADED, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def etl_actor() -> Actor:
    """The actor recorded for loads started from the command line."""
    return Actor(f"etl:{getpass.getuser()}", role="etl", terminal="cli")


@app.command("load")
def etl_load(
    files: Annotated[
        list[Path], typer.Argument(help="住民記録ファイル / extract file(s) resident_<YYYYMMDD>_<kind>.csv")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="検査のみ(変更しない) / check only, change nothing")
    ] = False,
) -> None:
    """住民記録ファイルを読み込む / load resident register extracts (all or nothing, in date order)."""
    missing = [path for path in files if not path.is_file()]
    if missing:
        for path in missing:
            console.print(f"[bold red]ファイルがありません / no such file:[/] {path}")
        raise typer.Exit(EXIT_USAGE)
    settings = Settings.from_env()
    factory, owner_factory = session_factory(settings, "app"), session_factory(settings, "owner")
    ordered = sort_by_extract_date(files)
    for position, path in enumerate(ordered):
        if load_one(factory, owner_factory, path, dry_run=dry_run) == EXIT_REJECTED:
            for waiting in ordered[position + 1 :]:  # a later delta must not be applied over a missing one
                console.print(
                    f"[yellow]読み込みませんでした / not loaded (an earlier file was rejected): {waiting}[/]"
                )
            raise typer.Exit(EXIT_REJECTED)
    raise typer.Exit(EXIT_LOADED)


def load_one(
    factory: sessionmaker[Session], owner_factory: sessionmaker[Session], path: Path, *, dry_run: bool
) -> int:
    """Load one file (etl.load.load_extract: its own transaction), print the outcome; return the exit code."""
    console.print(f"[bold]{path.name}[/]")
    with progress.bar(console) as report:
        outcome = load_extract(
            path, etl_actor(), factory, owner_factory=owner_factory, dry_run=dry_run, progress=report
        )
    print_outcome(outcome)
    return EXIT_REJECTED if outcome.status == "rejected" else EXIT_LOADED


def print_outcome(outcome: LoadOutcome) -> None:
    """Errors, or the summary and the alerts of a load."""
    if outcome.ignored_columns:
        console.print(
            "[yellow]未知の列を無視しました / ignored unknown columns:[/]"
            f" {', '.join(outcome.ignored_columns)}"
        )
    if outcome.status == "rejected":
        console.print(
            f"[bold red]拒否しました(データベースは変更していません)/ rejected, nothing changed:"
            f" {len(outcome.errors):,} 件のエラー / errors[/]"
        )
        for error in outcome.errors:
            console.print(f"  {error}", soft_wrap=True, markup=False, highlight=False)
        return
    summary = outcome.summary
    assert summary is not None
    if outcome.status == "already_loaded":
        console.print(
            f"[green]読込済みです(変更なし)/ already loaded as {summary.already_loaded_as}:"
            " nothing changed[/]"
        )
        return
    title = (
        "検査結果(変更していません)/ dry run, nothing changed"
        if outcome.status == "dry_run"
        else "読込結果 / loaded"
    )
    table = Table(title=f"{title} — {outcome.encoding}")
    for column in ("区分 / outcome", "人数 / people"):
        table.add_column(column)
    for label, value in (
        ("新規 / new", summary.new),
        ("変更 / changed", summary.changed),
        ("消除 / removed", summary.removed),
        ("変更なし / unchanged", summary.unchanged),
    ):
        table.add_row(label, f"{value:,}")
    if summary.kind == "full":
        table.add_row("ファイルにない消除者 / removed, no longer in a full file", f"{summary.aged_out:,}")
        table.add_row(
            "ファイルにない住民(要確認)/ residents missing from the file", f"{summary.missing_residents:,}"
        )
    console.print(table)
    reasons = Table(title="異動事由別 / by move reason")
    for column in ("異動事由 / reason", "新規 / new", "変更 / changed", "消除 / removed"):
        reasons.add_column(column)
    for reason in MoveReason:
        counts = [summary.by_reason.get((kind, reason.value), 0) for kind in ("new", "changed", "removed")]
        if any(counts):
            reasons.add_row(f"{reason.value} {reason.label_ja}", *(f"{n:,}" for n in counts))
    console.print(reasons)
    print_alerts(outcome.alerts)


def print_alerts(alerts: list[LoadAlert]) -> None:
    """The alerts a load raised about cards and people."""
    if not alerts:
        console.print("カードへの影響はありません / no alerts about cards")
        return
    table = Table(title=f"要対応 / alerts ({len(alerts):,})")
    for column in ("行 / line", "宛名番号", "カード / card", "異動事由", "種類 / kind", "内容 / message"):
        table.add_column(column)
    for alert in alerts:
        table.add_row(
            str(alert.source_line or ""),
            alert.atena_no,
            str(alert.card_id or ""),
            alert.move_reason or "",
            alert.kind,
            f"{alert.message_ja}\n{alert.message_en}",
        )
    console.print(table)


@app.command("alerts")
def etl_alerts() -> None:
    """前回の読込の要対応一覧 / alerts from the last register load."""
    from core.services.register_effects import load_alerts

    with session_factory(Settings.from_env(), "app")() as session:
        print_alerts(load_alerts(session))


@app.command("pull")
def etl_pull() -> None:
    """FTP から新しい住民記録ファイルを取得して読み込む / fetch new extracts over FTP(S) and load them."""
    from etl.pull import PullError, pull

    settings = Settings.from_env()
    if settings.ftp is None:
        console.print("[bold red]MYNADESK_FTP_HOST が設定されていません / MYNADESK_FTP_HOST is not set[/]")
        raise typer.Exit(EXIT_USAGE)
    try:
        with progress.bar(console) as report:
            result = pull(
                settings.ftp,
                settings.layout,
                session_factory(settings, "app"),
                etl_actor(),
                progress=report,
                owner_factory=session_factory(settings, "owner"),
            )
    except PullError as error:
        console.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(EXIT_REJECTED) from error
    for outcome in result.loaded + result.rejected:
        console.print(f"[bold]{outcome.path.name}[/]")
        print_outcome(outcome)
    for name, why in result.skipped:
        console.print(f"スキップ / skipped: {name} — {why}")
    for name in result.waiting:
        console.print(f"[yellow]保留(前のファイルが拒否されたため)/ waiting for the rejected file: {name}[/]")
    if result.rejected:
        console.print(f"拒否したファイルと報告 / rejected file and report: {settings.layout.register_errors}")
    raise typer.Exit(EXIT_REJECTED if result.rejected else EXIT_LOADED)


@app.command("analytics")
def etl_analytics(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="基準日 YYYY-MM-DD (既定: 今日) / reference day (default: today)"),
    ] = None,
) -> None:
    """分析データを作り直す / rebuild the analytics marts and swap them in atomically."""
    from core.analytics.marts import current_duckdb
    from etl.analytics.build import build_analytics

    try:
        day = as_of_day(as_of)
    except ValueError as error:
        console.print(f"[red]--as-of は YYYY-MM-DD で指定してください / use YYYY-MM-DD: {as_of}[/]")
        raise typer.Exit(2) from error
    settings = Settings.from_env()
    engine = engine_for(settings, "app")
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
