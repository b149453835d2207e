"""Each request's duration, counted by route template (Flask's url_rule: "/m/<secret>", never the path
itself) in the process's RequestLog (core/ops/request_log.py), which writes ops.request_minutes."""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from core.clock import Clock
from core.ops.request_log import RequestLog, minute_of

UNMATCHED = "(no route)"


def install(app: Flask, log: RequestLog, clock: Clock, skip: tuple[str, ...]) -> None:
    """Time every request of APP but those to the paths in SKIP (the health checks)."""

    def start() -> None:
        g.request_started = time.perf_counter()

    def finish(response: Response) -> Response:
        started = g.get("request_started")
        if started is not None:
            rule = request.url_rule
            route = rule.rule if rule is not None else UNMATCHED
            if route not in skip:
                ms = round((time.perf_counter() - started) * 1000)
                log.note(minute_of(clock()), route, response.status_code, ms)
        return response

    # first before every other hook, last after them: the time covers all of the app's own work
    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request_funcs.setdefault(None, []).insert(0, finish)
