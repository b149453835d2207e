"""Mail goes through the outbox to a real SMTP server on loopback (aiosmtpd); an outage loses nothing."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.db.models.booking import Reservation
from core.services import mail
from core.services.outbox import SmtpConfig, send_due
from tests.reservation_site import flow
from tests.reservation_site.conftest import NOW


class Inbox(MessageHandler):
    """Keeps every message the server receives."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Message] = []

    def handle_message(self, message: Message) -> None:
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def port() -> int:
    return _free_port()


@pytest.fixture
def smtp(port: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


def _config(port: int) -> SmtpConfig:
    return SmtpConfig(
        "127.0.0.1", port, "予約窓口 <no-reply@city.example>", "https://yoyaku.city.example", timeout=2
    )


def _pending(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT count(*) FROM booking.outbox WHERE sent_at IS NULL")).scalar_one()
        )


def _drain(factory: sessionmaker[Session], port: int) -> None:
    send_due(factory, _config(port), NOW + timedelta(days=1), limit=500)


def test_smtp_outage_keeps_the_booking_and_the_mail_until_the_server_is_back(
    client: FlaskClient, world: Engine, app_engine: Engine, port: int
) -> None:
    factory = sessionmaker(app_engine)
    with world.begin() as conn:
        conn.execute(text("UPDATE booking.outbox SET sent_at = now()"))  # earlier tests' mail is not ours
    number, _ = flow.book(client, world)  # no SMTP server is listening: booking must not care
    assert _pending(world) == 1
    sent, failed = send_due(factory, _config(port), NOW, limit=10)
    assert (sent, failed) == (0, 1)
    with world.connect() as conn:
        attempts, error = conn.execute(
            text("SELECT attempts, last_error FROM booking.outbox WHERE sent_at IS NULL")
        ).one()
    assert attempts == 1
    assert "Connection" in error or "refused" in error.lower()

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert send_due(factory, _config(port), NOW, limit=10) == (0, 0)  # waits for its backoff
        assert send_due(factory, _config(port), NOW + timedelta(minutes=5), limit=10) == (1, 0)
    finally:
        controller.stop()
    assert _pending(world) == 0
    message = email.message_from_bytes(inbox.messages[0].as_bytes())
    assert number in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    parts = {part.get_content_type(): part for part in message.walk()}
    body = parts["text/plain"].get_payload(decode=True).decode()
    assert "予約を受け付けました" in body
    assert "Booking confirmed" in body
    assert "https://yoyaku.city.example/m/" in body
    ics = parts["text/calendar"].get_payload(decode=True).decode()
    assert f"UID:{number}@mynadesk" in ics
    assert "DTSTART;TZID=Asia/Tokyo" in ics or "DTSTART" in ics


def test_change_and_cancel_send_mail_with_a_cancelling_ics(
    client: FlaskClient, world: Engine, app_engine: Engine, smtp: Inbox, port: int
) -> None:
    factory = sessionmaker(app_engine)
    _drain(factory, port)
    smtp.messages.clear()
    _, link = flow.book(client, world)
    client.get(link)
    page = client.get("/booking/cancel")
    client.post("/booking/cancel", data={"csrf_token": flow.csrf(page)})
    _drain(factory, port)
    subjects = [
        str(email.header.make_header(email.header.decode_header(m["Subject"]))) for m in smtp.messages
    ]
    assert any("予約を受け付けました" in s for s in subjects)
    cancel = next(
        m
        for m in smtp.messages
        if "取り消しました" in str(email.header.make_header(email.header.decode_header(m["Subject"])))
    )
    ics = (
        next(p for p in cancel.walk() if p.get_content_type() == "text/calendar")
        .get_payload(decode=True)
        .decode()
    )
    assert "METHOD:CANCEL" in ics
    assert "STATUS:CANCELLED" in ics


def test_reminders_go_out_seven_days_and_one_day_before_once_each(
    client: FlaskClient, world: Engine, app_engine: Engine
) -> None:
    number, _ = flow.book(client, world)
    factory = sessionmaker(app_engine)
    with factory.begin() as session:
        reservation = session.query(Reservation).filter_by(booking_no=number).one()
        starts = session.execute(
            text("SELECT starts_at FROM booking.slots WHERE id = :i"), {"i": reservation.slot_id}
        ).scalar_one()
        session.execute(
            text("UPDATE booking.reservations SET created_at = :c WHERE id = :i"),
            {"c": starts - timedelta(days=30), "i": reservation.id},
        )
    kinds = []
    for lead in (timedelta(days=6), timedelta(days=6, hours=1), timedelta(hours=20)):
        with factory.begin() as session:
            mail.enqueue_due_reminders(session, starts - lead)
    with world.connect() as conn:
        kinds = list(
            conn.execute(
                text(
                    "SELECT kind FROM booking.outbox o "
                    "JOIN booking.reservations r ON r.id = o.reservation_id "
                    "WHERE r.booking_no = :n AND kind LIKE 'reminder%' ORDER BY kind"
                ),
                {"n": number},
            ).scalars()
        )
    assert kinds == ["reminder_1d", "reminder_7d"]
