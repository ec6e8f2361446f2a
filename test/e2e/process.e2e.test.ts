import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
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
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });

describe('npm start as a process', () => {
  it('prints where each part listens, handles a ticket, and stops all three cleanly on Ctrl-C', async () => {
    const temporalPort = await freePort();
    const uiPort = await freePort();
    const httpPort = await freePort();
    // Its own process group, like a terminal's foreground job: Ctrl-C reaches every process in it.
    child = spawn(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), ['src/main.ts'], {
      cwd: PROJECT_ROOT,
      detached: true,
      env: { ...process.env, DATA_DIR: dataDir, HTTP_PORT: String(httpPort), TEMPORAL_DEV_PORT: String(temporalPort), TEMPORAL_DEV_UI_PORT: String(uiPort), LOG_LEVEL: 'warn', ADMIN_API_TOKEN: 'process-admin-token-0123456789' },
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
    const res = await fetch(`http://127.0.0.1:${httpPort}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    const { workflowId } = await res.json();
    let status = 'RUNNING';
    while (status === 'RUNNING') {
      status = (await (await fetch(`http://127.0.0.1:${httpPort}/workflows/${workflowId}`, { headers: { authorization: 'Bearer process-admin-token-0123456789' } })).json()).status;
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

// The other entry points as the README starts them: `npm run api` (src/client/http/main.ts) and
// `npm run cli` (src/client/cli.ts), against a running Temporal; `npm run worker` (src/worker.ts)
// runs as a process in test/e2e/ops.e2e.test.ts.
describe('npm run api and npm run cli as processes', () => {
  const apiDir = mkdtempSync(join(tmpdir(), 'itse-process-api-'));
  const ADMIN = 'process-admin-token-0123456789';
  let temporal: TestWorkflowEnvironment;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    temporal = await startTestServer();
    env = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: 'process-api-no-worker', DATA_DIR: apiDir, ADMIN_API_TOKEN: ADMIN, ALLOW_UNSIGNED_WEBHOOKS: 'true', LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await temporal?.teardown();
    rmSync(apiDir, { recursive: true, force: true });
  });
  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/client/cli.ts', ...args], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });

  it('the API serves health, refuses an unauthenticated staff route, takes a ticket, and stops on SIGTERM with exit 0', async () => {
    const port = await freePort();
    const api = spawn(process.execPath, ['--import', 'tsx', 'src/client/http/main.ts'], { cwd: PROJECT_ROOT, env: { ...env, HTTP_PORT: String(port) } });
    let output = '';
    api.stdout.on('data', (d: Buffer) => (output += d.toString()));
    api.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((resolve) => api.once('exit', (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}`;
      while (!(await fetch(`${url}/healthz`).then((r) => r.ok, () => false))) {
        if (api.exitCode !== null) throw new Error(`npm run api exited early:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect((await fetch(`${url}/dead-letters`)).status).toBe(401);
      const body = jiraIssueCreated({ reporter: JIRA.jdoe });
      const res = await fetch(`${url}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(202);
      const { workflowId } = (await res.json()) as { workflowId: string };
      // No worker polls this queue: the run waits in Temporal, as the API accepted it.
      expect(await (await fetch(`${url}/workflows/${workflowId}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()).toMatchObject({ status: 'RUNNING' });

      // The CLI, a process of its own, sees the run in Temporal and the API's audit entry in the data folder.
      const status = cli(['status', workflowId]);
      expect(status.status).toBe(0);
      expect(status.stdout).toContain(`${workflowId} (passwordReset): RUNNING`);
      api.kill('SIGTERM');
      expect(await exit).toBe(0);
      expect(await portOpen(port)).toBe(false);
      const verify = cli(['audit', 'verify']);
      expect(verify.status).toBe(0);
      expect(verify.stdout).toMatch(/^audit log intact: [1-9]\d* entries, last hash [0-9a-f]{64}/);
    } finally {
      if (api.exitCode === null) api.kill('SIGKILL');
    }
  });

  it('the API refuses a bad setting at start, naming it, with a non-zero exit', () => {
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/client/http/main.ts'], { cwd: PROJECT_ROOT, env: { ...env, HTTP_PORT: 'eighty' }, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('HTTP_PORT');
  });

  it('the CLI lists its commands, and refuses an unknown command or run with a message and exit 1', () => {
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    for (const command of ['status', 'runs', 'deadletters', 'troubleshoot', 'audit', 'deliver']) expect(help.stdout).toContain(command);
    const unknown = cli(['frobnicate']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = cli(['status', 'ticket-jira-NOPE-1']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no workflow ticket-jira-NOPE-1');
  });
});
