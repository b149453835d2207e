"""Friendly error pages in both languages (bad CSRF token, oversized input, unknown pages)."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _page(key: str, status: int) -> tuple[str, int]:
    return render_template("error.html", message_key=key), status


def install(app: Flask) -> None:
    """Register the error handlers on APP."""

    @app.errorhandler(CSRFError)
    def csrf(error: CSRFError) -> tuple[str, int]:
        return _page("expired_form", 400)

    @app.errorhandler(413)
    def too_large(error: HTTPException) -> tuple[str, int]:
        return _page("too_large", 413)

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> tuple[str, int]:
        return _page("not_found", 404)

    @app.errorhandler(400)
    def bad_request(error: HTTPException) -> tuple[str, int]:
        return _page("bad_request", 400)
