"""`mynadesk reader compare`: the chip's 4 items beside the register record, differences marked, audited."""

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
from reader.errors import ReaderError
from reader.tlv import CardInfo

console = Console()
err_console = Console(stderr=True)
CLI_ROLE = "cli"  # the audit log's role for reads at a terminal's command line (no console login, no role)
STYLES = {
    Match.SAME: "green",
    Match.DIFFERENT: "bold red",
    Match.CHECK_GAIJI: "yellow",
    Match.CHECK_VARIANT: "yellow",
}


def _audit_and_compare(
    atena_no: str, staff: str, info: CardInfo | None, outcome: str
) -> IdentityComparison | None:
    """Record the read (or the refusal) in the audit log; compare with the register when the card was read."""
    from core.db.engine import app_engine, make_session_factory
    from core.services.audit import Actor
    from core.services.card_reads import compare_card_read

    settings = Settings.from_env()
    engine = app_engine(settings)
    card = None if info is None else PersonFace(info.name, info.address, info.birth_date, info.sex)
    try:
        with make_session_factory(engine).begin() as session:
            return compare_card_read(
                session,
                atena_no,
                card,
                actor=Actor(staff, role=CLI_ROLE, terminal=socket.gethostname()),
                outcome=outcome,
            )
    finally:
        engine.dispose()


def _print(comparison: IdentityComparison) -> None:
    from mynadesk.cli_reader import shown

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
    from mynadesk.cli_reader import read_card, read_pin

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
        _print(comparison)
