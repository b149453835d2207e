"""The floor under the site: the least a Python web stack can do per request on this machine, served by the
same server set-up. `bare` is a plain WSGI callable; `flask` a Flask route answering with a short page."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask

PAGE = b"<!doctype html><title>ok</title><p>ok</p>" + b" " * 4000  # about a booking page's size

StartResponse = Callable[[str, list[tuple[str, str]]], object]


def bare(environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
    """A plain WSGI answer: no framework at all."""
    start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(PAGE)))])
    return [PAGE]


flask = Flask(__name__)


@flask.get("/")
def page() -> bytes:
    """A Flask answer without templates, sessions or a database."""
    return PAGE
