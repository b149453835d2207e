"""Flask's session for the site, kept on the server (core/services/flow_states.py): the cookie carries a
random id, never the hold, the details typed or the secret link (issue 13, finding 10)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import Connection
from werkzeug.datastructures import CallbackDict

from core.services import flow_states
from reservation_site import web

SERIALIZER = TaggedJSONSerializer()  # what Flask's cookie session writes (dates, tuples, bytes survive)


class FlowSession(CallbackDict[str, Any], SessionMixin):
    """The visitor's flow state; FLOW_ID is None until something is kept."""

    def __init__(self, initial: dict[str, Any] | None = None, flow_id: str | None = None) -> None:
        def changed(_: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, changed)
        self.flow_id = flow_id
        self.modified = False


def _own_transaction(work: Callable[[Connection], Any]) -> Any:
    """WORK in a transaction of its own on the request's connection (committed before the next step)."""
    connection = web.connection()
    if connection.in_transaction():  # a read left open by the page: nothing to keep, end it
        connection.commit()
    with connection.begin():
        return work(connection)


class FlowSessions(SessionInterface):
    """Sessions in booking.flow_states, through the request's own database connection."""

    def open_session(self, app: Flask, request: Request) -> FlowSession:
        flow_id = request.cookies.get(self.get_cookie_name(app), "")
        if not (20 <= len(flow_id) <= 64 and flow_id.replace("-", "").replace("_", "").isalnum()):
            return FlowSession()
        now = web.now()
        data = _own_transaction(lambda connection: flow_states.load(connection, flow_id, now))
        if data is None:
            return (
                FlowSession()
            )  # over, expired, or never ours: a fresh flow (a new id when something is kept)
        return FlowSession(SERIALIZER.loads(data), flow_id)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, FlowSession)
        name, domain, path = self.get_cookie_name(app), self.get_cookie_domain(app), self.get_cookie_path(app)
        if not session:
            if session.flow_id is not None:
                ended = session.flow_id
                _own_transaction(lambda connection: flow_states.forget(connection, ended))
                response.delete_cookie(name, domain=domain, path=path)
            return
        if not session.modified:
            return
        fresh = session.flow_id is None
        flow_id = session.flow_id or secrets.token_urlsafe(32)
        data, now = SERIALIZER.dumps(dict(session)), web.now()
        _own_transaction(lambda connection: flow_states.store(connection, flow_id, data, now))
        if fresh:
            response.set_cookie(
                name,
                flow_id,
                httponly=self.get_cookie_httponly(app),
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
                domain=domain,
                path=path,
            )
        response.vary.add("Cookie")
