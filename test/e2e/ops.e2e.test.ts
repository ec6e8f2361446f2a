import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { ticketWorkflowId, type WorkflowTicket } from '../../src/domain/tickets/ticket.js';
import { freePort } from '../../src/stack/ports.js';
import { startTestServer } from '../helpers/temporal.js';
import { FakeJira } from '../integration/fakes/jira.js';
import { JIRA } from '../helpers/tickets.js';

// `npm run worker` as real processes against a real dev server and a Jira over real HTTP: the
// SDK's worker metrics, pino log lines with workflow and ticket, and a SIGTERM while a help-desk
// call is in flight.
const CREDS = { email: 'automation@example.com', apiToken: 'jira-api-token-s3cret' };
const jira = new FakeJira(CREDS);
const dataDir = mkdtempSync(join(tmpdir(), 'itse-ops-'));
const taskQueue = `ops-${randomUUID()}`;
let env: TestWorkflowEnvironment;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  [env] = await Promise.all([startTestServer(), jira.start()]);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await env?.teardown();
  await jira.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  lines: () => Array<Record<string, unknown>>;
  output: () => string;
  exit: Promise<number | null>;
}

/** `npm run worker` (src/app/worker.ts under tsx), started straight under node so signals reach it. */
async function startWorker(extraEnv: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/worker.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATA_DIR: dataDir,
      // The workers of this file run on this one host and share DATA_DIR/engine.db (SQLite).
      ENGINE_SINGLE_HOST: 'true',
      GRANT_SIGNING_KEY: 'ops-test-grant-signing-key-0123456789abcdef',
      JIRA_BASE_URL: jira.url,
      JIRA_EMAIL: CREDS.email,
      JIRA_API_TOKEN: CREDS.apiToken,
      LOG_LEVEL: 'debug',
      ...extraEnv,
    },
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = () =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const deadline = Date.now() + 90_000;
  while (!lines().some((l) => l.msg === 'worker running')) {
    if (child.exitCode !== null) throw new Error(`the worker exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the worker did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, lines, output: () => output, exit };
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('a worker process', () => {
  it('serves the SDK’s worker metrics on WORKER_METRICS_ADDRESS', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const worker = await startWorker({ WORKER_METRICS_ADDRESS: address });
    try {
      let text = '';
      await until('worker metrics', async () => {
        text = await fetch(`http://${address}/metrics`).then(
          (r) => r.text(),
          () => '',
        );
        return /temporal_worker_task_slots_available\{/.test(text) && /temporal_num_pollers\{/.test(text);
      });
      expect(text).toMatch(new RegExp(`temporal_worker_task_slots_available\\{[^}]*task_queue="${taskQueue}"[^}]*worker_type="ActivityWorker"[^}]*\\} \\d+`));
      expect(text).toMatch(/temporal_num_pollers\{[^}]*poller_type="workflow_task"/);
      expect(text).toMatch(new RegExp(`temporal_worker_start\\{[^}]*task_queue="${taskQueue}"[^}]*\\} 1`));
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
    }
  });

  it('lets a running activity finish on SIGTERM; the workflow completes on the next worker, the help desk updated once', async () => {
    const issue = jira.seedIssue({ key: 'OPS-1', summary: 'Printer on floor 3 jams' });
    const ticket: WorkflowTicket = {
      source: 'jira',
      id: issue.id,
      key: 'OPS-1',
      eventType: 'created',
      occurredAt: new Date().toISOString(),
      summary: 'Printer on floor 3 jams',
      priority: 'Medium',
      requesterExternalId: null,
    };
    const comment = 'Thanks, we have your request. A member of the service desk will pick it up shortly.';
    // The public comment to the requester (the filed work note, internal, quotes it too).
    const isPublicHandOff = (body: unknown) =>
      JSON.stringify(body).includes('A member of the service desk') && !JSON.stringify(body).includes('"internal":true');
    const isHandOffComment = (r: { method: string; path: string; body: unknown }) =>
      r.method === 'POST' && r.path === '/rest/api/3/issue/OPS-1/comment' && isPublicHandOff(r.body);
    // Jira takes 4 s to answer the first comment: the worker is told to stop meanwhile.
    jira.failNext(1, { hang: 4000 }, { method: 'POST', path: '/rest/api/3/issue/OPS-1/comment' });

    const first = await startWorker();
    const workflowId = ticketWorkflowId('jira', 'OPS-1');
    const handle = await env.client.workflow.start('ticketHandOff', {
      taskQueue,
      workflowId,
      args: [{ ticket, queue: 'service-desk', comment, reason: 'no automation matches this ticket' }],
    });
    await until('the comment request to reach Jira', () => jira.requests.some(isHandOffComment));
    const stopAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    // It waited for Jira's answer (about 4 s) rather than abandoning the call.
    expect(Date.now() - stopAt).toBeGreaterThan(2500);

    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'commentOnTicket');
    expect(scheduled).toHaveLength(1);
    expect(events.filter((e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === scheduled[0]!.eventId?.toString())).toHaveLength(1);
    expect(
      events.filter((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes || e.activityTaskCanceledEventAttributes),
    ).toHaveLength(0);

    // Its log lines: pino JSON with the SDK's metadata, the workflow id and the ticket.
    const activityLine = first.lines().find((l) => l.activityType === 'commentOnTicket' && l.msg === 'Activity completed');
    expect(activityLine).toMatchObject({ component: 'temporal', workflowId, ticket: 'jira:OPS-1', taskQueue, attempt: 1, durationMs: expect.any(Number) });
    expect(activityLine!.durationMs as number).toBeGreaterThan(3500);
    expect(activityLine).not.toHaveProperty('taskToken');
    expect(first.lines().find((l) => l.msg === 'Workflow started')).toMatchObject({
      component: 'temporal',
      workflowType: 'ticketHandOff',
      workflowId,
      ticket: 'jira:OPS-1',
    });

    const second = await startWorker();
    try {
      const record = (await handle.result()) as { outcome: string };
      expect(record.outcome).toBe('escalated');
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exit).toBe(0);
    }
    expect(jira.requests.filter(isHandOffComment)).toHaveLength(1);
    expect(jira.issue('OPS-1').comments.filter((c) => isPublicHandOff(c))).toHaveLength(1);
  });
  it('stops within its shutdown grace on SIGTERM while an SMTP server hangs mid-send, and the mail is not lost', async () => {
    // Accepts the connection and never says a word (no greeting): nodemailer alone would wait 2 min.
    const held: Socket[] = [];
    const hung = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const port = (hung.address() as { port: number }).port;
    try {
      const issue = jira.seedIssue({ key: 'OPS-2', summary: 'Forgot my password' });
      const ticket: WorkflowTicket = {
        source: 'jira',
        id: issue.id,
        key: 'OPS-2',
        eventType: 'created',
        occurredAt: new Date().toISOString(),
        summary: 'Forgot my password',
        priority: 'Medium',
        requesterExternalId: JIRA.jdoe,
      };
      const worker = await startWorker({ SMTP_URL: `smtp://127.0.0.1:${port}` });
      const handle = await env.client.workflow.start('passwordReset', { taskQueue, workflowId: ticketWorkflowId('jira', 'OPS-2'), args: [{ ticket }] });
      await until('the password mail to reach the SMTP server', () => held.length > 0);
      worker.child.kill('SIGTERM');
      // The hung server never lets go: exiting at all means the send was bounded (SMTP_TIMEOUT
      // 8 s, under the 10 s grace), not waiting on the server.
      expect(await worker.exit).toBe(0);
      expect(worker.lines().some((l) => l.msg === 'worker stopped')).toBe(true);
      // The run waits for a worker to send the mail again: nothing is lost.
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await handle.terminate('test done');
    } finally {
      for (const s of held) s.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  });
});
