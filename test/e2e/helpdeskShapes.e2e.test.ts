import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { deliver, sample, SECRETS, zendeskTicket } from '../helpers/deliveries.js';

// The payloads help desks send beyond the Cloud / trigger-template ones, through the real HTTP API
// with every source signed: Jira Data Center (users by username) and Zendesk event subscriptions.
// The directory is the demo one with Jane Doe's Jira identity being her Data Center username, as a
// Data Center site's directory has it (docs/jira.md).
const dataDir = mkdtempSync(join(tmpdir(), 'itse-shapes-'));
const contentDir = join(dataDir, 'content');
let stack: Stack;

beforeAll(async () => {
  cpSync(join(PROJECT_ROOT, 'content'), contentDir, { recursive: true });
  const directory = join(contentDir, 'directory.yaml');
  const text = readFileSync(directory, 'utf8');
  const dcDirectory = text.replace('jira: "712020:5d1f0c9e-8b7a-4c61-9d2e-3a4b5c6d7e8f"', 'jira: "jdoe"');
  if (dcDirectory === text) throw new Error("the demo directory no longer holds Jane Doe's Jira account id; update this test");
  writeFileSync(directory, dcDirectory);
  const env = {
    ...(await isolatedStackEnv(dataDir, process.env)),
    CONTENT_DIR: contentDir,
    WEBHOOK_SECRET_JIRA: SECRETS.jira,
    WEBHOOK_SECRET_SERVICENOW: SECRETS.servicenow,
    WEBHOOK_SECRET_ZENDESK: SECRETS.zendesk,
    ALLOW_UNSIGNED_WEBHOOKS: 'false',
    RECONCILE_EVERY: '1h',
  };
  stack = await startStack(loadConfig(env), createLogger('silent'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const result = (workflowId: string) => stack.client.workflow.getHandle(workflowId).result();
const auditOf = async (subject: string) => (await stack.adapters.store.auditEntries({ subject })).map((e) => e.entry).filter((e) => e.kind !== 'action');

let n = 0;
/** A Data Center body from the committed samples, on an issue of its own. */
function dcIssue(file: string, summary?: string): Record<string, any> {
  const body = sample(`jira/${file}`);
  n++;
  body.issue.id = String(30000 + n);
  body.issue.key = `ITSM-${3000 + n}`;
  body.issue.self = `https://jira.example.com/rest/api/2/issue/${body.issue.id}`;
  if (summary) body.issue.fields.summary = summary;
  return body;
}

/** A Zendesk event-subscription body from the committed samples, on a ticket of its own. */
function zendeskEvent(file: string, id: string, change: (body: Record<string, any>) => void = () => {}): Record<string, any> {
  const body = sample(`zendesk/${file}`);
  body.detail.id = id;
  body.subject = `zen:ticket:${id}`;
  change(body);
  return body;
}

describe('Jira Data Center on /webhooks/jira', () => {
  it('a signed Data Center issue_created resets the password of the reporter found by username', async () => {
    const body = dcIssue('datacenter-password-reset-created.json');
    const res = await deliver(stack.apiUrl, 'jira', body);
    expect(res.status).toBe(202);
    const workflowId = `ticket-jira-${body.issue.key}`;
    expect(await res.json()).toMatchObject({ status: 'started', workflowId, workflowType: 'passwordReset', rule: 'password-reset' });
    expect(await result(workflowId)).toMatchObject({ outcome: 'resolved', requester: { externalId: 'jdoe', userId: 'jdoe' } });
  });

  it('a comment arriving as issue_updated/issue_commented is signalled to the running automation', async () => {
    const created = dcIssue('datacenter-password-reset-created.json', 'No network in the office since this morning');
    expect((await deliver(stack.apiUrl, 'jira', created)).status).toBe(202);
    const workflowId = `ticket-jira-${created.issue.key}`;
    const commented = sample('jira/datacenter-issue-commented.json');
    commented.issue = { ...commented.issue, id: created.issue.id, key: created.issue.key };
    const res = await deliver(stack.apiUrl, 'jira', commented);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'signalled', workflowId });
    await stack.client.workflow.getHandle(workflowId).terminate('test done');
  });

  it('comment_created without the issue is answered 200 ignored with what to subscribe to, audited, not dead-lettered', async () => {
    const openBefore = (await stack.adapters.store.deadLetters('open')).length;
    const res = await deliver(stack.apiUrl, 'jira', sample('jira/datacenter-comment-created.json'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ignored', rule: null, reason: expect.stringContaining('"Issue: updated"') });
    expect((await auditOf('jira:issue-id:10342')).at(-1)).toMatchObject({
      kind: 'webhook.accepted',
      outcome: 'skipped',
      reason: 'ignored',
      details: { sourceEventType: 'comment_created' },
    });
    expect(await stack.adapters.store.deadLetters('open')).toHaveLength(openBefore);
  });

  it('a Data Center reporter without username is a 400 naming the field, dead-lettered', async () => {
    const body = dcIssue('datacenter-password-reset-created.json');
    delete body.issue.fields.reporter.name;
    const res = await deliver(stack.apiUrl, 'jira', body);
    expect(res.status).toBe(400);
    const answer = await res.json();
    expect(answer.issues).toEqual([{ path: 'issue.fields.reporter.name', message: expect.stringContaining('username') }]);
    expect(await stack.adapters.store.deadLetter(answer.deadLetterId)).toMatchObject({ source: 'jira', reason: 'invalid_payload', status: 'open' });
  });
});

describe('Zendesk on /webhooks/zendesk', () => {
  it('an event subscription ticket.created starts like a trigger delivery and finds the requester', async () => {
    const body = zendeskEvent('event-ticket-created.json', '81001');
    const res = await deliver(stack.apiUrl, 'zendesk', body);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'started', workflowId: 'ticket-zendesk-81001', workflowType: 'passwordReset' });
    expect(await result('ticket-zendesk-81001')).toMatchObject({ outcome: 'resolved', requester: { userId: 'jdoe' } });
  });

  it('comment_added and status_changed are signalled; solved stops the automation', async () => {
    const network = (b: Record<string, any>) => (b.detail.subject = 'No network in the office since this morning');
    expect((await deliver(stack.apiUrl, 'zendesk', zendeskEvent('event-ticket-created.json', '81002', network))).status).toBe(202);
    const comment = await deliver(stack.apiUrl, 'zendesk', zendeskEvent('event-ticket-comment-added.json', '81002', network));
    expect(await comment.json()).toMatchObject({ status: 'signalled', workflowId: 'ticket-zendesk-81002' });
    const solved = await deliver(stack.apiUrl, 'zendesk', zendeskEvent('event-ticket-status-changed.json', '81002', network));
    expect(solved.status).toBe(200);
    expect(await solved.json()).toMatchObject({ status: 'signalled' });
    expect(await result('ticket-zendesk-81002')).toMatchObject({ outcome: 'cancelled' });
  });

  it('events that change nothing an automation reads are answered 200 ignored; other event kinds are a 400 saying what to do', async () => {
    const privateComment = await deliver(
      stack.apiUrl,
      'zendesk',
      zendeskEvent('event-ticket-comment-added.json', '81003', (b) => (b.type = 'zen:event-type:ticket.comment_made_private')),
    );
    expect(privateComment.status).toBe(200);
    expect(await privateComment.json()).toMatchObject({ status: 'ignored', reason: expect.stringContaining('changes nothing') });
    const user = await deliver(
      stack.apiUrl,
      'zendesk',
      zendeskEvent('event-ticket-created.json', '81003', (b) => (b.type = 'zen:event-type:user.created')),
    );
    expect(user.status).toBe(400);
    expect((await user.json()).issues).toEqual([{ path: 'type', message: expect.stringContaining('subscribe this webhook to ticket events only') }]);
  });

  it('a trigger body with custom field placeholders is accepted (it was refused as an unrecognized key)', async () => {
    const body = zendeskTicket((b) => {
      b.ticket.ticket_field_360012345 = 'vpn';
    });
    const res = await deliver(stack.apiUrl, 'zendesk', body);
    expect(res.status).toBe(202);
    expect(await result(`ticket-zendesk-${body.ticket.id}`)).toMatchObject({ outcome: 'resolved' });
  });
});
