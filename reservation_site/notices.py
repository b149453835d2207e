"""Ask the ledger about a 交付通知書 the way the database allows (core.services.pickup): the guess is counted
and committed in one transaction, its answer read in the next."""

from __future__ import annotations

from datetime import date

from core.services import pickup
from reservation_site import web


def ask_notice(notice_no: str, birth_date: date) -> pickup.NoticeAnswer | int | None:
    """Where the card of NOTICE_NO waits for a holder born on BIRTH_DATE; None when no such card waits for
    them; the seconds to wait when the number was guessed wrongly just before (by anyone)."""
    with web.transaction() as db:
        asked = pickup.ask(db, notice_no, birth_date)
    if asked.ticket is None:
        return asked.wait_seconds
    with web.transaction() as db:
        return pickup.answer(db, asked.ticket)
