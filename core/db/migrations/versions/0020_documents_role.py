"""The console role 文書担当 (documents, issue 17): staff who index scanned sheets and search and view them.
Downgrading refuses while anyone still holds the role (drop it from them first: `mynadesk staff roles`).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("admin", "manager", "counter", "analyst", "booking")
AFTER = (*BEFORE, "documents")


def _check(roles: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_user_roles_role"), "user_roles", schema="staff", type_="check")
    op.create_check_constraint(
        op.f("ck_user_roles_role"),
        "user_roles",
        f"role IN ({', '.join(repr(r) for r in roles)})",
        schema="staff",
    )


def upgrade() -> None:
    _check(AFTER)


def downgrade() -> None:
    _check(BEFORE)
