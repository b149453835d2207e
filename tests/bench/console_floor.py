"""The floor under the console's pages: a bare Dash page with the console's own set-up (the same Dash, assets
folder, stylesheet, card-reader script and index page, served locally by the same gunicorn as
`mynadesk console`) whose one callback renders a heading from the URL, as the console's router does, and
nothing else: no login, no navbar, no database. A console page can hardly appear sooner than this.

`python -m tests.bench.console_floor WORKERS THREADS PORT` serves it on 127.0.0.1:PORT (the browser
benchmark starts it).
"""

from __future__ import annotations

import sys

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html
from flask import Flask, Response, send_file

from console.app import HERE, INDEX
from console.auth import BOOTSTRAP_CSS, CARDREAD_JS

READY = "floor-ready"


def create_floor_app() -> Flask:
    """The bare Dash page on a Flask server, as console.app.create_app builds the console."""
    server = Flask("console-floor", static_folder=None)

    @server.get("/vendor/bootstrap.min.css")
    def bootstrap_css() -> Response:
        return send_file(BOOTSTRAP_CSS, mimetype="text/css", max_age=86400)

    @server.get("/vendor/cardread.js")
    def cardread_js() -> Response:
        return send_file(CARDREAD_JS, mimetype="text/javascript", max_age=3600)

    app = Dash(
        "console",
        server=server,  # type: ignore[arg-type]
        url_base_pathname="/",
        serve_locally=True,
        assets_folder=str(HERE / "assets"),
        external_stylesheets=["/vendor/bootstrap.min.css"],
        external_scripts=["/vendor/cardread.js"],
        suppress_callback_exceptions=True,
        title="MynaDesk 業務コンソール",
        update_title=None,  # type: ignore[arg-type]
    )
    app.index_string = INDEX
    app.layout = html.Div(
        [dcc.Location(id="url"), html.Div(id="navbar"), dbc.Container(id="page", fluid=True)]
    )
    app.callback(Output("page", "children"), Input("url", "pathname"))(
        lambda pathname: html.H1(f"floor {pathname}", className="md-page-title", id=READY)
    )
    return server


if __name__ == "__main__":
    from mynadesk.commands.console import run_gunicorn

    workers, threads, port = (int(value) for value in sys.argv[1:4])
    run_gunicorn(create_floor_app, "127.0.0.1", port, workers, threads)
