"""Initial schema: register, cards, booking, staff and audit; the two login roles; an append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 19:00:47.711144
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SCHEMAS = ("register", "cards", "booking", "staff", "audit")
APP_ROLE = "mynadesk_app"
SITE_ROLE = "mynadesk_site"
APP_SCHEMAS = ("register", "cards", "booking", "staff")

ROLES_SQL = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{SITE_ROLE}') THEN
        CREATE ROLE {SITE_ROLE} LOGIN;
    END IF;
END $$;
"""

AUDIT_SQL = """
CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '監査ログは追記のみで、変更・削除はできません / the audit log is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER log_append_only BEFORE UPDATE OR DELETE ON audit.log
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER log_no_truncate BEFORE TRUNCATE ON audit.log
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
"""


def _grant_sql() -> list[str]:
    database = "current_database()"
    statements = [
        f"DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {APP_ROLE}, {SITE_ROLE}', {database}); END $$",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {', '.join(SCHEMAS)} FROM PUBLIC",
    ]
    for schema in APP_SCHEMAS:
        statements += [
            f"GRANT USAGE ON SCHEMA {schema} TO {APP_ROLE}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {APP_ROLE}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}",
        ]
    statements += [
        # The audit log: the app may add and read entries, never change or remove them.
        f"GRANT USAGE ON SCHEMA audit TO {APP_ROLE}",
        f"GRANT SELECT, INSERT ON audit.log TO {APP_ROLE}",
        f"GRANT USAGE ON SEQUENCE audit.log_id_seq TO {APP_ROLE}",
        # The internet-facing site: the booking schema and nothing else.
        f"GRANT USAGE ON SCHEMA booking TO {SITE_ROLE}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA booking TO {SITE_ROLE}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA booking TO {SITE_ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA booking GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {SITE_ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA booking GRANT USAGE, SELECT ON SEQUENCES TO {SITE_ROLE}",
    ]
    return statements


