"""`mynadesk console`: serve the operations console with gunicorn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console

app = typer.Typer(
    help="業務コンソール / operations console.", no_args_is_help=False, invoke_without_command=True
)
out = Console()


def run_gunicorn(load: Callable[[], Any], host: str, port: int, workers: int, threads: int) -> None:
    """Serve the WSGI app LOAD() gives with gunicorn as the console is served (also the benchmark's floor).

    With THREADS > 1 each worker answers that many requests at once (gthread): a console page fires several
    callbacks together, and one sync worker answered them one after the other."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            if threads > 1:
                self.cfg.set("worker_class", "gthread")
                self.cfg.set("threads", threads)
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", "-")
            self.cfg.set("logger_class", "mynadesk.console_log.RedactingLogger")  # no 宛名番号 in the log
            # gunicorn's control socket defaults to one path per OS user (~/.gunicorn/gunicorn.ctl): a second
            # server on the machine would take it over. MynaDesk does not use gunicornc, so there is none.
            self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            return load()

    _Server().run()


@app.callback()
def serve(
    host: Annotated[str, typer.Option(help="待ち受けアドレス / bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="ポート / port")] = 8050,
    workers: Annotated[int, typer.Option(help="ワーカー数 / gunicorn workers")] = 2,
    threads: Annotated[
        int, typer.Option(help="ワーカーあたりのスレッド / threads per worker (callbacks in parallel)", min=1)
    ] = 4,
) -> None:
    """業務コンソールを起動する / serve the operations console with gunicorn."""
    from console import create_app

    out.print(f"業務コンソール / console: http://{host}:{port}/")
    run_gunicorn(create_app, host, port, workers, threads)
