import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import { handleDelivery, type WebhookOptions } from '../../src/client/webhooks.js';
import { demoContent, startTestServer } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// A ticket a routing rule sends to a support workflow definition, but which the definition cannot
// take: it is handed to people with a comment saying why, never started half-checked, never lost.
// No worker polls the queue, so what the API started is read from Temporal as it was accepted.
let env: TestWorkflowEnvironment;
let options: WebhookOptions;
beforeAll(async () => {
  env = await startTestServer();
  const content = await demoContent();
  options = {
    client: env.client,
    taskQueue: 'intake-refusals-no-worker',
    routing: content.routing,
    definitions: content.definitions,
    trees: content.trees,
    store: new SqliteEngineStore(':memory:'),
    secrets: {},
    allowUnsigned: true,
  };
});
afterAll(async () => {
  await env?.teardown();
});

/** Delivers an outage report (routed by its label to the incident-network definition); what started, with its input. */
async function outageReport(change: (body: Record<string, any>) => void, o: WebhookOptions = options) {
  const body = jiraIssueCreated({ reporter: JIRA.jdoe, labels: ['network-incident'], summary: 'Laptop offline' });
  body.issue.fields.description = 'My laptop shows as offline since this morning.';
  change(body);
  const answer = await handleDelivery(o, 'jira', Buffer.from(JSON.stringify(body)), { 'content-type': 'application/json' });
  const handle = env.client.workflow.getHandle(`ticket-jira-${body.issue.key}`);
  const history = await handle.fetchHistory();
  const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
  const input = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString('utf8'));
  return { answer, type: started.workflowType!.name, input };
}

describe('a ticket routed to a definition it cannot start', () => {
  it('with a well-formed device it starts the definition run (the rule and inputs work)', async () => {
    const run = await outageReport((b) => (b.issue.fields.customfield_10080 = 'LT-0042'));
    expect(run.answer).toMatchObject({ httpStatus: 202, body: { status: 'started', workflowType: 'definitionRun', rule: 'network-incident' } });
    expect(run.type).toBe('definitionRun');
  });

  it('naming no requester: handed to the service desk queue, saying so', async () => {
    const run = await outageReport((b) => {
      b.issue.fields.reporter = null;
      delete b.user;
    });
    expect(run.answer).toMatchObject({ httpStatus: 202, body: { status: 'started', workflowType: 'ticketHandOff', rule: 'network-incident' } });
    expect(run.type).toBe('ticketHandOff');
    expect(run.input).toMatchObject({
      queue: 'service-desk',
      reason: 'the ticket names no requester',
      comment: expect.stringContaining('Automation "network-incident" cannot start: the ticket names no requester'),
    });
  });

  it('with a field that fails the definition’s inputs: handed over naming the input and what is wrong', async () => {
    // A site whose mapping of the field sets no pattern: the definition's own check of the input decides.
    const unchecked = { ...options, routing: { ...options.routing, fields: { ...options.routing.fields, deviceId: { jira: 'customfield_10080' } } } };
    const run = await outageReport((b) => (b.issue.fields.customfield_10080 = 'lt 42; rm -rf /'), unchecked);
    expect(run.answer).toMatchObject({ httpStatus: 202, body: { status: 'started', workflowType: 'ticketHandOff', rule: 'network-incident' } });
    expect(run.type).toBe('ticketHandOff');
    expect(run.input.reason).toMatch(/deviceId/);
    expect(run.input.comment).toContain('Automation "network-incident" cannot start:');
    expect(run.input.comment).toContain(run.input.reason);
    // With the shipped mapping's pattern, routing already hands it over before the definition is tried.
    const shipped = await outageReport((b) => (b.issue.fields.customfield_10080 = 'lt 42; rm -rf /'));
    expect(shipped.input.comment).toContain('needs more information (deviceId (customfield_10080 does not hold a deviceId');
  });
});

