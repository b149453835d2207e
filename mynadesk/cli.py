"""The `mynadesk` command: one entry point for every administrative task.

This module holds only the root group and the registration of its command groups; each group is one module
in mynadesk.commands, named after it (`mynadesk etl …` is mynadesk/commands/etl.py).
"""

from __future__ import annotations

import os
import sys

import typer
from sqlalchemy.exc import DBAPIError

from mynadesk.commands import (
    audit,
    backup,
    console,
    data,
    db,
    docs,
    etl,
    forms,
    migrate,
    ops,
    reader,
    site,
    sla,
    staff,
)

app = typer.Typer(
    help="MynaDesk — マイナンバーカード予約・交付管理 / My Number card reservations and issuance.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
)


@app.callback()
def _private_files() -> None:
    """MynaDesk — マイナンバーカード予約・交付管理 / My Number card reservations and issuance."""
    # Every file a MynaDesk command writes (pulled register extracts, generated data, forms, analytics builds,
    # keys, the embedded database, backups) holds personal data or secrets: readable by its OS user only.
    os.umask(0o077)


app.add_typer(db.app, name="db")
app.add_typer(data.app, name="data")
app.add_typer(console.app, name="console")
app.add_typer(staff.app, name="staff")
app.add_typer(site.app, name="site")
app.add_typer(reader.app, name="reader")
app.add_typer(forms.app, name="forms")
app.add_typer(docs.app, name="docs")
app.add_typer(etl.app, name="etl")
app.add_typer(migrate.app, name="migrate")
app.add_typer(backup.app, name="backup")
app.add_typer(ops.app, name="ops")
app.add_typer(sla.app, name="sla")
app.add_typer(audit.app, name="audit")


UNDEFINED_TABLE = "42P01"


def database_error_message(error: DBAPIError) -> str:
    """What an administrator reads instead of a traceback when the database refuses a command."""
    first_line = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
    if getattr(error.orig, "sqlstate", None) == UNDEFINED_TABLE:
        return (
            "データベースが最新ではありません。`mynadesk db upgrade` を実行してください。\n"
            f"The database is not migrated: run `mynadesk db upgrade`. ({first_line})"
        )
    return (
        "データベースに接続できません。新しいデータフォルダなら先に `mynadesk db upgrade` を、"
        "そうでなければ `mynadesk db status` で確かめてください。\n"
        f"Cannot use the database: {first_line}\n"
        "(on a new data folder run `mynadesk db upgrade` first; otherwise check `mynadesk db status`)"
    )


def main() -> None:
    """Entry point of `mynadesk` and `python -m mynadesk`: a database that refuses gets a message."""
    try:
        app()
    except DBAPIError as error:
        print(database_error_message(error), file=sys.stderr)
        raise SystemExit(3) from None
