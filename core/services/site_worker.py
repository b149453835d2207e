"""One round of the reservation site's worker (`mynadesk site worker`): make slots, free expired holds,
queue reminders, anonymise past bookings, forget old rate, flow and pickup records, write down the day's
audit chain head (once a day), then send due mail.

Its FACTORY is the console/ETL role's (the site's role may not make slots, send mail or anonymise): the
housekeeping runs in one transaction, then outbox.send_due sends the due mail in its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from core.clock import day_of
from core.services import audit_chain, flow_states, mail, maintenance, pickup, ratelimit
from core.services.outbox import SmtpConfig, send_due
from core.services.slots import generate_slots, load_rules


def run_round(factory: sessionmaker[Session], smtp: SmtpConfig, now: datetime) -> dict[str, int]:
    """One round at NOW; what it did, by name (slots, seats freed, reminders, sent, failed, anonymised,
    audit_head: 1 when the day's audit chain head was written down)."""
    today = day_of(now)
    with factory.begin() as session:
        rules = load_rules(session)
        slots = generate_slots(session, today, today + timedelta(days=rules.max_days_ahead + 1))
        seats = maintenance.release_expired_holds(session, now)
        reminders = mail.enqueue_due_reminders(session, now)
        anonymised = maintenance.anonymise_past(session, now, rules)
        ratelimit.forget_old(session, now)
        flow_states.forget_expired(session, now)
        pickup.forget_old_attempts(session, now)
        head = audit_chain.record_daily_head(session, now)
    sent, failed = send_due(factory, smtp, now)
    return {
        "slots": slots,
        "seats": seats,
        "reminders": reminders,
        "sent": sent,
        "failed": failed,
        "anonymised": anonymised,
        "audit_head": 0 if head is None else 1,
    }
