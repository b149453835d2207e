"""A tamper-evident audit log (issue 16, item 5): every audit.log row carries a gapless sequence number, the
hash of the row before it and its own hash, sha256(prev_hash || canonical row). Rows are appended only by
audit.append (SECURITY DEFINER), which locks the single chain-head row first, so concurrent writers queue and
the chain never forks; the app role loses INSERT on audit.log. Existing rows are chained here, in id order.

The canonical text of a row is made by ONE function, audit.canonical, used by audit.append and by
`mynadesk audit verify` alike. Its form (version 1, fixed; docs/security.md) is PostgreSQL's json text of
    ["mynadesk-audit/1", seq, id, at, actor, actor_role, action, object_type, object_id, subject_atena_no,
     client_addr, terminal, summary, detail]
where at is UTC with microseconds (2026-12-04T09:15:00.123456Z), client_addr is abbrev(inet), detail is
jsonb's text form (its keys sorted) as a JSON string, and SQL NULL is JSON null. Text is NFC: audit.append
normalizes every text (detail's strings too) before it stores and hashes the row, so the canonical form hashes
the stored text as it is (normalizing 1M rows again would double verify's time).

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "mynadesk_app"
GENESIS = "decode(repeat('00', 32), 'hex')"  # the prev_hash of the first row

# No SET search_path on these two (it would stop PostgreSQL inlining them into verify's query): every name in
# them is pg_catalog's or schema-qualified.
CANONICAL_SQL = """
CREATE FUNCTION audit.canonical(r audit.log) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_array(
        'mynadesk-audit/1', r.seq, r.id,
        to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        r.actor, r.actor_role, r.action,
        r.object_type, r.object_id, r.subject_atena_no,
        abbrev(r.client_addr), r.terminal, r.summary,
        r.detail::text
    )::text
$$;
CREATE FUNCTION audit.row_hash(prev bytea, r audit.log) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sha256(prev || convert_to(audit.canonical(r), 'UTF8'))
$$;
"""

# Where the chain ends now: one row, locked by every append (the order of appends is the order of this lock).
HEAD_SQL = f"""
CREATE TABLE audit.chain_head (
    only_row boolean DEFAULT true CONSTRAINT ck_chain_head_only_row CHECK (only_row),
    seq bigint NOT NULL,
    row_hash bytea NOT NULL,
    CONSTRAINT pk_chain_head PRIMARY KEY (only_row)
);
-- Heads written down (daily by the site worker, and by `mynadesk audit head`): a later truncation of the
-- newest rows cannot match them. Append-only like the log.
CREATE TABLE audit.chain_heads (
    id bigserial,
    recorded_at timestamptz NOT NULL,
    seq bigint NOT NULL,
    row_hash bytea NOT NULL,
    CONSTRAINT pk_chain_heads PRIMARY KEY (id)
);
CREATE TRIGGER chain_heads_append_only BEFORE UPDATE OR DELETE ON audit.chain_heads
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER chain_heads_no_truncate BEFORE TRUNCATE ON audit.chain_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
REVOKE ALL ON audit.chain_head, audit.chain_heads FROM PUBLIC;
GRANT SELECT ON audit.chain_head, audit.chain_heads TO {APP_ROLE};
"""

# The existing rows, chained in id order (the triggers refuse UPDATE: switched off for this one statement).
CHAIN_EXISTING_SQL = f"""
CREATE TEMPORARY TABLE chained (id bigint PRIMARY KEY, seq bigint, prev_hash bytea, row_hash bytea)
    ON COMMIT DROP;
DO $$
DECLARE
    r audit.log%ROWTYPE;
    n bigint := 0;
    h bytea := {GENESIS};
BEGIN
    FOR r IN SELECT * FROM audit.log ORDER BY id LOOP
        n := n + 1;
        r.seq := n;
        r.prev_hash := h;
        h := audit.row_hash(h, r);
        INSERT INTO chained VALUES (r.id, n, r.prev_hash, h);
    END LOOP;
    INSERT INTO audit.chain_head (seq, row_hash) VALUES (n, h);
