"""Issue 15's fault test with real bookings: 8 clients book through the reservation site's services and
role on the multi-host URL, every process of the primary is killed, the synchronous standby is promoted, and
the clients carry on. Each booking attempt carries its idempotency key (core/services/booking_keys.py) and a
client whose commit went unanswered sends the same attempt again until it is answered: afterwards every
attempt has exactly one booking, every acknowledged booking is on the new primary, and no slot holds more
seats than its bookings. Real PostgreSQL processes (pgserver's binaries), bounded in time."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.config import Settings
from core.db.engine import database_url, engine_for, make_session_factory
from core.db.migrate import upgrade
from core.db.models.booking import Procedure, Slot
from core.domain.booking import BookingError, SlotTaken
from core.ops.cluster_state import load_state
from core.ops.standby import create_standby, failover
from core.services import booking
from core.services.booking_keys import book_once, new_key
from core.services.slots import load_rules
from core.services.tokens import hash_token
from demo.seed import seed_fujisawa
from tests.ops.conftest import kill_server, wait_for

CLIENTS = 8


@dataclass(frozen=True)
class Attempt:
    """One booking attempt as its client saw it end: acknowledged (AT), after how many unanswered sendings;
    SENT is when the answered sending started (a booking sent after a kill was made by the new primary)."""

    key: str
    reservation_id: int
    unanswered: int
    replayed: bool
    sent: float
    at: float


class Bookers:
    """CLIENTS threads booking one seat at a time, each attempt with its own key, resent until answered."""

    def __init__(self, settings: Settings, slot_ids: list[int]) -> None:
        self.factory = make_session_factory(engine_for(settings, "site", pool_size=CLIENTS))
        with self.factory() as session:
            self.rules = load_rules(session)
        self.slot_ids = slot_ids
        self.done: list[Attempt] = []
        self.lost_holds = 0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._book, args=(n,)) for n in range(CLIENTS)]

    def _hold(self, client: int, turn: int) -> booking.HoldTicket | None:
        for slot_id in self.slot_ids[(client + turn) % len(self.slot_ids) :] + self.slot_ids:
            try:
                with self.factory.begin() as session:
                    return booking.hold_seats(session, slot_id, 1, datetime.now(UTC), self.rules)
            except SlotTaken:  # full: the next one
                continue
            except DBAPIError:  # no answer: a hold that may exist runs out by itself, nothing is booked
                self.lost_holds += 1
                time.sleep(0.1)
                return None
        return None

    def _book(self, client: int) -> None:
        turn = 0
        while not self.stop.is_set():
            turn += 1
            ticket = self._hold(client, turn)
            if ticket is None:
                continue
            key = new_key()
            details = booking.Details(
                name=f"フェイルオーバー 試験{client}", name_kana="フェイルオーバー シケン",
                phone=f"090{client:02d}{turn:06d}", email=None, birth_date=date(1980, 1, 1),
            )  # fmt: skip
            unanswered = 0
            while True:  # the same attempt, the same key, until it is answered (as a resident's reload)
                sent = time.monotonic()
                try:
                    with self.factory.begin() as session:
                        booked = book_once(session, key, ticket, details, datetime.now(UTC), self.rules)
                    break
                except DBAPIError:
                    unanswered += 1
                    time.sleep(0.1)
            done = Attempt(key, booked.reservation.id, unanswered, booked.replayed, sent, time.monotonic())
            self.done.append(done)

    def sent_after(self, moment: float) -> list[Attempt]:
        """The attempts whose answered sending started after MOMENT (made by the server up then)."""
        return [attempt for attempt in self.done if attempt.sent > moment]

    def __enter__(self) -> Bookers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def _cert_slots(settings: Settings) -> list[int]:
    """Up to 200 renewal slots that take a booking now (Fujisawa's demo set-up; tried in a rolled-back
    transaction, so the window and closures are the booking rules' own)."""
    owner = engine_for(settings, "owner")
    with Session(owner) as session, session.begin():
        seed_fujisawa(session, datetime.now(UTC).date())
    ids: list[int] = []
    with Session(owner) as session:  # closed without a commit: every trial hold is rolled back
        renewal = session.scalars(select(Procedure.id).where(Procedure.code == "cert_renewal")).one()
        rules = load_rules(session)
        query = select(Slot.id).where(Slot.procedure_id == renewal).order_by(Slot.starts_at).limit(1000)
        for slot_id in session.scalars(query).all():
            try:
                booking.hold_seats(session, slot_id, 1, datetime.now(UTC), rules)
            except BookingError:
                continue
            ids.append(slot_id)
            if len(ids) == 200:
                break
    owner.dispose()
    return ids


def outcome(settings: Settings, bookers: Bookers) -> tuple[dict[str, int], int, int]:
    """On the node the multi-host URL reaches (the primary): the acknowledged attempts' keys found (key hash →
    reservation), how many bookings exist, and how many slots' seat counts disagree with their bookings."""
    keys = [hash_token(a.key) for a in bookers.done]
    owner = engine_for(settings, "owner")
    with owner.connect() as conn:
        stored = dict(
            conn.execute(
                text("SELECT key_hash, reservation_id FROM booking.booking_keys WHERE key_hash = ANY(:k)"),
                {"k": keys},
            ).all()
        )
        bookings = conn.execute(text("SELECT count(*) FROM booking.reservations")).scalar_one()
        overbooked = conn.execute(
            text(
                "SELECT count(*) FROM booking.slots s"
                " WHERE s.booked <> (SELECT coalesce(sum(r.party_size), 0) FROM booking.reservations r"
                " WHERE r.slot_id = s.id AND r.status = 'booked')"
                " OR s.booked + s.held > s.capacity"
            )
        ).scalar_one()
    owner.dispose()
    return stored, bookings, overbooked


def report(bookers: Bookers, stored: dict[str, int]) -> str:
    """What the clients saw: acknowledged, found again, resent after no answer and how those ended."""
    resent = [a for a in bookers.done if a.unanswered]
    return (
        f"bookings acknowledged {len(bookers.done)}, all found: {len(stored) == len(bookers.done)};"
        f" sent again after no answer {len(resent)}: {sum(a.replayed for a in resent)} had been booked"
        f" (found by key), {sum(not a.replayed for a in resent)} were booked by the resend;"
        f" holds without answer {bookers.lost_holds}"
    )


def test_bookings_through_a_failover_are_each_made_once_and_none_is_lost(settings: Settings) -> None:
    upgrade(database_url(settings, "owner"))
    slot_ids = _cert_slots(settings)
    assert len(slot_ids) >= 10
    create_standby(settings, 5434, synchronous=True)
    state = load_state(settings.data_dir)
    assert state is not None
    old = state.primary_node

    with Bookers(settings, slot_ids) as bookers:
        wait_for(lambda: len(bookers.done) >= 30, 60)
        killed, _ = kill_server(old.pgdata)
        failover(settings)
        wait_for(lambda: len(bookers.sent_after(killed)) >= 30, 60)
    first_after = min(a.at for a in bookers.sent_after(killed))

    stored, bookings, overbooked = outcome(settings, bookers)
    print(f"\n{report(bookers, stored)}; RTO (kill → first booking) {first_after - killed:.2f} s")
    assert stored == {
        hash_token(a.key): a.reservation_id for a in bookers.done
    }  # each acknowledged one is there
    assert bookings == len(bookers.done)  # and nothing else: no attempt booked twice
    assert overbooked == 0
