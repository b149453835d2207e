"""/healthz and /readyz of the console: JSON, no login, no personal data (the login guard lets them by)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from console import context
from core.analytics.marts import current_duckdb
from core.analytics.queries import build_time
from core.ops.probes import readiness

bp = Blueprint("console_health", __name__)
PATHS = ("/healthz", "/readyz")


def _analytics_built() -> datetime | None:
    try:
        built = build_time(current_duckdb(context.context().settings.data_dir))
    except Exception:  # no build yet, or one being replaced: not ready either way
        return None
    return None if built is None else built[0]


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up (no database)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready: the database takes a write, mail is not stuck, the analytics build is fresh; else 503."""
    settings = context.context().settings
    result = readiness(
        context.unit_of_work, "console", context.now(), settings.service_levels, _analytics_built
    )
    return jsonify(result.as_json()), 200 if result.ok else 503
