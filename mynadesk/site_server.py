"""The site's HTTP server: granian (Rust, event-loop I/O) serving the Flask app over WSGI.

Why not gunicorn: its threaded worker hands a connection to a thread as soon as the first bytes arrive, and
the thread then blocks reading the rest of the request, so a few clients that send half a request line and
stop take every thread (a slow-client denial of service, issue 13). granian reads and parses requests on its
event loop and gives a thread only a whole request; a client that does not finish its headers within
HEADER_TIMEOUT_MS is dropped, and idle connections cost no thread at all. Each worker process builds its own
app (and database pool) from the environment, so the parent passes its settings down that way."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from core.config import Settings
from reservation_site import create_app

HEADER_TIMEOUT_MS = (
    10_000  # a request's line and headers must arrive within this; then the connection is closed
)


def app_from_env() -> Flask:
    """The site as one worker process builds it (granian's factory target)."""
    return create_app(settings=Settings.from_env())


@dataclass(frozen=True)
class ServeOptions:
    """How `mynadesk site serve` runs the server."""

    address: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    threads: int = 4
    access_log: bool = False
    header_timeout_ms: int = HEADER_TIMEOUT_MS
    tls_cert: Path | None = None
    tls_key: Path | None = None


def serve(secret_key: str, options: ServeOptions) -> None:
    """Run the site until stopped; every worker signs cookies with SECRET_KEY."""
    from granian import Granian
    from granian.constants import Interfaces, SSLProtocols
    from granian.http import HTTP1Settings

    os.environ["MYNADESK_SECRET_KEY"] = secret_key  # inherited by the worker processes, never logged
    Granian(
        "mynadesk.site_server:app_from_env",
        factory=True,
        interface=Interfaces.WSGI,
        address=options.address,
        port=options.port,
        workers=options.workers,
        blocking_threads=options.threads,
        http1_settings=HTTP1Settings(header_read_timeout=options.header_timeout_ms),
        log_access=options.access_log,
        ssl_cert=options.tls_cert,
        ssl_key=options.tls_key,  # PKCS#8 PEM ("BEGIN PRIVATE KEY", as openssl writes by default)
        ssl_protocol_min=SSLProtocols.tls12,  # older phones still speak only TLS 1.2
    ).serve()
