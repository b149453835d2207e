"""The `mynadesk` command: one entry point for every administrative task.

This module holds only the root group and the registration of its command groups; each group is one module
in mynadesk.commands, named after it (`mynadesk etl …` is mynadesk/commands/etl.py).
"""

from __future__ import annotations

import os

import typer

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


def main() -> None:
    """Entry point for `python -m mynadesk`."""
    app()