describe('intake’s other paths', () => {
  const deliver = (o: WebhookOptions, body: unknown) => handleDelivery(o, 'jira', Buffer.from(JSON.stringify(body)), { 'content-type': 'application/json' });
  const networkProblem = () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe, summary: 'No internet on the office wifi' });
    body.issue.fields.description = 'Cannot connect since this morning.';
    return body;
  };

  it('starts each capability on its own task queue when queues are set', async () => {
    const queues = { troubleshooting: 'intake-tq-troubleshooting', definitions: 'intake-tq-definitions' };
    const session = networkProblem();
    expect(await deliver({ ...options, queues }, session)).toMatchObject({ body: { status: 'started', workflowType: 'troubleshootSession' } });
    expect((await env.client.workflow.getHandle(`ticket-jira-${session.issue.key}`).describe()).taskQueue).toBe(queues.troubleshooting);
    const outage = jiraIssueCreated({ reporter: JIRA.jdoe, labels: ['network-incident'], summary: 'Laptop offline' });
    outage.issue.fields.description = 'Offline since this morning.';
    expect(await deliver({ ...options, queues }, outage)).toMatchObject({ body: { status: 'started', workflowType: 'definitionRun' } });
    expect((await env.client.workflow.getHandle(`ticket-jira-${outage.issue.key}`).describe()).taskQueue).toBe(queues.definitions);
  });

  it('hands a ticket over when its rule names a definition that is not loaded', async () => {
    const outage = jiraIssueCreated({ reporter: JIRA.jdoe, labels: ['network-incident'], summary: 'Laptop offline' });
    outage.issue.fields.description = 'Offline since this morning.';
    expect(await deliver({ ...options, definitions: undefined, trees: undefined }, outage)).toMatchObject({
      body: { status: 'started', workflowType: 'ticketHandOff', rule: 'network-incident' },
    });
  });

  it('refuses to start a troubleshooting rule whose tree is not loaded, naming the rule and the tree', async () => {
    await expect(deliver({ ...options, trees: undefined }, networkProblem())).rejects.toThrow(
      'routing rule network-troubleshooting names no loaded troubleshooting tree "network-connectivity"',
    );
    const rules = options.routing.rules.map((r) =>
      r.id === 'network-troubleshooting' && 'start' in r && r.start && 'workflow' in r.start ? { ...r, start: { ...r.start, input: {} } } : r,
    );
    await expect(deliver({ ...options, routing: { ...options.routing, rules } as typeof options.routing }, networkProblem())).rejects.toThrow(
      'names no loaded troubleshooting tree ""',
    );
  });

  it('starts a troubleshooting session on the ticket queue when no queue is set for sessions', async () => {
    const session = networkProblem();
    expect(await deliver(options, session)).toMatchObject({ body: { status: 'started', workflowType: 'troubleshootSession' } });
    expect((await env.client.workflow.getHandle(`ticket-jira-${session.issue.key}`).describe()).taskQueue).toBe(options.taskQueue);
  });

  it('fails the delivery (503, the help desk retries) when the engine database cannot keep a sensitive input, rather than handing the ticket over', async () => {
    const onboarding = {
      id: 'onboarding-form',
      priority: 2000,
      when: { labels: ['onboarding'] },
      start: { definition: 'onboarding', input: { employeeId: { const: 'maria.lopez' }, displayName: { const: 'Maria Lopez' }, role: { const: 'sales' } } },
    };
    const routing = { ...options.routing, rules: [onboarding, ...options.routing.rules] } as typeof options.routing;
    const broken = {
      keepSensitive: () => {
        throw new Error('database is locked');
      },
    } as unknown as WebhookOptions['vault'];
    const body = jiraIssueCreated({ reporter: JIRA.danaAdmin, labels: ['onboarding'], summary: 'New starter' });
    await expect(deliver({ ...options, routing, vault: broken }, body)).rejects.toThrow('database is locked');
    await expect(env.client.workflow.getHandle(`ticket-jira-${body.issue.key}`).describe()).rejects.toThrow(/not found/i);
  });

  it('a duplicate of a run that recorded no rule (started before rules were kept) names its type and no rule', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    await env.client.workflow.start('ticketHandOff', {
      workflowId: `ticket-jira-${body.issue.key}`,
      taskQueue: options.taskQueue,
      args: [{}],
      memo: { ticket: `jira:${body.issue.key}` },
    });
    expect(await deliver(options, body)).toMatchObject({ httpStatus: 200, body: { status: 'duplicate', workflowType: 'ticketHandOff', rule: null } });
  });

  it('a later event while Temporal is unreachable fails the delivery (answered 503, the help desk retries), never routed as new', async () => {
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const edit = { ...jiraIssueCreated({ reporter: JIRA.jdoe }), webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic' };
    await expect(deliver({ ...options, client: unreachable, startTimeoutMs: 300 }, edit)).rejects.toThrow();
    await unreachable.connection.close();
  });
});
