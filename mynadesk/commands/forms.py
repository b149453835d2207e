"""`mynadesk forms render|reprint`: pre-filled counter forms for one resident (書かない窓口)."""

from __future__ import annotations

import getpass
import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from core.config import Settings
from core.domain.booking import TOKYO
from core.domain.errors import DomainError
from core.domain.forms import FormKind
from core.domain.identity import PersonFace
from reader.errors import ReaderError

app = typer.Typer(help="帳票 / forms: pre-filled counter forms as PDF.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)
KINDS = ", ".join(f"{k.value} ({k.label_ja})" for k in FormKind)


def _card_face(reader_name: str | None, pin_stdin: bool) -> PersonFace:
    from mynadesk.card_terminal import read_card, read_pin

    info = read_card(reader_name, read_pin(pin_stdin), wait=0.0)
    return PersonFace(info.name, info.address, info.birth_date, info.sex)


@app.command("render")
def forms_render(
    kind: Annotated[str, typer.Argument(help=f"帳票の種類 / form: {KINDS}")],
    person: Annotated[str, typer.Option("--person", help="宛名番号 / the resident's atena number")],
    out: Annotated[Path, typer.Option("--out", help="出力する PDF / PDF file to write")],
    staff: Annotated[str, typer.Option(help="担当職員コード / staff code")] = f"cli:{getpass.getuser()}",
    from_card: Annotated[
        bool, typer.Option("--from-card", help="カードを読み取って記入 / fill from the card's chip")
    ] = False,
    reader_name: Annotated[str | None, typer.Option("--reader", help="リーダー名 / reader name")] = None,
    pin_stdin: Annotated[
        bool, typer.Option("--pin-stdin", help="暗証番号を標準入力から読む / read the PIN from stdin")
    ] = False,
) -> None:
    """記入済み帳票を作る / fill a form from the register (or the card) and store it as a record."""
    try:
        form_kind = FormKind(kind)
    except ValueError as error:
        err_console.print(f"[bold red]エラー / error:[/] 帳票の種類は {KINDS} / unknown form kind: {kind}")
        raise typer.Exit(2) from error
    card_face = None
    outcome = None
    if from_card:
        try:
            card_face = _card_face(reader_name, pin_stdin)
            outcome = "ok"
        except ReaderError as error:
            err_console.print(f"[bold red]エラー / error:[/] {error}")
            raise typer.Exit(error.exit_code) from error
    try:
        reference = _fill(form_kind, person, staff, card_face, outcome, out)
    except DomainError as error:
        err_console.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(2) from error
    console.print(f"[green]{form_kind.label_ja} を作成しました / written:[/] {out} ({reference})")


def _fill(
    kind: FormKind, atena_no: str, staff: str, card_face: PersonFace | None, outcome: str | None, out: Path
) -> str:
    from core.clock import system_clock
    from core.db.engine import session_factory
    from core.filestore import FileStore
    from core.services.audit import Actor, record_card_read
    from reports.filling import print_form

    terminal = socket.gethostname()
    settings = Settings.from_env()
    store = FileStore(settings.documents_dir)
    now = system_clock()
    with store.written(), session_factory(settings, "app").begin() as session:
        if outcome is not None:
            record_card_read(session, Actor(staff, terminal=terminal), outcome, subject_atena_no=atena_no)
        result = print_form(
            session, store, kind, atena_no, actor=staff, card_face=card_face, terminal=terminal, now=now
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(result.pdf)  # inside the transaction: no record without its file
    return result.reference


@app.command("reprint")
def forms_reprint(
    reference: Annotated[
        str, typer.Argument(help="帳票番号 MDF-… または QR の内容 / form reference or QR text")
    ],
    out: Annotated[Path, typer.Option("--out", help="出力する PDF / PDF file to write")],
    staff: Annotated[str, typer.Option(help="担当職員コード / staff code")] = f"cli:{getpass.getuser()}",
) -> None:
    """保存済みの帳票を再印刷 / print a stored form again from its record (audited)."""
    from core.clock import system_clock
    from core.db.engine import session_factory
    from reports.filling import reprint_form

    try:
        with session_factory(Settings.from_env(), "app").begin() as session:
            result = reprint_form(
                session, reference, actor=staff, now=system_clock(), terminal=socket.gethostname()
            )
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(result.pdf)
    except DomainError as error:
        err_console.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(2) from error
    console.print(f"[green]再印刷しました / written:[/] {out} ({result.reference})")


@app.command("list")
def forms_list(
    person: Annotated[str, typer.Option("--person", help="宛名番号 / the resident's atena number")],
    staff: Annotated[str, typer.Option(help="担当職員コード / staff code")] = f"cli:{getpass.getuser()}",
) -> None:
    """記入済み帳票の一覧 / the person's filled forms, newest first (audited)."""
    from rich.table import Table

    from core.db.engine import session_factory
    from core.domain.forms import FormSource, form_reference
    from core.services.forms import forms_of

    table = Table(title=f"記入済み帳票 / filled forms: {person}")
    for column in ("番号 / reference", "帳票 / form", "記入元 / source", "作成 / created", "担当 / staff"):
        table.add_column(column)
    with session_factory(Settings.from_env(), "app").begin() as session:
        for form in forms_of(session, person.strip(), actor=staff, terminal=socket.gethostname()):
            created = f"{form.created_at.astimezone(TOKYO):%Y-%m-%d %H:%M}"
            source = FormSource(form.source).label_ja
            table.add_row(
                form_reference(form.id), FormKind(form.kind).label_ja, source, created, form.created_by
            )
    console.print(table)
