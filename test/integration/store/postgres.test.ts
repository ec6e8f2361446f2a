import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres, POSTGRES_MIGRATIONS } from '../../../src/activities/records/migrations/postgres/index.js';
import type { EngineStore } from '../../../src/activities/records/port.js';
import { PostgresEngineStore } from '../../../src/activities/records/postgresStore.js';
import type { AuditEntryInput } from '../../../src/domain/records/audit.js';
import { verifyChain } from '../../../src/domain/records/auditVerify.js';
import { type Postgres, startPostgres } from '../../helpers/postgres.js';
import { describeEngineStore } from './contract.js';

const run = promisify(execFile);

let server: Postgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

let databases = 0;
/** A new, empty database on the test server. */
async function database(): Promise<string> {
  const name = `store_${++databases}`;
  await server.createDatabase(name);
  return server.url(name);
}
const postgres = (store: EngineStore) => store as PostgresEngineStore;

describeEngineStore(
  'PostgreSQL',
  async () => PostgresEngineStore.open(await database(), { poolSize: 4 }),
  (store) => store.close(),
  {
    async corruptAuditEntry(store, seq, text) {
      // What a database owner bent on tampering does: switch the refusal off, edit, switch it on.
      await postgres(store).pool.query('ALTER TABLE audit DISABLE TRIGGER audit_no_change');
      await postgres(store).pool.query('UPDATE audit SET entry = $1 WHERE seq = $2', [text, seq]);
      await postgres(store).pool.query('ALTER TABLE audit ENABLE TRIGGER audit_no_change');
    },
  },
);

const entry = (actor: string, i: number): AuditEntryInput => ({
  at: new Date(Date.UTC(2026, 10, 26, 10, 0, 0, i)).toISOString(),
  kind: 'action',
  actor,
  subject: `${actor}-${i}`,
  outcome: 'succeeded',
  details: { i },
});

describe('PostgreSQL store shared by several hosts', () => {
  const stores: PostgresEngineStore[] = [];
  const host = async (url: string) => {
    const store = await PostgresEngineStore.open(url, { poolSize: 4 });
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('orders the appends of many writers (separate pools and another process) into one gapless chain holding every entry', async () => {
    const url = await database();
    const writers = await Promise.all([1, 2, 3, 4].map(() => host(url)));
    const perWriter = 150;
    const child = run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'appendWriter.ts'), url, 'child', String(perWriter)], {
      timeout: 60_000,
    });
    // Each writer appends with a few concurrent lanes, as a worker's activities do.
    await Promise.all(
      writers.map(async (store, w) => {
        for (let i = 0; i < perWriter; i += 5) {
          await Promise.all([0, 1, 2, 3, 4].map((j) => store.appendAudit(entry(`w${w}`, i + j), `w${w}/${i + j}`)));
        }
      }),
    );
    await child;
    const rows = await writers[0]!.auditRows();
    const total = perWriter * 5;
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(verifyChain(rows)).toMatchObject({ ok: true, entries: total });
    const subjects = new Set(rows.map((r) => (JSON.parse(r.entry) as { subject: string }).subject));
    for (const actor of ['w0', 'w1', 'w2', 'w3', 'child']) for (let i = 0; i < perWriter; i++) expect(subjects.has(`${actor}-${i}`)).toBe(true);
    expect(subjects.size).toBe(total);
  });

  it('lands an entry appended concurrently with one idempotency key from two pools once, and both get the first', async () => {
    const url = await database();
    const [a, b] = await Promise.all([host(url), host(url)]);
    for (let round = 0; round < 20; round++) {
      const key = `wf/run/${round}`;
      const [x, y] = await Promise.all([a.appendAudit(entry('a', round), key), b.appendAudit(entry('b', round), key)]);
      expect(y).toEqual(x);
    }
    const rows = await a.auditRows();
    expect(rows).toHaveLength(20);
    expect(verifyChain(rows)).toMatchObject({ ok: true, entries: 20 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the audit log in the database itself', async () => {
    const url = await database();
    const store = await host(url);
    await store.appendAudit(entry('engine', 1));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await expect(client.query(`UPDATE audit SET entry = '{}'`)).rejects.toThrow(/audit log is append-only: UPDATE refused/);
      await expect(client.query('DELETE FROM audit')).rejects.toThrow(/audit log is append-only: DELETE refused/);
      await expect(client.query('DELETE FROM audit WHERE false')).rejects.toThrow(/append-only/);
      await expect(client.query('TRUNCATE audit')).rejects.toThrow(/audit log is append-only: TRUNCATE refused/);
      await expect(client.query(`UPDATE audit SET seq = 2 WHERE seq = 1`)).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
    expect(verifyChain(await store.auditRows())).toMatchObject({ ok: true, entries: 1 });
  });

  it('gives exactly one of concurrent self-service claims from two pools the hold', async () => {
    const url = await database();
    const [a, b] = await Promise.all([host(url), host(url)]);
    const at = new Date('2026-12-07T10:00:00Z');
    for (let round = 0; round < 20; round++) {
      const claims = await Promise.all([a, b, a, b].map((s) => s.claimSelfService(`user-${round}`, 'disk-cleanup', at, 30_000)));
      expect(claims.filter((c) => c !== null)).toHaveLength(1);
    }
    // A stale claim is taken over by exactly one of them too.
    const stale = new Date(at.getTime() + 60_000);
    const takeovers = await Promise.all([a, b].map((s) => s.claimSelfService('user-0', 'disk-cleanup', stale, 30_000)));
    expect(takeovers.filter((c) => c !== null)).toHaveLength(1);
  });

  it('shares effects, the vault and cursors between hosts', async () => {
    const url = await database();
    const [a, b] = await Promise.all([host(url), host(url)]);
    await Promise.all([a.recordEffect('reset:wf/run/1', { messageId: 'a' }), b.recordEffect('reset:wf/run/1', { messageId: 'b' })]);
    const kept = await a.effectResult('reset:wf/run/1');
    expect(await b.effectResult('reset:wf/run/1')).toEqual(kept);
    const token = await a.keepSensitive('wf-1', 'Jane Doe');
    expect(await b.sensitiveValue(token)).toBe('Jane Doe');
    expect(await b.forgetSensitive('wf-1')).toBe(1);
    expect(await a.sensitiveCount()).toBe(0);
    await a.setCursor('reconcile:jira', 'c-1');
    expect(await b.cursor('reconcile:jira')).toBe('c-1');
  });
});

