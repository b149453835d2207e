"""`mynadesk migrate …`: taking over data from the city's current system."""

from __future__ import annotations

import csv
import getpass
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import IntegrityError

from core.config import Settings
from core.db.engine import session_factory
from core.domain.cards import CardState, ResidentStatus
from core.domain.ledger import COLUMN_LABELS_JA
from core.domain.spreadsheet import neutralise
from core.services.audit import Actor
from core.services.ledger_migration import MigrationReport
from mynadesk import progress

app = typer.Typer(help="移行 / migration from the current system.", no_args_is_help=True)
console = Console()
SHOWN_ERRORS = 50
SHOWN_UNMATCHED = 30
EXIT_REJECTED = 1
EXIT_USAGE = 2


def _label(state: str) -> str:
    return f"{CardState(state).label_ja} ({state})"


def print_report(report: MigrationReport, *, dry_run: bool, seconds: float) -> None:
    """The summary table, the counts by state and the cards whose holder is unknown."""
    verb = "取り込む予定 / would be" if dry_run else "取り込み結果 / result"
    table = Table(title=f"{report.file_name}: {verb} ({seconds:.1f} s)", show_header=False)
    table.add_row("行数 / rows", f"{report.rows:,}")
    table.add_row("新規 / created", f"{report.created:,}")
    table.add_row("更新 / updated", f"{report.updated:,}")
    table.add_row("変更なし / unchanged", f"{report.unchanged:,}")
    table.add_row("所有者の照合が変わった / holder match changed", f"{report.rematched:,}")
    table.add_row("所有者不明 / holder unknown", f"{report.unknown_holders:,}")
    table.add_row("住民票コード不一致 / 住民票コード differs", f"{report.code_mismatches:,}")
    console.print(table)
    if report.created_by_state or report.updated_by_state:
        by_state = Table("状態 / state", "新規 / created", "更新 / updated", title="状態別 / by state")
        for state in CardState:
            created = report.created_by_state.get(state.value, 0)
            updated = report.updated_by_state.get(state.value, 0)
            if created or updated:
                by_state.add_row(_label(state.value), f"{created:,}", f"{updated:,}")
        console.print(by_state)
    if report.changed_columns:
        changed = Table("項目 / column", "更新枚数 / cards", title="更新される項目 / what the updates change")
        for column, count in sorted(report.changed_columns.items(), key=lambda item: -item[1]):
            changed.add_row(f"{COLUMN_LABELS_JA.get(column, column)} ({column})", f"{count:,}")
        console.print(changed)
    _print_unmatched(report)
    _print_not_resident(report)
    if report.warnings:
        console.print(f"[yellow]注意 / warnings: {len(report.warnings):,} 件(取り込みました / loaded)[/]")
        for warning in report.warnings[:SHOWN_ERRORS]:
            console.print(f"  {warning}", soft_wrap=True, markup=False)


def _print_unmatched(report: MigrationReport) -> None:
    if not report.unmatched:
        return
    table = Table(
        "行 / line",
        "カード管理番号 / card",
        "宛名番号 / atena_no",
        "住民票コード",
        "状態 / state",
        "照合 / match",
        title="所有者を住民記録で確認できないカード(取り込んで一覧にしています)"
        " / cards whose holder the register does not know (kept and listed)",
    )
    for u in report.unmatched[:SHOWN_UNMATCHED]:
        match = "宛名番号なし / unknown" if u.match == "unknown" else "住民票コード不一致 / code differs"
        table.add_row(str(u.line), u.card_id, u.atena_no, u.juminhyo_code, _label(u.state), match)
    console.print(table)
    if len(report.unmatched) > SHOWN_UNMATCHED:
        console.print(
            f"ほか {len(report.unmatched) - SHOWN_UNMATCHED:,} 件(全件は --unmatched-csv で出力)"
            f" / {len(report.unmatched) - SHOWN_UNMATCHED:,} more (write all with --unmatched-csv)"
        )


