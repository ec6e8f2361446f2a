import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/client/cli/program.js';
import { createDirectory } from '../../src/app/adapters.js';
import { RECONCILE_SCHEDULE_ID } from '../../src/client/schedules.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { deliver, SECRETS, serviceNowIncident, signedHeaders, zendeskTicket } from '../helpers/deliveries.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// Production-like intake: every help desk has a secret, unsigned deliveries are refused, staff
// endpoints need the admin token.
const ADMIN = 'admin-token-0123456789abcdefghij';
const dataDir = mkdtempSync(join(tmpdir(), 'itse-intake-'));
let env: NodeJS.ProcessEnv;
let stack: Stack;

beforeAll(async () => {
  env = {
    ...(await isolatedStackEnv(dataDir, process.env)),
    WEBHOOK_SECRET_JIRA: SECRETS.jira,
    WEBHOOK_SECRET_SERVICENOW: SECRETS.servicenow,
    WEBHOOK_SECRET_ZENDESK: SECRETS.zendesk,
    ALLOW_UNSIGNED_WEBHOOKS: 'false',
    ADMIN_API_TOKEN: ADMIN,
    RECONCILE_EVERY: '1h',
  };
  stack = await startStack(loadConfig(env), createLogger('silent'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const result = (workflowId: string) => stack.client.workflow.getHandle(workflowId).result();
const staff = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...(init.headers ?? {}) } });
/** The entries about a ticket other than its automated actions (those are checked on their own). */
const audit = async (subject: string) => (await stack.adapters.store.auditEntries({ subject })).map((e) => e.entry).filter((e) => e.kind !== 'action');
const actions = async (subject: string) => (await stack.adapters.store.auditEntries({ subject, kind: 'action' })).map((e) => e.entry.details.action);

describe('signed deliveries from each help desk', () => {
  it('Jira: a signed issue_created resets the password and resolves the ticket', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const res = await deliver(stack.apiUrl, 'jira', body, { ...signedHeaders('jira', JSON.stringify(body)), 'x-atlassian-webhook-identifier': 'd-jira-1' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'started', workflowId: `ticket-jira-${body.issue.key}`, deliveryId: 'd-jira-1' });
    expect(await result(`ticket-jira-${body.issue.key}`)).toMatchObject({ outcome: 'resolved', requester: { userId: 'jdoe' } });
    expect(await audit(`jira:${body.issue.key}`)).toEqual([
      expect.objectContaining({
        kind: 'webhook.accepted',
        outcome: 'accepted',
        reason: 'started',
        details: expect.objectContaining({ deliveryId: 'd-jira-1', rule: 'password-reset' }),
      }),
    ]);
    expect(await actions(`jira:${body.issue.key}`)).toEqual([
      'checkPermission',
      'resetPasswordAndNotify',
      'commentOnTicket',
      'resolveTicket',
      'fileResolution',
    ]);
  });

  it('ServiceNow: a signed incident.created from the Business Rule is handled the same way', async () => {
    const body = serviceNowIncident();
    const res = await deliver(stack.apiUrl, 'servicenow', body);
    expect(res.status).toBe(202);
    const record = await result(`ticket-servicenow-${body.incident.number}`);
    expect(record).toMatchObject({
      outcome: 'resolved',
      ticket: { source: 'servicenow', key: body.incident.number, id: body.incident.sys_id },
      requester: { userId: 'jdoe' },
    });
    expect(stack.adapters.helpdesk.get(body.incident.number)?.status).toBe('resolved');
  });

  it('Zendesk: a signed ticket.created is handled the same way', async () => {
    const body = zendeskTicket();
    expect((await deliver(stack.apiUrl, 'zendesk', body)).status).toBe(202);
    expect(await result(`ticket-zendesk-${body.ticket.id}`)).toMatchObject({ outcome: 'resolved', requester: { userId: 'jdoe' } });
  });
});

