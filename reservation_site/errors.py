"""Friendly error pages in both languages (bad CSRF token, oversized input, unknown pages), and an error log
that never holds what a resident typed."""

from __future__ import annotations

import traceback
from types import TracebackType

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


class Site(Flask):
    """The site's Flask: an unhandled error is logged by its kind and where it happened, never by its text."""

    def log_exception(self, exc_info: ExcInfo) -> None:
        """Log the error's types and stack (code only): an error's text may quote a statement's values or a
        database row (e.g. 'Key (phone)=(…) already exists'), and the path may hold a secret link."""
        _, error, trace = exc_info
        kinds: list[str] = []
        while error is not None and len(kinds) < 10:
            kinds.append(f"{type(error).__module__}.{type(error).__qualname__}")
            error = error.__cause__ or error.__context__
        stack = "".join(traceback.format_tb(trace)) if trace else ""
        where = request.endpoint or "no route"
        self.logger.error("Exception in %s [%s]: %s\n%s", where, request.method, " <- ".join(kinds), stack)


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

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        return _page("server_error", 500)
