import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapters, EngineActivities } from '../../src/app/adapters.js';
import { verifyChain } from '../../src/domain/records/auditVerify.js';
import { normaliseJira } from '../../src/domain/sources/jira.js';
import { toWorkflowTicket } from '../../src/domain/tickets/ticket.js';
import { passwordReset, ticketHandOff } from '../../src/workflows/index.js';
import { demoAdapters, startTestServer, withWorker } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// Every automated action lands in the audit log once, with its attempts and redacted arguments, and
// the filed resolution document carries the same facts for each step.

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

async function actionEntries(adapters: Adapters, workflowId: string) {
  return (await adapters.store.auditEntries({ kind: 'action' })).filter((e) => e.entry.details.workflowId === workflowId);
}

/** The activities the workflow scheduled, from its history: [type, activity id]. */
async function scheduled(workflowId: string): Promise<Array<[string, string]>> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a != null)
    .map((a) => [a.activityType!.name!, a.activityId!]);
}

function failFirstMail(adapters: Adapters): void {
  const send = adapters.mailer.send.bind(adapters.mailer);
  let failures = 1;
  adapters.mailer.send = async (message) => {
    if (failures-- > 0) throw new Error('SMTP 421 service not available, try again later');
    return send(message);
  };
}

describe('audit entry per automated action', () => {
  it('writes one entry per activity, retried or not, with attempts and redacted arguments; the document carries them', async () => {
    const adapters = await demoAdapters();
    failFirstMail(adapters);
    const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ reporter: JIRA.jdoe })));
    const workflowId = `ticket-jira-${ticket.key}`;
    const record = await withWorker(env, adapters, (taskQueue) => env.client.workflow.execute(passwordReset, { taskQueue, workflowId, args: [{ ticket }] }));
    expect(record.outcome).toBe('resolved');

    // Exactly the activities in the run's history, each once, in the order they ran.
    const entries = await actionEntries(adapters, workflowId);
    const ran = await scheduled(workflowId);
    expect(ran.map(([type]) => type)).toEqual(['checkPermission', 'resetPasswordAndNotify', 'commentOnTicket', 'resolveTicket', 'fileResolution']);
    expect(entries.map((e) => [e.entry.details.action, e.entry.details.activityId])).toEqual(ran);
    expect(entries.every((e) => e.entry.outcome === 'succeeded' && e.entry.subject === `jira:${ticket.key}` && e.entry.actor === 'engine')).toBe(true);

    // The reset was tried twice (the first mail failed) and is logged once, saying so.
    const reset = entries.find((e) => e.entry.details.action === 'resetPasswordAndNotify')!;
    expect(reset.entry.details).toMatchObject({
      attempts: 2,
      parameters: { userId: 'jdoe', grant: '[secret]' },
      ticket: `jira:${ticket.key}`,
      workflowType: 'passwordReset',
    });
    expect(entries.filter((e) => e.entry.details.action === 'checkPermission')[0]!.entry.details.attempts).toBe(1);
    expect(adapters.outbox.messages).toHaveLength(1);

    // Neither the temporary password nor the e-mail address is in the log; the chain verifies.
    const password = /temporary password is:\n\n {4}(\S+)\n/.exec(adapters.outbox.messages[0]!.text)![1]!;
    const log = JSON.stringify(await adapters.store.auditEntries());
    expect(log).not.toContain(password);
    expect(log).not.toContain('jane.doe@example.com');
    expect(verifyChain(await adapters.store.auditRows())).toMatchObject({ ok: true });

    // The workflow links each step to its activity; the filed document adds attempts and arguments.
    expect(record.actions.map((a) => [a.name, a.activity, a.activityId])).toEqual([
      ['check permission', 'checkPermission', ran[0]![1]],
      ['reset password', 'resetPasswordAndNotify', ran[1]![1]],
      ['comment on ticket', 'commentOnTicket', ran[2]![1]],
      ['resolve ticket', 'resolveTicket', ran[3]![1]],
    ]);
    const [doc] = await adapters.store.documents(`jira:${ticket.key}`);
    const actions = doc!.json.actions as Array<Record<string, unknown>>;
    expect(actions.map((a) => [a.name, a.attempts])).toEqual([
      ['check permission', 1],
      ['reset password', 2],
      ['comment on ticket', 1],
      ['resolve ticket', 1],
    ]);
    expect(actions[1]!.parameters).toEqual({ userId: 'jdoe', grant: '[secret]' });
    expect(actions[0]!.parameters).toMatchObject({ action: 'password.reset', params: {} });
    expect(doc!.json.completeness).toEqual([]);
    expect(doc!.workNote).toMatch(/reset password → jdoe \[grant=\[secret\], userId=jdoe\]: succeeded: .*, 2 attempts\)/);
    // Long arguments are shortened in the note (the JSON document has them whole).
    expect(doc!.workNote).toMatch(/comment on ticket → ITSM-\d+ \[body=The password of jdoe has been reset\. A temporary password w…, /);
  });

  it('does not reset twice when the attempt that reset and mailed dies before reporting (Temporal retries it)', async () => {
    const adapters = await demoAdapters();
    const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ reporter: JIRA.jdoe })));
    const workflowId = `ticket-jira-${ticket.key}`;
    let lost = 1;
    const loseFirstReport = (acts: EngineActivities): EngineActivities => ({
      ...acts,
      async resetPasswordAndNotify(input) {
        const result = await acts.resetPasswordAndNotify(input);
        // As if the worker died right after the mail went out: the result never reaches Temporal.
        if (lost-- > 0) throw new Error('worker lost before reporting');
        return result;
      },
    });
    const record = await withWorker(
      env,
      adapters,
      (taskQueue) => env.client.workflow.execute(passwordReset, { taskQueue, workflowId, args: [{ ticket }] }),
      loseFirstReport,
    );
    expect(record.outcome).toBe('resolved');
    expect(adapters.outbox.messages).toHaveLength(1);
    expect(adapters.demoDirectory.passwordChanges).toHaveLength(1);
    expect((await actionEntries(adapters, workflowId)).find((e) => e.entry.details.action === 'resetPasswordAndNotify')!.entry.details.attempts).toBe(2);
  });

  it('logs a change that failed for good once, as failed, with the reason', async () => {
    const adapters = await demoAdapters();
    const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ reporter: JIRA.jdoe })));
    const workflowId = `ticket-jira-${ticket.key}`;
    const disableAfterCheck = (acts: EngineActivities): EngineActivities => ({
      ...acts,
      async checkPermission(input) {
        const result = await acts.checkPermission(input);
        adapters.demoDirectory.update('jdoe', { enabled: false });
        return result;
      },
    });
    const record = await withWorker(
      env,
      adapters,
      (taskQueue) => env.client.workflow.execute(passwordReset, { taskQueue, workflowId, args: [{ ticket }] }),
      disableAfterCheck,
    );
    expect(record.outcome).toBe('failed');
    const entries = await actionEntries(adapters, workflowId);
    const failed = entries.filter((e) => e.entry.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.entry).toMatchObject({ reason: 'account jdoe is disabled', details: { action: 'resetPasswordAndNotify', attempts: 1 } });
    // The hand-off that followed is logged too.
    expect(entries.map((e) => e.entry.details.action)).toEqual([
      'checkPermission',
      'resetPasswordAndNotify',
      'commentOnTicket',
      'routeTicketToQueue',
      'fileResolution',
    ]);
    expect(adapters.demoDirectory.passwordChanges).toHaveLength(0);
  });
});

