"""Each console request's duration by route template: a page's path from the access registry
("/ledger/person/<atena_no>", never the number), a callback's output id (and the page it served), or the
Flask rule; counted in the process's RequestLog (core/ops/request_log.py)."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, request

from console.access import AccessRegistry, Page
from core.clock import Clock
from core.ops.request_log import RequestLog, minute_of

DASH_PAGES = ("/", "/<path:path>")
CALLBACK = "/_dash-update-component"


def _page_template(page: Page | None) -> str:
    if page is None:
        return "(unknown page)"
    return f"{page.path.rstrip('/')}/<parameter>" if page.prefix else page.path


def _callback(registry: AccessRegistry) -> str:
    body: Any = request.get_json(silent=True) or {}  # parsed once already by the guard
    output = str(body.get("output", ""))[:150] if isinstance(body, dict) else ""
    inputs = body.get("inputs") if isinstance(body, dict) else None
    for item in inputs if isinstance(inputs, list) else []:
        if isinstance(item, dict) and item.get("id") == "url" and item.get("property") == "pathname":
            return f"callback {output} {_page_template(registry.find_page(str(item.get('value') or '/')))}"
    return f"callback {output}"


def route_of(registry: AccessRegistry) -> str:
    """The request's route template."""
    rule = request.url_rule
    if rule is None:
        return "(no route)"
    if rule.rule in DASH_PAGES:
        return _page_template(registry.find_page(request.path))
    if rule.rule == CALLBACK:
        return _callback(registry)
    return rule.rule


def install(
    server: Flask, registry: AccessRegistry, log: RequestLog, clock: Clock, skip: tuple[str, ...]
) -> None:
    """Time every request of SERVER but those to the paths in SKIP (the health checks)."""

    def start() -> None:
        g.request_started = time.perf_counter()

    def finish(response: Response) -> Response:
        started = g.get("request_started")
        if started is not None and request.path not in skip:
            ms = round((time.perf_counter() - started) * 1000)
            log.note(minute_of(clock()), route_of(registry), response.status_code, ms)
        return response

    # before the login guard and every other hook, after them all: the time covers the console's own work
    server.before_request_funcs.setdefault(None, []).insert(0, start)
    server.after_request_funcs.setdefault(None, []).insert(0, finish)
