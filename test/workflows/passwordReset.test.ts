import { createHash } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseJira } from '../../src/domain/sources/jira.js';
import { toWorkflowTicket } from '../../src/domain/tickets/ticket.js';
import type { Adapters, EngineActivities } from '../../src/app/adapters.js';
import { passwordReset, progressQuery, ticketHandOff } from '../../src/workflows/index.js';
import { demoAdapters, historyText, startTestServer, withWorker } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

async function runReset(
  adapters: Adapters,
  options: Parameters<typeof jiraIssueCreated>[0] & { targetAccount?: string } = {},
  wrap?: (activities: EngineActivities) => EngineActivities,
) {
  const event = normaliseJira(jiraIssueCreated(options));
  const ticket = toWorkflowTicket(event);
  return withWorker(
    env,
    adapters,
    async (taskQueue) => {
      const handle = await env.client.workflow.start(passwordReset, {
        taskQueue,
        workflowId: `reset-${ticket.key}`,
        args: [{ ticket, targetAccount: options.targetAccount }],
      });
      const record = await handle.result();
      const progress = await handle.query(progressQuery);
      const history = historyText(await handle.fetchHistory());
      return { ticket, record, progress, history, handle };
    },
    wrap,
  );
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const passwordIn = (text: string) => /temporary password is:\n\n {4}(\S+)\n/.exec(text)?.[1];

describe('passwordReset workflow on a real Temporal server', () => {
  it('resets the requester’s own password, mails it to the registered address only, and resolves the ticket', async () => {
    const adapters = await demoAdapters();
    const { ticket, record, progress, history } = await runReset(adapters, { reporter: JIRA.jdoe });

    // The mailbox: exactly one message, to the registered address, holding the password now set.
    expect(adapters.outbox.messages).toHaveLength(1);
    const mail = adapters.outbox.messages[0]!;
    expect(mail.to).toBe('jane.doe@example.com');
    const password = passwordIn(mail.text);
    expect(password).toMatch(/^\S{16}$/);
    expect(adapters.demoDirectory.passwordChanges).toEqual([expect.objectContaining({ userId: 'jdoe', mustChange: true, passwordSha256: sha256(password!) })]);

    // The ticket: one public comment, resolved, and never the password.
    const stored = adapters.helpdesk.get(ticket.key)!;
    expect(stored.status).toBe('resolved');
    expect(stored.comments.map((c) => c.visibility)).toEqual(['public', 'internal']);
    expect(stored.comments[0]!.body).toContain('registered e-mail address');
    expect(JSON.stringify(stored)).not.toContain(password!);
    // The work note, filed automatically as an internal note, documents the run without secrets.
    const workNote = stored.comments[1]!.body;
    expect(workNote).toContain(`reset-${ticket.key}`);
    expect(workNote).toMatch(/password\.reset.*allowed.*own-account/s);
    expect(workNote).not.toContain(password!);
    expect(workNote).not.toMatch(/jane\.doe@example\.com|Jane Doe/);
    const [doc] = await adapters.store.documents(`jira:${ticket.key}`);
    expect(doc).toMatchObject({ workflowId: `reset-${ticket.key}`, outcome: 'resolved', workNote, json: { outcome: 'resolved', completeness: [] } });

    // The record, field by field.
    expect(record).toMatchObject({
      outcome: 'resolved',
      ticket: { source: 'jira', key: ticket.key, id: ticket.id },
      trigger: { kind: 'ticket', event: 'created' },
      workflow: { type: 'passwordReset', workflowId: `reset-${ticket.key}` },
      requester: { externalId: JIRA.jdoe, userId: 'jdoe' },
      target: 'jdoe',
      decisions: [{ action: 'password.reset', allowed: true, rule: 'own-account' }],
    });
    expect(record.actions.map((a) => [a.name, a.status])).toEqual([
      ['check permission', 'succeeded'],
      ['reset password', 'succeeded'],
      ['comment on ticket', 'succeeded'],
      ['resolve ticket', 'succeeded'],
    ]);
    expect(progress.steps.every((s) => s.status === 'done')).toBe(true);

    // Workflow history (durable, widely readable) holds neither the secret nor personal data.
    expect(history).not.toContain(password!);
    expect(history).not.toMatch(/jane\.doe@example\.com|Jane Doe|7946 0958/);
  });

  it('comments "requester not found in directory" and routes an unknown requester to a human', async () => {
    const adapters = await demoAdapters();
    const { ticket, record } = await runReset(adapters, { reporter: JIRA.stranger });
    const stored = adapters.helpdesk.get(ticket.key)!;
    expect(stored.status).toBe('open');
    expect(stored.queue).toBe('service-desk');
    expect(stored.comments[0]!.body).toContain('requester not found in directory');
    expect(record).toMatchObject({ outcome: 'escalated', requester: { userId: null }, decisions: [{ allowed: false, rule: 'requester_not_found' }] });
    expect(adapters.outbox.messages).toHaveLength(0);
    expect(adapters.demoDirectory.passwordChanges).toHaveLength(0);
  });

  it('handles a ticket with no reporter the same way', async () => {
    const adapters = await demoAdapters();
    const { record } = await runReset(adapters, { reporter: null });
    expect(record.outcome).toBe('escalated');
    expect(record.actions.map((a) => a.name)).toEqual(['comment on ticket', 'route to queue']);
    expect(record.decisions).toEqual([]);
  });

  it.each([
    { who: 'staff member for a colleague', reporter: JIRA.jdoe, target: 'asmith', outcome: 'refused', rule: 'no_rule_allows' },
    { who: 'service desk for a privileged account', reporter: JIRA.samHelper, target: 'dana.admin', outcome: 'refused', rule: 'protected-accounts' },
    { who: 'service desk for a disabled account', reporter: JIRA.samHelper, target: 'bob.gone', outcome: 'refused', rule: 'disabled-target' },
    { who: 'a disabled requester for themselves', reporter: JIRA.bobGone, target: undefined, outcome: 'refused', rule: 'requester_disabled' },
    { who: 'service desk for an account that does not exist', reporter: JIRA.samHelper, target: 'ghost', outcome: 'escalated', rule: 'target_not_found' },
  ])('refuses a $who and changes nothing', async ({ reporter, target, outcome, rule }) => {
    const adapters = await demoAdapters();
    const { ticket, record } = await runReset(adapters, { reporter, targetAccount: target });
    expect(record).toMatchObject({ outcome, decisions: [{ allowed: false, rule }] });
    expect(adapters.demoDirectory.passwordChanges).toHaveLength(0);
    expect(adapters.outbox.messages).toHaveLength(0);
    const stored = adapters.helpdesk.get(ticket.key)!;
    expect(stored).toMatchObject({ status: 'open', queue: 'service-desk' });
  });

  it('lets the service desk reset a colleague’s password, mailing the colleague', async () => {
    const adapters = await demoAdapters();
    const { record } = await runReset(adapters, { reporter: JIRA.samHelper, targetAccount: 'jdoe' });
    expect(record).toMatchObject({ outcome: 'resolved', requester: { userId: 'sam.helper' }, target: 'jdoe', decisions: [{ rule: 'service-desk-staff' }] });
    expect(adapters.outbox.messages.map((m) => m.to)).toEqual(['jane.doe@example.com']);
  });

  it('escalates when the account has no registered e-mail address', async () => {
    const adapters = await demoAdapters();
    const { record } = await runReset(adapters, { reporter: JIRA.patNomail });
    expect(record).toMatchObject({ outcome: 'escalated', summary: expect.stringContaining('no registered e-mail') });
    expect(adapters.demoDirectory.passwordChanges).toHaveLength(0);
  });

  it('stops before the change when the account is disabled between the check and the reset', async () => {
    const adapters = await demoAdapters();
    const disableAfterCheck = (acts: EngineActivities): EngineActivities => ({
      ...acts,
      async checkPermission(input) {
        const result = await acts.checkPermission(input);
        adapters.demoDirectory.update('jdoe', { enabled: false });
        return result;
      },
    });
    const { ticket, record } = await runReset(adapters, { reporter: JIRA.jdoe }, disableAfterCheck);
    expect(adapters.demoDirectory.passwordChanges).toHaveLength(0);
    expect(adapters.outbox.messages).toHaveLength(0);
    expect(record).toMatchObject({ outcome: 'failed', summary: expect.stringContaining('account jdoe is disabled') });
    expect(record.actions.find((a) => a.name === 'reset password')).toMatchObject({ status: 'failed' });
    expect(adapters.helpdesk.get(ticket.key)).toMatchObject({ status: 'open', queue: 'service-desk' });
  });
});

describe('ticketHandOff workflow', () => {
  it('acknowledges the requester and queues the ticket for people', async () => {
    const adapters = await demoAdapters();
    const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ summary: 'Monitor flickers' })));
    const record = await withWorker(env, adapters, (taskQueue) =>
      env.client.workflow.execute(ticketHandOff, {
        taskQueue,
        workflowId: `handoff-${ticket.key}`,
        args: [{ ticket, queue: 'desk-side', comment: 'We have your request.', reason: 'no automation matches this ticket' }],
      }),
    );
    expect(adapters.helpdesk.get(ticket.key)).toMatchObject({
      status: 'open',
      queue: 'desk-side',
      comments: [{ body: 'We have your request.', visibility: 'public' }, { visibility: 'internal' }],
    });
    expect(record).toMatchObject({ outcome: 'escalated', summary: 'Routed to desk-side: no automation matches this ticket' });
  });
});