def _revoke_sql() -> list[str]:
    statements = []
    for schema in (*APP_SCHEMAS, "audit"):
        statements += [
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {APP_ROLE}, {SITE_ROLE}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {APP_ROLE}, {SITE_ROLE}",
        ]
    statements.append(
        "DO $$ BEGIN EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM "
        f"{APP_ROLE}, {SITE_ROLE}', current_database()); END $$"
    )
    return statements


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    op.execute(ROLES_SQL)
    op.create_table(
        "log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False
        ),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=100), nullable=True),
        sa.Column("subject_atena_no", sa.String(length=15), nullable=True),
        sa.Column("client_addr", postgresql.INET(), nullable=True),
        sa.Column("terminal", sa.String(length=100), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log")),
        schema="audit",
    )
    op.create_index("ix_log_actor", "log", ["actor"], unique=False, schema="audit")
    op.create_index("ix_log_at", "log", ["at"], unique=False, schema="audit")
    op.create_index("ix_log_subject", "log", ["subject_atena_no"], unique=False, schema="audit")
    op.create_table(
        "procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name_ja", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("duration_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("required_items_ja", sa.Text(), nullable=True),
        sa.Column("required_items_en", sa.Text(), nullable=True),
        sa.Column("needs_notice_no", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("max_party_size", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_procedures_duration")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedures")),
        sa.UniqueConstraint("code", name=op.f("uq_procedures_code")),
        schema="booking",
    )
    op.create_table(
        "venues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_ja", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("address_ja", sa.String(length=200), nullable=True),
        sa.Column("address_en", sa.String(length=200), nullable=True),
        sa.Column("access_ja", sa.Text(), nullable=True),
        sa.Column("access_en", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
        sa.UniqueConstraint("code", name=op.f("uq_venues_code")),
        schema="booking",
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("legacy_id", sa.String(length=40), nullable=True),
        sa.Column("holder_atena_no", sa.String(length=15), nullable=True),
        sa.Column("holder_juminhyo_code", sa.String(length=11), nullable=True),
        sa.Column("notice_no", sa.String(length=10), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("revoke_reason", sa.String(length=20), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handed_over_by", sa.String(length=100), nullable=True),
        sa.Column("storage_box", sa.String(length=40), nullable=True),
        sa.Column("storage_slot", sa.String(length=20), nullable=True),
        sa.Column("on_hold", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("face_update_needed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(state = 'revoked' OR state = 'destroyed') = (revoke_reason IS NOT NULL)",
            name=op.f("ck_cards_reason"),
        ),
        sa.CheckConstraint("notice_no ~ '^[0-9A-Z]{3}-[0-9]{6}$'", name=op.f("ck_cards_notice_no")),
        sa.CheckConstraint(
            "state IN ('produced', 'arrived', 'preset', 'notified', 'mail_returned', 'reserved', 'reminded', 'issued', 'suspended', 'expired', 'revoked', 'destroyed')",
            name=op.f("ck_cards_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint("legacy_id", name=op.f("uq_cards_legacy_id")),
        sa.UniqueConstraint("notice_no", name=op.f("uq_cards_notice_no")),
        schema="cards",
    )
    op.create_index("ix_cards_expires_on", "cards", ["expires_on"], unique=False, schema="cards")
    op.create_index("ix_cards_holder", "cards", ["holder_atena_no"], unique=False, schema="cards")
    op.create_index("ix_cards_state", "cards", ["state"], unique=False, schema="cards")
    op.create_table(
        "extract_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("extract_date", sa.Date(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("loaded_by", sa.String(length=100), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('full', 'delta')", name=op.f("ck_extract_files_kind")),
        sa.CheckConstraint("status IN ('loaded', 'rejected')", name=op.f("ck_extract_files_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extract_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_extract_files_sha256")),
        schema="register",
    )
    op.create_table(
        "households",
        sa.Column("household_no", sa.String(length=15), nullable=False),
        sa.Column("head_atena_no", sa.String(length=15), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("household_no", name=op.f("pk_households")),
        schema="register",
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_code", sa.String(length=20), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("failed_logins", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("staff_code", name=op.f("uq_users_staff_code")),
        schema="staff",
    )
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason_ja", sa.String(length=200), nullable=False),
        sa.Column("reason_en", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint("kind IN ('closure', 'opening', 'jlis_outage')", name=op.f("ck_closures_kind")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_closures_period")),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["booking.venues.id"], name=op.f("fk_closures_venue_id_venues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closures")),
        schema="booking",
    )
    op.create_table(
        "counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["booking.venues.id"], name=op.f("fk_counters_venue_id_venues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counters")),
        sa.UniqueConstraint("venue_id", "name", name=op.f("uq_counters_venue_id_name")),
        schema="booking",
    )
    op.create_table(
        "venue_procedures",
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["booking.procedures.id"],
            name=op.f("fk_venue_procedures_procedure_id_procedures"),
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["booking.venues.id"], name=op.f("fk_venue_procedures_venue_id_venues")
        ),
        sa.PrimaryKeyConstraint("venue_id", "procedure_id", name=op.f("pk_venue_procedures")),
        schema="booking",
    )
    op.create_table(
        "card_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("card_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("source_file", sa.String(length=200), nullable=True),
        sa.Column("source_line", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.cards.id"], name=op.f("fk_card_events_card_id_cards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_events")),
        schema="cards",
    )
    op.create_index("ix_card_events_card_at", "card_events", ["card_id", "at"], unique=False, schema="cards")
    op.create_table(
        "certificates",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("card_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('user', 'signature')", name=op.f("ck_certificates_kind")),
        sa.CheckConstraint(
            "state = 'none' OR expires_on IS NOT NULL", name=op.f("ck_certificates_expiry_known")
        ),
        sa.CheckConstraint(
            "state IN ('none', 'valid', 'suspended', 'revoked', 'expired')",
            name=op.f("ck_certificates_state"),
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.cards.id"], name=op.f("fk_certificates_card_id_cards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("card_id", "kind", name=op.f("uq_certificates_card_id_kind")),
        schema="cards",
    )
    op.create_table(
        "resident_versions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("atena_no", sa.String(length=15), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("change_kind", sa.String(length=10), nullable=False),
        sa.Column("changed_columns", sa.Text(), nullable=True),
        sa.Column("source_file_id", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("juminhyo_code", sa.String(length=11), nullable=False),
        sa.Column("household_no", sa.String(length=15), nullable=False),
        sa.Column("relation", sa.String(length=40), nullable=False),
        sa.Column("resident_kind", sa.SmallInteger(), nullable=False),
        sa.Column("resident_status", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_kana", sa.String(length=200), nullable=False),
        sa.Column("name_alpha", sa.String(length=200), nullable=True),
        sa.Column("common_name", sa.String(length=200), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("birth_month", sa.SmallInteger(), nullable=True),
        sa.Column("birth_day", sa.SmallInteger(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.SmallInteger(), nullable=False),
        sa.Column("postal_code", sa.String(length=7), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("address_extra", sa.String(length=200), nullable=True),
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.Column("move_reason", sa.String(length=3), nullable=False),
        sa.Column("move_date", sa.Date(), nullable=False),
        sa.Column("notified_date", sa.Date(), nullable=True),
        sa.Column("card_status", sa.SmallInteger(), nullable=False),
        sa.Column("nationality", sa.String(length=100), nullable=True),
        sa.Column("residence_status", sa.String(length=100), nullable=True),
        sa.Column("residence_expiry", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("has_gaiji", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint("area_code ~ '^[0-9]{6}$'", name=op.f("ck_resident_versions_v_area_code")),
        sa.CheckConstraint(
            "juminhyo_code ~ '^[0-9]{11}$'", name=op.f("ck_resident_versions_v_juminhyo_code")
        ),
        sa.CheckConstraint(
            "move_reason ~ '^[ABC][0-9]{2}$'", name=op.f("ck_resident_versions_v_move_reason")
        ),
        sa.CheckConstraint("postal_code ~ '^[0-9]{7}$'", name=op.f("ck_resident_versions_v_postal_code")),
        sa.CheckConstraint(
            "birth_month IS NOT NULL OR birth_day IS NULL", name=op.f("ck_resident_versions_v_birth_parts")
        ),
        sa.CheckConstraint("card_status IN (0, 1, 2)", name=op.f("ck_resident_versions_v_card_status")),
        sa.CheckConstraint("resident_kind IN (1, 2)", name=op.f("ck_resident_versions_v_kind")),
        sa.CheckConstraint("resident_status IN (1, 2, 3, 9)", name=op.f("ck_resident_versions_v_status")),
        sa.CheckConstraint("sex IN (1, 2)", name=op.f("ck_resident_versions_v_sex")),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["register.extract_files.id"],
            name=op.f("fk_resident_versions_source_file_id_extract_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_versions")),
        schema="register",
    )
    op.create_index(
        "ix_resident_versions_atena_valid",
        "resident_versions",
        ["atena_no", "valid_from"],
        unique=False,
        schema="register",
    )
    op.create_table(
        "residents",
        sa.Column("atena_no", sa.String(length=15), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("juminhyo_code", sa.String(length=11), nullable=False),
        sa.Column("household_no", sa.String(length=15), nullable=False),
        sa.Column("relation", sa.String(length=40), nullable=False),
        sa.Column("resident_kind", sa.SmallInteger(), nullable=False),
        sa.Column("resident_status", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_kana", sa.String(length=200), nullable=False),
        sa.Column("name_alpha", sa.String(length=200), nullable=True),
        sa.Column("common_name", sa.String(length=200), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("birth_month", sa.SmallInteger(), nullable=True),
        sa.Column("birth_day", sa.SmallInteger(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.SmallInteger(), nullable=False),
        sa.Column("postal_code", sa.String(length=7), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("address_extra", sa.String(length=200), nullable=True),
        sa.Column("area_code", sa.String(length=6), nullable=False),
        sa.Column("move_reason", sa.String(length=3), nullable=False),
        sa.Column("move_date", sa.Date(), nullable=False),
        sa.Column("notified_date", sa.Date(), nullable=True),
        sa.Column("card_status", sa.SmallInteger(), nullable=False),
        sa.Column("nationality", sa.String(length=100), nullable=True),
        sa.Column("residence_status", sa.String(length=100), nullable=True),
        sa.Column("residence_expiry", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("has_gaiji", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint("area_code ~ '^[0-9]{6}$'", name=op.f("ck_residents_area_code")),
        sa.CheckConstraint("juminhyo_code ~ '^[0-9]{11}$'", name=op.f("ck_residents_juminhyo_code")),
        sa.CheckConstraint("move_reason ~ '^[ABC][0-9]{2}$'", name=op.f("ck_residents_move_reason")),
        sa.CheckConstraint("postal_code ~ '^[0-9]{7}$'", name=op.f("ck_residents_postal_code")),
        sa.CheckConstraint(
            "birth_month IS NOT NULL OR birth_day IS NULL", name=op.f("ck_residents_birth_parts")
        ),
        sa.CheckConstraint("card_status IN (0, 1, 2)", name=op.f("ck_residents_card_status")),
        sa.CheckConstraint("resident_kind IN (1, 2)", name=op.f("ck_residents_kind")),
        sa.CheckConstraint("resident_status IN (1, 2, 3, 9)", name=op.f("ck_residents_status")),
        sa.CheckConstraint("sex IN (1, 2)", name=op.f("ck_residents_sex")),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["register.extract_files.id"],
            name=op.f("fk_residents_source_file_id_extract_files"),
        ),
        sa.PrimaryKeyConstraint("atena_no", name=op.f("pk_residents")),
        schema="register",
    )
    op.create_index("ix_residents_birth_date", "residents", ["birth_date"], unique=False, schema="register")
    op.create_index(
        "ix_residents_household_no", "residents", ["household_no"], unique=False, schema="register"
    )
    op.create_index(
        "ix_residents_juminhyo_code", "residents", ["juminhyo_code"], unique=True, schema="register"
    )
    op.create_index("ix_residents_name_kana", "residents", ["name_kana"], unique=False, schema="register")
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'manager', 'counter', 'analyst', 'booking')", name=op.f("ck_user_roles_role")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff.users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
        schema="staff",
    )
    op.create_table(
        "slot_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("slot_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("capacity", sa.SmallInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint("slot_minutes > 0 AND capacity > 0", name=op.f("ck_slot_templates_sizes")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_slot_templates_times")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_slot_templates_weekday")),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["booking.counters.id"], name=op.f("fk_slot_templates_counter_id_counters")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["booking.procedures.id"],
            name=op.f("fk_slot_templates_procedure_id_procedures"),
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["booking.venues.id"], name=op.f("fk_slot_templates_venue_id_venues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_templates")),
        schema="booking",
    )
    op.create_table(
        "slots",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.SmallInteger(), nullable=False),
        sa.Column("booked", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("held", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("booked + held <= capacity", name=op.f("ck_slots_not_overbooked")),
        sa.CheckConstraint("booked >= 0 AND held >= 0", name=op.f("ck_slots_counts")),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_slots_capacity")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_slots_period")),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["booking.counters.id"], name=op.f("fk_slots_counter_id_counters")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["booking.procedures.id"], name=op.f("fk_slots_procedure_id_procedures")
        ),
        sa.ForeignKeyConstraint(["venue_id"], ["booking.venues.id"], name=op.f("fk_slots_venue_id_venues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slots")),
        sa.UniqueConstraint(
            "venue_id",
            "procedure_id",
            "counter_id",
            "starts_at",
            name=op.f("uq_slots_venue_id_procedure_id_counter_id_starts_at"),
        ),
        schema="booking",
    )
    op.create_index(
        "ix_slots_venue_start", "slots", ["venue_id", "starts_at"], unique=False, schema="booking"
    )
    op.create_table(
        "holds",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("slot_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("party_size", sa.SmallInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("party_size > 0", name=op.f("ck_holds_party_size")),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["booking.slots.id"], name=op.f("fk_holds_slot_id_slots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_holds_token_hash")),
        schema="booking",
    )
    op.create_index("ix_holds_expires_at", "holds", ["expires_at"], unique=False, schema="booking")
    op.create_table(
        "reservations",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("booking_no", sa.String(length=20), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("slot_id", sa.BigInteger(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("party_size", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("status", sa.String(length=12), server_default=sa.text("'booked'"), nullable=False),
        sa.Column("channel", sa.String(length=10), server_default=sa.text("'web'"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("name_kana", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("notice_no", sa.String(length=10), nullable=True),
        sa.Column("language", sa.String(length=2), server_default=sa.text("'ja'"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(length=100), nullable=True),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("channel IN ('web', 'counter', 'phone')", name=op.f("ck_reservations_channel")),
        sa.CheckConstraint(
            "status IN ('booked', 'cancelled', 'checked_in', 'completed', 'no_show')",
            name=op.f("ck_reservations_status"),
        ),
        sa.CheckConstraint("party_size > 0", name=op.f("ck_reservations_party_size")),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["booking.procedures.id"], name=op.f("fk_reservations_procedure_id_procedures")
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["booking.slots.id"], name=op.f("fk_reservations_slot_id_slots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.UniqueConstraint("booking_no", name=op.f("uq_reservations_booking_no")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_reservations_secret_hash")),
        schema="booking",
    )
    op.create_index(
        "ix_reservations_notice_no", "reservations", ["notice_no"], unique=False, schema="booking"
    )
    op.create_index("ix_reservations_slot", "reservations", ["slot_id"], unique=False, schema="booking")
    op.execute(AUDIT_SQL)
    for statement in _grant_sql():
        op.execute(statement)


def downgrade() -> None:
    for statement in _revoke_sql():
        op.execute(statement)
    op.execute("DROP TABLE audit.log CASCADE")  # triggers refuse TRUNCATE, not DROP
    op.execute("DROP FUNCTION audit.refuse_change()")
    op.drop_index("ix_reservations_slot", table_name="reservations", schema="booking")
    op.drop_index("ix_reservations_notice_no", table_name="reservations", schema="booking")
    op.drop_table("reservations", schema="booking")
    op.drop_index("ix_holds_expires_at", table_name="holds", schema="booking")
    op.drop_table("holds", schema="booking")
    op.drop_index("ix_slots_venue_start", table_name="slots", schema="booking")
    op.drop_table("slots", schema="booking")
    op.drop_table("slot_templates", schema="booking")
    op.drop_table("user_roles", schema="staff")
    op.drop_index("ix_residents_name_kana", table_name="residents", schema="register")
    op.drop_index("ix_residents_juminhyo_code", table_name="residents", schema="register")
    op.drop_index("ix_residents_household_no", table_name="residents", schema="register")
    op.drop_index("ix_residents_birth_date", table_name="residents", schema="register")
    op.drop_table("residents", schema="register")
    op.drop_index("ix_resident_versions_atena_valid", table_name="resident_versions", schema="register")
    op.drop_table("resident_versions", schema="register")
    op.drop_table("certificates", schema="cards")
    op.drop_index("ix_card_events_card_at", table_name="card_events", schema="cards")
    op.drop_table("card_events", schema="cards")
    op.drop_table("venue_procedures", schema="booking")
    op.drop_table("counters", schema="booking")
    op.drop_table("closures", schema="booking")
    op.drop_table("users", schema="staff")
    op.drop_table("households", schema="register")
    op.drop_table("extract_files", schema="register")
    op.drop_index("ix_cards_state", table_name="cards", schema="cards")
    op.drop_index("ix_cards_holder", table_name="cards", schema="cards")
    op.drop_index("ix_cards_expires_on", table_name="cards", schema="cards")
    op.drop_table("cards", schema="cards")
    op.drop_table("venues", schema="booking")
    op.drop_table("procedures", schema="booking")
    for schema in reversed(SCHEMAS):
        op.execute(f"DROP SCHEMA IF EXISTS {schema}")
