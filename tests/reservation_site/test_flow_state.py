"""Issue 13, finding 10: the booking flow's state is kept on the server. The cookie holds a random id and no
personal data or secret link; a copy of it finds nothing once the flow is over; the worker forgets expired
flows. Before, the signed (not encrypted) cookie carried the details typed and the booking's secret link."""

from __future__ import annotations

import base64
import contextlib
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from core.services import flow_states
from reservation_site.flow_session import SERIALIZER
from tests.reservation_site import flow
from tests.reservation_site.conftest import BIRTH, NOTICE_NO, NOW


def _cookie(client: FlaskClient, app: Flask) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def _decoded(value: str) -> str:
    """Whatever text a cookie value could hide (base64 of any part, or itself)."""
    parts = [value, *value.split(".")]
    found = []
    for part in parts:
        with contextlib.suppress(ValueError):
            found.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("utf-8", "ignore"))
    return " ".join([value, *found])


def test_the_cookie_holds_a_random_id_and_the_details_stay_on_the_server(
    app: Flask, client: FlaskClient, world: Engine
) -> None:
    slot_id, day = flow.first_slot(world)
    assert flow.hold(client, slot_id, day).status_code == 302
    assert flow.details(client).status_code == 302
    value = _cookie(client, app)
    assert len(value) == 43  # secrets.token_urlsafe(32), nothing else
    readable = _decoded(value)
    for personal in ("藤沢", "フジサワ", NOTICE_NO, BIRTH.isoformat(), "0466"):
        assert personal not in readable
    with world.connect() as conn:
        kept = conn.execute(text("SELECT data FROM booking.flow_states")).scalars().all()
    assert any("フジサワ" in str(SERIALIZER.loads(row)) for row in kept)  # the flow goes on, on the server


def test_a_cookie_copied_before_the_booking_cannot_book_again_or_read_the_done_page_later(
    app: Flask, client: FlaskClient, world: Engine
) -> None:
    slot_id, day = flow.first_slot(world)
    assert flow.hold(client, slot_id, day).status_code == 302
    assert flow.details(client).status_code == 302
    copy = _cookie(client, app)
    assert flow.confirm(client).status_code == 302
    done = client.get("/done")
    assert done.status_code == 200
    link = flow.secret_path(client, done.get_data(as_text=True))
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], copy)
    assert replay.post("/confirm", data={"csrf_token": "x"}).status_code in (302, 400, 409)
    with world.connect() as conn:
        booked = conn.execute(
            text("SELECT count(*) FROM booking.reservations WHERE slot_id = :s"), {"s": slot_id}
        ).scalar_one()
    assert booked == 1
    # the flow's lifetime later (a shared PC the next day): nothing of the booking is left to read
    with Session(world) as s, s.begin():
        assert flow_states.forget_expired(s, NOW + flow_states.FLOW_LIFETIME + timedelta(minutes=1)) >= 1
    later = app.test_client()
    later.set_cookie(app.config["SESSION_COOKIE_NAME"], _cookie(client, app))
    assert link not in later.get("/done").get_data(as_text=True)
    assert later.get("/done").status_code in (302, 400, 404)


def test_the_site_role_keeps_flows_and_the_app_role_only_clears_them(
    world: Engine, site_engine: Engine
) -> None:
    with site_engine.connect() as conn:
        grants = conn.execute(
            text(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE table_schema = 'booking' AND table_name = 'flow_states' AND grantee = 'mynadesk_site'"
            )
        ).scalars()
        assert sorted(grants) == ["DELETE", "INSERT", "SELECT", "UPDATE"]
