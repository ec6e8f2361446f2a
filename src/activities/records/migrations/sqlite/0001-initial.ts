import type { SqliteDb } from '../../sqlite.js';

/**
 * The schema the SQLite store had before migrations were versioned, statement for statement: every
 * CREATE is IF NOT EXISTS, so a file made by that older code passes through unchanged and is then
 * recorded at this version.
 */
export function up(db: SqliteDb): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS audit (
      seq INTEGER PRIMARY KEY,
      entry TEXT NOT NULL,
      hash TEXT NOT NULL,
      idempotency_key TEXT UNIQUE
    );
    CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    CREATE TABLE IF NOT EXISTS dead_letters (
      id INTEGER PRIMARY KEY,
      received_at TEXT NOT NULL,
      source TEXT NOT NULL,
      reason TEXT NOT NULL,
      issues TEXT NOT NULL,
      headers TEXT NOT NULL,
      body BLOB NOT NULL,
      status TEXT NOT NULL DEFAULT 'open',
      replayed_at TEXT,
      replay_result TEXT
    );
    CREATE INDEX IF NOT EXISTS dead_letters_by_source ON dead_letters (source, id);
    CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS documents (
      workflow_id TEXT NOT NULL,
      run_id TEXT NOT NULL,
      ticket TEXT,
      created_at TEXT NOT NULL,
      outcome TEXT,
      work_note TEXT NOT NULL,
      kb_draft TEXT,
      json TEXT NOT NULL,
      PRIMARY KEY (workflow_id, run_id)
    );
    CREATE INDEX IF NOT EXISTS documents_by_ticket ON documents (ticket);
    CREATE TABLE IF NOT EXISTS self_service_starts (caller TEXT NOT NULL, automation TEXT NOT NULL, at TEXT NOT NULL, workflow_id TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS self_service_starts_by_caller ON self_service_starts (caller, automation, at);
    CREATE TABLE IF NOT EXISTS self_service_claims (caller TEXT NOT NULL, automation TEXT NOT NULL, token TEXT NOT NULL, claimed_at TEXT NOT NULL, PRIMARY KEY (caller, automation));
    CREATE TABLE IF NOT EXISTS effects (key TEXT PRIMARY KEY, result TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS sensitive_values (token TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, value TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS sensitive_values_by_workflow ON sensitive_values (workflow_id);
  `);
}
