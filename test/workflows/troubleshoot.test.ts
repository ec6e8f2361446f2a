import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildActivities } from '../../src/app/adapters.js';
import { normaliseJira } from '../../src/domain/sources/jira.js';
import { toWorkflowTicket } from '../../src/domain/tickets/ticket.js';
import { DecisionTree, treeSetFor } from '../../src/domain/trees/tree.js';
import { answerUpdate, backUpdate, sessionQuery, troubleshootSession } from '../../src/workflows/index.js';
import type { Responder, SessionAnswer } from '../../src/workflows/messages.js';
import { demoAdapters, demoContent, startTestServer, withWorker, workflowBundle } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

const MINI = DecisionTree.parse(
  parse(`
id: mini
title: Mini network check
start: ask
nodes:
  - { id: ask, kind: question, prompt: Is it only this device?, choices: [{ id: one, label: Only this device, next: ip }, { id: many, label: Several people, next: outage }] }
  - id: ip
    kind: check
    check: network.ipConfig
    title: IP configuration
    branches: [{ when: { field: apipa, equals: true }, next: renew }, { when: { field: apipa, equals: false }, next: fine }]
  - { id: renew, kind: action, action: network.renewDhcp, title: Renew the DHCP lease, permission: endpoint.remediate, confirm: The connection drops for a few seconds. Renew now?, next: recheck, onFailure: stuck }
  - id: recheck
    kind: check
    check: network.ipConfig
    title: IP configuration again
    maxVisits: 2
    branches: [{ when: { field: apipa, equals: false }, next: fixed }, { when: { field: apipa, equals: true }, next: stuck }]
  - { id: fixed, kind: resolve, outcome: resolved, text: The laptop had no address from DHCP; renewing the lease fixed it., kb: KB-NET-0007 }
  - { id: fine, kind: resolve, outcome: resolved, text: The address is fine. }
  - { id: outage, kind: resolve, outcome: handoff, text: Several people are affected; the network team takes over., queue: network-team }
  - { id: stuck, kind: resolve, outcome: escalate, text: DHCP could not be fixed remotely., queue: network-team }
`),
);
const SET = treeSetFor({ mini: MINI }, 'mini')!;
const SAM: Responder = { id: 'sam.helper', groups: ['helpdesk', 'it-staff', 'staff'] };
const JANE: Responder = { id: 'jdoe', groups: ['staff'] };

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

async function startSession(taskQueue: string, extra: Record<string, unknown> = {}, reporter = JIRA.jdoe) {
  const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ reporter, summary: 'No network on my laptop' })));
  const handle = await env.client.workflow.start(troubleshootSession, {
    taskQueue,
    workflowId: `ts-${ticket.key}`,
    args: [{ trees: SET.trees, root: 'mini', version: SET.version, ticket, ...extra }],
  });
  return { handle, ticket };
}

