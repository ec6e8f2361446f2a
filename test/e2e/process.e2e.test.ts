import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { freePort } from '../../src/stack/ports.js';
import { startTestServer } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

const dataDir = mkdtempSync(join(tmpdir(), 'itse-process-'));
let child: ChildProcessWithoutNullStreams | undefined;
afterAll(() => {
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('npm start as a process', () => {
  it('prints where each part listens, handles a ticket, and stops all three cleanly on Ctrl-C', async () => {
    const temporalPort = await freePort();
    const uiPort = await freePort();
    const httpPort = await freePort();
    // Its own process group, like a terminal's foreground job: Ctrl-C reaches every process in it.
    child = spawn(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), ['src/app/start.ts'], {
      cwd: PROJECT_ROOT,
      detached: true,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        HTTP_PORT: String(httpPort),
        TEMPORAL_DEV_PORT: String(temporalPort),
        TEMPORAL_DEV_UI_PORT: String(uiPort),
        LOG_LEVEL: 'warn',
        ADMIN_API_TOKEN: 'process-admin-token-0123456789',
      },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    while (!output.includes('Press Ctrl-C')) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toContain(`Temporal   127.0.0.1:${temporalPort} (embedded dev server, data in ${join(dataDir, 'temporal.db')})`);
    expect(output).toContain(`Web UI     http://127.0.0.1:${uiPort}`);
    expect(output).toContain(`HTTP API   http://127.0.0.1:${httpPort}`);
    expect(output).toContain('Worker     task queue "it-support"');
    expect(output).toContain('Webhooks   UNSIGNED accepted (development mode): jira, servicenow, zendesk');
    expect(await portOpen(uiPort)).toBe(true);

    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const res = await fetch(`http://127.0.0.1:${httpPort}/webhooks/jira`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    const { workflowId } = await res.json();
    let status = 'RUNNING';
    while (status === 'RUNNING') {
      status = (
        await (
          await fetch(`http://127.0.0.1:${httpPort}/workflows/${workflowId}`, { headers: { authorization: 'Bearer process-admin-token-0123456789' } })
        ).json()
      ).status;
    }
    expect(status).toBe('COMPLETED');

    process.kill(-child.pid!, 'SIGINT');
    expect(await exit).toBe(0);
    expect(output).toContain('stopped cleanly');
    expect(await portOpen(httpPort)).toBe(false);
    expect(await portOpen(temporalPort)).toBe(false);
    expect(await portOpen(uiPort)).toBe(false);
  });
});

// The other entry points as the README starts them, each a process of its own under the same tsx
// binary `npm run` uses, against one running Temporal and one data folder: `npm run api`
// (src/app/api.ts), `npm run worker` (src/app/worker.ts) and `npm run cli` (src/app/cli.ts).
// The API accepts a ticket while no worker polls its queue; a worker started afterwards works it.
const TSX = join(PROJECT_ROOT, 'node_modules/.bin/tsx');

interface EntryPoint {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exit: Promise<number | null>;
}

/** Its own process group, so a failed test's cleanup also reaches the node process tsx runs. */
function startEntryPoint(script: string, env: NodeJS.ProcessEnv): EntryPoint {
  const started = spawn(TSX, [script], { cwd: PROJECT_ROOT, env, detached: true });
  let output = '';
  started.stdout.on('data', (d: Buffer) => (output += d.toString()));
  started.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
  return { child: started, output: () => output, exit };
}

async function waitFor(what: string, proc: EntryPoint, ok: () => boolean | Promise<boolean>) {
  while (!(await ok())) {
    if (proc.child.exitCode !== null) throw new Error(`${what}: the process exited early:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm run api, npm run worker and npm run cli as processes', () => {
  const apiDir = mkdtempSync(join(tmpdir(), 'itse-process-api-'));
  const emptyDir = mkdtempSync(join(tmpdir(), 'itse-process-empty-'));
  const ADMIN = 'process-admin-token-0123456789';
  const taskQueue = 'process-entry-points';
  let temporal: TestWorkflowEnvironment;
  let env: NodeJS.ProcessEnv;
  const started: EntryPoint[] = [];
  /** The run the API accepted while no worker polled its queue; the worker test takes it. */
  let accepted: string | undefined;
  beforeAll(async () => {
    temporal = await startTestServer();
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATA_DIR: apiDir,
      // API and worker run on this one host and share DATA_DIR/engine.db (SQLite).
      ENGINE_SINGLE_HOST: 'true',
      ADMIN_API_TOKEN: ADMIN,
      ALLOW_UNSIGNED_WEBHOOKS: 'true',
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    for (const p of started) if (p.child.pid && p.child.exitCode === null && p.child.signalCode === null) process.kill(-p.child.pid, 'SIGKILL');
    await temporal?.teardown();
    rmSync(apiDir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  });
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(TSX, ['src/app/cli.ts', ...args], { cwd: PROJECT_ROOT, env: { ...env, ...extra }, encoding: 'utf8' });

  it('the API serves health, refuses an unauthenticated staff route, takes a ticket, and stops on SIGTERM with exit 0', async () => {
    const port = await freePort();
    const api = startEntryPoint('src/app/api.ts', { ...env, HTTP_PORT: String(port) });
    started.push(api);
    const url = `http://127.0.0.1:${port}`;
    await waitFor('npm run api', api, () =>
      fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    );
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/dead-letters`)).status).toBe(401);
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const res = await fetch(`${url}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    const { workflowId } = (await res.json()) as { workflowId: string };
    // No worker polls this queue yet: the run waits in Temporal, as the API accepted it.
    expect(await (await fetch(`${url}/workflows/${workflowId}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()).toMatchObject({
      status: 'RUNNING',
    });

    // The CLI, a process of its own, sees the run in Temporal.
    const status = cli(['status', workflowId]);
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(`${workflowId} (passwordReset): RUNNING`);
    api.child.kill('SIGTERM');
    expect(await api.exit).toBe(0);
    expect(await portOpen(port)).toBe(false);
    accepted = workflowId;
  });

  it('the API refuses a bad setting at start, naming it, with a non-zero exit', () => {
    const bad = spawnSync(TSX, ['src/app/api.ts'], { cwd: PROJECT_ROOT, env: { ...env, HTTP_PORT: 'eighty' }, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('HTTP_PORT');
  });

  it('the API and the worker refuse a cluster with a per-host SQLite store unless ENGINE_SINGLE_HOST declares the only host', () => {
    const { ENGINE_SINGLE_HOST: _, ...clusterEnv } = env;
    for (const script of ['src/app/api.ts', 'src/app/worker.ts']) {
      const refused = spawnSync(TSX, [script], { cwd: PROJECT_ROOT, env: clusterEnv, encoding: 'utf8', timeout: 60_000 });
      expect(refused.status, script).not.toBe(0);
      expect(refused.stderr, script).toContain('ENGINE_DATABASE_URL');
      expect(refused.stderr, script).toContain('GRANT_SIGNING_KEY');
    }
  });

  it('the worker polls the task queue, works the run the API accepted, and stops on SIGTERM with exit 0', async () => {
    expect(accepted, 'the API test above accepts the run this worker takes').toBeDefined();
    const workflowId = accepted!;
    const worker = startEntryPoint('src/app/worker.ts', { ...env, LOG_LEVEL: 'info' });
    started.push(worker);
    await waitFor('npm run worker', worker, () => worker.output().includes('"msg":"worker running"'));
    // Temporal sees a poller on the queue, and the run that waited for one completes.
    const { pollers } = await temporal.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue } });
    expect(pollers?.length).toBeGreaterThan(0);
    await temporal.client.workflow.getHandle(workflowId).result();

    const status = cli(['status', workflowId]);
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(`${workflowId} (passwordReset): COMPLETED`);
    // The worker wrote the resolution record into the shared data folder.
    const records = cli(['records', workflowId, '--json']);
    expect(records.status).toBe(0);
    expect(JSON.parse(records.stdout)).toMatchObject([{ workflow: { workflowId, type: 'passwordReset', taskQueue }, target: 'jdoe', outcome: 'resolved' }]);

    worker.child.kill('SIGTERM');
    expect(await worker.exit).toBe(0);
    expect(worker.output()).toContain('"msg":"worker stopped"');
    // API and worker, two processes, appended to one audit chain; it is intact.
    const verify = cli(['audit', 'verify']);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^audit log intact: [1-9]\d* entries, last hash [0-9a-f]{64}/);
  });

  it('the CLI lists its commands, verifies an empty data folder, and refuses an unknown command or run with a message and exit 1', () => {
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    for (const command of ['status', 'runs', 'deadletters', 'troubleshoot', 'audit', 'deliver', 'records']) expect(help.stdout).toContain(command);
    const fresh = cli(['audit', 'verify'], { DATA_DIR: emptyDir });
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toContain('audit log intact: 0 entries');
    const unknown = cli(['frobnicate']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = cli(['status', 'ticket-jira-NOPE-1']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no workflow ticket-jira-NOPE-1');
  });
});
