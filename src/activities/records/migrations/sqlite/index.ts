import type { SqliteDb } from '../../sqlite.js';
import * as initial from './0001-initial.js';

export interface SqliteMigration {
  /** `NNNN-what`, recorded in `schema_migrations` once applied; never renamed. */
  name: string;
  up(db: SqliteDb): void;
}

/** Every migration of the SQLite store, oldest first; add new ones at the end. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [{ name: '0001-initial', up: initial.up }];

/**
 * Applies the pending migrations and returns their names. Synchronous, unlike umzug (which runs the
 * PostgreSQL store's migrations, migrations/postgres/): the SQLite store is opened with a plain
 * `new SqliteEngineStore(file)` everywhere (tests, the CLI, the embedded stack), and libsql is
 * synchronous, so an async runner would only force every caller through an async `open` for
 * nothing. It keeps umzug's model (a list of named migrations, a table of the applied names:
 * `schema_migrations`, the same table the PostgreSQL store keeps) in one BEGIN IMMEDIATE
 * transaction, so the API and worker processes of a host opening one file at once apply each
 * migration exactly once, and a failed migration leaves the file as it was.
 */
export function migrateSqlite(db: SqliteDb, migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS): string[] {
  return db.immediate(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = new Set((db.prepare('SELECT name FROM schema_migrations').all() as Array<{ name: string }>).map((r) => r.name));
    const known = new Set(migrations.map((m) => m.name));
    const unknown = [...applied].filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new Error(`the engine database was migrated by a newer version of the engine (${unknown.join(', ')}): run that version, or restore a backup`);
    }
    const pending = migrations.filter((m) => !applied.has(m.name));
    for (const migration of pending) {
      migration.up(db);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(migration.name, new Date().toISOString());
    }
    return pending.map((m) => m.name);
  });
}
