"""Run a WSGI app with waitress (the agent's production server) in a thread, and stop it cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from waitress.server import create_server


@contextmanager
def served(app: Any) -> Iterator[int]:
    """Serve APP on 127.0.0.1 at a free port; yields the port."""
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:  # select() on sockets closed by the shutdown below
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)  # type: ignore[union-attr]
    finally:
        stopping.set()
        server.task_dispatcher.shutdown()  # let the worker threads finish before their sockets go
        server.close()
        thread.join(timeout=5)
