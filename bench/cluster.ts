// Intake latency on the real Temporal server (issue 17): the multi-service server (go.temporal.io/server,
// the version package.json pins, built and cached by scripts/install-temporal-server.mjs) on a
// PostgreSQL started for the phase, 4 history shards and the dynamic config of every server the
// engine starts (test/cluster/harness/temporalServer.ts), with the engine database on the same
// PostgreSQL as a cluster has it. The API is built in-process as the intake phase builds it
// (bench/core.ts: same routing, same secret, same idle task queue), its store the PostgreSQL engine
// store (openEngineStore with a databaseUrl). Beside it, in the same loop and alternating: the same
// API on the embedded dev server with the intake phase's store (SQLite in memory), the same API on
// the dev server with a PostgreSQL store, and a bare client.workflow.start on each server.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { openEngineStore } from '../src/activities/records/open.js';
import type { EngineStore } from '../src/activities/records/port.js';
import { SqliteEngineStore } from '../src/activities/records/sqliteStore.js';
import { buildApi } from '../src/client/http/app.js';
import { PROJECT_ROOT } from '../src/config/index.js';
import { normaliseJira } from '../src/domain/sources/jira.js';
import { signJira } from '../src/domain/sources/signatures.js';
import { toWorkflowTicket } from '../src/domain/tickets/ticket.js';
import { connectClient } from '../src/stack/connection.js';
import { createLogger } from '../src/stack/logger.js';
import { installTemporalServer, startTemporalServer, type TemporalServer } from '../test/cluster/harness/temporalServer.js';
import { type Postgres, startPostgres } from '../test/helpers/postgres.js';
import { JIRA, jiraIssueCreated } from '../test/helpers/tickets.js';
import type { BenchContext } from './context.js';
import { timeFigure } from './core.js';
import { figure } from './report.js';
import { p50, p99, timed } from './stats.js';

const GROUP = 'Ticket intake on the real Temporal server';
/** The intake phase's secret and idle queue (bench/core.ts): no worker polls it, so starts measure acceptance only. */
const SECRET = 'bench-secret-0123456789';
const IDLE_QUEUE = 'bench-idle';
const WARM_UP = 20;

/** Builds the server and temporal-sql-tool when the cache lacks them, without blocking the event loop (the embedded worker keeps running). */
async function ensureServerBuilt(log: (message: string) => void): Promise<void> {
  const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { temporal?: { serverVersion?: string } }).temporal?.serverVersion;
  const dir = join(PROJECT_ROOT, '.tools', 'temporal-server', String(version));
  if (version && existsSync(join(dir, 'temporal-server')) && existsSync(join(dir, 'temporal-sql-tool'))) return;
  log(`cluster: the Temporal server ${version ?? '(unpinned)'} is not built yet: building it from the Go module proxy (about 5 minutes cold on 2 cores)`);
  const t = performance.now();
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'scripts/install-temporal-server.mjs')], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`bench cluster: scripts/install-temporal-server.mjs failed (exit ${code}); its messages are above`);
  log(`cluster: server built in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

let keys = 0;

/** A signed POST /webhooks/jira of a password-reset ticket from jdoe, as the intake phase sends it. */
async function postJira(url: string, prefix: string): Promise<void> {
  const raw = JSON.stringify(jiraIssueCreated({ key: `${prefix}-${++keys}`, reporter: JIRA.jdoe }));
  const res = await fetch(`${url}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json', ...signJira(raw, SECRET) }, body: raw });
  if (res.status !== 202) throw new Error(`bench cluster: intake answered ${res.status}: ${await res.text()}`);
  await res.json();
}