def _print_not_resident(report: MigrationReport) -> None:
    if not report.holders_not_resident:
        return
    table = Table(
        "行 / line",
        "カード管理番号 / card",
        "宛名番号 / atena_no",
        "状態 / state",
        "住民状態 / register",
        title="所有者が住民でない使用中・交付前のカード(交付はできません)"
        " / cards in use or waiting whose holder is no longer a resident (they cannot be handed over)",
    )
    for h in report.holders_not_resident[:SHOWN_UNMATCHED]:
        status = ResidentStatus(h.resident_status)
        table.add_row(
            str(h.line), h.card_id, h.atena_no, _label(h.state), f"{status.label_ja} / {status.label_en}"
        )
    console.print(table)
    if len(report.holders_not_resident) > SHOWN_UNMATCHED:
        more = len(report.holders_not_resident) - SHOWN_UNMATCHED
        console.print(f"ほか {more:,} 件 / {more:,} more")


def write_unmatched(report: MigrationReport, path: Path) -> None:
    """Every card whose holder is unknown, as CSV (UTF-8 with BOM, opens in Excel)."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "card_id", "atena_no", "juminhyo_code", "state", "match"])
        for u in report.unmatched:
            cells = [u.line, u.card_id, u.atena_no, u.juminhyo_code, u.state, u.match]
            writer.writerow(
                [neutralise(cell) for cell in cells]
            )  # the values come from the file as they were


@app.command("cards")
def migrate_cards_command(
    file: Annotated[Path, typer.Argument(help="カード台帳 cards_YYYYMMDD.csv / card ledger export")],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="確認だけで変更しない / report what would change, change nothing"),
    ] = False,
    encoding: Annotated[
        str | None, typer.Option(help="文字コード utf-8|cp932 (既定: 自動) / encoding (default: detect)")
    ] = None,
    unmatched_csv: Annotated[
        Path | None,
        typer.Option("--unmatched-csv", help="所有者不明カードの一覧 CSV / write unmatched holders as CSV"),
    ] = None,
) -> None:
    """カード台帳を移行する / migrate the card ledger export (validated, idempotent, all-or-nothing)."""
    from etl.ledger import LedgerRejected
    from etl.ledger_migrate import migrate_cards

    if not file.is_file():
        console.print(f"[red]ファイルがありません / no such file: {file}[/]")
        raise typer.Exit(EXIT_USAGE)
    if encoding not in (None, "utf-8", "cp932"):
        console.print("[red]--encoding は utf-8 か cp932 / --encoding must be utf-8 or cp932[/]")
        raise typer.Exit(EXIT_USAGE)
    actor = Actor(f"migrate:{getpass.getuser()}", role="etl")
    started = time.perf_counter()
    factory = session_factory(Settings.from_env(), "app")
    with factory() as session:
        try:
            with progress.bar(console) as report_step:
                report = migrate_cards(session, file, actor, encoding, report_step)
        except LedgerRejected as rejected:
            session.rollback()
            _print_rejection(rejected)
            raise typer.Exit(EXIT_REJECTED) from rejected
        except IntegrityError as error:
            session.rollback()
            console.print(
                "[bold red]データベースの制約に反するため取り込みませんでした(変更なし)"
                f" / refused by a database constraint, nothing changed:[/] {error.orig}"
            )
            raise typer.Exit(EXIT_REJECTED) from error
        if dry_run:
            session.rollback()
        else:
            session.commit()
    print_report(report, dry_run=dry_run, seconds=time.perf_counter() - started)
    if unmatched_csv is not None:
        write_unmatched(report, unmatched_csv)
        console.print(f"所有者不明の一覧 / unmatched holders: {unmatched_csv}")
    if dry_run:
        console.print("[yellow]--dry-run: データベースは変更していません / the database was not changed[/]")


def _print_rejection(rejected: Exception) -> None:
    errors = getattr(rejected, "errors", [])
    console.print(f"[bold red]取り込み拒否 / refused:[/] {rejected}")
    for error in errors[:SHOWN_ERRORS]:
        console.print(f"  {error.describe()}", soft_wrap=True, markup=False)
    if len(errors) > SHOWN_ERRORS:
        console.print(f"  ほか {len(errors) - SHOWN_ERRORS:,} 件 / {len(errors) - SHOWN_ERRORS:,} more")
