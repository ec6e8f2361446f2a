import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

const ADMIN = 'admin-token-0123456789abcdefghij';

// The whole engine as `npm start` runs it (embedded dev server on a SQLite file, worker, HTTP API),
// driven over real HTTP.

let dataDir: string;
let stack: Stack;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'itse-e2e-'));
  stack = await startStack(loadConfig({ ...(await isolatedStackEnv(dataDir, process.env)), ADMIN_API_TOKEN: ADMIN }), createLogger('warn'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (path: string, body: unknown, contentType = 'application/json') =>
  fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function waitForCompletion(workflowId: string): Promise<any> {
  for (;;) {
    const res = await fetch(`${stack.apiUrl}/workflows/${workflowId}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const body = await res.json();
    if (body.status !== 'RUNNING') return body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function expectNoWorkflowFor(ticketKey: string): Promise<void> {
  await expect(stack.client.workflow.getHandle(`ticket-jira-${ticketKey}`).describe()).rejects.toThrow(/not found/i);
}

async function countWorkflows(query: string): Promise<number> {
  let n = 0;
  for await (const _ of stack.client.workflow.list({ query })) n++;
  return n;
}

describe('password reset from a Jira webhook, end to end', () => {
  it('answers 202 once Temporal accepted the start, then resolves the ticket, mails the user and returns the record', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const res = await post('/webhooks/jira', body);
    expect(res.status).toBe(202);
    const accepted = await res.json();
    expect(accepted).toEqual({
      status: 'started',
      workflowId: `ticket-jira-${body.issue.key}`,
      workflowType: 'passwordReset',
      rule: 'password-reset',
      deliveryId: expect.stringMatching(/^sha256:/),
    });
    // Accepted means Temporal has it: the workflow is visible at once.
    const described = await stack.client.workflow.getHandle(accepted.workflowId).describe();
    expect(described.type).toBe('passwordReset');

    const done = await waitForCompletion(accepted.workflowId);
    expect(done.status).toBe('COMPLETED');
    expect(done.result).toMatchObject({ outcome: 'resolved', requester: { userId: 'jdoe' }, ticket: { key: body.issue.key } });
    expect(done.progress.steps.map((s: { name: string }) => s.name)).toEqual(['check permission', 'reset password', 'comment on ticket', 'resolve ticket']);
    expect(done.ui).toBe(`${stack.uiUrl}/namespaces/default/workflows/${accepted.workflowId}/${done.runId}/history`);

    const ticket = stack.adapters.helpdesk.get(body.issue.key);
    expect(ticket).toMatchObject({
      status: 'resolved',
      comments: [{ visibility: 'public' }, { visibility: 'internal', body: expect.stringContaining(accepted.workflowId) }],
    });
    expect(stack.adapters.outbox.to('jane.doe@example.com')).toHaveLength(1);
  });

  it('starts one workflow however often the same delivery is retried', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const first = await post('/webhooks/jira', body);
    expect(first.status).toBe(202);
    const retries = await Promise.all([1, 2, 3, 4, 5].map(() => post('/webhooks/jira', body)));
    for (const r of retries) expect([200, 202]).toContain(r.status);
    const { workflowId } = await first.json();
    await waitForCompletion(workflowId);
    const late = await post('/webhooks/jira', body);
    expect(late.status).toBe(200);
    expect(await late.json()).toMatchObject({ status: 'duplicate', workflowId });
    expect(await countWorkflows(`WorkflowId = "${workflowId}"`)).toBe(1);
    expect(stack.adapters.outbox.to('jane.doe@example.com').length).toBe(2); // this test's reset and the previous one's
  });

  it('rejects a malformed body with 400 naming the fields, and starts nothing', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe, key: 'BAD-1' });
    delete body.issue.fields.summary;
    body.issue.fields.labels = 'urgent';
    const res = await post('/webhooks/jira', body);
    expect(res.status).toBe(400);
    const error = await res.json();
    expect(error.error).toBe('invalid_payload');
    expect(error.deadLetterId).toEqual(expect.any(Number));
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(['issue.fields.summary', 'issue.fields.labels']);

    const notJson = await post('/webhooks/jira', '{"webhookEvent": ');
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).issues[0]).toMatchObject({ path: '(body)', message: expect.stringContaining('not valid JSON') });

    const unknown = await post('/webhooks/jira', { ...jiraIssueCreated(), webhookEvent: 'board_created' });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).issues).toEqual([expect.objectContaining({ path: 'webhookEvent' })]);

    const wrongType = await post('/webhooks/jira', 'key=value', 'application/x-www-form-urlencoded');
    expect(wrongType.status).toBe(415);

    await expectNoWorkflowFor('BAD-1');
  });

  it('routes a ticket from someone the directory does not know to a human, with a comment', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.stranger });
    const { workflowId } = await (await post('/webhooks/jira', body)).json();
    const done = await waitForCompletion(workflowId);
    expect(done.result).toMatchObject({ outcome: 'escalated' });
    expect(stack.adapters.helpdesk.get(body.issue.key)).toMatchObject({
      status: 'open',
      queue: 'service-desk',
      comments: [{ body: expect.stringContaining('requester not found in directory') }, { visibility: 'internal' }],
    });
  });

  it('acknowledges a ticket no automation takes and queues it for people', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe, summary: 'My monitor flickers' });
    body.issue.fields.description = 'since Monday';
    const res = await post('/webhooks/jira', body);
    expect(res.status).toBe(202);
    const { workflowId, workflowType } = await res.json();
    expect(workflowType).toBe('ticketHandOff');
    expect((await waitForCompletion(workflowId)).result.outcome).toBe('escalated');
    expect(stack.adapters.helpdesk.get(body.issue.key)).toMatchObject({
      queue: 'service-desk',
      comments: [{ body: expect.stringContaining('service desk') }, { visibility: 'internal' }],
    });
  });

  it('ignores opted-out tickets and edits, with 200 and no workflow', async () => {
    const optOut = jiraIssueCreated({ reporter: JIRA.jdoe, labels: ['no-automation'] });
    const res = await post('/webhooks/jira', optOut);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ignored', rule: 'opt-out' });
    const edit = {
      ...jiraIssueCreated({ reporter: JIRA.jdoe, summary: 'printer jam' }),
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
    };
    expect(await (await post('/webhooks/jira', edit)).json()).toMatchObject({ status: 'ignored', rule: null });
    await expectNoWorkflowFor(optOut.issue.key);
  });

  it('answers 404 for an unknown workflow and reports health', async () => {
    expect((await fetch(`${stack.apiUrl}/workflows/nope`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(404);
    expect(await (await fetch(`${stack.apiUrl}/healthz`)).json()).toEqual({ status: 'ok' });
  });
});

describe('a repeated delivery is told apart from a start', () => {
  const decisions = async (ticket: string) =>
    (await stack.adapters.store.auditEntries({ subject: `jira:${ticket}`, kind: 'webhook.accepted' })).map((e) => e.entry.reason).sort();

  it('50 concurrent repeats of one delivery: exactly one is started, every other is a duplicate naming the run, in each of 3 rounds', async () => {
    for (const round of [1, 2, 3]) {
      const body = jiraIssueCreated({ reporter: JIRA.jdoe });
      const answers = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await post('/webhooks/jira', body);
          return { status: res.status, body: await res.json() };
        }),
      );
      const started = answers.filter((a) => a.body.status === 'started');
      expect(started, `round ${round}`).toHaveLength(1);
      expect(started[0]!.status).toBe(202);
      const workflowId = `ticket-jira-${body.issue.key}`;
      for (const a of answers.filter((x) => x !== started[0])) {
        expect(a).toMatchObject({ status: 200, body: { status: 'duplicate', workflowId, workflowType: 'passwordReset', rule: 'password-reset' } });
      }
      expect(await decisions(body.issue.key)).toEqual(['started', ...Array<string>(49).fill('duplicate')].sort());
      await waitForCompletion(workflowId);
    }
  });

  it('a second issue_created for a ticket whose run is going is a duplicate naming that run, not what routing would choose now', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const first = await post('/webhooks/jira', body);
    expect(await first.json()).toMatchObject({ status: 'started', workflowType: 'passwordReset', rule: 'password-reset' });
    // The same ticket, now worded as a network problem: routing would start a troubleshooting session.
    const reworded = structuredClone(body);
    reworded.issue.fields.summary = 'No internet on the office wifi';
    reworded.issue.fields.description = 'Cannot connect since this morning.';
    const again = await post('/webhooks/jira', reworded);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({
      status: 'duplicate',
      workflowId: `ticket-jira-${body.issue.key}`,
      workflowType: 'passwordReset',
      rule: 'password-reset',
    });
    const [, repeat] = await stack.adapters.store.auditEntries({ subject: `jira:${body.issue.key}`, kind: 'webhook.accepted' });
    expect(repeat!.entry).toMatchObject({ reason: 'duplicate', details: { rule: 'password-reset', workflowId: `ticket-jira-${body.issue.key}` } });
    await waitForCompletion(`ticket-jira-${body.issue.key}`);
  });
});
