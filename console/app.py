"""`create_app()`: the Flask server with flask-login and the Dash pages of the operations console."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html
from flask import Flask
from sqlalchemy import Engine

from console import auth, context, document_images, form_pdfs, health, pages, plotly_bundle, security, timing
from console.access import ALL_ROLES, AccessRegistry
from console.context import ConsoleContext, ConsoleOptions
from core.clock import Clock, system_clock
from core.config import Settings
from core.db.engine import engine_for, make_session_factory
from core.ops.request_log import RequestLog
from core.paths import private_file
from core.services.audit import record

HERE = Path(__file__).resolve().parent
INDEX = """<!DOCTYPE html>
<html lang="ja">
    <head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
    <body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


def _secret_key(settings: Settings) -> str:
    """The configured secret key, else one kept under the data dir (shared by every gunicorn worker)."""
    if settings.secret_key:
        return settings.secret_key
    return private_file(settings.layout.console_secret_key, lambda: secrets.token_urlsafe(48))


def _navbar(registry: AccessRegistry, pathname: str) -> dbc.Navbar:
    staff = context.user()
    items = [
        dbc.NavItem(dbc.NavLink(page.title, href=page.path, active=page.matches(pathname)))
        for page in registry.pages_for(context.roles())
        if page.in_menu
    ]
    who = (
        ""
        if staff is None
        else f"{staff.display_name}({staff.staff_code}) {'・'.join(r.label_ja for r in sorted(staff.roles))}"
    )
    account = dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem("パスワード変更", href="/account/password", external_link=True),
            dbc.DropdownMenuItem("ログアウト", href="/logout", external_link=True, id="logout-link"),
        ],
        label=who,
        nav=True,
        align_end=True,
        id="account-menu",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("MynaDesk 業務コンソール", href="/"),
                dbc.Nav(items, navbar=True, className="me-auto"),
                dbc.Nav([account], navbar=True),
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="mb-3",
    )


def _refused(pathname: str) -> html.Div:
    with context.unit_of_work() as s:
        record(
            s,
            context.actor(),
            "access_denied",
            "page",
            pathname[:100],
            summary="権限のないページを拒否 / page refused",
        )
    alert: html.Div = dbc.Alert(
        [
            html.H1("このページを開く権限がありません", className="h4 alert-heading"),
            html.P("You do not have a role that may open this page."),
            html.A("トップへ / home", href="/", className="alert-link"),
        ],
        color="danger",
        id="access-refused",
    )
    return alert


def _route(registry: AccessRegistry, pathname: str | None, search: str | None) -> tuple[object, object]:
    pathname = pathname or "/"
    page = registry.find_page(pathname)
    if page is None:
        body: object = dbc.Alert(
            html.H1("ページが見つかりません / page not found", className="h5 mb-0"),
            color="warning",
            id="not-found",
        )
    elif not page.roles & context.roles():
        body = _refused(pathname)
    else:
        content = page.layout(parameter=page.parameter(pathname), search=search or "")
        body = [html.H1(page.title, className="md-page-title"), content]
    return _navbar(registry, pathname), body


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    options: ConsoleOptions | None = None,
    clock: Clock = system_clock,
) -> Flask:
    """The console: a Flask server (flask-login) carrying the Dash app; every asset is served locally."""
    settings = settings or Settings.from_env()
    if engine is None:
        engine = engine_for(settings, "app")
    server = Flask("console", template_folder=str(HERE / "templates"), static_folder=None)
    server.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=timedelta(seconds=0),
    )
    server.extensions["mynadesk_console"] = ConsoleContext(
        make_session_factory(engine), settings, options or ConsoleOptions(), clock
    )
    registry = AccessRegistry()
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
        [
            dcc.Location(id="url"),
            # the first Tab on every page: past the menu, straight to the page's own controls
            html.A(
                "本文へ移動 / skip to content", href="#main", className="visually-hidden-focusable md-skip"
            ),
            html.Div(id="navbar"),
            html.Main(dbc.Container(id="page", fluid=True), id="main", tabIndex="-1"),
        ]
    )
    registry.callback(
        app,
        ALL_ROLES,
        Output("navbar", "children"),
        Output("page", "children"),
        Input("url", "pathname"),
        Input("url", "search"),
    )(lambda pathname, search: _route(registry, pathname, search))
    pages.register_all(app, registry)
    auth.install(server, registry)
    document_images.install(server)
    form_pdfs.install(server)
    security.install(server, app, server.extensions["mynadesk_console"].options.reader_url)
    plotly_bundle.install(server)
    server.register_blueprint(health.bp)
    log = RequestLog("console", engine, settings.service_levels.request_flush_seconds)
    timing.install(server, registry, log, clock, health.PATHS)
    server.extensions["mynadesk_request_log"] = log
    server.extensions["mynadesk_registry"] = registry
    server.extensions["mynadesk_dash"] = app
    return server