describe('records of hand-off and reconciled runs, field by field', () => {
  it('a ticket no automation takes: acknowledged, queued, and recorded completely', async () => {
    const adapters = await demoAdapters();
    const ticket = {
      ...toWorkflowTicket(normaliseJira(jiraIssueCreated({ summary: 'Monitor flickers, call me on +44 20 7946 0958', reporter: JIRA.jdoe }))),
      via: 'reconciliation' as const,
    };
    const workflowId = `ticket-jira-${ticket.key}`;
    const record = await withWorker(env, adapters, (taskQueue) =>
      env.client.workflow.execute(ticketHandOff, {
        taskQueue,
        workflowId,
        args: [{ ticket, queue: 'desk-side', comment: 'We have your request.', reason: 'no automation matches this ticket' }],
      }),
    );
    const ran = await scheduled(workflowId);
    const desc = await env.client.workflow.getHandle(workflowId).describe();
    expect(record).toEqual({
      schemaVersion: 1,
      ticket: { source: 'jira', id: ticket.id, key: ticket.key, summary: ticket.summary },
      trigger: { kind: 'ticket', event: 'created', receivedAt: ticket.occurredAt, via: 'reconciliation' },
      workflow: { type: 'ticketHandOff', workflowId, runId: desc.runId, namespace: 'default', taskQueue: desc.taskQueue },
      requester: { externalId: JIRA.jdoe, userId: null },
      target: null,
      decisions: [],
      actions: [
        {
          name: 'comment on ticket',
          target: ticket.key,
          status: 'succeeded',
          detail: 'told the requester what happens next',
          startedAt: expect.any(String),
          finishedAt: expect.any(String),
          activity: 'commentOnTicket',
          activityId: ran[0]![1],
        },
        {
          name: 'route to queue',
          target: ticket.key,
          status: 'succeeded',
          detail: 'queue desk-side (no automation matches this ticket)',
          startedAt: expect.any(String),
          finishedAt: expect.any(String),
          activity: 'routeTicketToQueue',
          activityId: ran[1]![1],
        },
      ],
      compensations: [],
      definition: null,
      approvals: [],
      troubleshooting: null,
      ticketUpdates: [],
      outcome: 'escalated',
      summary: 'Routed to desk-side: no automation matches this ticket',
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    expect(ticket.summary).not.toContain('7946');
    for (const a of record.actions) expect(Date.parse(a.finishedAt)).toBeGreaterThanOrEqual(Date.parse(a.startedAt));
    const [doc] = await adapters.store.documents(`jira:${ticket.key}`);
    expect(doc!.json).toMatchObject({ outcome: 'escalated', completeness: ["not recorded: requester's directory account", 'not recorded: target'] });
    expect(doc!.workNote).toContain('- Trigger: ticket created via reconciliation');
    expect(adapters.helpdesk.get(ticket.key)).toMatchObject({
      queue: 'desk-side',
      comments: [
        { body: 'We have your request.', visibility: 'public' },
        { visibility: 'internal', body: doc!.workNote },
      ],
    });
  });
});
