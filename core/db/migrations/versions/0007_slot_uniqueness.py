"""One slot per venue, procedure, counter and time, also for slots without a counter.

The unique constraint of 0001 let NULL counter ids repeat, so generating slots twice from a template without a
counter doubled them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 21:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keep the first of any duplicates that slipped in (only empty ones: a booked slot is never removed).
    op.execute(
        """
        DELETE FROM booking.slots s USING booking.slots k
        WHERE s.id > k.id AND s.venue_id = k.venue_id AND s.procedure_id = k.procedure_id
          AND coalesce(s.counter_id, 0) = coalesce(k.counter_id, 0) AND s.starts_at = k.starts_at
          AND s.booked = 0 AND s.held = 0
          AND NOT EXISTS (SELECT 1 FROM booking.reservations r WHERE r.slot_id = s.id)
          AND NOT EXISTS (SELECT 1 FROM booking.holds h WHERE h.slot_id = s.id)
        """
    )
    op.drop_constraint("uq_slots_venue_id_procedure_id_counter_id_starts_at", "slots", schema="booking")
    op.execute(
        "CREATE UNIQUE INDEX ux_slots_place_time ON booking.slots "
        "(venue_id, procedure_id, coalesce(counter_id, 0), starts_at)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX booking.ux_slots_place_time")
    op.create_unique_constraint(
        "uq_slots_venue_id_procedure_id_counter_id_starts_at",
        "slots",
        ["venue_id", "procedure_id", "counter_id", "starts_at"],
        schema="booking",
    )