describe('refused deliveries: 401 or 400, audited, dead-lettered, nothing started', () => {
  it.each([
    ['unsigned', (_raw: string) => ({ 'content-type': 'application/json' }), 'missing_signature'],
    ['signed with another secret', (raw: string) => signedHeaders('jira', raw, 'not-the-jira-secret-0000'), 'bad_signature'],
    ['tampered after signing', (raw: string) => signedHeaders('jira', raw.replace('Forgot', 'Forgot!!')), 'bad_signature'],
  ])('Jira %s', async (_what, headersFor, reason) => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const raw = JSON.stringify(body);
    const res = await deliver(stack.apiUrl, 'jira', body, headersFor(raw), raw);
    expect(res.status).toBe(401);
    const answer = await res.json();
    expect(answer).toEqual({ error: 'invalid_signature', reason, deadLetterId: expect.any(Number) });
    await expect(stack.client.workflow.getHandle(`ticket-jira-${body.issue.key}`).describe()).rejects.toThrow(/not found/i);
    expect(await stack.adapters.store.deadLetter(answer.deadLetterId)).toMatchObject({ source: 'jira', reason, status: 'open', body: Buffer.from(raw) });
  });

  it('Zendesk with a stale timestamp (a captured delivery sent again later)', async () => {
    const body = zendeskTicket();
    const raw = JSON.stringify(body);
    const res = await deliver(stack.apiUrl, 'zendesk', body, signedHeaders('zendesk', raw, SECRETS.zendesk, new Date(Date.now() - 3_600_000)));
    expect(res.status).toBe(401);
    expect((await res.json()).reason).toBe('stale_timestamp');
  });

  it.each([
    [
      'jira',
      () => {
        const b = jiraIssueCreated();
        delete b.issue.fields.summary;
        return b;
      },
      'issue.fields.summary',
    ],
    [
      'servicenow',
      () =>
        serviceNowIncident((b) => {
          b.incident.sys_updated_on = 'yesterday';
        }),
      'incident.sys_updated_on',
    ],
    [
      'zendesk',
      () =>
        zendeskTicket((b) => {
          b.event = 'ticket.exploded';
        }),
      'event',
    ],
  ] as const)('%s malformed body names the field', async (source, make, path) => {
    const res = await deliver(stack.apiUrl, source, make());
    expect(res.status).toBe(400);
    const answer = await res.json();
    expect(answer.error).toBe('invalid_payload');
    expect(answer.issues.map((i: { path: string }) => i.path)).toContain(path);
    const entries = (await stack.adapters.store.auditEntries({ kind: 'webhook.rejected' })).map((e) => e.entry);
    expect(entries.at(-1)).toMatchObject({
      actor: source,
      outcome: 'rejected',
      reason: 'invalid_payload',
      details: { deadLetterId: answer.deadLetterId, fields: expect.arrayContaining([path]) },
    });
  });

  it('a body that is not JSON at all is kept too', async () => {
    const raw = '{"webhookEvent": "jira:issue_created", ';
    const res = await deliver(stack.apiUrl, 'jira', null, signedHeaders('jira', raw), raw);
    expect(res.status).toBe(400);
    const { deadLetterId, issues } = await res.json();
    expect(issues).toEqual([{ path: '(body)', message: expect.stringContaining('not valid JSON') }]);
    expect((await stack.adapters.store.deadLetter(deadLetterId))?.body.toString()).toBe(raw);
  });

  it('an unknown help desk is 404', async () => {
    expect((await fetch(`${stack.apiUrl}/webhooks/freshdesk`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(
      404,
    );
  });
});

describe('exactly once', () => {
  it('the same delivery sent 25 times at once starts one workflow and resets one password', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.asmith });
    const raw = JSON.stringify(body);
    const headers = { ...signedHeaders('jira', raw), 'x-atlassian-webhook-identifier': 'd-storm' };
    const answers = await Promise.all(Array.from({ length: 25 }, () => deliver(stack.apiUrl, 'jira', body, headers, raw)));
    for (const a of answers) expect([200, 202]).toContain(a.status);
    const workflowId = `ticket-jira-${body.issue.key}`;
    await result(workflowId);
    let runs = 0;
    for await (const _ of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs++;
    expect(runs).toBe(1);
    expect(stack.adapters.outbox.to('alex.smith@example.com')).toHaveLength(1);
    expect(stack.adapters.helpdesk.get(body.issue.key)?.comments.map((c) => c.visibility)).toEqual(['public', 'internal']);
  });
});

