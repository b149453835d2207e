"""Strict security headers on every response; the secret link never leaks through a Referer."""

from __future__ import annotations

import re

from flask import Flask, Response, abort, request

from core.security_headers import security_headers

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
CACHEABLE = ("/static/", "/favicon.")  # files anyone may cache; every page is no-store
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _refuse_control_characters() -> None:
    """A NUL or another control character in the address names no page and no value (PostgreSQL would
    refuse a NUL with an error): 404 in the path, 400 in the query."""
    if CONTROL.search(request.path):
        abort(404)
    if any(CONTROL.search(k) or CONTROL.search(v) for k, v in request.args.items(multi=True)):
        abort(400)


def _headers(response: Response) -> Response:
    cacheable = request.path.startswith(CACHEABLE)
    response.headers.update(security_headers(CSP, cacheable=cacheable, secure=request.is_secure))
    return response


def install(app: Flask) -> None:
    """Refuse control characters in addresses; add the headers to every response of APP."""
    app.before_request(_refuse_control_characters)
    app.after_request(_headers)
