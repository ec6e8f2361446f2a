import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import { handleDelivery, replayDeadLetter, type WebhookOptions } from '../../src/client/webhooks.js';
import { ValidationError } from '../../src/domain/errors.js';
import { signedHeaders, SECRETS } from '../helpers/deliveries.js';
import { buildActivities } from '../../src/app/adapters.js';
import { createSupportWorker } from '../../src/app/supportWorker.js';
import { demoAdapters, demoContent, startTestServer, withWorker, workflowBundle } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

const jiraHeaders = (body: unknown, deliveryId: string) => ({ ...signedHeaders('jira', JSON.stringify(body)), 'x-atlassian-webhook-identifier': deliveryId });

async function options(taskQueue: string): Promise<WebhookOptions> {
  return {
    client: env.client,
    taskQueue,
    routing: (await demoContent()).routing,
    store: new SqliteEngineStore(':memory:'),
    secrets: { jira: SECRETS.jira },
    allowUnsigned: false,
  };
}

describe('later events reach the running workflow', () => {
  it('a ticket closed by people while automation waits stops it before any change; redeliveries count once', async () => {
    const adapters = await demoAdapters();
    await withWorker(env, adapters, async (taskQueue) => {
      // The worker polls another queue first, so the workflow waits with its signals queued.
      const opts = await options(`${taskQueue}-later`);
      const created = jiraIssueCreated({ reporter: JIRA.jdoe });
      const raw = (b: unknown) => Buffer.from(JSON.stringify(b));
      const started = await handleDelivery(opts, 'jira', raw(created), jiraHeaders(created, 'd-1'));
      expect(started.body).toMatchObject({ status: 'started' });
      const workflowId = `ticket-jira-${created.issue.key}`;

      const closed = structuredClone(created);
      Object.assign(closed, { webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic' });
      closed.issue.fields.status = { id: '10002', name: 'Done' };
      closed.changelog = { id: '1', items: [{ field: 'status', fromString: 'Waiting for support', toString: 'Done' }] };
      for (const attempt of [1, 2]) {
        const r = await handleDelivery(opts, 'jira', raw(closed), jiraHeaders(closed, 'd-2'));
        expect(r, `delivery attempt ${attempt}`).toMatchObject({ httpStatus: 200, body: { status: 'signalled', workflowId, deliveryId: 'd-2' } });
      }
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      expect(history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(2);
      expect(JSON.stringify(history)).not.toContain('Jane');

      // Now a worker picks the workflow up.
      const worker = await createSupportWorker({
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue: `${taskQueue}-later`,
        activities: buildActivities(adapters, await demoContent(), { client: env.client, taskQueue: `${taskQueue}-later` }),
        workflowBundle: await workflowBundle(),
      });
      const record = await worker.runUntil(env.client.workflow.getHandle(workflowId).result());
      expect(record).toMatchObject({
        outcome: 'cancelled',
        summary: expect.stringContaining('moved to Done'),
        ticketUpdates: [{ eventType: 'updated', status: 'Done', closed: true }],
      });
      expect(adapters.demoDirectory.passwordChanges).toHaveLength(0);
      expect(adapters.outbox.messages).toHaveLength(0);
    });
  });

  it('an edit of a ticket with no running automation is routed, and ignored', async () => {
    const opts = await options('nobody-polls');
    const edit = { ...jiraIssueCreated({ reporter: JIRA.jdoe }), webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic' };
    const r = await handleDelivery(opts, 'jira', Buffer.from(JSON.stringify(edit)), jiraHeaders(edit, 'd-3'));
    expect(r).toMatchObject({ httpStatus: 200, body: { status: 'ignored', rule: null } });
  });
});

describe('sources without a secret', () => {
  it('refuse deliveries when unsigned ones are not allowed, keeping them for replay', async () => {
    const opts = await options('nobody-polls');
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const r = await handleDelivery({ ...opts, secrets: {} }, 'jira', Buffer.from(JSON.stringify(body)), { 'content-type': 'application/json' });
    expect(r).toMatchObject({ httpStatus: 401, body: { reason: 'no_secret_configured' } });
  });

  it('replay names a missing or already handled dead letter', async () => {
    const opts = await options('nobody-polls');
    await expect(replayDeadLetter(opts, 42)).rejects.toThrow(ValidationError);
    const id = await opts.store.addDeadLetter({
      source: 'jira',
      reason: 'bad_signature',
      issues: [],
      headers: {},
      body: Buffer.from('{}'),
      receivedAt: new Date(),
    });
    await opts.store.setDeadLetterStatus(id, 'discarded', 'by test', new Date());
    await expect(replayDeadLetter(opts, id)).rejects.toThrow(`dead letter ${id} is already discarded`);
  });
});
