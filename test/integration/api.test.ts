import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import { buildApi } from '../../src/client/http/app.js';
import { intakeTicket } from '../../src/client/intake.js';
import { RoutingConfig } from '../../src/domain/tickets/routing.js';
import { normaliseJira } from '../../src/domain/sources/jira.js';
import { createLogger } from '../../src/stack/logger.js';
import { freePort } from '../../src/stack/ports.js';
import { historyText, startTestServer } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// Intake and the HTTP API against a real server, without a worker: what Temporal accepted is what counts.
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

const routing = RoutingConfig.parse({
  rules: [{ id: 'named-account', when: { text: 'password' }, start: { workflow: 'passwordReset', input: { targetAccount: { field: 'customfield_10060' } } } }],
});

describe('ticket intake', () => {
  it('starts a hand-off that asks for the missing field when a rule lacks its input', async () => {
    const event = normaliseJira(jiraIssueCreated({ reporter: JIRA.jdoe }));
    const result = await intakeTicket({ client: env.client, taskQueue: 'no-worker', routing }, event, 'd-1');
    expect(result).toEqual({ status: 'started', workflowId: `ticket-jira-${event.ticket.key}`, workflowType: 'ticketHandOff', rule: 'named-account' });
    const handle = env.client.workflow.getHandle(result.status === 'started' ? result.workflowId : '');
    const [input] = (await handle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const args = JSON.parse(Buffer.from(input!.data!).toString());
    expect(args).toMatchObject({
      queue: 'service-desk',
      reason: 'missing targetAccount (from customfield_10060)',
      comment: expect.stringContaining('needs more information'),
    });
    await handle.terminate('test done');
  });

  it('passes the mapped field and nothing personal to the workflow', async () => {
    const event = normaliseJira(jiraIssueCreated({ reporter: JIRA.samHelper, targetAccount: 'jdoe' }));
    const result = await intakeTicket({ client: env.client, taskQueue: 'no-worker', routing }, event, 'd-2');
    const handle = env.client.workflow.getHandle(`ticket-jira-${event.ticket.key}`);
    expect(result.status).toBe('started');
    const history = historyText(await handle.fetchHistory());
    const started = (await handle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
    const args = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString());
    expect(args).toEqual({
      ticket: {
        source: 'jira',
        id: event.ticket.id,
        key: event.ticket.key,
        eventType: 'created',
        occurredAt: '2026-11-26T10:00:00.000Z',
        summary: 'Forgot my password, locked out of my laptop',
        priority: 'Medium',
        requesterExternalId: JIRA.samHelper,
        via: 'webhook',
      },
      targetAccount: 'jdoe',
      humanQueue: 'service-desk',
    });
    expect(history).not.toMatch(/7946|Someone|holidays/);
    await handle.terminate('test done');
  });
});

const STAFF_TOKEN = 'staff-token-for-the-api-test-0123456789';

describe('HTTP API when Temporal cannot be reached', () => {
  it('answers 503 so the help desk retries the delivery later, and never 202', async () => {
    const deadPort = await freePort();
    // A client whose server has gone away: a lazy connection to a closed port.
    const offline = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${deadPort}`, connectTimeout: 500 }), namespace: 'default' });
    const api = buildApi({
      client: offline,
      taskQueue: 'x',
      routing,
      store: new SqliteEngineStore(':memory:'),
      webhooks: { secrets: {}, allowUnsigned: true },
      logger: createLogger('silent'),
      startTimeoutMs: 1000,
    });
    const url = await api.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${url}/webhooks/jira`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(jiraIssueCreated({ reporter: JIRA.jdoe })),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'unavailable', message: 'The engine could not accept this request now; retry later.' });
    } finally {
      await api.close();
    }
  });

  it("answers GET /workflows/:id with 503 and Retry-After within its deadline instead of waiting out the SDK's retries", async () => {
    const deadPort = await freePort();
    const offline = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${deadPort}`, connectTimeout: 500 }), namespace: 'default' });
    const api = buildApi({
      client: offline,
      taskQueue: 'x',
      routing,
      store: new SqliteEngineStore(':memory:'),
      webhooks: { secrets: {}, allowUnsigned: true },
      adminToken: STAFF_TOKEN,
      logger: createLogger('silent'),
      startTimeoutMs: 1000,
    });
    const url = await api.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${url}/workflows/ticket-jira-ITSM-42`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toEqual({ error: 'unavailable', message: 'The engine could not accept this request now; retry later.' });
    } finally {
      await api.close();
    }
  });
});
