import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECONCILE_SCHEDULE_ID } from '../../src/client/schedules.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { deliver, SECRETS } from '../helpers/deliveries.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';
import { FakeJira } from '../integration/fakes/jira.js';

// The engine against a Jira that answers over real HTTP (a local fake of the documented REST v3
// endpoints), with Temporal retrying the ticket updates when Jira fails.
const CREDS = { email: 'automation@example.com', apiToken: 'jira-api-token-s3cret' };
const jira = new FakeJira(CREDS);
const dataDir = mkdtempSync(join(tmpdir(), 'itse-helpdesk-'));
let stack: Stack;

beforeAll(async () => {
  await jira.start();
  stack = await startStack(
    loadConfig({
      ...(await isolatedStackEnv(dataDir, process.env)),
      WEBHOOK_SECRET_JIRA: SECRETS.jira,
      JIRA_BASE_URL: jira.url,
      JIRA_EMAIL: CREDS.email,
      JIRA_API_TOKEN: CREDS.apiToken,
      RECONCILE_EVERY: '1h',
    }),
    createLogger('silent'),
  );
});
afterAll(async () => {
  await stack?.stop();
  await jira.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function seed(key: string, summary: string) {
  return jira.seedIssue({
    key,
    summary,
    fields: {
      description: 'I am locked out since this morning.',
      issuetype: { id: '10003', name: 'Service Request' },
      priority: { id: '3', name: 'Medium' },
      reporter: { accountId: JIRA.jdoe, displayName: 'Jane Doe', active: true },
      components: [],
    },
  });
}

describe('ticket updates through the Jira REST adapter', () => {
  it('Jira failing with 503s (one after the comment was stored) still gets exactly one comment and one resolution', async () => {
    seed('ITSM-700', 'Forgot my password');
    jira.failNext(1, { applyThenFail: 503 }, { method: 'POST', path: /\/comment$/ });
    jira.failNext(2, { status: 503 }, { method: 'POST', path: /\/transitions$/ });
    const body = jiraIssueCreated({ key: 'ITSM-700', reporter: JIRA.jdoe });
    expect((await deliver(stack.apiUrl, 'jira', body)).status).toBe(202);

    const record = await stack.client.workflow.getHandle('ticket-jira-ITSM-700').result();
    expect(record.outcome).toBe('resolved');
    const issue = jira.issue('ITSM-700');
    // One comment for the requester, and the engine's internal work note (a JSM internal comment).
    const internal = (c: (typeof issue.comments)[number]) => c.properties.some((p) => p.key === 'sd.public.comment');
    expect(issue.comments.filter((c) => !internal(c))).toHaveLength(1);
    expect(issue.comments.filter(internal)).toHaveLength(1);
    expect(issue.comments[0]!.properties).toContainEqual({ key: 'itse.idempotency', value: { key: expect.stringContaining('ticket-jira-ITSM-700/') } });
    expect(issue.fields.status.name).toBe('Resolved');
    expect(issue.fields.resolution).toEqual({ name: 'Done' });
    // The comment was posted once; its answer was lost, so the retry looked it up instead of
    // posting again (the second POST is the work note). The transition was tried three times.
    expect(jira.requestsTo('POST', /ITSM-700\/comment$/)).toHaveLength(2);
    expect(jira.requestsTo('GET', /ITSM-700\/comment$/)).toHaveLength(1);
    expect(jira.requestsTo('POST', /ITSM-700\/transitions$/)).toHaveLength(3);
  });

  it('an unknown requester is told so on the Jira issue, which goes to the service-desk queue', async () => {
    seed('ITSM-701', 'Password expired');
    await deliver(stack.apiUrl, 'jira', jiraIssueCreated({ key: 'ITSM-701', reporter: JIRA.stranger }));
    expect(await stack.client.workflow.getHandle('ticket-jira-ITSM-701').result()).toMatchObject({ outcome: 'escalated' });
    const issue = jira.issue('ITSM-701');
    expect(JSON.stringify(issue.comments[0]!.body)).toContain('requester not found in directory');
    expect(issue.fields.labels).toContain('service-desk');
    expect(issue.fields.assignee).toBeNull();
  });
});

describe('reconciliation against Jira search', () => {
  it('finds the issue whose webhook Jira never sent, through JQL, and handles it', async () => {
    seed('ITSM-702', 'Reset password please');
    await stack.client.schedule.getHandle(RECONCILE_SCHEDULE_ID).trigger();
    let record: unknown;
    for (;;) {
      try {
        record = await stack.client.workflow.getHandle('ticket-jira-ITSM-702').result();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(record).toMatchObject({
      outcome: 'resolved',
      requester: { userId: 'jdoe' },
      ticket: { key: 'ITSM-702' },
      trigger: { kind: 'ticket', event: 'created', via: 'reconciliation' },
    });
    // The record filed on the ticket says how the run started and what each step did, and the audit log has the same.
    const [doc] = await stack.adapters.store.documents('jira:ITSM-702');
    expect(doc!.workNote).toContain('- Trigger: ticket created via reconciliation');
    expect(doc!.json.completeness).toEqual([]);
    const actions = (await stack.adapters.store.auditEntries({ subject: 'jira:ITSM-702', kind: 'action' })).map((e) => e.entry.details.action);
    expect(actions).toEqual(['checkPermission', 'resetPasswordAndNotify', 'commentOnTicket', 'resolveTicket', 'fileResolution']);
    const search = jira.requestsTo('POST', '/rest/api/3/search/jql')[0]!;
    expect((search.body as { jql: string }).jql).toMatch(/^\(project = ITSM\) AND updated >= "\d{4}-\d{2}-\d{2} \d{2}:\d{2}" ORDER BY updated ASC$/);
    expect(jira.issue('ITSM-702').fields.status.name).toBe('Resolved');
  });
});
