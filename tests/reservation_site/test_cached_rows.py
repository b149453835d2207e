"""The site's per-process cache holds frozen copies of venues, procedures and slot times, never ORM instances:
a value kept across requests belongs to no session, cannot lazy-load and cannot be changed by one request for
the next."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from core.services.places import ProcedureRow, VenueRow
from tests.reservation_site import flow


def _values(app: Flask) -> list[Any]:
    values: list[Any] = []
    for _, value in app.extensions.get("mynadesk_rows", {}).values():
        values += value if isinstance(value, list) else [value]
    return values


def test_a_booking_leaves_only_frozen_rows_in_the_cache(
    app: Flask, client: FlaskClient, world: Engine
) -> None:
    app.extensions.pop("mynadesk_rows", None)
    flow.book(client, world)
    values = [v for v in _values(app) if v is not None]
    kinds = {type(v) for v in values}
    assert {VenueRow, ProcedureRow} <= kinds, kinds  # the booking went through the cached look-ups
    for value in values:
        assert not hasattr(value, "_sa_instance_state"), f"an ORM instance in the cache: {value!r}"
    for row in (v for v in values if dataclasses.is_dataclass(v) and not isinstance(v, type)):
        first = dataclasses.fields(row)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(row, first, None)
