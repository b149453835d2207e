"""`mynadesk audit …`: check the audit log's hash chain, and write down where it ends (issue 16, item 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from core.clock import system_clock
from core.config import Settings
from core.services.audit_chain import HEAD_FILE

app = typer.Typer(help="監査ログ / audit log: verify the hash chain, record its head.", no_args_is_help=True)
console = Console()
EXIT_BROKEN = 1
EXIT_USAGE = 2


def _head_file(settings: Settings, given: Path | None) -> Path:
    return given.expanduser().resolve() if given else settings.backup_dir / HEAD_FILE


def _fail(message: str, code: int) -> typer.Exit:
    console.print(f"[bold red]{escape(message)}[/]", soft_wrap=True, highlight=False)
    return typer.Exit(code)


@app.command("verify")
def audit_verify(
    start: Annotated[int, typer.Option("--from", help="この連番から / start at this sequence number")] = 1,
    against_head: Annotated[
        bool,
        typer.Option(
            "--against-head", help="記録済みの末尾とも照合 / also compare with the recorded chain heads"
        ),
    ] = False,
    head_file: Annotated[
        Path | None,
        typer.Option(help=f"末尾の記録ファイル(既定: バックアップフォルダーの {HEAD_FILE}) / head file"),
    ] = None,
) -> None:
    """ハッシュ連鎖を検証し、最初に壊れた行を示す / walk the chain and name the first broken row."""
    import time

    from sqlalchemy import text

    from core.db.engine import session_factory
    from core.services import audit_chain

    settings = Settings.from_env()
    started = time.perf_counter()
    try:
        heads = audit_chain.read_head_file(_head_file(settings, head_file)) if against_head else []
    except ValueError as error:
        raise _fail(str(error), EXIT_USAGE) from error
    with session_factory(settings, "app")() as session, session.begin():
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))  # one snapshot
        try:
            verdict = audit_chain.verify(session, start)
        except ValueError as error:
            raise _fail(str(error), EXIT_USAGE) from error
        fault = verdict.fault
        if fault is None and against_head:
            fault = audit_chain.check_heads(session, [*audit_chain.recorded_heads(session), *heads])
    seconds = time.perf_counter() - started
    if fault is not None:
        raise _fail(
            f"監査ログの連鎖が壊れています / the audit chain is broken at {fault.describe()}", EXIT_BROKEN
        )
    compared = " (記録済みの末尾と一致 / matches the recorded heads)" if against_head else ""
    console.print(
        f"[green]監査ログ OK / audit chain intact:[/] {verdict.checked:,} 行 / rows (seq {start}–"
        f"{verdict.last.seq}), 末尾 / head {verdict.last.row_hash.hex()}{compared}, {seconds:.1f} s",
        soft_wrap=True,
    )


@app.command("head")
def audit_head(
    head_file: Annotated[
        Path | None,
        typer.Option(help=f"書き出し先(既定: バックアップフォルダーの {HEAD_FILE}) / file to append to"),
    ] = None,
) -> None:
    """今の末尾(連番とハッシュ)を記録し、ファイルにも書き出す / record the chain head and export it."""
    from core.db.engine import session_factory
    from core.services import audit_chain

    settings = Settings.from_env()
    path = _head_file(settings, head_file)
    head, added = audit_chain.keep_head(session_factory(settings, "app"), system_clock(), path)
    console.print(
        f"[green]末尾を記録 / chain head recorded:[/] seq {head.seq}, {head.row_hash.hex()} "
        f"→ audit.chain_heads, {path} (+{added})",
        soft_wrap=True,
    )