describe('PostgreSQL store migrations', () => {
  const applied = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name);
    } finally {
      await client.end();
    }
  };

  it('start on an empty database from several hosts at once: all succeed, each migration is applied once', async () => {
    const url = await database();
    const opened = await Promise.all([1, 2, 3, 4].map(() => PostgresEngineStore.open(url, { poolSize: 2 })));
    expect(await applied(url)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.name));
    await opened[0]!.appendAudit(entry('engine', 1));
    expect(await opened[3]!.auditRows()).toHaveLength(1);
    await Promise.all(opened.map((s) => s.close()));
  });

  it('are idempotent: opening again, or running them again, applies nothing and keeps the data', async () => {
    const url = await database();
    const first = await PostgresEngineStore.open(url, { poolSize: 2 });
    await first.appendAudit(entry('engine', 1));
    expect(await migratePostgres(first.pool)).toEqual([]);
    await first.close();
    const again = await PostgresEngineStore.open(url, { poolSize: 2 });
    expect(await again.auditRows()).toHaveLength(1);
    expect(await applied(url)).toEqual(['0001-initial']);
    await again.close();
  });

  it('refuse a database migrated by a newer engine, and roll back a migration that fails', async () => {
    const url = await database();
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const broken = [
        ...POSTGRES_MIGRATIONS,
        { name: '0002-broken', up: async (db: pg.PoolClient) => void (await db.query('CREATE TABLE half (x int); SELECT * FROM no_such_table')) },
      ];
      await expect(migratePostgres(pool, broken)).rejects.toThrow(/no_such_table/);
      expect(await applied(url)).toEqual(['0001-initial']);
      expect((await pool.query(`SELECT to_regclass('half') AS t`)).rows[0].t).toBeNull();
      await pool.query(`INSERT INTO schema_migrations (name, applied_at) VALUES ('9999-future', 'now')`);
      await expect(PostgresEngineStore.open(url, { poolSize: 2 })).rejects.toThrow(/migrated by a newer version of the engine \(9999-future\)/);
    } finally {
      await pool.end();
    }
  });
});
