import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/client/cli/program.js';
import { createDirectory } from '../../src/app/adapters.js';
import { intakeTicket } from '../../src/client/intake.js';
import type { RunningAutomation } from '../../src/client/runs.js';
import { progressState, sessionState } from '../../src/client/runs.js';
import { normaliseJira } from '../../src/domain/sources/jira.js';
import { progressQuery } from '../../src/workflows/index.js';
import { demoAdapters, demoContent, startTestServer, withWorker } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// `itse runs` against a real dev server: automations started by intake, waiting for people.
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

async function cli(args: string[], taskQueue: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    { out: (l) => out.push(l), err: (l) => err.push(l), env: { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue } },
    { createDirectory },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A Jira ticket whose summary and description both say `text`. */
function ticketAbout(text: string, reporter: string = JIRA.jdoe): Record<string, any> {
  const body = jiraIssueCreated({ reporter, summary: text });
  body.issue.fields.description = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
  return body;
}

async function intake(taskQueue: string, body: Record<string, any>) {
  const content = await demoContent();
  const result = await intakeTicket(
    { client: env.client, taskQueue, routing: content.routing, trees: content.trees },
    normaliseJira(body),
    `d-${body.issue.key}`,
  );
  if (result.status !== 'started') throw new Error(`intake did not start a workflow: ${JSON.stringify(result)}`);
  return result;
}

describe('itse runs', () => {
  it('lists the running automations of the task queue with ticket, start time and what each waits for', async () => {
    await withWorker(env, await demoAdapters(), async (taskQueue) => {
      expect(await cli(['runs'], taskQueue)).toEqual({ code: 0, out: `no running automations on task queue "${taskQueue}"`, err: '' });

      const session = await intake(taskQueue, ticketAbout('No internet on my laptop since this morning'));
      const software = ticketAbout('Please install Acrobat Pro');
      software.issue.fields.customfield_10070 = { value: 'acrobat-pro', id: '1' };
      const install = await intake(taskQueue, software);
      expect([session.workflowType, install.workflowType]).toEqual(['troubleshootSession', 'softwareInstall']);
      // A finished run is not listed.
      const done = await intake(taskQueue, ticketAbout('Monitor flickers since Monday', JIRA.samHelper));
      await env.client.workflow.getHandle(done.workflowId).result();
      const installHandle = env.client.workflow.getHandle(install.workflowId);
      while (!(await installHandle.query(progressQuery)).waitingFor) await new Promise((r) => setTimeout(r, 50));

      let runs: RunningAutomation[] = [];
      const deadline = Date.now() + 15_000;
      while (runs.length < 2 && Date.now() < deadline) {
        const r = await cli(['runs', '--json'], taskQueue);
        expect(r.code).toBe(0);
        runs = JSON.parse(r.out);
      }
      const byId = Object.fromEntries(runs.map((r) => [r.workflowId, r]));
      expect(Object.keys(byId).sort()).toEqual([session.workflowId, install.workflowId].sort());
      const sessionKey = session.workflowId.replace('ticket-jira-', '');
      expect(byId[session.workflowId]).toMatchObject({
        type: 'troubleshootSession',
        ticket: `jira:${sessionKey}`,
        requestedBy: null,
        state: 'waiting for an answer at scope (network-connectivity)',
        session: { tree: 'network-connectivity', status: 'waiting', node: 'scope', prompt: expect.stringContaining('anyone else') },
        progress: null,
      });
      expect(byId[install.workflowId]).toMatchObject({
        type: 'softwareInstall',
        ticket: `jira:${install.workflowId.replace('ticket-jira-', '')}`,
        state: expect.stringMatching(/^waiting for approval by asmith since \d{4}-/),
        progress: { waitingFor: { kind: 'approval', approvers: ['asmith'] } },
        session: null,
      });
      expect(Date.parse(byId[install.workflowId]!.startTime)).toBeGreaterThan(Date.now() - 60_000);

      const table = await cli(['runs'], taskQueue);
      const lines = table.out.split('\n');
      expect(lines[0]).toMatch(/^WORKFLOW ID\s+TYPE\s+TICKET\s+STARTED\s+STATE$/);
      expect(lines.find((l) => l.startsWith(session.workflowId))).toMatch(
        new RegExp(`^${session.workflowId}\\s+troubleshootSession\\s+jira:${sessionKey}\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+waiting for an answer at scope`),
      );
      expect(lines).toHaveLength(3);
      expect(await cli(['runs', '--limit', '1', '--json'], taskQueue).then((r) => JSON.parse(r.out))).toHaveLength(1);
      expect(await cli(['runs', '--limit', '0'], taskQueue)).toMatchObject({ code: 1, err: '--limit must be a positive whole number' });

      for (const id of [session.workflowId, install.workflowId]) await env.client.workflow.getHandle(id).terminate('test done');
    });
  });

  it('says when no worker answers a run’s query', async () => {
    const taskQueue = 'runs-without-worker';
    const started = await intake(taskQueue, ticketAbout('Monitor flickers again'));
    let out = '';
    const deadline = Date.now() + 15_000;
    while (!out.includes(started.workflowId) && Date.now() < deadline) out = (await cli(['runs'], taskQueue)).out;
    expect(out).toMatch(new RegExp(`${started.workflowId}\\s+ticketHandOff\\s+jira:\\S+\\s+\\S+\\s+unknown \\(no worker answered within 2000 ms\\)`));
    await env.client.workflow.getHandle(started.workflowId).terminate('test done');
  });
});

describe('run states', () => {
  it('read as one line', () => {
    expect(progressState({ current: 'reset password', steps: [] })).toBe('running: reset password');
    expect(progressState({ current: null, steps: [] })).toBe('starting');
    expect(progressState({ current: null, steps: [{ name: 'check permission', status: 'done', at: 'x' }] })).toBe(
      'between steps (last: check permission, done)',
    );
    const view = { workflowId: 'w', tree: 't', version: 'v', node: 'n', kind: 'action', done: null, path: [] };
    expect(sessionState({ ...view, status: 'working', title: 'Restart the router' })).toBe('working: Restart the router (t)');
    expect(sessionState({ ...view, status: 'working' })).toBe('working: n (t)');
    expect(sessionState({ ...view, status: 'done', done: { outcome: 'resolved', text: '' } })).toBe('finishing (resolved)');
    expect(sessionState({ ...view, status: 'done' })).toBe('finishing (done)');
  });
});