async function waitingAt(handle: { query: (q: typeof sessionQuery) => Promise<{ status: string; node: string }> }, node: string) {
  for (;;) {
    const v = await handle.query(sessionQuery);
    if (v.status === 'waiting' && v.node === node) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('troubleshootSession', () => {
  it('walks the tree: asks, runs checks itself, confirms and runs the remediation, re-checks, resolves the ticket', async () => {
    const adapters = await demoAdapters();
    const { record, ticket, view } = await withWorker(env, adapters, async (tq) => {
      const { handle, ticket } = await startSession(tq);
      const first = await waitingAt(handle, 'ask');
      expect(first).toMatchObject({ prompt: 'Is it only this device?', choices: [{ id: 'one' }, { id: 'many' }], version: SET.version });
      await handle.executeUpdate(answerUpdate, { args: [{ node: 'ask', choice: 'one', responder: SAM }] });
      const confirm = await waitingAt(handle, 'renew');
      expect(confirm).toMatchObject({ prompt: 'The connection drops for a few seconds. Renew now?', choices: [{ id: 'confirm' }, { id: 'skip' }] });
      const view = await handle.executeUpdate(answerUpdate, { args: [{ node: 'renew', choice: 'confirm', responder: SAM }] });
      return { record: await handle.result(), ticket, view };
    });
    expect(view.path.at(-1)).toMatchObject({ node: 'renew', by: 'sam.helper' });
    expect(record).toMatchObject({
      outcome: 'resolved',
      target: 'LT-0042',
      troubleshooting: { tree: 'mini', version: SET.version, kb: 'KB-NET-0007' },
      decisions: [{ action: 'endpoint.remediate', allowed: true, rule: 'support-staff' }],
    });
    expect(record.troubleshooting!.path.map((p) => [p.node, p.kind, p.choice ?? p.outcome ?? null, p.by ?? null])).toEqual([
      ['ask', 'question', 'one', 'sam.helper'],
      ['ip', 'check', null, null],
      ['renew', 'action', 'confirm', 'sam.helper'],
      ['renew', 'action', 'ok', null],
      ['recheck', 'check', null, null],
      ['fixed', 'resolve', null, null],
    ]);
    expect(record.troubleshooting!.path[0]).toMatchObject({ prompt: 'Is it only this device?', label: 'Only this device' });
    expect(adapters.endpoints.remediations).toEqual([expect.objectContaining({ deviceId: 'LT-0042', action: 'network.renewDhcp' })]);
    expect(adapters.helpdesk.get(ticket.key)).toMatchObject({
      status: 'resolved',
      comments: [{ body: expect.stringContaining('renewing the lease fixed it. (see KB-NET-0007)') }, { visibility: 'internal' }],
    });
    const [doc] = await adapters.store.documents(`jira:${ticket.key}`);
    expect(doc!.kbDraft).toContain('KB-NET-0007');
    expect(doc!.workNote).toContain('sam.helper');
  });

  it('rejects answers that do not fit, before they touch history', async () => {
    const adapters = await demoAdapters();
    await withWorker(env, adapters, async (tq) => {
      const { handle } = await startSession(tq);
      await waitingAt(handle, 'ask');
      const refused = async (answer: SessionAnswer, message: RegExp) => {
        const e = await handle.executeUpdate(answerUpdate, { args: [answer] }).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
        expect((e as WorkflowUpdateFailedError).cause?.message).toMatch(message);
      };
      await refused({ node: 'ask', choice: 'maybe', responder: SAM }, /no choice "maybe" at "ask"/);
      await refused({ node: 'renew', choice: 'confirm', responder: SAM }, /session is at "ask"/);
      await refused({ node: 'ask', choice: 'one', responder: JANE }, /jdoe is not in helpdesk/);
      await refused({ node: 'ask', choice: 'one', responder: { id: 'x' } as never }, /needs an id and the groups/);
      const history = await handle.fetchHistory();
      expect(history.events!.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
      await handle.terminate('test done');
    });
  });

  it('goes back one answer, and a skipped remediation follows onFailure', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (tq) => {
      const { handle } = await startSession(tq);
      await waitingAt(handle, 'ask');
      await expect(handle.executeUpdate(backUpdate, { args: [{ responder: SAM }] })).rejects.toThrow(WorkflowUpdateFailedError);
      await handle.executeUpdate(answerUpdate, { args: [{ node: 'ask', choice: 'one', responder: SAM }] });
      await waitingAt(handle, 'renew');
      const back = await handle.executeUpdate(backUpdate, { args: [{ responder: SAM }] });
      expect(back).toMatchObject({ node: 'ask', status: 'waiting' });
      await handle.executeUpdate(answerUpdate, { args: [{ node: 'ask', choice: 'one', responder: SAM }] });
      await waitingAt(handle, 'renew');
      await handle.executeUpdate(answerUpdate, { args: [{ node: 'renew', choice: 'skip', responder: SAM }] });
      return handle.result();
    });
    expect(record).toMatchObject({ outcome: 'escalated', summary: 'DHCP could not be fixed remotely.' });
    expect(record.troubleshooting!.path.find((p) => p.node === 'renew')).toMatchObject({ outcome: 'skipped', by: 'sam.helper' });
    expect(adapters.endpoints.remediations).toHaveLength(0);
  });

  it('reminds, then escalates when nobody answers', async () => {
    const adapters = await demoAdapters();
    const { record, ticket } = await withWorker(env, adapters, async (tq) => {
      const { handle, ticket } = await startSession(tq, { remindAfterMs: 500, escalateAfterMs: 1500 });
      return { record: await handle.result(), ticket };
    });
    expect(record).toMatchObject({ outcome: 'escalated', summary: expect.stringContaining('no answer came in time') });
    const stored = adapters.helpdesk.get(ticket.key)!;
    expect(stored.comments.map((c) => c.visibility)).toEqual(['internal', 'public', 'internal']);
    expect(stored.comments[0]!.body).toContain('waiting for an answer: "Is it only this device?"');
    expect(stored.queue).toBe('service-desk');
  });

  it('refuses a remediation the responder may not run (a privileged user’s device) and follows onFailure', async () => {
    const adapters = await demoAdapters();
    adapters.endpoints.setFault('LT-0003', 'network.ipConfig', { apipa: true });
    const record = await withWorker(env, adapters, async (tq) => {
      const { handle } = await startSession(tq, {}, JIRA.danaAdmin);
      await waitingAt(handle, 'ask');
      await handle.executeUpdate(answerUpdate, { args: [{ node: 'ask', choice: 'one', responder: SAM }] });
      await waitingAt(handle, 'renew');
      await handle.executeUpdate(answerUpdate, { args: [{ node: 'renew', choice: 'confirm', responder: SAM }] });
      return handle.result();
    });
    expect(record).toMatchObject({ outcome: 'escalated', decisions: [{ allowed: false, rule: 'protected-devices' }] });
    expect(record.troubleshooting!.path.filter((p) => p.node === 'renew').at(-1)).toMatchObject({
      outcome: 'failed',
      detail: expect.stringContaining('not allowed'),
    });
    expect(adapters.endpoints.remediations).toHaveLength(0);
  });

  it('survives a worker restart while it waits for an answer, and goes on where it was', async () => {
    const adapters = await demoAdapters();
    const taskQueue = `ts-restart-${Date.now()}`;
    const makeWorker = async () =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        activities: buildActivities(adapters, await demoContent(), { client: env.client, taskQueue }),
        workflowBundle: await workflowBundle(),
      });
    const first = await makeWorker();
    const { handle } = await first.runUntil(async () => {
      const started = await startSession(taskQueue);
      await waitingAt(started.handle, 'ask');
      await started.handle.executeUpdate(answerUpdate, { args: [{ node: 'ask', choice: 'one', responder: SAM }] });
      await waitingAt(started.handle, 'renew');
      return started;
    });
    // The first worker is gone; a new one (empty cache) replays the history and continues.
    const second = await makeWorker();
    const record = await second.runUntil(async () => {
      expect(await waitingAt(handle, 'renew')).toMatchObject({ path: [{ node: 'ask' }, { node: 'ip' }] });
      await handle.executeUpdate(answerUpdate, { args: [{ node: 'renew', choice: 'confirm', responder: SAM }] });
      return handle.result();
    });
    expect(record.outcome).toBe('resolved');
    expect(adapters.endpoints.remediations).toHaveLength(1);
  });
});
