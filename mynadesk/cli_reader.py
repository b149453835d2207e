"""`mynadesk reader …`: read the card's basic 4 items at the counter; run the local agent for the console."""

from __future__ import annotations

import json
import sys
import unicodedata
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mynadesk import cli_compare
from reader.errors import ReaderError
from reader.tlv import CardInfo

app = typer.Typer(help="カードリーダー / card reader: the chip's basic 4 items.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

DEFAULT_AGENT_PORT = 47863


def read_pin(from_stdin: bool) -> str:
    """The PIN from stdin, or typed without echo."""
    if from_stdin:
        return sys.stdin.readline().strip()
    return str(typer.prompt("暗証番号(4桁) / PIN (4 digits)", hide_input=True))


def _fail(error: ReaderError) -> typer.Exit:
    err_console.print(f"[bold red]エラー / error:[/] {error}")
    return typer.Exit(error.exit_code)


def shown(text: str) -> str:
    """TEXT for a terminal: a private-use 外字 (invisible there) is shown as 〓."""
    return "".join("〓" if unicodedata.category(ch) == "Co" else ch for ch in text)


def _table(info: CardInfo) -> Table:
    table = Table(title="券面事項(基本4情報) / card's basic 4 items", show_header=False)
    table.add_row("氏名 / name", shown(info.name))
    table.add_row("住所 / address", shown(info.address))
    table.add_row("生年月日 / birth date", info.birth_date.isoformat())
    table.add_row("性別 / sex", f"{info.sex_label} ({info.sex})")
    if info.has_gaiji:
        table.add_row(
            "外字 / non-JIS characters", "〓: 券面と照合してください / 〓: check against the card face"
        )
    return table


def read_card(reader_name: str | None, pin: str, wait: float) -> CardInfo:
    """Read the card on the named (or first) PC/SC reader."""
    from reader.pcsc import PcscReader
    from reader.protocol import read_basic_four

    return read_basic_four(PcscReader(reader_name, wait_seconds=wait), pin)


@app.command("read")
def reader_read(
    reader_name: Annotated[
        str | None, typer.Option("--reader", help="リーダー名(一部でも可) / reader name (or part of it)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON で出力 / print one JSON object")] = False,
    pin_stdin: Annotated[
        bool, typer.Option("--pin-stdin", help="暗証番号を標準入力から読む / read the PIN from stdin")
    ] = False,
    wait: Annotated[float, typer.Option(help="カードを待つ秒数 / seconds to wait for a card", min=0)] = 0.0,
) -> None:
    """券面事項を読む / read name, address, birth date and sex (exit 3 wrong PIN, 4 locked, 5 no card)."""
    try:
        info = read_card(reader_name, read_pin(pin_stdin), wait)
    except ReaderError as error:
        raise _fail(error) from error
    if as_json:
        typer.echo(json.dumps(info.as_json(), ensure_ascii=False))
    else:
        console.print(_table(info))


app.command("compare")(cli_compare.reader_compare)


@app.command("readers")
def reader_list() -> None:
    """接続中のリーダー / list the connected PC/SC readers."""
    from reader.pcsc import reader_names

    try:
        names = reader_names()
    except ReaderError as error:
        raise _fail(error) from error
    for name in names:
        typer.echo(name)
    if not names:
        raise _fail(ReaderError("カードリーダーがありません", "no card reader connected"))


@app.command("serve")
def reader_serve(
    origin: Annotated[
        list[str],
        typer.Option("--origin", help="許可するコンソールの URL / allowed console origin (repeatable)"),
    ],
    port: Annotated[int, typer.Option(help="待受ポート / port on 127.0.0.1")] = DEFAULT_AGENT_PORT,
    reader_name: Annotated[str | None, typer.Option("--reader", help="リーダー名 / reader name")] = None,
) -> None:
    """ローカルエージェント / run the local HTTP agent the console calls (127.0.0.1 only)."""
    from reader.agent import AgentSettings, create_app, parse_origin, serve
    from reader.pcsc import PcscReader, reader_names

    try:
        origins = frozenset(parse_origin(o) for o in origin)
    except ValueError as error:
        err_console.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(2) from error
    settings = AgentSettings(allowed_origins=origins, port=port)
    agent = create_app(settings, lambda: PcscReader(reader_name, wait_seconds=2.0), reader_names)
    console.print(
        f"カード読取エージェント / card agent: http://127.0.0.1:{port} (origins: {', '.join(origin)})"
    )
    serve(agent, settings)
