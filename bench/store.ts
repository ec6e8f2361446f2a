// Hash-chained audit appends/s with concurrent writers on both engine stores, in the same run:
// PostgreSQL (a real server started for the bench, test/helpers/postgres.ts, each writer with its
// own pool as a host would have) and SQLite (each writer its own connection to one WAL file, as
// the processes of one host). Each figure has beside it the plain INSERTs/s of the same rows
// without the chain on the same server and with the same writers (the raw limit), and the bench
// also measures PostgreSQL with one append per transaction (batching off) and with durable
// commits (fsync and synchronous_commit on) so the effect of each is visible.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { EngineStore } from '../src/activities/records/port.js';
import { PostgresEngineStore } from '../src/activities/records/postgresStore.js';
import { SqliteEngineStore } from '../src/activities/records/sqliteStore.js';
import type { AuditEntryInput } from '../src/domain/records/audit.js';
import { verifyChain } from '../src/domain/records/auditVerify.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { type Figure, figure, withLimit } from './report.js';

export interface StoreBenchOptions {
  /** Appends per writer. */
  appends: number;
  /** Concurrent writers (hosts for PostgreSQL, connections for SQLite); 4 by default. */
  writers?: number;
  /** Appends each writer has in flight at once (a worker runs several activities); 8 by default. */
  lanes?: number;
  /** A second, busier PostgreSQL run with this many in flight per writer (bigger batches); 32 by default. */
  busyLanes?: number;
  log?: (message: string) => void;
}

const GROUP = 'Engine store';

const entry = (writer: number, i: number): AuditEntryInput => ({
  at: new Date(Date.parse('2026-11-26T10:00:00.000Z') + i).toISOString(),
  kind: 'action',
  actor: 'engine',
  subject: `ticket-jira-ITSM-${writer}-${i}`,
  outcome: 'succeeded',
  details: { step: i, writer },
});

/** Runs `perWriter` calls of `op` on each writer, `lanes` at a time, all writers at once; returns calls/s. */
async function rate(writers: number, perWriter: number, lanes: number, op: (writer: number, i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (next < perWriter) await op(w, next++);
        }),
      );
    }),
  );
  return (writers * perWriter) / ((performance.now() - started) / 1000);
}

async function checkedChain(store: EngineStore, expected: number): Promise<void> {
  const result = verifyChain(await store.auditRows());
  if (!result.ok || result.entries !== expected) throw new Error(`bench chain does not verify: ${JSON.stringify(result)}`);
}

type Settings = Required<Omit<StoreBenchOptions, 'log' | 'busyLanes'>>;

interface PostgresRun {
  chained: number;
  plain: number;
}

