// Worker memory under load: a separate worker process (src/app/worker.ts, as `npm run worker` runs it)
// on its own task queue of the bench's dev server, its RSS and main-thread heap idle vs while N
// workflows run at once (password resets started together; troubleshooting sessions left open).
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { PROJECT_ROOT } from '../src/config/index.js';
import { normaliseJira } from '../src/domain/sources/jira.js';
import { toWorkflowTicket } from '../src/domain/tickets/ticket.js';
import { treeSetFor } from '../src/domain/trees/tree.js';
import { sessionQuery } from '../src/workflows/messages.js';
import { JIRA, jiraIssueCreated } from '../test/helpers/tickets.js';
import type { BenchContext } from './context.js';
import { figure, withLimit } from './report.js';
import { pct, pool, sleep, until } from './stats.js';

interface Memory {
  rss: number;
  heapUsed: number;
}

const MB = 1e6;
/**
 * Preloaded (node --import) into the worker process: answers each "memory" message on the IPC
 * channel with process.memoryUsage(), without keeping the process alive. Inline JavaScript, since
 * the SDK's workflow thread inherits the flags and loads it too (where it does nothing).
 */
const PROBE = `data:text/javascript,${encodeURIComponent(
  "import { isMainThread } from 'node:worker_threads';" +
    'if (isMainThread && process.send) {' +
    "  process.on('message', (m) => { if (m === 'memory') process.send({ kind: 'memory', ...process.memoryUsage() }); });" +
    '  process.channel?.unref();' +
    '}',
)}`;

