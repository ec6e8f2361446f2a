import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateSqlite, SQLITE_MIGRATIONS } from '../../../src/activities/records/migrations/sqlite/index.js';
import type { EngineStore } from '../../../src/activities/records/port.js';
import { SqliteDb } from '../../../src/activities/records/sqlite.js';
import { SqliteEngineStore } from '../../../src/activities/records/sqliteStore.js';
import { canonicalJson } from '../../../src/domain/records/audit.js';
import { verifyChain } from '../../../src/domain/records/auditVerify.js';
import { describeEngineStore } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'itse-store-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const sqlite = (store: EngineStore) => store as SqliteEngineStore;

describeEngineStore(
  'SQLite',
  async () => new SqliteEngineStore(join(dir, `contract-${++files}.db`)),
  (store) => store.close(),
  {
    async corruptAuditEntry(store, seq, text) {
      // What an attacker with write access to the file does first.
      sqlite(store).db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
      sqlite(store).db.prepare('UPDATE audit SET entry = ? WHERE seq = ?').run(text, seq);
    },
  },
);

/** The schema block the store's constructor ran before migrations were versioned (verbatim, abridged to what files of that time hold). */
const UNVERSIONED_SCHEMA = `
  CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, hash TEXT NOT NULL, idempotency_key TEXT UNIQUE);
  CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
  CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY, received_at TEXT NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL, issues TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL, status TEXT NOT NULL DEFAULT 'open', replayed_at TEXT, replay_result TEXT);
  CREATE INDEX IF NOT EXISTS dead_letters_by_source ON dead_letters (source, id);
  CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS documents (workflow_id TEXT NOT NULL, run_id TEXT NOT NULL, ticket TEXT, created_at TEXT NOT NULL, outcome TEXT, work_note TEXT NOT NULL, kb_draft TEXT, json TEXT NOT NULL, PRIMARY KEY (workflow_id, run_id));
  CREATE INDEX IF NOT EXISTS documents_by_ticket ON documents (ticket);
  CREATE TABLE IF NOT EXISTS self_service_starts (caller TEXT NOT NULL, automation TEXT NOT NULL, at TEXT NOT NULL, workflow_id TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS self_service_starts_by_caller ON self_service_starts (caller, automation, at);
  CREATE TABLE IF NOT EXISTS self_service_claims (caller TEXT NOT NULL, automation TEXT NOT NULL, token TEXT NOT NULL, claimed_at TEXT NOT NULL, PRIMARY KEY (caller, automation));
  CREATE TABLE IF NOT EXISTS effects (key TEXT PRIMARY KEY, result TEXT NOT NULL, at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS sensitive_values (token TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, value TEXT NOT NULL, created_at TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS sensitive_values_by_workflow ON sensitive_values (workflow_id);
`;

describe('SQLite store migrations', () => {
  const applied = (store: SqliteEngineStore) =>
    (store.db.prepare('SELECT name FROM schema_migrations ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name);

  it('apply once: a new file is at the latest version, and opening it again applies nothing', async () => {
    const file = join(dir, 'fresh.db');
    const store = new SqliteEngineStore(file);
    expect(applied(store)).toEqual(SQLITE_MIGRATIONS.map((m) => m.name));
    await store.appendAudit({ at: '2026-11-26T10:00:00.000Z', kind: 'action', actor: 'engine', subject: 's', outcome: 'succeeded' });
    expect(migrateSqlite(store.db)).toEqual([]);
    await store.close();
    const again = new SqliteEngineStore(file);
    expect(applied(again)).toEqual(['0001-initial']);
    expect(await again.auditRows()).toHaveLength(1);
    await again.close();
  });

  it('open a file made before migrations were versioned, keep its rows, and record it at version 1', async () => {
    const file = join(dir, 'unversioned.db');
    const old = new SqliteDb(file);
    old.exec(UNVERSIONED_SCHEMA);
    old.exec(`INSERT INTO cursors (name, value) VALUES ('reconcile:jira', '2026-11-26T10:00:00.000Z')`);
    old.close();
    const seeded = new SqliteEngineStore(join(dir, 'unversioned-chain.db'));
    const entry = await seeded.appendAudit({ at: '2026-11-26T10:00:00.000Z', kind: 'action', actor: 'engine', subject: 's', outcome: 'succeeded' }, 'k/1');
    await seeded.close();
    const raw = new SqliteDb(file);
    raw.prepare('INSERT INTO audit (seq, entry, hash, idempotency_key) VALUES (1, ?, ?, ?)').run(canonicalJson(entry.entry), entry.hash, 'k/1');
    raw.close();

    const store = new SqliteEngineStore(file);
    expect(applied(store)).toEqual(['0001-initial']);
    expect(await store.cursor('reconcile:jira')).toBe('2026-11-26T10:00:00.000Z');
    expect(await store.appendAudit({ ...entry.entry, subject: 'other' }, 'k/1')).toEqual(entry);
    expect(verifyChain(await store.auditRows())).toMatchObject({ ok: true, entries: 1 });
    expect(() => store.db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    await store.close();
  });

  it('refuse a file migrated by a newer engine, saying so', () => {
    const file = join(dir, 'newer.db');
    const store = new SqliteEngineStore(file);
    store.db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run('9999-future', new Date().toISOString());
    void store.close();
    expect(() => new SqliteEngineStore(file)).toThrow(/migrated by a newer version of the engine \(9999-future\)/);
  });

  it('roll back a migration that fails, leaving it pending', () => {
    const db = new SqliteDb(':memory:');
    const broken = [...SQLITE_MIGRATIONS, { name: '0002-broken', up: (d: SqliteDb) => d.exec('CREATE TABLE half (x); SELECT * FROM no_such_table') }];
    expect(() => migrateSqlite(db, broken)).toThrow(/no_such_table/);
    expect(() => db.prepare('SELECT name FROM schema_migrations').all()).toThrow(/no such table/);
    expect(migrateSqlite(db)).toEqual(['0001-initial']);
    db.close();
  });
});
