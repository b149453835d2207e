"""/healthz (the process answers) and /readyz (the database takes a write, mail is not stuck): JSON, no
personal data, no session, for load balancers and `mynadesk ops probe`."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from core.config import ServiceLevelSettings
from core.ops.probes import readiness
from reservation_site import web

bp = Blueprint("health", __name__)
PATHS = ("/healthz", "/readyz")


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up (no database)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready to serve: 200, else 503 with the check that failed."""
    limits: ServiceLevelSettings = current_app.extensions["mynadesk_service_levels"]
    result = readiness(web.transaction, "site", web.now(), limits)
    return jsonify(result.as_json()), 200 if result.ok else 503
