"""`mynadesk site …`: seed Fujisawa's setup, serve the reservation site, run its worker (the round itself is
core.services.site_worker's)."""

from __future__ import annotations

import secrets
import time
from typing import Annotated

import typer
from rich.console import Console

from core.clock import day_of, system_clock
from core.config import Settings
from core.db.engine import session_factory

app = typer.Typer(
    help="予約サイト / reservation site: seed, serve, worker.", no_args_is_help=True, rich_markup_mode="rich"
)
console = Console()


@app.command("seed")
def seed(
    demo_bookings: Annotated[
        bool,
        typer.Option(
            "--demo-bookings",
            help="デモ用の予約履歴も作成 / also fill demo bookings (90 days back, 14 ahead)",
        ),
    ] = False,
) -> None:
    """藤沢市の会場・手続き・受付時間と枠を登録 / create Fujisawa's venues, procedures, slots (idempotent)."""
    from demo.bookings import seed_demo_bookings
    from demo.seed import seed_fujisawa

    factory = session_factory(Settings.from_env(), "owner")
    now = system_clock()
    with factory.begin() as session:
        created = seed_fujisawa(session, day_of(now))
        booked = seed_demo_bookings(session, now) if demo_bookings else 0
    console.print(f"[green]登録しました / seeded[/]: 新しい枠 / new slots {created:,}")
    if demo_bookings:
        console.print(f"デモ予約 / demo bookings: {booked:,}")


@app.command("serve")
def serve(
    bind: Annotated[str, typer.Option(help="待受アドレス / address:port")] = "127.0.0.1:8080",
    workers: Annotated[int, typer.Option(help="ワーカープロセス数 / worker processes", min=1)] = 2,
    threads: Annotated[int, typer.Option(help="ワーカーあたりのスレッド / threads per worker", min=1)] = 4,
    header_timeout: Annotated[
        float,
        typer.Option(
            help="要求ヘッダの受信期限（秒） / seconds a client has to send its request headers", min=1
        ),
    ] = 10.0,
    access_log: Annotated[
        bool,
        typer.Option(help="アクセスログを標準エラーへ / access log to stderr (paths include secret links)"),
    ] = False,
) -> None:
    """予約サイトを起動する / serve the site with granian (TLS when MYNADESK_SITE_TLS_CERT is set)."""
    from mynadesk.site_server import ServeOptions
    from mynadesk.site_server import serve as run_server

    settings = Settings.from_env()
    secret_key = settings.secret_key
    if secret_key is None:  # every worker must sign cookies with the same key
        secret_key = secrets.token_hex(32)
        console.print(
            "[yellow]MYNADESK_SECRET_KEY 未設定: 再起動でセッションが切れます / sessions end on restart[/]"
        )
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise typer.BadParameter("アドレス:ポート で指定してください / use address:port", param_hint="--bind")
    tls = settings.site_tls_cert is not None and settings.site_tls_key is not None
    options = ServeOptions(
        address=host.strip("[]"),
        port=int(port),
        workers=workers,
        threads=threads,
        access_log=access_log,
        header_timeout_ms=int(header_timeout * 1000),
        tls_cert=settings.site_tls_cert if tls else None,
        tls_key=settings.site_tls_key if tls else None,
    )
    console.print(f"予約サイト / reservation site: {'https' if tls else 'http'}://{bind}")
    run_server(secret_key, options)


@app.command("worker")
def worker(
    once: Annotated[bool, typer.Option("--once", help="1回だけ実行 / one round, e.g. from cron")] = False,
    interval: Annotated[int, typer.Option(help="間隔(秒) / seconds between rounds", min=5)] = 30,
) -> None:
    """メール送信と定期処理 / send mail, reminders, free expired holds, make slots, anonymise old bookings."""
    from core.services.outbox import SmtpConfig
    from core.services.site_worker import run_round

    settings = Settings.from_env()
    factory = session_factory(settings, "app")  # the site's role may not make slots, send mail or anonymise
    smtp = SmtpConfig.from_settings(settings)
    while True:
        counts = run_round(factory, smtp, system_clock())
        console.print(" ".join(f"{name}={value}" for name, value in counts.items()))
        if once:
            return
        time.sleep(interval)