/** One PostgreSQL measurement on a fresh database: chained appends, then plain inserts with the same writers and connections. */
async function postgresRun(server: Awaited<ReturnType<typeof startPostgres>>, name: string, o: Settings, batchAppends: boolean): Promise<PostgresRun> {
  await server.createDatabase(name);
  const url = server.url(name);
  const stores = await Promise.all(Array.from({ length: o.writers }, () => PostgresEngineStore.open(url, { poolSize: o.lanes, batchAppends })));
  try {
    const warm = Math.min(50, o.appends);
    await rate(o.writers, warm, o.lanes, (w, i) => stores[w]!.appendAudit(entry(w, i), `warm/${w}/${i}`));
    const chained = await rate(o.writers, o.appends, o.lanes, (w, i) => stores[w]!.appendAudit(entry(w, i), `bench/${w}/${i}`));
    await checkedChain(stores[0]!, o.writers * (o.appends + warm));
    await stores[0]!.pool.query('CREATE TABLE plain (seq bigserial PRIMARY KEY, entry text NOT NULL)');
    const insert = (w: number, i: number) =>
      stores[w]!.pool.query({ name: 'plain-insert', text: 'INSERT INTO plain (entry) VALUES ($1)', values: [JSON.stringify(entry(w, i))] });
    await rate(o.writers, warm, o.lanes, insert);
    const plain = await rate(o.writers, o.appends, o.lanes, insert);
    return { chained, plain };
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

/** Sets the server's durability (both settings take effect on reload) and waits until a new connection sees it. */
async function durability(url: string, on: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`ALTER SYSTEM SET fsync = ${on ? 'on' : 'off'}`);
    await client.query(`ALTER SYSTEM SET synchronous_commit = ${on ? 'on' : 'off'}`);
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end();
  }
  for (let i = 0; i < 50; i++) {
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    const { rows } = await check.query<{ fsync: string }>('SHOW fsync');
    await check.end();
    if (rows[0]!.fsync === (on ? 'on' : 'off')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('PostgreSQL did not take the new durability settings');
}

/** SQLite: `writers` connections to one WAL file, chained appends then plain inserts (one BEGIN IMMEDIATE each). */
async function sqliteRun(o: Settings): Promise<PostgresRun> {
  const dir = mkdtempSync(join(tmpdir(), 'itse-bench-store-'));
  const file = join(dir, 'engine.db');
  const stores = Array.from({ length: o.writers }, () => new SqliteEngineStore(file));
  try {
    const warm = Math.min(50, o.appends);
    await rate(o.writers, warm, o.lanes, (w, i) => stores[w]!.appendAudit(entry(w, i), `warm/${w}/${i}`));
    const chained = await rate(o.writers, o.appends, o.lanes, (w, i) => stores[w]!.appendAudit(entry(w, i), `bench/${w}/${i}`));
    await checkedChain(stores[0]!, o.writers * (o.appends + warm));
    stores[0]!.db.exec('CREATE TABLE plain (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL)');
    const insert = async (w: number, i: number) => {
      const db = stores[w]!.db;
      db.immediate(() => db.prepare('INSERT INTO plain (entry) VALUES (?)').run(JSON.stringify(entry(w, i))));
    };
    await rate(o.writers, warm, o.lanes, insert);
    const plain = await rate(o.writers, o.appends, o.lanes, insert);
    return { chained, plain };
  } finally {
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The engine store figures: hash-chained audit appends/s with `writers` concurrent writers on
 * PostgreSQL (goal: at least 2,000/s) and on SQLite, each beside a baseline and its raw limit
 * (plain INSERTs/s of the same rows, no chain, same server and writers).
 */
export async function storeFigures(options: StoreBenchOptions): Promise<Figure[]> {
  const o = { writers: 4, lanes: 8, busyLanes: 32, ...options };
  const log = options.log ?? (() => undefined);
  const size = `${o.writers} writers × ${o.appends.toLocaleString('en-US')}, ${o.lanes} in flight each`;
  const limitIs = 'Plain INSERTs/s of the same rows (no chain, no lock), same server, same writers and connections.';
  const figures: Figure[] = [];

  log('store: SQLite');
  const sqlite = await sqliteRun(o);
  const server = await startPostgres();
  try {
    log('store: PostgreSQL, batched appends (fsync off)');
    const batched = await postgresRun(server, 'bench_batched', o, true);
    log(`store: PostgreSQL, batched appends, ${o.busyLanes} in flight per writer (fsync off)`);
    const busy = await postgresRun(server, 'bench_busy', { ...o, lanes: o.busyLanes }, true);
    log('store: PostgreSQL, one append per transaction (fsync off)');
    const single = await postgresRun(server, 'bench_single', o, false);
    await durability(server.url('postgres'), true);
    log('store: PostgreSQL, batched appends (fsync and synchronous_commit on)');
    const durable = await postgresRun(server, 'bench_durable', o, true);
    log('store: PostgreSQL, one append per transaction (fsync and synchronous_commit on)');
    const durableSingle = await postgresRun(server, 'bench_durable_single', o, false);

    const pgFigure = (name: string, run: PostgresRun, notes: string) =>
      withLimit(
        figure(GROUP, name, run.chained, sqlite.chained, 'appends/s', 'The SQLite store (embedded default), same writers and appends, in the same run.', notes),
        run.plain,
        limitIs,
      );
    figures.push(
      pgFigure(
        `audit appends/s, PostgreSQL (${size}, hash-chained, one chain)`,
        batched,
        'Test server: fsync and synchronous_commit off. Appends arriving while one is written share the next transaction (one lock, one commit).',
      ),
      withLimit(
        figure(
          GROUP,
          `audit appends/s, PostgreSQL, ${o.busyLanes} in flight per writer (${o.writers} writers × ${o.appends.toLocaleString('en-US')}, hash-chained, one chain)`,
          busy.chained,
          batched.chained,
          'appends/s',
          `The same with ${o.lanes} in flight per writer (the first PostgreSQL figure).`,
          'Busier writers make bigger batches: the chain then costs little more than plain inserts. fsync off.',
        ),
        busy.plain,
        limitIs,
      ),
      pgFigure(
        `audit appends/s, PostgreSQL, one append per transaction (${size})`,
        single,
        'Batching off: each append its own transaction under the lock (the design before batching). fsync off.',
      ),
      pgFigure(`audit appends/s, PostgreSQL, durable commits (${size})`, durable, 'fsync and synchronous_commit on (production settings), batching on.'),
      pgFigure(`audit appends/s, PostgreSQL, durable, one append per transaction (${size})`, durableSingle, 'fsync and synchronous_commit on, batching off.'),
      withLimit(
        figure(
          GROUP,
          `audit appends/s, SQLite (${size}, hash-chained, WAL file)`,
          sqlite.chained,
          sqlite.plain,
          'appends/s',
          'Plain SQLite inserts of the same rows (no chain), one BEGIN IMMEDIATE each, same file and connections.',
          'One process: libsql is synchronous, so the writers take turns; synchronous NORMAL.',
        ),
        sqlite.plain,
        'Plain SQLite inserts of the same rows, same file and connections (no server between: the baseline is the limit).',
      ),
    );
  } finally {
    await server.stop();
  }
  return figures;
}
