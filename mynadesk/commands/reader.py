"""`mynadesk reader …`: read the card's basic 4 items at the counter, compare them with the register record
(audited), list the readers, run the local agent for the console."""

from __future__ import annotations

import getpass
import json
import socket
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.config import Settings
from core.domain.errors import DomainError
from core.domain.identity import IdentityComparison, Match, PersonFace
from mynadesk.card_terminal import read_card, read_pin, shown
from reader.errors import ReaderError
from reader.tlv import CardInfo

app = typer.Typer(help="カードリーダー / card reader: the chip's basic 4 items.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

DEFAULT_AGENT_PORT = 47863
CLI_ROLE = "cli"  # the audit log's role for reads at a terminal's command line (no console login, no role)
STYLES = {
    Match.SAME: "green",
    Match.DIFFERENT: "bold red",
    Match.CHECK_GAIJI: "yellow",
    Match.CHECK_VARIANT: "yellow",
}


def _fail(error: ReaderError) -> typer.Exit:
    err_console.print(f"[bold red]エラー / error:[/] {error}")
    return typer.Exit(error.exit_code)


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


def _audit_and_compare(
    atena_no: str, staff: str, info: CardInfo | None, outcome: str
) -> IdentityComparison | None:
    """Record the read (or the refusal) in the audit log; compare with the register when the card was read."""
    from core.db.engine import session_factory
    from core.services.audit import Actor
    from core.services.card_reads import compare_card_read

    card = None if info is None else PersonFace(info.name, info.address, info.birth_date, info.sex)
    with session_factory(Settings.from_env(), "app").begin() as session:
        return compare_card_read(
            session,
            atena_no,
            card,
            actor=Actor(staff, role=CLI_ROLE, terminal=socket.gethostname()),
            outcome=outcome,
        )


def _print_comparison(comparison: IdentityComparison) -> None:
    table = Table(title="カードと住民記録の照合 / card vs register")
    for column in ("項目 / item", "カード / card", "住民記録 / register", "結果 / result"):
        table.add_column(column)
    for field in comparison.fields:
        style = STYLES.get(field.match, "")
        table.add_row(
            field.label_ja, shown(field.card), shown(field.register), f"[{style}]{field.match.label_ja}[/]"
        )
    console.print(table)
    if comparison.face_change_needed:
        console.print(
            "[bold red]券面記載事項変更が必要です / the card face needs updating (券面記載事項変更届)[/]"
        )
    if not comparison.same_person_likely:
        console.print("[bold red]生年月日または性別が違います。別人の記録でないか確認してください[/]")


@app.command("compare")
def reader_compare(
    person: Annotated[str, typer.Option("--person", help="宛名番号 / the resident's atena number")],
    reader_name: Annotated[str | None, typer.Option("--reader", help="リーダー名 / reader name")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON で出力 / print one JSON object")] = False,
    pin_stdin: Annotated[
        bool, typer.Option("--pin-stdin", help="暗証番号を標準入力から読む / read the PIN from stdin")
    ] = False,
    staff: Annotated[str, typer.Option(help="担当職員コード / staff code")] = f"cli:{getpass.getuser()}",
) -> None:
    """カードを読み住民記録と照合 / read the card and compare it with the register record (audited)."""
    info: CardInfo | None = None
    failure: ReaderError | None = None
    try:
        info = read_card(reader_name, read_pin(pin_stdin), 0.0)
    except ReaderError as error:
        failure = error
    try:
        comparison = _audit_and_compare(person, staff, info, "ok" if failure is None else failure.code)
    except DomainError as error:
        err_console.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(2) from error
    if failure is not None or comparison is None:
        err_console.print(f"[bold red]エラー / error:[/] {failure}")
        raise typer.Exit(failure.exit_code if failure else 1)
    if as_json:
        fields = [
            {"field": f.field, "card": f.card, "register": f.register, "match": f.match.value}
            for f in comparison.fields
        ]
        body = {"fields": fields, "face_change_needed": comparison.face_change_needed}
        typer.echo(json.dumps(body, ensure_ascii=False))
    else:
        _print_comparison(comparison)


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
