"""The charts' library: plotly.js's "basic" bundle (bar, scatter, pie; 1.2 MB) in place of the full one
(4.8 MB) that Dash loads on every console page with a chart.

Chromium parses the whole file on each page load that draws a chart (overview, forecast, statistics,
reservations): on the city's 2-core terminals that was much of those pages' wait. The console draws
only bar and scatter traces (console/figures.py), which the basic bundle has, with the same version as the
Python plotly package (checked at start-up, so an upgrade of one without the other fails loudly). The file is
vendored from npm `plotly.js-basic-dist-min` (MIT, console/vendor/plotly-basic.LICENSE)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, send_file

BUNDLE = Path(__file__).parent / "vendor" / "plotly-basic.min.js"
SUITES = "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"
TRACES = ("bar", "scatter", "pie")  # what the basic bundle can draw


def bundle_version(path: Path = BUNDLE) -> str:
    """The plotly.js version written in the bundle's banner."""
    with path.open(encoding="utf-8") as handle:
        head = handle.read(400)
    found = re.search(r"plotly\.js \(basic - minified\) v(\d+\.\d+\.\d+)", head)
    if found is None:
        raise RuntimeError(f"{path} is not plotly.js's basic bundle")
    return found.group(1)


def install(server: Flask) -> None:
    """Serve the basic bundle where Dash serves plotly.min.js (its URL and fingerprint stay Dash's)."""
    from plotly.offline import get_plotlyjs_version

    if bundle_version() != get_plotlyjs_version():
        raise RuntimeError(
            f"console/vendor/plotly-basic.min.js is plotly.js {bundle_version()}, the plotly package expects "
            f"{get_plotlyjs_version()}: update the vendored file (npm pack plotly.js-basic-dist-min@…)"
        )
    dash_serve = server.view_functions[SUITES]

    def serve(package_name: str, fingerprinted_path: str) -> Any:
        if package_name == "plotly" and fingerprinted_path.startswith("package_data/plotly.min."):
            response: Response = send_file(BUNDLE, mimetype="text/javascript", max_age=31_536_000)
            return response
        return dash_serve(package_name, fingerprinted_path)

    server.view_functions[SUITES] = serve
