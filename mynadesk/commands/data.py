"""`mynadesk data …`: write realistic synthetic input files (the city's extract and card ledger)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.clock import as_of_day
from core.domain.errors import DomainError
from mynadesk import progress

app = typer.Typer(help="データ / data: realistic synthetic input files.", no_args_is_help=True)
console = Console()


def _fail(error: Exception, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]エラー / error:[/] {error}")
    return typer.Exit(code)


@app.command("generate")
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
