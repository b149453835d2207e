"""What keeps console pages quick (issue 12): tables are one Dash component, static files stay cached."""

from __future__ import annotations

import re

from dash import dcc, html
from flask import Flask

from console import components as c
from core.domain.roles import Role
from tests.console.conftest import USERS, login


def test_a_table_is_one_dash_component_with_every_value_escaped() -> None:
    rows = [("<script>alert(1)</script>", 3), ("辻堂 海子", None)]
    table = c.table(
        ["名前", "数"],
        rows,
        lambda r: [dcc.Link(r[0], href="/ledger/person/1"), html.Span(r[1], className="text-danger")],
        table_id="t-rows",
    )
    assert isinstance(table, dcc.Markdown)
    markup = str(table.children)
    assert '<table id="t-rows" class="table table-sm table-striped table-hover md-table">' in markup
    assert "<script>" not in markup
    assert '<a href="/ledger/person/1">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in markup
    assert '<span class="text-danger">3</span>' in markup
    assert markup.count("<tr>") == 3  # the header and two rows


def test_a_badge_in_a_table_keeps_its_colours() -> None:
    markup = c.markup(c.state_badge("reserved"))
    assert markup.startswith('<span class="badge bg-info me-1 text-dark">')


def test_static_bundles_do_not_vary_with_the_session_cookie(console: Flask) -> None:
    """The cookie changes with every click (idle timeout); a `Vary: Cookie` made the browser fetch every Dash
    bundle again on each page."""
    client = console.test_client()
    login(client, USERS[Role.COUNTER])
    client.get("/")  # a page view refreshes the session cookie
    index = client.get("/").get_data(as_text=True)
    renderer = re.search(r'src="(/_dash-component-suites/[^"]*dash_renderer[^"]*)"', index)
    assert renderer is not None
    for path in (renderer.group(1), "/vendor/bootstrap.min.css", "/assets/console.css"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Cookie" not in response.headers.get("Vary", "")
    page = client.get("/_dash-layout")
    assert "Cookie" in page.headers.get("Vary", "")  # what depends on the login still varies with it