export async function clusterFigures(ctx: BenchContext): Promise<void> {
  const { log } = ctx;
  await ensureServerBuilt(log);
  const install = installTemporalServer();
  const dir = mkdtempSync(join(tmpdir(), 'itse-bench-cluster-'));
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    let t = performance.now();
    const pg: Postgres = await startPostgres();
    cleanups.push(() => pg.stop());
    const server: TemporalServer = await startTemporalServer({ install, pg, dir, namespace: ctx.config.temporal.namespace });
    cleanups.push(() => server.stop());
    log(`cluster: Temporal server ${install.dir} on PostgreSQL :${pg.port} up in ${((performance.now() - t) / 1000).toFixed(1)} s, frontend ${server.address}`);
    const realClient: Client = await connectClient(ctx.config.temporal, server.address);
    cleanups.push(() => realClient.connection.close());

    const storeSettings = (database: string) => ({
      databaseUrl: pg.url(database),
      databasePoolSize: ctx.config.databasePoolSize,
      storeFile: ctx.config.storeFile,
    });
    await pg.createDatabase('engine');
    await pg.createDatabase('engine_dev');
    const api = async (client: Client, store: EngineStore) => {
      cleanups.push(() => store.close());
      const app = buildApi({
        client,
        routing: ctx.shipped.routing,
        store,
        logger: createLogger('silent'),
        webhooks: { secrets: { jira: SECRET }, allowUnsigned: false },
        taskQueue: IDLE_QUEUE,
      });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      cleanups.push(() => app.close());
      return url;
    };
    const realUrl = await api(realClient, await openEngineStore(storeSettings('engine')));
    const devUrl = await api(ctx.stack.client, new SqliteEngineStore(':memory:'));
    const devPgUrl = await api(ctx.stack.client, await openEngineStore(storeSettings('engine_dev')));

    const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ reporter: JIRA.jdoe })));
    const rawStart = (client: Client) => () =>
      client.workflow.start('passwordReset', { taskQueue: IDLE_QUEUE, workflowId: `raw-${randomUUID()}`, args: [{ ticket, humanQueue: 'service-desk' }] });
    const sides = {
      real: () => postJira(realUrl, 'CLREAL'),
      dev: () => postJira(devUrl, 'CLDEV'),
      devPg: () => postJira(devPgUrl, 'CLDEVPG'),
      realRaw: rawStart(realClient),
      devRaw: rawStart(ctx.stack.client),
    };
    const names = Object.keys(sides) as Array<keyof typeof sides>;
    const samples = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<keyof typeof sides, number[]>;
    const n = ctx.settings.clusterSequential;
    t = performance.now();
    // Each round runs every side once, the order rotated so none always follows the same one.
    for (let i = 0; i < WARM_UP + n; i++) {
      for (let k = 0; k < names.length; k++) {
        const side = names[(i + k) % names.length]!;
        const [ms] = await timed(1, sides[side]);
        if (i >= WARM_UP) samples[side].push(ms!);
      }
    }
    log(`cluster: ${WARM_UP} + ${n} rounds of ${names.length} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const baselineIs =
      "The same signed POST /webhooks/jira -> 202 on the embedded dev server, with the intake phase's store (SQLite in memory), alternating in the same loop.";
    const limitIs = 'A bare client.workflow.start of the same workflow and input on the real server (no worker polls the queue: acceptance only).';
    const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
    const notes = (pick: (xs: number[]) => number) =>
      `Real server ${install.dir.split('/').at(-1)} on PostgreSQL, 4 history shards, the API's engine store on the same PostgreSQL. ` +
      `Same loop: the API on the dev server with a PostgreSQL store ${fmt(pick(samples.devPg))}; a bare start on the dev server ${fmt(pick(samples.devRaw))}.`;
    ctx.figures.push(
      timeFigure(GROUP, `real-server intake latency p50 (${n} sequential)`, p50(samples.real), p50(samples.dev), baselineIs, notes(p50), {
        ms: p50(samples.realRaw),
        is: limitIs,
      }),
      timeFigure(GROUP, `real-server intake latency p99 (${n} sequential)`, p99(samples.real), p99(samples.dev), baselineIs, notes(p99), {
        ms: p99(samples.realRaw),
        is: `${limitIs} Its p99.`,
      }),
      figure(
        GROUP,
        `real-server raw client.workflow.start p50 (${n} sequential)`,
        p50(samples.realRaw),
        p50(samples.devRaw),
        'ms',
        'A bare client.workflow.start of the same workflow and input on the embedded dev server, alternating in the same loop.',
        'What the server alone adds: no HTTP, no engine store.',
      ),
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => log(`cluster: clean-up failed: ${String(e)}`));
    rmSync(dir, { recursive: true, force: true });
    log('cluster: API, client, Temporal server and PostgreSQL stopped');
  }
}
