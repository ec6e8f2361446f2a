import type { PoolClient } from 'pg';

/**
 * The PostgreSQL store's first schema: the SQLite store's tables, shared by every host.
 *
 * - Timestamps are text in the port's ISO form (`toISOString()`), returned exactly as written, like
 *   SQLite's; COLLATE "C" makes their comparisons and ordering bytewise (as in SQLite) whatever the
 *   database's collation. The idempotency key is "C" too, so a run's keys are one index range.
 * - The audit entry is kept as text (what the hash covers); `doc` is the same entry as jsonb for
 *   the query filters, NULL when the text is not JSON (only tampering can put such a row there),
 *   so a bad row never aborts a query.
 * - The database refuses UPDATE, DELETE and TRUNCATE of the audit log (statement triggers, so even a
 *   statement matching no row is refused). The owner can still disable triggers: that is tampering,
 *   which verifyChain and a published anchor catch.
 */
export async function up(db: Pick<PoolClient, 'query'>): Promise<void> {
  await db.query(`
    CREATE FUNCTION engine_try_jsonb(entry text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    BEGIN
      RETURN entry::jsonb;
    EXCEPTION WHEN others THEN
      RETURN NULL;
    END $$;

    CREATE FUNCTION engine_try_instant(value text) RETURNS timestamptz LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
    BEGIN
      RETURN value::timestamptz;
    EXCEPTION WHEN others THEN
      RETURN NULL;
    END $$;

    CREATE FUNCTION engine_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$;

    CREATE TABLE audit (
      seq bigint PRIMARY KEY,
      entry text NOT NULL,
      hash text NOT NULL,
      idempotency_key text COLLATE "C" UNIQUE,
      doc jsonb GENERATED ALWAYS AS (engine_try_jsonb(entry)) STORED
    );
    CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH STATEMENT EXECUTE FUNCTION engine_audit_append_only();
    CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION engine_audit_append_only();

    CREATE TABLE dead_letters (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      received_at text COLLATE "C" NOT NULL,
      source text NOT NULL,
      reason text NOT NULL,
      issues text NOT NULL,
      headers text NOT NULL,
      body bytea NOT NULL,
      status text NOT NULL DEFAULT 'open',
      replayed_at text,
      replay_result text
    );
    CREATE INDEX dead_letters_by_source ON dead_letters (source, id);

    CREATE TABLE cursors (name text PRIMARY KEY, value text NOT NULL);

    CREATE TABLE documents (
      workflow_id text NOT NULL,
      run_id text NOT NULL,
      ticket text,
      created_at text COLLATE "C" NOT NULL,
      outcome text,
      work_note text NOT NULL,
      kb_draft text,
      json text NOT NULL,
      PRIMARY KEY (workflow_id, run_id)
    );
    CREATE INDEX documents_by_ticket ON documents (ticket);

    CREATE TABLE self_service_starts (
      caller text NOT NULL,
      automation text NOT NULL,
      at text COLLATE "C" NOT NULL,
      workflow_id text NOT NULL
    );
    CREATE INDEX self_service_starts_by_caller ON self_service_starts (caller, automation, at);

    CREATE TABLE self_service_claims (
      caller text NOT NULL,
      automation text NOT NULL,
      token text NOT NULL,
      claimed_at text COLLATE "C" NOT NULL,
      PRIMARY KEY (caller, automation)
    );

    CREATE TABLE effects (key text PRIMARY KEY, result text NOT NULL, at text NOT NULL);

    CREATE TABLE sensitive_values (token text PRIMARY KEY, workflow_id text NOT NULL, value text NOT NULL, created_at text NOT NULL);
    CREATE INDEX sensitive_values_by_workflow ON sensitive_values (workflow_id);
  `);
}