END $$;
ALTER TABLE audit.log DISABLE TRIGGER log_append_only;
UPDATE audit.log l SET seq = c.seq, prev_hash = c.prev_hash, row_hash = c.row_hash
    FROM chained c WHERE c.id = l.id;
ALTER TABLE audit.log ENABLE TRIGGER log_append_only;
ALTER TABLE audit.log ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN row_hash SET NOT NULL,
    ADD CONSTRAINT uq_log_seq UNIQUE (seq);
"""

APPEND_SQL = f"""
CREATE FUNCTION audit.append(p_actor text, p_actor_role text, p_action text, p_object_type text,
    p_object_id text, p_subject_atena_no text, p_client_addr inet, p_terminal text, p_summary text,
    p_detail jsonb)
RETURNS SETOF audit.log
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    head audit.chain_head%ROWTYPE;
    r audit.log%ROWTYPE;
BEGIN
    SELECT * INTO STRICT head FROM audit.chain_head FOR UPDATE;  -- writers queue here: one chain, no forks
    r.id := nextval('audit.log_id_seq');
    r.seq := head.seq + 1;
    r.at := clock_timestamp();
    r.actor := normalize(p_actor, NFC);
    r.actor_role := normalize(p_actor_role, NFC);
    r.action := normalize(p_action, NFC);
    r.object_type := normalize(p_object_type, NFC);
    r.object_id := normalize(p_object_id, NFC);
    r.subject_atena_no := normalize(p_subject_atena_no, NFC);
    r.client_addr := p_client_addr;
    r.terminal := normalize(p_terminal, NFC);
    r.summary := normalize(p_summary, NFC);
    r.detail := normalize(p_detail::text, NFC)::jsonb;
    r.prev_hash := head.row_hash;
    r.row_hash := audit.row_hash(head.row_hash, r);
    INSERT INTO audit.log SELECT r.*;
    UPDATE audit.chain_head SET seq = r.seq, row_hash = r.row_hash;
    RETURN NEXT r;
END
$$;

-- Write down where the chain ends now (waits for appends in flight, so the head is one that commits first).
CREATE FUNCTION audit.record_head(p_at timestamptz) RETURNS SETOF audit.chain_heads
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH head AS (SELECT seq, row_hash FROM audit.chain_head FOR UPDATE)
    INSERT INTO audit.chain_heads (recorded_at, seq, row_hash) SELECT p_at, seq, row_hash FROM head
    RETURNING *
$$;
REVOKE ALL ON FUNCTION audit.append(text, text, text, text, text, text, inet, text, text, jsonb),
    audit.record_head(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.append(text, text, text, text, text, text, inet, text, text, jsonb),
    audit.record_head(timestamptz) TO {APP_ROLE};
REVOKE INSERT ON audit.log FROM {APP_ROLE};
REVOKE USAGE ON SEQUENCE audit.log_id_seq FROM {APP_ROLE};
"""


def upgrade() -> None:
    # the chain's order is the lock's order: no append may slip in while the existing rows are chained
    op.execute("LOCK TABLE audit.log IN EXCLUSIVE MODE")
    op.execute(
        "ALTER TABLE audit.log ADD COLUMN seq bigint, ADD COLUMN prev_hash bytea, ADD COLUMN row_hash bytea"
    )
    op.execute(CANONICAL_SQL)
    op.execute(HEAD_SQL)
    op.execute(CHAIN_EXISTING_SQL)
    op.execute(APPEND_SQL)


def downgrade() -> None:
    op.execute(f"GRANT INSERT ON audit.log TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE audit.log_id_seq TO {APP_ROLE}")
    op.execute("DROP FUNCTION audit.record_head(timestamptz)")
    op.execute("DROP FUNCTION audit.append(text, text, text, text, text, text, inet, text, text, jsonb)")
    op.execute("DROP TABLE audit.chain_heads, audit.chain_head")
    op.execute("DROP FUNCTION audit.row_hash(bytea, audit.log)")
    op.execute("DROP FUNCTION audit.canonical(audit.log)")
    op.execute("ALTER TABLE audit.log DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN row_hash")
