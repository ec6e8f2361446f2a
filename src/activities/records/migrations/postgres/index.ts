import type { Pool, PoolClient } from 'pg';
import { Umzug, type UmzugStorage } from 'umzug';
import * as initial from './0001-initial.js';

export interface PostgresMigration {
  /** `NNNN-what`, recorded in `schema_migrations` once applied; never renamed. */
  name: string;
  /** Gets one connection, inside the transaction that also records the migration. */
  up(db: Pick<PoolClient, 'query'>): Promise<void>;
}

/** Every migration of the PostgreSQL store, oldest first; add new ones at the end. */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [{ name: '0001-initial', up: initial.up }];

/**
 * Session advisory lock held around a migration run, so hosts starting at once queue here: the
 * first applies what is pending, the others then find nothing to do. Any constant works as long as
 * nothing else in the database uses it ('itse' + 'migr' in ASCII).
 */
export const MIGRATION_LOCK = 0x69747365_6d696772n;

/**
 * Applies the pending migrations with umzug and returns their names. Each migration runs in its
 * own transaction together with its `schema_migrations` row, so a crash mid-way leaves it pending,
 * never half applied; the storage's own logMigration then finds the row already there.
 */
export async function migratePostgres(pool: Pool, migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS): Promise<string[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at text NOT NULL)');
      const applied = (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name);
      const unknown = applied.filter((name) => !migrations.some((m) => m.name === name));
      if (unknown.length > 0) {
        throw new Error(`the engine database was migrated by a newer version of the engine (${unknown.join(', ')}): run that version, or restore a backup`);
      }
      const umzug = new Umzug<PoolClient>({
        migrations: migrations.map((m) => ({
          name: m.name,
          up: async ({ context }) => {
            await context.query('BEGIN');
            try {
              await m.up(context);
              await context.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [m.name, new Date().toISOString()]);
              await context.query('COMMIT');
            } catch (e) {
              await context.query('ROLLBACK').catch(() => undefined);
              throw e;
            }
          },
        })),
        context: client,
        storage: tableStorage,
        logger: undefined,
      });
      return (await umzug.up()).map((m) => m.name);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]).catch((e: Error) => {
        broken = e;
      });
    }
  } finally {
    // A connection whose unlock failed may still hold the lock: end it rather than pool it.
    client.release(broken);
  }
}

const tableStorage: UmzugStorage<PoolClient> = {
  async executed({ context }) {
    return (await context.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name);
  },
  async logMigration({ name, context }) {
    await context.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, new Date().toISOString()]);
  },
  async unlogMigration({ name, context }) {
    await context.query('DELETE FROM schema_migrations WHERE name = $1', [name]);
  },
};
