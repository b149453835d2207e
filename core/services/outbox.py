"""The mail worker's side of the outbox: send what is due over SMTP, retry with backoff on failure. A booking
mail's secret link is made here, at send time (only its hash is kept), and a sent row keeps no body."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db.models.booking import Outbox, Reservation
from core.services.mail import LINK_PLACEHOLDER, SITE_PLACEHOLDER
from core.services.tokens import new_secret

MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send."""

    host: str
    port: int
    sender: str
    site_base_url: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        """The SMTP settings of MYNADESK_SMTP_*."""
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_from,
            settings.site_base_url,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_starttls,
        )


def build_message(row: Outbox, config: SmtpConfig, secret: str | None = None) -> EmailMessage:
    """The MIME message of an outbox row, with the .ics attached; SECRET: the booking's fresh link secret
    (without one the mail points at the look-up page)."""
    body = (row.body or "").replace(
        LINK_PLACEHOLDER, f"{SITE_PLACEHOLDER}/m/{secret}" if secret else f"{SITE_PLACEHOLDER}/lookup"
    )
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = config.sender
    message["To"] = row.to_address
    message["Message-ID"] = make_msgid(domain="mynadesk.invalid")
    message.set_content(body.replace(SITE_PLACEHOLDER, config.site_base_url))
    if row.ics:
        message.add_attachment(
            row.ics.encode(), maintype="text", subtype="calendar", filename="reservation.ics"
        )
    return message


def smtp_send(config: SmtpConfig, message: EmailMessage) -> None:
    """Send one message over SMTP."""
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as client:
        if config.starttls:
            client.starttls()
        if config.user and config.password:
            client.login(config.user, config.password)
        client.send_message(message)


def _fresh_link(session: Session, row: Outbox) -> str | None:
    """A new secret link for the row's booking when its mail carries one (its hash kept in the booking; a
    retry makes another); None when the mail has none or the booking is gone."""
    if LINK_PLACEHOLDER not in (row.body or "") or row.reservation_id is None:
        return None
    reservation = session.get(Reservation, row.reservation_id)
    if reservation is None:
        return None
    secret, secret_hash = new_secret()
    reservation.mail_secret_hash = secret_hash
    session.flush()
    return secret


def _due(session: Session, now: datetime, limit: int) -> list[Outbox]:
    query = (
        select(Outbox)
        .where(Outbox.sent_at.is_(None), Outbox.next_attempt_at <= now)
        .order_by(Outbox.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def send_due(
    factory: sessionmaker[Session],
    config: SmtpConfig,
    now: datetime,
    limit: int = 100,
    send: Callable[[SmtpConfig, EmailMessage], None] = smtp_send,
) -> tuple[int, int]:
    """Send due mail, one transaction per message; return (sent, failed). Failures wait and are retried."""
    sent = failed = 0
    for _ in range(limit):
        with factory.begin() as session:
            rows = _due(session, now, 1)
            if not rows:
                break
            row = rows[0]
            try:
                send(config, build_message(row, config, _fresh_link(session, row)))
            except (OSError, smtplib.SMTPException) as error:
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:500]
                row.next_attempt_at = now + min(timedelta(minutes=2**row.attempts), MAX_BACKOFF)
                failed += 1
                if failed >= 3:  # the server is down: stop hammering it, the rest waits for the next round
                    break
            else:
                row.sent_at = now
                row.last_error = None
                row.body = row.ics = None  # the resident's details do not outlive the send
                sent += 1
    return sent, failed
