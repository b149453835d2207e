"""The current version of a person lives in register.residents; resident_versions keeps the superseded ones.

Until now every version, the current one too, had a row in resident_versions: the current version was
stored twice, and a first full load of 443,283 people wrote the register twice (the history INSERT cost as
much as the load's COPY). As in SQL:2011 system-versioned tables, the current row now carries its own
version metadata (valid_from, change_kind, changed_columns, recorded_by, recorded_at) and a version moves to
resident_versions (with its valid_to) when a newer one replaces it. No history is lost: the current
versions' metadata is copied into residents before their duplicate rows go.

The CHECKs on the code columns say the same as before without a regular expression a row
(`x ~ '^[0-9]{6}$'` is `octet_length(x) = 6 AND ltrim(x, '0123456789') = ''`): PostgreSQL's regex engine
cost about 1 s of a 443,283-row COPY for the four patterns; the string functions cost half of that.
The plain name_kana index goes: no query uses it, and each load paid for it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_CHECKS = {
    "juminhyo_code": "juminhyo_code ~ '^[0-9]{11}$'",
    "postal_code": "postal_code ~ '^[0-9]{7}$'",
    "area_code": "area_code ~ '^[0-9]{6}$'",
    "move_reason": "move_reason ~ '^[ABC][0-9]{2}$'",
}
_NEW_CHECKS = {
    "juminhyo_code": "octet_length(juminhyo_code) = 11 AND ltrim(juminhyo_code, '0123456789') = ''",
    "postal_code": "octet_length(postal_code) = 7 AND ltrim(postal_code, '0123456789') = ''",
    "area_code": "octet_length(area_code) = 6 AND ltrim(area_code, '0123456789') = ''",
    "move_reason": "octet_length(move_reason) = 3 AND rtrim(move_reason, '0123456789') IN ('A', 'B', 'C')",
}
_TABLES = {"residents": "ck_residents_", "resident_versions": "ck_resident_versions_v_"}
_METADATA = ("valid_from", "change_kind", "changed_columns", "recorded_by", "recorded_at")
_PERSON = (
    "atena_no, juminhyo_code, household_no, relation, resident_kind, resident_status, name, name_kana,"
    " name_alpha, common_name, birth_year, birth_month, birth_day, birth_date, sex, postal_code, address,"
    " address_extra, area_code, move_reason, move_date, notified_date, card_status, nationality,"
    " residence_status, residence_expiry, updated_at, has_gaiji, version, source_file_id, source_line"
)


def _replace_checks(checks: dict[str, str]) -> None:
    for table, prefix in _TABLES.items():
        for name, rule in checks.items():
            op.drop_constraint(op.f(f"{prefix}{name}"), table, type_="check", schema="register")
            op.create_check_constraint(op.f(f"{prefix}{name}"), table, rule, schema="register")


def upgrade() -> None:
    # Defaults for rows added by hand (seeds, tests): a new person valid from when it was recorded.
    op.add_column(
        "residents",
        sa.Column("valid_from", sa.DateTime(timezone=True), server_default=sa.text("now()")),
        schema="register",
    )
    op.add_column(
        "residents",
        sa.Column("change_kind", sa.String(length=10), server_default=sa.text("'new'")),
        schema="register",
    )
    op.add_column("residents", sa.Column("changed_columns", sa.Text()), schema="register")
    op.add_column(
        "residents",
        sa.Column("recorded_by", sa.String(length=100), server_default=sa.text("current_user")),
        schema="register",
    )
    op.add_column(
        "residents",
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
        schema="register",
    )
    op.execute(
        f"""UPDATE register.residents r SET ({", ".join(_METADATA)}) = ({", ".join(f"v.{c}" for c in _METADATA)})
        FROM register.resident_versions v WHERE v.atena_no = r.atena_no AND v.valid_to IS NULL"""
    )
    # Nobody lacks a current version (every load wrote one); should anyone, their record says so.
    op.execute(
        """UPDATE register.residents SET valid_from = updated_at, change_kind = 'new',
            recorded_by = 'migration 0009', recorded_at = now()
        WHERE NOT EXISTS (SELECT 1 FROM register.resident_versions v
                          WHERE v.atena_no = residents.atena_no AND v.valid_to IS NULL)"""
    )
    op.execute("DELETE FROM register.resident_versions WHERE valid_to IS NULL")
    for column in ("valid_from", "change_kind", "recorded_by", "recorded_at"):
        op.alter_column("residents", column, nullable=False, schema="register")
    op.alter_column("resident_versions", "valid_to", nullable=False, schema="register")
    _replace_checks(_NEW_CHECKS)
    # Nothing reads by it: searches use the compact-kana prefix index (0005), sorts ask for COLLATE "C".
    op.drop_index("ix_residents_name_kana", table_name="residents", schema="register")


def downgrade() -> None:
    op.create_index("ix_residents_name_kana", "residents", ["name_kana"], schema="register")
    _replace_checks(_OLD_CHECKS)
    op.alter_column("resident_versions", "valid_to", nullable=True, schema="register")
    op.execute(
        f"""INSERT INTO register.resident_versions ({_PERSON}, {", ".join(_METADATA)})
        SELECT {_PERSON}, {", ".join(_METADATA)} FROM register.residents"""
    )
    for column in reversed(_METADATA):
        op.drop_column("residents", column, schema="register")