/** The worker process: started with the memory probe preloaded, asked for its memory over IPC. */
function startWorkerProcess(script: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; memory: () => Promise<Memory> } {
  let output = '';
  const child = fork(join(PROJECT_ROOT, script), [], {
    cwd: PROJECT_ROOT,
    env,
    execArgv: ['--import', 'tsx', '--import', PROBE],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout!.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-4000)));
  const memory = () =>
    new Promise<Memory>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench: the worker process did not answer the memory probe\n${output}`)), 10_000);
      child.once('message', (m: { kind?: string } & Memory) => {
        clearTimeout(timer);
        resolve({ rss: m.rss, heapUsed: m.heapUsed });
      });
      child.send('memory');
    });
  return { child, output: () => output, memory };
}

const median = (xs: number[]) => pct(xs, 50);

async function steady(memory: () => Promise<Memory>, samples = 5): Promise<Memory> {
  const taken: Memory[] = [];
  for (let i = 0; i < samples; i++) {
    taken.push(await memory());
    await sleep(200);
  }
  return { rss: median(taken.map((m) => m.rss)), heapUsed: median(taken.map((m) => m.heapUsed)) };
}

type Load = (w: { memory: () => Promise<Memory>; idle: Memory; exited: Promise<never> }) => Promise<void>;

/** A fresh engine worker process on its own task queue, warmed up with 5 password resets: `load` runs, then it stops. */
function withWorkerProcess(ctx: BenchContext, taskQueue: string, load: Load): Promise<void> {
  return withProcess(ctx, 'src/app/worker.ts', taskQueue, (id) => resetOn(ctx, taskQueue, id), load);
}

/** The same with the raw worker (bench/rawWorkerMain.ts), warmed up with 5 runs of no-op activities. */
function withRawWorkerProcess(ctx: BenchContext, taskQueue: string, load: Load): Promise<void> {
  return withProcess(
    ctx,
    'bench/rawWorkerMain.ts',
    taskQueue,
    (id) => ctx.stack.client.workflow.start('rawSteps', { taskQueue, workflowId: id, args: [5] }),
    load,
  );
}

async function withProcess(ctx: BenchContext, script: string, taskQueue: string, warmUp: (id: string) => Promise<WorkflowHandle>, load: Load): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'itse-bench-worker-'));
  const worker = startWorkerProcess(script, {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: ctx.stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATA_DIR: dataDir,
    // Its own data folder and grant key: the runs it measures are checked and filed by it alone.
    ENGINE_SINGLE_HOST: 'true',
    LOG_LEVEL: 'warn',
    ...cacheSetting(),
  });
  const exited = new Promise<never>((_, reject) =>
    worker.child.once('exit', (code) => reject(new Error(`bench: the worker process exited (${code})\n${worker.output()}`))),
  );
  exited.catch(() => undefined);
  try {
    // Ready once it ran a workflow (bundling the workflow code takes a few seconds); then warm up.
    for (let i = 0; i < 5; i++) await Promise.race([warmUp(`bench-mem-warm-${randomUUID()}`).then((h) => h.result()), exited]);
    await sleep(2000);
    await load({ memory: worker.memory, idle: await steady(worker.memory), exited });
  } finally {
    worker.child.kill('SIGTERM');
    await Promise.race([new Promise((r) => worker.child.once('exit', r)), sleep(20_000)]);
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The worker's cache size as the engine would run it; WORKER_MAX_CACHED_WORKFLOWS set for the bench passes through. */
const cacheSetting = () => (process.env.WORKER_MAX_CACHED_WORKFLOWS ? { WORKER_MAX_CACHED_WORKFLOWS: process.env.WORKER_MAX_CACHED_WORKFLOWS } : {});

const resetTicket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ reporter: JIRA.jdoe })));
const resetOn = (ctx: BenchContext, taskQueue: string, id: string) =>
  ctx.stack.client.workflow.start('passwordReset', { taskQueue, workflowId: id, args: [{ ticket: resetTicket, humanQueue: 'service-desk' }] });

export async function workerMemoryFigures(ctx: BenchContext): Promise<void> {
  const group = 'Worker memory';
  const baselineIs = 'The same worker process idle (after start-up and 5 warm-up runs), before the load.';
  const { client } = ctx.stack;
  const n = ctx.settings.memoryLoad;

  await withWorkerProcess(ctx, 'bench-memory-resets', async ({ memory, idle, exited }) => {
    let peak: Memory = { rss: 0, heapUsed: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const m = await memory();
        peak = { rss: Math.max(peak.rss, m.rss), heapUsed: Math.max(peak.heapUsed, m.heapUsed) };
        await sleep(100);
      }
    })();
    const t0 = performance.now();
    const handles = await pool(
      Array.from({ length: n }, (_, i) => i),
      50,
      (i) => resetOn(ctx, 'bench-memory-resets', `bench-mem-reset-${i}-${randomUUID()}`),
    );
    const completed = await Promise.race([
      Promise.all(
        handles.map((h) =>
          h.result().then(
            () => 1,
            () => 0,
          ),
        ),
      ),
      exited,
    ]);
    const wall = (performance.now() - t0) / 1000;
    sampling = false;
    await sampler;
    const done = `${completed.reduce((a: number, b) => a + b, 0)} of ${n} completed in ${wall.toFixed(1)} s`;
    ctx.figures.push(
      figure(
        group,
        `worker RSS, ${n} password resets started at once (peak)`,
        peak.rss / MB,
        idle.rss / MB,
        'MB',
        baselineIs,
        `whole process (main thread, workflow thread, Rust core); ${done}`,
      ),
    );
    ctx.figures.push(
      figure(
        group,
        `worker main-thread heap used, ${n} password resets started at once (peak)`,
        peak.heapUsed / MB,
        idle.heapUsed / MB,
        'MB',
        baselineIs,
        "V8 heap of the main thread (activities, client); workflows run in the SDK's workflow thread, counted in RSS only",
      ),
    );
  });

  // The raw limit first: the same number of bare waiting sessions on a plain SDK worker process
  // with the same cache bound.
  const cache = ctx.config.temporal.maxCachedWorkflows;
  const rawQueue = 'bench-memory-raw-sessions';
  const rawSessions: WorkflowHandle[] = [];
  let rawPerSession = Number.NaN;
  try {
    await withRawWorkerProcess(ctx, rawQueue, async ({ memory, idle }) => {
      rawSessions.push(
        ...(await pool(
          Array.from({ length: n }, (_, i) => i),
          50,
          (i) => client.workflow.start('rawSession', { taskQueue: rawQueue, workflowId: `bench-mem-raw-session-${i}-${randomUUID()}` }),
        )),
      );
      // A query answered means the session ran its first task and is waiting.
      await pool(rawSessions, 20, (h) => h.query('rawState'));
      const open = await steady(memory);
      rawPerSession = (open.rss - idle.rss) / n / MB;
    });
  } finally {
    await pool(rawSessions, 20, (h) => h.terminate('bench done').catch(() => undefined));
  }

  // Sessions in a fresh process, so what the resets left behind is not counted against them.
  const set = treeSetFor(ctx.shipped.trees, 'network-connectivity');
  if (!set) throw new Error('bench: content/trees has no network-connectivity tree');
  const taskQueue = 'bench-memory-sessions';
  const sessions: WorkflowHandle[] = [];
  try {
    await withWorkerProcess(ctx, taskQueue, async ({ memory, idle }) => {
      sessions.push(
        ...(await pool(
          Array.from({ length: n }, (_, i) => i),
          50,
          (i) =>
            client.workflow.start('troubleshootSession', {
              taskQueue,
              workflowId: `bench-mem-session-${i}-${randomUUID()}`,
              args: [{ trees: set.trees, root: 'network-connectivity', version: set.version, ticket: null, user: { id: 'jdoe' } }],
            }),
        )),
      );
      await pool(sessions, 20, (h) =>
        until(`${h.workflowId} to wait for an answer`, async () => (await h.query(sessionQuery).catch(() => null))?.status === 'waiting', {
          everyMs: 50,
          timeoutMs: 300_000,
        }),
      );
      const open = await steady(memory);
      ctx.figures.push(
        figure(group, `worker RSS, ${n} troubleshooting sessions open`, open.rss / MB, idle.rss / MB, 'MB', baselineIs, 'each session waiting for an answer'),
      );
      ctx.figures.push(
        figure(group, `worker main-thread heap used, ${n} troubleshooting sessions open`, open.heapUsed / MB, idle.heapUsed / MB, 'MB', baselineIs),
      );
      const rawIs = `${n} bare waiting sessions (bench/workflows/raw.ts rawSession) on a plain SDK worker process with the same cache bound (bench/rawWorkerMain.ts), measured the same way.`;
      ctx.figures.push(
        withLimit(
          figure(
            group,
            `worker memory per open troubleshooting session (${n})`,
            (open.rss - idle.rss) / n / MB,
            rawPerSession,
            'MB',
            rawIs,
            `(RSS with ${n} open - RSS idle) / ${n}; the worker keeps at most ${cache} workflows in memory (WORKER_MAX_CACHED_WORKFLOWS), about ${((open.rss - idle.rss) / Math.min(n, cache) / MB).toFixed(1)} MB each`,
          ),
          rawPerSession,
          rawIs,
        ),
      );
      if (n > cache + 40) {
        // The price of the bound: a session evicted from the cache is replayed from its history when
        // it is next touched. The oldest sessions are evicted; the last ones touched are cached.
        const queryTimes = async (hs: WorkflowHandle[]) => {
          const out: number[] = [];
          for (const h of hs) {
            const t = performance.now();
            await h.query(sessionQuery);
            out.push(performance.now() - t);
          }
          return out;
        };
        const cached = await queryTimes(sessions.slice(-20));
        const evicted = await queryTimes(sessions.slice(0, 20));
        ctx.figures.push(
          figure(
            group,
            'query of a waiting session evicted from the cache p50 (20)',
            pct(evicted, 50),
            pct(cached, 50),
            'ms',
            'The same query of a session still in the cache (the 20 touched last).',
            'the worker replays the session from its history first, then answers',
          ),
        );
      }
    });
  } finally {
    await pool(sessions, 20, (h) => h.terminate('bench done').catch(() => undefined));
  }
}
