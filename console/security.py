"""Security headers of every console response (issue 13, hardening; the session cookie's Secure flag over TLS
is console/auth.py's session interface).

The Content-Security-Policy allows scripts only from the console itself plus Dash's one inline renderer script
(by its hash, `Dash.csp_hashes()`); styles may be inline because Dash components and Plotly set them at run
time (a style cannot run code). `connect-src` admits the card agent on the staff PC
(`ConsoleOptions.reader_url`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from dash import Dash
from flask import Flask, Response, request

from core.security_headers import security_headers

CACHEABLE = ("/assets/", "/vendor/", "/_dash-component-suites/", "/favicon.ico")


def policy(dash_app: Dash, reader_url: str) -> str:
    """The console's Content-Security-Policy."""
    agent = urlsplit(reader_url)
    scripts = " ".join(["'self'", *dash_app.csp_hashes()])  # the hashes come quoted
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:; connect-src 'self' {agent.scheme}://{agent.netloc}; "
        "font-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )


def install(server: Flask, dash_app: Dash, reader_url: str) -> None:
    """Add the headers to every response of SERVER."""
    csp = policy(dash_app, reader_url)

    def headers(response: Response) -> Response:
        cacheable = request.path.startswith(CACHEABLE)
        response.headers.update(security_headers(csp, cacheable=cacheable, secure=request.is_secure))
        return response

    server.after_request(headers)
