"""`mynadesk staff …`: the console's users (add, reset a password, set roles, list)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from core.clock import system_clock
from core.config import Settings
from core.db.engine import session_factory
from core.domain.errors import DomainError

app = typer.Typer(help="職員アカウント / console users: add, passwd, roles, list.", no_args_is_help=True)
out = Console()


def _password(given: Path | None) -> str:
    if given is not None:
        return given.read_text(encoding="utf-8").strip()
    return str(typer.prompt("パスワード / password", hide_input=True, confirmation_prompt=True))


def _cli_actor() -> Any:
    import getpass

    from core.services.audit import Actor

    return Actor(f"cli:{getpass.getuser()}", role="admin", terminal="mynadesk-cli")


@app.command("add")
def staff_add(
    staff_code: Annotated[str, typer.Argument(help="職員番号 / staff ID")],
    name: Annotated[str, typer.Option("--name", help="氏名 / display name")],
    role: Annotated[
        list[str], typer.Option("--role", help="役割 admin|manager|counter|analyst|booking (複数可)")
    ],
    password_file: Annotated[
        Path | None, typer.Option(help="初期パスワードのファイル / file with the password")
    ] = None,
) -> None:
    """職員を追加する / add a console user (the password must be changed at first login)."""
    from core.services import staff

    try:
        roles = staff.parse_roles(role)
        password = _password(password_file)
        with session_factory(Settings.from_env(), "owner").begin() as s:
            user = staff.create_user(s, staff_code, name, password, roles, _cli_actor())
    except DomainError as error:
        out.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(1) from error
    out.print(
        f"[green]追加しました / added:[/] {user.staff_code} {'・'.join(r.label_ja for r in user.roles)}"
    )


@app.command("passwd")
def staff_passwd(
    staff_code: Annotated[str, typer.Argument(help="職員番号 / staff ID")],
    password_file: Annotated[Path | None, typer.Option(help="新しいパスワードのファイル")] = None,
) -> None:
    """パスワードを再設定し、ロックを解除する / reset a password (and lift a lockout)."""
    from core.services import staff

    try:
        password = _password(password_file)
        with session_factory(Settings.from_env(), "owner").begin() as s:
            staff.reset_password(s, staff_code, password, _cli_actor(), system_clock())
    except DomainError as error:
        out.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(1) from error
    out.print(
        f"[green]再設定しました / password reset:[/] {staff_code}(次回ログイン時に変更 / change it at login)"
    )


@app.command("roles")
def staff_roles(
    staff_code: Annotated[str, typer.Argument(help="職員番号 / staff ID")],
    role: Annotated[list[str], typer.Option("--role", help="役割(指定したものに置き換え) / roles to set")],
) -> None:
    """役割を置き換える / replace a user's roles."""
    from core.services import staff

    try:
        with session_factory(Settings.from_env(), "owner").begin() as s:
            staff.set_roles(s, staff_code, staff.parse_roles(role), _cli_actor(), system_clock())
    except DomainError as error:
        out.print(f"[bold red]エラー / error:[/] {error}")
        raise typer.Exit(1) from error
    out.print(f"[green]保存しました / saved:[/] {staff_code}")


@app.command("list")
def staff_list() -> None:
    """職員の一覧 / list console users."""
    from core.services import staff

    with session_factory(Settings.from_env(), "owner").begin() as s:
        users = staff.list_users(s)
    table = Table(title="職員 / staff users")
    for column in ("職員番号", "氏名", "役割", "状態", "最終ログイン"):
        table.add_column(column)
    for user in users:
        table.add_row(
            user.staff_code,
            user.display_name,
            "・".join(r.label_ja for r in sorted(user.roles)),
            "有効" if user.active else "無効",
            str(user.last_login_at or "—"),
        )
    out.print(table)
