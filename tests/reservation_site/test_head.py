"""Every page's head: the local favicon (served, typed, cacheable) and a description in its language."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from tests.reservation_site import flow

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]+)">')
ICONS = {"/favicon.svg": "image/svg+xml", "/favicon.ico": "image/vnd.microsoft.icon"}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _pages(client: FlaskClient, engine: Engine, lang: str) -> dict[str, TestResponse]:
    """Each kind of page the site serves, from the top page to the booking's own page."""
    client.get(f"/?lang={lang}")
    slot_id, day = flow.first_slot(engine)
    pages = {
        "index": client.get("/"),
        "notice": client.get("/p/card_pickup/notice"),
    }
    flow.notice(client, flow.FAMILY[:1])
    pages |= {
        "venues": client.get("/p/card_pickup"),
        "calendar": client.get("/p/card_pickup/honcho"),
        "day": client.get(f"/p/card_pickup/honcho/{day.isoformat()}"),
        "lookup": client.get("/lookup"),
        "missing": client.get("/no-such-page"),
    }
    assert flow.hold(client, slot_id, day).status_code == 302
    pages["details"] = client.get("/details")
    assert flow.details(client).status_code == 302
    pages["confirm"] = client.get("/confirm")
    assert flow.confirm(client).status_code == 302
    pages["done"] = client.get("/done")
    client.get(flow.secret_path(client, pages["done"].get_data(as_text=True)))
    pages["manage"] = client.get("/booking")
    return pages


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_links_the_favicon_and_describes_itself_in_its_language(
    client: FlaskClient, world: Engine, lang: str
) -> None:
    for name, response in _pages(client, world, lang).items():
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}">' in html, name
        assert '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' in html, name
        assert '<link rel="icon" href="/favicon.ico" sizes="16x16 32x32">' in html, name
        description = DESCRIPTION.search(html)
        assert description, name
        assert bool(JAPANESE.search(description.group(1))) == (lang == "ja"), (name, description.group(1))


@pytest.mark.parametrize(("path", "mimetype"), ICONS.items())
def test_the_favicon_is_served_with_its_type_and_cached_for_a_day(
    client: FlaskClient, path: str, mimetype: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.cache_control.public
    assert response.cache_control.max_age == 86400
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert len(response.data) > 100