describe('dead letters: list, replay once fixed, discard', () => {
  it('a delivery signed with a rotated secret is replayed after the engine gets the new secret', async () => {
    const rotated = 'jira-rotated-secret-9876543210';
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const raw = JSON.stringify(body);
    const res = await deliver(stack.apiUrl, 'jira', body, signedHeaders('jira', raw, rotated), raw);
    const { deadLetterId } = await res.json();

    expect((await fetch(`${stack.apiUrl}/dead-letters`)).status).toBe(401);
    expect((await fetch(`${stack.apiUrl}/dead-letters`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    const listed = await (await staff('/dead-letters?status=open')).json();
    expect(listed).toContainEqual(expect.objectContaining({ id: deadLetterId, source: 'jira', reason: 'bad_signature', status: 'open', bytes: raw.length }));
    expect(listed[0]).not.toHaveProperty('body');

    // Replaying with the old secret changes nothing and keeps it open.
    const again = await staff(`/dead-letters/${deadLetterId}/replay`, { method: 'POST' });
    expect(again.status).toBe(401);
    expect((await stack.adapters.store.deadLetter(deadLetterId))?.status).toBe('open');

    // Staff put the rotated secret in the configuration and replay from the CLI.
    const out: string[] = [];
    const cliEnv = { ...env, WEBHOOK_SECRET_JIRA: rotated, TEMPORAL_ADDRESS: stack.temporalAddress };
    const code = await runCli(
      ['deadletters', 'replay', String(deadLetterId)],
      { out: (l) => out.push(l), err: (l) => out.push(l), env: cliEnv },
      { createDirectory },
    );
    expect(code, out.join('\n')).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({ status: 'started', workflowId: `ticket-jira-${body.issue.key}` });
    expect(await result(`ticket-jira-${body.issue.key}`)).toMatchObject({ outcome: 'resolved' });
    expect(await stack.adapters.store.deadLetter(deadLetterId)).toMatchObject({ status: 'replayed', replayResult: `started ticket-jira-${body.issue.key}` });
    expect(await audit(`jira:${body.issue.key}`)).toContainEqual(
      expect.objectContaining({ kind: 'webhook.replayed', details: expect.objectContaining({ deadLetterId }) }),
    );

    // A replayed letter cannot be replayed or discarded again.
    expect(await runCli(['deadletters', 'replay', String(deadLetterId)], { out: () => {}, err: (l) => out.push(l), env: cliEnv }, { createDirectory })).toBe(1);
    expect(out.at(-1)).toContain(`dead letter ${deadLetterId} is already replayed`);
    expect((await staff(`/dead-letters/${deadLetterId}/discard`, { method: 'POST' })).status).toBe(409);
  });

  it('staff see one letter whole, and discard what cannot be fixed', async () => {
    const raw = 'not json';
    const { deadLetterId } = await (await deliver(stack.apiUrl, 'servicenow', null, signedHeaders('servicenow', raw), raw)).json();
    const shown = await (await staff(`/dead-letters/${deadLetterId}`)).json();
    expect(shown).toMatchObject({
      id: deadLetterId,
      source: 'servicenow',
      body: raw,
      headers: { 'x-itse-signature': expect.stringMatching(/^sha256=/), 'content-type': 'application/json' },
    });
    expect(shown.headers).not.toHaveProperty('host');
    expect(await (await staff(`/dead-letters/${deadLetterId}/discard`, { method: 'POST' })).json()).toEqual({ id: deadLetterId, status: 'discarded' });
    expect((await staff('/dead-letters/999999')).status).toBe(404);
    expect((await staff('/dead-letters/abc')).status).toBe(400);
    expect((await staff('/dead-letters?status=maybe')).status).toBe(400);
    const lines: string[] = [];
    await runCli(['deadletters', 'list', '--status', 'discarded'], { out: (l) => lines.push(l), err: (l) => lines.push(l), env }, { createDirectory });
    expect(lines.join('\n')).toMatch(new RegExp(`#${deadLetterId} .* servicenow +discarded +invalid_payload: \\(body\\)`));
  });
});

describe('later events on a ticket', () => {
  it('an update to a finished ticket is routed like any event (ignored), not a new start', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    await deliver(stack.apiUrl, 'jira', body);
    await result(`ticket-jira-${body.issue.key}`);
    const update = { ...body, webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_commented' };
    const res = await deliver(stack.apiUrl, 'jira', update);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ignored' });
  });
});

describe('reconciliation (Temporal Schedule)', () => {
  it('starts the ticket whose webhook never came, once, however often it runs', async () => {
    const lost = jiraIssueCreated({ reporter: JIRA.jdoe });
    stack.adapters.helpdesk.file('jira', lost, new Date());
    const schedule = stack.client.schedule.getHandle(RECONCILE_SCHEDULE_ID);
    expect((await schedule.describe()).spec.intervals?.[0]?.every).toBe(3_600_000);

    await schedule.trigger();
    const record = await waitForWorkflow(`ticket-jira-${lost.issue.key}`);
    expect(record).toMatchObject({ outcome: 'resolved', ticket: { key: lost.issue.key } });
    expect(await audit(`jira:${lost.issue.key}`)).toEqual([expect.objectContaining({ kind: 'ticket.reconciled', actor: 'engine' })]);

    // Run it again: the ticket is listed again (overlap) but nothing new starts.
    const before = (await schedule.describe()).info.recentActions.length;
    await schedule.trigger();
    const reports = await waitForNextRun(before);
    expect(reports.find((r: { source: string }) => r.source === 'jira')).toMatchObject({ started: 0, duplicates: expect.any(Number) });
    expect(stack.adapters.helpdesk.get(lost.issue.key)?.comments.map((c) => c.visibility)).toEqual(['public', 'internal']);
  });
});

describe('staff CLI against the running engine', () => {
  it('deliver sends a sample signed with the configured secret; deadletters show prints a kept delivery', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), env };
    const code = await runCli(['deliver', 'zendesk', 'content/samples/zendesk/ticket-created.json', '--url', stack.apiUrl], io, { createDirectory });
    expect(code, lines.join('\n')).toBe(0);
    expect(lines[0]).toMatch(/^202 \{"status":"started","workflowId":"ticket-zendesk-4711"/);

    const raw = '{"event": "ticket.created"}';
    const { deadLetterId } = await (await deliver(stack.apiUrl, 'zendesk', null, signedHeaders('zendesk', raw), raw)).json();
    lines.length = 0;
    expect(await runCli(['deadletters', 'show', String(deadLetterId)], io, { createDirectory })).toBe(0);
    expect(lines.join('\n')).toContain(`#${deadLetterId} from zendesk`);
    expect(lines.join('\n')).toContain('ticket: Invalid input');
    expect(lines.at(-1)).toBe(raw);
    expect(await runCli(['deadletters', 'show', '0'], io, { createDirectory })).toBe(1);
    expect(await runCli(['deliver', 'freshdesk', 'x.json'], io, { createDirectory })).toBe(1);
  });
});

describe('reconciliation keeps what it cannot read', () => {
  it('dead-letters a listed ticket that does not validate, and counts it', async () => {
    const broken = jiraIssueCreated();
    delete broken.issue.fields.summary;
    stack.adapters.helpdesk.file('jira', broken, new Date());
    const schedule = stack.client.schedule.getHandle(RECONCILE_SCHEDULE_ID);
    const before = (await schedule.describe()).info.recentActions.length;
    await schedule.trigger();
    const reports = await waitForNextRun(before);
    expect(reports.find((r: { source: string }) => r.source === 'jira')).toMatchObject({ invalid: 1 });
    expect((await stack.adapters.store.deadLetters('open')).at(-1)).toMatchObject({
      source: 'jira',
      reason: 'reconciliation_invalid',
      issues: [expect.objectContaining({ path: 'issue.fields.summary' })],
    });
  });

  // A help desk's own record never had a webhook signature: its replay is judged on the body, by
  // reconciliation's normaliser, even with WEBHOOK_SECRET_JIRA set.
  it('replays a reconciliation dead letter on its body: still broken is a 400 and stays open; once readable it starts the ticket', async () => {
    const broken = (await stack.adapters.store.deadLetters('open')).filter((d) => d.reason === 'reconciliation_invalid').at(-1);
    expect(broken).toBeDefined();
    const refused = await staff(`/dead-letters/${broken!.id}/replay`, { method: 'POST' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_payload', issues: [expect.objectContaining({ path: 'issue.fields.summary' })] });
    expect((await stack.adapters.store.deadLetter(broken!.id))?.status).toBe('open');

    // What a fixed normaliser would read: the same record, now readable.
    const readable = jiraIssueCreated();
    const id = await stack.adapters.store.addDeadLetter({
      source: 'jira',
      reason: 'reconciliation_invalid',
      issues: [],
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(readable)),
      receivedAt: new Date(),
    });
    const replayed = await staff(`/dead-letters/${id}/replay`, { method: 'POST' });
    expect(replayed.status).toBe(202);
    const body = (await replayed.json()) as { status: string; workflowId: string; deliveryId: string };
    expect(body).toMatchObject({ status: 'started', deliveryId: `reconciliation:dead-letter:${id}` });
    expect((await stack.adapters.store.deadLetter(id))?.status).toBe('replayed');
    expect(await audit(`jira:${readable.issue.key}`)).toContainEqual(
      expect.objectContaining({ kind: 'webhook.replayed', outcome: 'accepted', details: expect.objectContaining({ deadLetterId: id }) }),
    );
    await result(body.workflowId);
  });
});

async function waitForWorkflow(workflowId: string) {
  for (;;) {
    try {
      return await result(workflowId);
    } catch (e) {
      if (!/not found/i.test(String(e))) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function waitForNextRun(previousActions: number) {
  const schedule = stack.client.schedule.getHandle(RECONCILE_SCHEDULE_ID);
  for (;;) {
    const actions = (await schedule.describe()).info.recentActions;
    if (actions.length > previousActions) {
      const last = actions.at(-1)!.action;
      return stack.client.workflow.getHandle(last.workflow.workflowId, last.workflow.firstExecutionRunId).result();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
