import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities, type ActivityDeps } from '../../src/activities/support.js';
import { JiraTicketing, type JiraConfig } from '../../src/activities/ticketing/jira.js';
import { TicketingConfigError, TicketingRequestError, type TicketingPort, type TicketRef } from '../../src/activities/ticketing/port.js';
import { ServiceNowTicketing, type ServiceNowConfig } from '../../src/activities/ticketing/servicenow.js';
import { ZendeskTicketing, type ZendeskConfig } from '../../src/activities/ticketing/zendesk.js';
import { textToAdf } from '../../src/domain/sources/adf.js';
import { normaliseJira } from '../../src/domain/sources/jira.js';
import { normaliseServiceNow } from '../../src/domain/sources/servicenow.js';
import { normaliseZendesk } from '../../src/domain/sources/zendesk.js';
import { FakeJira, jiraDate, type FakeHelpDesk } from './fakes/jira.js';
import { FakeServiceNow, snDate } from './fakes/servicenow.js';
import { FakeZendesk, zdDate } from './fakes/zendesk.js';

// The three help-desk adapters against local fakes of the documented REST endpoints. The fakes
// check every request's shape and credentials and can fail on purpose, including "applied the
// change, then lost the answer", which is what makes idempotent retries necessary.

const JIRA_CREDS = { email: 'automation@example.com', apiToken: 'jira-api-token-s3cret' };
const SN_CREDS = { username: 'itse.integration', password: 'sn-pa55word-s3cret' };
const SN_TOKEN = 'sn-oauth-bearer-s3cret';
const ZD_CREDS = { email: 'agent@example.com', apiToken: 'zd-api-token-s3cret' };
const IDENTITY_ACCOUNT = '712020:identity-team-lead';
const SN_GROUP = '287ebd7da9fe198100f92cc8d1d2154e';
const ZD_GROUP = 360001;

const jira = new FakeJira({ ...JIRA_CREDS, accounts: [IDENTITY_ACCOUNT] });
const sn = new FakeServiceNow({ ...SN_CREDS, token: SN_TOKEN, groups: { [SN_GROUP]: 'Service Desk' } });
const zd = new FakeZendesk({ ...ZD_CREDS, groups: [ZD_GROUP] });

beforeAll(async () => {
  await Promise.all([jira.start(), sn.start(), zd.start()]);
});
afterAll(async () => {
  await Promise.all([jira.stop(), sn.stop(), zd.stop()]);
});
beforeEach(() => {
  for (const fake of [jira, sn, zd]) fake.clearRequests();
});

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const shortRef = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);
const ctx = (idempotencyKey: string, attempt = 1) => ({ idempotencyKey, attempt });

function jiraAdapter(over: Partial<JiraConfig> = {}): JiraTicketing {
  return new JiraTicketing({
    baseUrl: jira.url,
    ...JIRA_CREDS,
    timeoutMs: 2000,
    queues: {
      'service-desk': { assigneeAccountId: null, labels: ['service-desk', 'triage'] },
      identity: { assigneeAccountId: IDENTITY_ACCOUNT },
      'labels-only': { labels: ['hardware'] },
    },
    ...over,
  });
}
function snAdapter(over: Partial<ServiceNowConfig> = {}): ServiceNowTicketing {
  return new ServiceNowTicketing({ baseUrl: sn.url, ...SN_CREDS, timeoutMs: 2000, queues: { 'service-desk': { assignmentGroup: SN_GROUP } }, ...over });
}
function zdAdapter(over: Partial<ZendeskConfig> = {}): ZendeskTicketing {
  return new ZendeskTicketing({ baseUrl: zd.url, ...ZD_CREDS, timeoutMs: 2000, queues: { 'service-desk': { groupId: ZD_GROUP } }, ...over });
}

const jiraRef = (key: string): TicketRef => ({ source: 'jira', id: jira.issues.get(key)?.id ?? '1', key });
const snRef = (sysId: string, number = 'INC0010001'): TicketRef => ({ source: 'servicenow', id: sysId, key: number });
const zdRef = (id: number): TicketRef => ({ source: 'zendesk', id: String(id), key: String(id) });

/** Runs the real commentOnTicket activity as Temporal runs attempt `attempt` of one activity. */
function commentActivity(ticketing: TicketingPort, attempt: number) {
  // Only the ticketing port is used by commentOnTicket.
  const activities = createActivities({ ticketing } as Partial<ActivityDeps> as ActivityDeps);
  const env = new MockActivityEnvironment({ activityId: '7', attempt, workflowExecution: { workflowId: 'ticket-wf-1', runId: 'run-1' } } as never, {
    logger: new DefaultLogger('ERROR'),
  });
  return (ticket: TicketRef, body: string) => env.run(activities.commentOnTicket, { ticket, body, visibility: 'public' as const });
}
const ACTIVITY_KEY = 'ticket-wf-1/run-1/7';

/** Attempts 1, 2 and 3 of one activity: the first posts but loses the answer, the second fails looking, the third finds the comment. */
async function retriedLikeTemporal(
  fake: FakeHelpDesk,
  ticketing: TicketingPort,
  ticket: TicketRef,
  post: { method: string; path: RegExp },
  lookup: { method: string; path: RegExp },
) {
  fake.failNext(1, { applyThenFail: 503 }, post);
  await expect(commentActivity(ticketing, 1)(ticket, 'We reset your password.')).rejects.toThrow(/answered 503/);
  fake.failNext(1, { status: 502 }, lookup);
  await expect(commentActivity(ticketing, 2)(ticket, 'We reset your password.')).rejects.toThrow(/answered 502/);
  await commentActivity(ticketing, 3)(ticket, 'We reset your password.');
  expect(fake.requests.filter((r) => r.method === post.method && post.path.test(r.path))).toHaveLength(1);
  expect(fake.requests.filter((r) => r.method === lookup.method && lookup.path.test(r.path))).toHaveLength(2);
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

// ---------------------------------------------------------------------------------------------

describe('Jira adapter', () => {
  it('posts a public comment as ADF with the idempotency property, authenticated with e-mail and API token', async () => {
    jira.seedIssue({ key: 'ITSM-1' });
    await jiraAdapter().addComment(jiraRef('ITSM-1'), { body: 'Hello\n\nYour password was reset.', visibility: 'public', ...ctx('k-1') });

    expect(jira.requests).toHaveLength(1);
    const [req] = jira.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/rest/api/3/issue/ITSM-1/comment', query: {} });
    expect(req!.headers.authorization).toBe(basic(JIRA_CREDS.email, JIRA_CREDS.apiToken));
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.accept).toBe('application/json');
    expect(req!.body).toEqual({
      body: textToAdf('Hello\n\nYour password was reset.'),
      properties: [{ key: 'itse.idempotency', value: { key: 'k-1' } }],
    });
    const comments = jira.issues.get('ITSM-1')!.comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toEqual(textToAdf('Hello\n\nYour password was reset.'));
  });

  it('marks internal comments with the JSM sd.public.comment property', async () => {
    jira.seedIssue({ key: 'ITSM-2' });
    await jiraAdapter().addComment(jiraRef('ITSM-2'), { body: 'Checked the directory.', visibility: 'internal', ...ctx('k-2') });
    expect(jira.requests[0]!.body).toMatchObject({
      properties: [
        { key: 'itse.idempotency', value: { key: 'k-2' } },
        { key: 'sd.public.comment', value: { internal: true } },
      ],
    });
    const list = await fetch(`${jira.url}/rest/api/3/issue/ITSM-2/comment`, { headers: { authorization: basic(JIRA_CREDS.email, JIRA_CREDS.apiToken) } });
    expect((await list.json()).comments[0].jsdPublic).toBe(false);
  });

  it('posts exactly one comment when the first attempt posted but lost the answer', async () => {
    jira.seedIssue({ key: 'ITSM-3' });
    jira.addHumanComment('ITSM-3', 'Any news?');
    const adapter = jiraAdapter();
    jira.failNext(1, { applyThenFail: 503 }, { method: 'POST', path: '/rest/api/3/issue/ITSM-3/comment' });
    const first = await rejection(adapter.addComment(jiraRef('ITSM-3'), { body: 'Done.', visibility: 'public', ...ctx('k-3', 1) }));
    expect(first).not.toBeInstanceOf(TicketingRequestError);
    expect(first.message).toMatch(/^Jira POST \/rest\/api\/3\/issue\/ITSM-3\/comment answered 503/);

    await adapter.addComment(jiraRef('ITSM-3'), { body: 'Done.', visibility: 'public', ...ctx('k-3', 2) });
    const ours = jira.issues.get('ITSM-3')!.comments.filter((c) => c.properties.some((p) => p.key === 'itse.idempotency'));
    expect(ours).toHaveLength(1);
    expect(jira.issues.get('ITSM-3')!.comments).toHaveLength(2);
    expect(jira.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /rest/api/3/issue/ITSM-3/comment',
      'GET /rest/api/3/issue/ITSM-3/comment',
      'POST /rest/api/3/comment/list',
    ]);
    expect(jira.requests[1]!.query).toEqual({ orderBy: '-created', maxResults: '50' });
    expect(jira.requests[2]!.query).toEqual({ expand: 'properties' });
    const ids = jira.issues
      .get('ITSM-3')!
      .comments.map((c) => Number(c.id))
      .reverse();
    expect(jira.requests[2]!.body).toEqual({ ids });
  });

  it('posts on a retry when the earlier attempt never reached Jira, and tells keys apart', async () => {
    jira.seedIssue({ key: 'ITSM-4' });
    const adapter = jiraAdapter();
    // No comments at all: one look, then the post.
    await adapter.addComment(jiraRef('ITSM-4'), { body: 'First.', visibility: 'public', ...ctx('k-4a', 2) });
    expect(jira.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    // A comment of another activity is there: this key is not, so it posts.
    await adapter.addComment(jiraRef('ITSM-4'), { body: 'Second.', visibility: 'internal', ...ctx('k-4b', 3) });
    expect(jira.issues.get('ITSM-4')!.comments).toHaveLength(2);
    // And the same key again is found.
    await adapter.addComment(jiraRef('ITSM-4'), { body: 'Second.', visibility: 'internal', ...ctx('k-4b', 4) });
    expect(jira.issues.get('ITSM-4')!.comments).toHaveLength(2);
  });

  it('survives Temporal-style retries of the comment activity (attempts 1, 2, 3) with one comment', async () => {
    jira.seedIssue({ key: 'ITSM-5' });
    await retriedLikeTemporal(
      jira,
      jiraAdapter(),
      jiraRef('ITSM-5'),
      { method: 'POST', path: /\/issue\/ITSM-5\/comment$/ },
      { method: 'GET', path: /\/issue\/ITSM-5\/comment$/ },
    );
    const comments = jira.issues.get('ITSM-5')!.comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.properties).toEqual([{ key: 'itse.idempotency', value: { key: ACTIVITY_KEY } }]);
  });

  it('resolves through the preferred transition with the configured resolution', async () => {
    jira.seedIssue({
      key: 'ITSM-6',
      workflow: {
        Open: [
          { id: '61', name: 'Done', to: 'Resolved' },
          { id: '21', name: 'RESOLVE THIS ISSUE', to: 'Resolved' },
        ],
      },
    });
    await jiraAdapter().resolve(jiraRef('ITSM-6'), { note: 'n', ...ctx('r-6') });
    expect(jira.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /rest/api/3/issue/ITSM-6/transitions',
      'POST /rest/api/3/issue/ITSM-6/transitions',
    ]);
    expect(jira.requests[1]!.body).toEqual({ transition: { id: '21' }, fields: { resolution: { name: 'Done' } } });
    expect(jira.issues.get('ITSM-6')!.fields).toMatchObject({ status: { name: 'Resolved' }, resolution: { name: 'Done' } });
  });

  it('does not run the transition again on a retry after a lost answer, even where "Done" is offered from every status', async () => {
    const global = [{ id: '51', name: 'Done', to: 'Resolved' as const }];
    jira.seedIssue({ key: 'ITSM-7', workflow: { Open: global, Resolved: global } });
    const adapter = jiraAdapter({ resolveTransitions: ['done'], resolutionName: "Won't Do" });
    jira.failNext(1, { applyThenFail: 504 }, { method: 'POST' });
    await expect(adapter.resolve(jiraRef('ITSM-7'), { note: 'n', ...ctx('r-7', 1) })).rejects.toThrow(/answered 504/);
    await adapter.resolve(jiraRef('ITSM-7'), { note: 'n', ...ctx('r-7', 2) });
    expect(jira.requestsTo('POST', '/rest/api/3/issue/ITSM-7/transitions')).toHaveLength(1);
    expect(jira.requestsTo('GET', '/rest/api/3/issue/ITSM-7')[0]!.query).toEqual({ fields: 'status' });
    expect(jira.issues.get('ITSM-7')!.fields.resolution).toEqual({ name: "Won't Do" });
  });

  it('retries a transition that never happened, and accepts an issue a person already resolved', async () => {
    jira.seedIssue({ key: 'ITSM-8' });
    await jiraAdapter().resolve(jiraRef('ITSM-8'), { note: 'n', ...ctx('r-8', 2) });
    expect(jira.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /rest/api/3/issue/ITSM-8',
      'GET /rest/api/3/issue/ITSM-8/transitions',
      'POST /rest/api/3/issue/ITSM-8/transitions',
    ]);
    jira.clearRequests();
    // Resolved already: only "Reopen" is offered; attempt 1 checks the status and succeeds.
    await jiraAdapter().resolve(jiraRef('ITSM-8'), { note: 'n', ...ctx('r-8b', 1) });
    expect(jira.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/issue/ITSM-8/transitions', 'GET /rest/api/3/issue/ITSM-8']);
  });

  it('refuses to resolve when no configured transition is offered, naming the available ones', async () => {
    jira.seedIssue({ key: 'ITSM-9', workflow: { Open: [{ id: '11', name: 'Start work', to: 'In Progress' }] } });
    const error = await rejection(jiraAdapter().resolve(jiraRef('ITSM-9'), { note: 'n', ...ctx('r-9') }));
    expect(error).toBeInstanceOf(TicketingRequestError);
    expect(error.message).toMatch(/no resolving transition \(configured: Resolve this issue, Resolve, Done; available: "Start work"\)/);
    // The same on a retry (the status check comes first there).
    await expect(jiraAdapter().resolve(jiraRef('ITSM-9'), { note: 'n', ...ctx('r-9', 2) })).rejects.toBeInstanceOf(TicketingRequestError);
    expect(jira.requestsTo('POST', /transitions$/)).toHaveLength(0);
  });

  it("can leave the resolution to the workflow, and reports an unknown resolution with Jira's field error", async () => {
    jira.seedIssue({ key: 'ITSM-10' });
    await jiraAdapter({ resolutionName: null }).resolve(jiraRef('ITSM-10'), { note: 'n', ...ctx('r-10') });
    expect(jira.requestsTo('POST', /transitions$/)[0]!.body).toEqual({ transition: { id: '21' } });

    jira.seedIssue({ key: 'ITSM-11' });
    const error = await rejection(jiraAdapter({ resolutionName: 'Fixed' }).resolve(jiraRef('ITSM-11'), { note: 'n', ...ctx('r-11') }));
    expect(error).toBeInstanceOf(TicketingRequestError);
    expect((error as TicketingRequestError).status).toBe(400);
    expect(error.message).toBe("Jira POST /rest/api/3/issue/ITSM-11/transitions answered 400: resolution: Resolution 'Fixed' does not exist.");
  });

  it('routes to a queue by assignee and labels, idempotently', async () => {
    jira.seedIssue({ key: 'ITSM-12' });
    const adapter = jiraAdapter();
    await adapter.routeToQueue(jiraRef('ITSM-12'), { queue: 'identity', reason: 'r', ...ctx('q-12') });
    expect(jira.requests.map((r) => [r.method, r.path, r.body])).toEqual([['PUT', '/rest/api/3/issue/ITSM-12/assignee', { accountId: IDENTITY_ACCOUNT }]]);
    expect(jira.issues.get('ITSM-12')!.fields.assignee).toEqual({ accountId: IDENTITY_ACCOUNT });

    jira.clearRequests();
    await adapter.routeToQueue(jiraRef('ITSM-12'), { queue: 'service-desk', reason: 'r', ...ctx('q-12b') });
    await adapter.routeToQueue(jiraRef('ITSM-12'), { queue: 'service-desk', reason: 'r', ...ctx('q-12b', 2) });
    expect(jira.requests.slice(0, 2).map((r) => [r.method, r.path, r.body])).toEqual([
      ['PUT', '/rest/api/3/issue/ITSM-12/assignee', { accountId: null }],
      ['PUT', '/rest/api/3/issue/ITSM-12', { update: { labels: [{ add: 'service-desk' }, { add: 'triage' }] } }],
    ]);
    expect(jira.issues.get('ITSM-12')!.fields).toMatchObject({ assignee: null, labels: ['service-desk', 'triage'] });

    jira.clearRequests();
    await adapter.routeToQueue(jiraRef('ITSM-12'), { queue: 'labels-only', reason: 'r', ...ctx('q-12c') });
    expect(jira.requests.map((r) => r.path)).toEqual(['/rest/api/3/issue/ITSM-12']);
    expect(jira.issues.get('ITSM-12')!.fields.labels).toEqual(['service-desk', 'triage', 'hardware']);
  });

  it('rejects an unknown queue before calling Jira, and reports an unassignable account as a request error', async () => {
    jira.seedIssue({ key: 'ITSM-13' });
    const error = await rejection(jiraAdapter().routeToQueue(jiraRef('ITSM-13'), { queue: 'nowhere', reason: 'r', ...ctx('q-13') }));
    expect(error).toBeInstanceOf(TicketingConfigError);
    expect(error.message).toBe('unknown queue "nowhere" for Jira; configured queues: identity, labels-only, service-desk');
    expect(jira.requests).toHaveLength(0);

    const bad = jiraAdapter({ queues: { x: { assigneeAccountId: '712020:nobody' } } });
    await expect(bad.routeToQueue(jiraRef('ITSM-13'), { queue: 'x', reason: 'r', ...ctx('q-13b') })).rejects.toThrow(
      new TicketingRequestError("Jira PUT /rest/api/3/issue/ITSM-13/assignee answered 400: assignee: User '712020:nobody' cannot be assigned issues.", 400),
    );
    await expect(bad.routeToQueue(jiraRef('ITSM-13'), { queue: 'x', reason: 'r', ...ctx('q-13b') })).rejects.toBeInstanceOf(TicketingRequestError);
  });

  it('lists changed issues in the JQL user time zone, page by page, as webhook bodies the normaliser reads', async () => {
    const fake = new FakeJira({ ...JIRA_CREDS, timeZone: 'Europe/Berlin', searchPageCap: 2 });
    await fake.start();
    try {
      const base = Date.UTC(2026, 10, 26, 9, 0, 0);
      const day = 86_400_000;
      fake.seedIssue({ key: 'LIST-1', created: base - day, updated: base + 10_000 }); // same minute, before `since`
      fake.seedIssue({ key: 'LIST-2', created: base - day, updated: base + 45_000 });
      fake.seedIssue({ key: 'LIST-3', created: base + 60_000, updated: base + 90_000 });
      fake.seedIssue({ key: 'LIST-4', created: base - 3_600_000, updated: base + 7_200_000 });
      fake.seedIssue({ key: 'OTHER-1', created: base, updated: base + 60_000 });
      fake.seedIssue({ key: 'LIST-5', created: base - day, updated: base - 3_600_000 });
      const adapter = new JiraTicketing({ baseUrl: fake.url, ...JIRA_CREDS, queues: {}, jql: 'project = LIST', jqlTimeZone: 'Europe/Berlin' });
      const since = new Date(base + 30_000);

      const changed = await adapter.listChangedSince(since, 10);
      expect(changed.map((c) => (c.body as { issue: { key: string } }).issue.key)).toEqual(['LIST-2', 'LIST-3', 'LIST-4']);
      const searches = fake.requestsTo('POST', '/rest/api/3/search/jql');
      expect(searches).toHaveLength(2);
      expect(searches[0]!.body).toEqual({
        jql: '(project = LIST) AND updated >= "2026-11-26 10:00" ORDER BY updated ASC',
        maxResults: 10,
        fields: ['summary', 'description', 'issuetype', 'priority', 'reporter', 'status', 'labels', 'components', 'created', 'updated', '*navigable'],
      });
      expect(searches[1]!.body).toMatchObject({ nextPageToken: expect.any(String) });

      const [updated, created] = changed;
      expect(updated).toMatchObject({ source: 'jira', updatedAt: new Date(base + 45_000).toISOString() });
      expect(updated!.body).toMatchObject({ timestamp: base + 45_000, webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic' });
      expect(created!.body).toMatchObject({ webhookEvent: 'jira:issue_created', issue_event_type_name: 'issue_created' });
      const event = normaliseJira(created!.body);
      expect(event).toMatchObject({
        eventType: 'created',
        occurredAt: new Date(base + 90_000).toISOString(),
        ticket: { key: 'LIST-3', summary: 'Issue LIST-3', description: 'Please help.', issueType: 'Service Request', fields: { customfield_10060: 'jdoe' } },
        requester: { externalId: '712020:reporter' },
      });

      fake.clearRequests();
      const two = await adapter.listChangedSince(since, 2);
      expect(two.map((c) => c.updatedAt)).toEqual([new Date(base + 45_000).toISOString(), new Date(base + 90_000).toISOString()]);
      expect(fake.requests[0]!.body).toMatchObject({ maxResults: 2 });
      expect(await adapter.listChangedSince(since, 0)).toEqual([]);

      // Summer time, named custom fields, no base JQL.
      fake.clearRequests();
      const summer = new JiraTicketing({
        baseUrl: fake.url,
        ...JIRA_CREDS,
        queues: {},
        jql: ' ',
        jqlTimeZone: 'Europe/Berlin',
        extraFields: ['customfield_10060'],
      });
      await summer.listChangedSince(new Date(Date.UTC(2026, 6, 1, 9, 0, 59, 999)), 1);
      expect(fake.requests[0]!.body).toMatchObject({
        jql: 'updated >= "2026-07-01 11:00" ORDER BY updated ASC',
        fields: expect.arrayContaining(['customfield_10060']),
      });
      expect((fake.requests[0]!.body as { fields: string[] }).fields).not.toContain('*navigable');
    } finally {
      await fake.stop();
    }
  });

  it('reads JQL dates west of UTC correctly (a UTC date there would miss changes)', async () => {
    const fake = new FakeJira({ ...JIRA_CREDS, timeZone: 'America/New_York' });
    await fake.start();
    try {
      const since = Date.UTC(2026, 10, 26, 14, 0, 0);
      fake.seedIssue({ key: 'NY-1', created: since - 86_400_000, updated: since + 60_000 });
      const right = new JiraTicketing({ baseUrl: fake.url, ...JIRA_CREDS, queues: {}, jqlTimeZone: 'America/New_York' });
      expect((await right.listChangedSince(new Date(since), 5)).map((c) => c.updatedAt)).toEqual([new Date(since + 60_000).toISOString()]);
      expect(fake.requests[0]!.body).toMatchObject({ jql: 'updated >= "2026-11-26 09:00" ORDER BY updated ASC' });
      const wrong = new JiraTicketing({ baseUrl: fake.url, ...JIRA_CREDS, queues: {} });
      expect(await wrong.listChangedSince(new Date(since), 5)).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it('rejects configurations it cannot work with, without echoing secrets', () => {
    const ok = { baseUrl: 'https://example.atlassian.net', ...JIRA_CREDS, queues: {} };
    expect(() => new JiraTicketing({ ...ok, apiToken: '' })).toThrow(/apiToken/);
    expect(() => new JiraTicketing({ ...ok, jqlTimeZone: 'Mars/Olympus_Mons' })).toThrow(
      new TicketingConfigError('Jira time zone "Mars/Olympus_Mons" is not an IANA time zone name'),
    );
    expect(() => new JiraTicketing({ ...ok, jql: 'project = ITSM ORDER BY created' })).toThrow(/jql: must not contain ORDER BY/);
    expect(() => new JiraTicketing({ ...ok, queues: { empty: {} } })).toThrow(/queues\.empty: needs assigneeAccountId or labels/);
    expect(() => new JiraTicketing({ ...ok, queues: { q: { labels: ['two words'] } } })).toThrow(/cannot contain spaces/);
    expect(() => new JiraTicketing({ ...ok, extra: 1 } as JiraConfig)).toThrow(/Unrecognized key/);
    const leaky = rejectionSync(() => new JiraTicketing({ ...ok, baseUrl: 'https://bot:hunter2@example.atlassian.net' }));
    expect(leaky).toBeInstanceOf(TicketingConfigError);
    expect(leaky.message).not.toMatch(/hunter2/);
    expect(() => new JiraTicketing({ ...ok, baseUrl: 'example.atlassian.net' })).toThrow(/baseUrl is not a URL/);
    expect(() => new JiraTicketing({ ...ok, baseUrl: 'ftp://example.atlassian.net' })).toThrow(/must be an http\(s\) URL/);
    expect(() => new JiraTicketing({ ...ok, baseUrl: 'https://example.atlassian.net/?x=1' })).toThrow(/query or fragment/);
  });

  it('refuses a ticket of another help desk', async () => {
    await expect(jiraAdapter().addComment({ source: 'zendesk', id: '1', key: '1' }, { body: 'x', visibility: 'public', ...ctx('s') })).rejects.toThrow(
      TicketingConfigError,
    );
    expect(jira.requests).toHaveLength(0);
  });
});

function rejectionSync(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an exception');
}

// ---------------------------------------------------------------------------------------------

describe('HTTP error handling (shared by the adapters, exercised through Jira)', () => {
  const comment = (adapter: TicketingPort, key: string) => adapter.addComment(jiraRef(key), { body: 'x', visibility: 'public', ...ctx(`e-${key}`) });

  it("turns other 4xx answers into non-retryable TicketingRequestErrors with Jira's error text", async () => {
    const notFound = await rejection(comment(jiraAdapter(), 'GONE-1'));
    expect(notFound).toBeInstanceOf(TicketingRequestError);
    expect(notFound).toMatchObject({ status: 404, name: 'TicketingRequestError' });
    expect(notFound.message).toBe('Jira POST /rest/api/3/issue/GONE-1/comment answered 404: Issue does not exist or you do not have permission to see it.');
  });

  it('answers 401 for a wrong token without putting credentials in the message', async () => {
    jira.seedIssue({ key: 'AUTH-1' });
    const error = await rejection(comment(jiraAdapter({ apiToken: 'wrong-token-value' }), 'AUTH-1'));
    expect(error).toMatchObject({ status: 401 });
    expect(error).toBeInstanceOf(TicketingRequestError);
    expect(error.message).not.toMatch(/wrong-token-value|Basic /);
    expect(error.message).not.toContain(Buffer.from(`${JIRA_CREDS.email}:wrong-token-value`).toString('base64'));
  });

  it('treats 408, 425, 5xx and 429 as retryable; 429 with Retry-After asks Temporal for that delay', async () => {
    jira.seedIssue({ key: 'RETRY-1' });
    const adapter = jiraAdapter();
    for (const status of [408, 425, 500, 503]) {
      jira.failNext(1, { status });
      const error = await rejection(comment(adapter, 'RETRY-1'));
      expect(error).not.toBeInstanceOf(TicketingRequestError);
      expect(error).not.toBeInstanceOf(ApplicationFailure);
      expect(error.message).toMatch(new RegExp(`^Jira POST /rest/api/3/issue/RETRY-1/comment answered ${status}: Injected failure$`));
    }
    jira.failNext(1, { status: 429, headers: { 'retry-after': '7' } });
    const limited = await rejection(comment(adapter, 'RETRY-1'));
    expect(limited).toBeInstanceOf(ApplicationFailure);
    expect(limited).toMatchObject({ nonRetryable: false, nextRetryDelay: 7000, type: 'JiraRateLimited' });

    jira.failNext(1, { status: 429, headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() } });
    const dated = (await rejection(comment(adapter, 'RETRY-1'))) as ApplicationFailure;
    expect(dated.nextRetryDelay).toBeGreaterThan(25_000);
    expect(dated.nextRetryDelay).toBeLessThanOrEqual(30_000);

    for (const header of [{}, { 'retry-after': 'soon' }] as Array<Record<string, string>>) {
      jira.failNext(1, { status: 429, headers: header });
      const plain = await rejection(comment(adapter, 'RETRY-1'));
      expect(plain).not.toBeInstanceOf(ApplicationFailure);
      expect(plain).not.toBeInstanceOf(TicketingRequestError);
      expect(plain.message).toMatch(/answered 429/);
    }
    expect(jira.issues.get('RETRY-1')!.comments).toHaveLength(0);
  });

  it('gives up on a request after timeoutMs with a retryable error; the late change is then found by the retry', async () => {
    jira.seedIssue({ key: 'SLOW-1' });
    const adapter = jiraAdapter({ timeoutMs: 150 });
    jira.failNext(1, { hang: 400 });
    // The message proves the adapter's own timer ended the wait (no wall-clock bound: machines are shared).
    const error = await rejection(adapter.addComment(jiraRef('SLOW-1'), { body: 'x', visibility: 'public', ...ctx('slow', 1) }));
    expect(error).not.toBeInstanceOf(TicketingRequestError);
    expect(error.message).toBe('Jira POST /rest/api/3/issue/SLOW-1/comment timed out after 150 ms');
    await jira.settled();
    await adapter.addComment(jiraRef('SLOW-1'), { body: 'x', visibility: 'public', ...ctx('slow', 2) });
    expect(jira.issues.get('SLOW-1')!.comments).toHaveLength(1);
  });

  it('reports network errors as retryable', async () => {
    const adapter = new JiraTicketing({ baseUrl: await closedPortUrl(), ...JIRA_CREDS, queues: {} });
    const error = await rejection(adapter.listChangedSince(new Date(), 5));
    expect(error).not.toBeInstanceOf(TicketingRequestError);
    expect(error.message).toMatch(/^Jira POST \/rest\/api\/3\/search\/jql failed before an answer \(network error: ECONNREFUSED\)$/);
  });

  it('truncates long error texts, falls back to the raw body, and refuses redirects and non-JSON or misshapen answers', async () => {
    jira.seedIssue({ key: 'ODD-1' });
    const adapter = jiraAdapter();
    jira.failNext(1, { status: 400, body: { errorMessages: ['x'.repeat(1000)], errors: {} } });
    const long = await rejection(comment(adapter, 'ODD-1'));
    expect(long.message).toMatch(/answered 400: x{300}…$/);

    jira.failNext(1, { status: 502, text: '<html><body>Bad   gateway</body></html>' });
    expect((await rejection(comment(adapter, 'ODD-1'))).message).toMatch(/answered 502: <html><body>Bad gateway<\/body><\/html>$/);

    jira.failNext(1, { status: 302, headers: { location: 'https://id.atlassian.com/login' }, text: '' });
    const redirect = await rejection(comment(adapter, 'ODD-1'));
    expect(redirect).toBeInstanceOf(TicketingRequestError);
    expect(redirect.message).toBe('Jira POST /rest/api/3/issue/ODD-1/comment answered 302');

    jira.failNext(1, { status: 200, text: '<html>Your instance is hibernating</html>' });
    const html = await rejection(adapter.resolve(jiraRef('ODD-1'), { note: 'n', ...ctx('odd') }));
    expect(html).not.toBeInstanceOf(TicketingRequestError);
    expect(html.message).toMatch(
      /^Jira GET \/rest\/api\/3\/issue\/ODD-1\/transitions answered with a body that is not JSON: <html>Your instance is hibernating<\/html>$/,
    );

    jira.failNext(1, { status: 200, body: { transitions: [{ id: 21 }] } });
    const shape = await rejection(adapter.resolve(jiraRef('ODD-1'), { note: 'n', ...ctx('odd') }));
    expect(shape.message).toMatch(/answered in an unexpected shape \(transitions\[0\]\.id: .*; transitions\[0\]\.name: .*\)$/);
    expect(jira.issues.get('ODD-1')!.fields.status.name).toBe('Open');
  });
});

// ---------------------------------------------------------------------------------------------

describe('ServiceNow adapter', () => {
  const journalQuery = (sysId: string, key: string) => `element_id=${sysId}^elementINwork_notes,comments^valueLIKE${shortRef(key)}`;

  it('posts internal notes as work_notes and public ones as comments, each with the automation reference', async () => {
    const inc = sn.seedIncident();
    const adapter = snAdapter();
    await adapter.addComment(snRef(inc.sys_id!), { body: 'Checked the account.', visibility: 'internal', ...ctx('sn-1') });
    await adapter.addComment(snRef(inc.sys_id!), { body: 'Your password was reset.', visibility: 'public', ...ctx('sn-2') });

    expect(sn.requests.map((r) => [r.method, r.path, r.query, r.body])).toEqual([
      [
        'PATCH',
        `/api/now/table/incident/${inc.sys_id}`,
        { sysparm_fields: 'sys_id,number,state' },
        { work_notes: `Checked the account.\n\n[automation ref ${shortRef('sn-1')}]` },
      ],
      [
        'PATCH',
        `/api/now/table/incident/${inc.sys_id}`,
        { sysparm_fields: 'sys_id,number,state' },
        { comments: `Your password was reset.\n\n[automation ref ${shortRef('sn-2')}]` },
      ],
    ]);
    expect(sn.requests[0]!.headers.authorization).toBe(basic(SN_CREDS.username, SN_CREDS.password));
    expect(sn.requests[0]!.headers['content-type']).toBe('application/json');
    expect(sn.journalOf(inc.sys_id!).map((j) => [j.element, j.value])).toEqual([
      ['work_notes', `Checked the account.\n\n[automation ref ${shortRef('sn-1')}]`],
      ['comments', `Your password was reset.\n\n[automation ref ${shortRef('sn-2')}]`],
    ]);
  });

  it('authenticates with an OAuth bearer token when one is configured', async () => {
    const inc = sn.seedIncident();
    const adapter = new ServiceNowTicketing({ baseUrl: sn.url, token: SN_TOKEN, queues: {} });
    await adapter.addComment(snRef(inc.sys_id!), { body: 'x', visibility: 'public', ...ctx('sn-tok') });
    expect(sn.requests[0]!.headers.authorization).toBe(`Bearer ${SN_TOKEN}`);
    const wrong = new ServiceNowTicketing({ baseUrl: sn.url, token: 'nope', queues: {} });
    const error = await rejection(wrong.addComment(snRef(inc.sys_id!), { body: 'x', visibility: 'public', ...ctx('sn-tok2') }));
    expect(error).toBeInstanceOf(TicketingRequestError);
    expect(error.message).toBe(
      `ServiceNow PATCH /api/now/table/incident/${inc.sys_id} answered 401: User Not Authenticated (Required to provide Auth information)`,
    );
  });

  it('posts exactly one note when the first attempt posted but lost the answer', async () => {
    const inc = sn.seedIncident();
    const adapter = snAdapter();
    sn.failNext(1, { applyThenFail: 503 }, { method: 'PATCH' });
    await expect(adapter.addComment(snRef(inc.sys_id!), { body: 'Done.', visibility: 'internal', ...ctx('sn-3', 1) })).rejects.toThrow(
      /^ServiceNow PATCH \/api\/now\/table\/incident\/[0-9a-f]{32} answered 503/,
    );
    await adapter.addComment(snRef(inc.sys_id!), { body: 'Done.', visibility: 'internal', ...ctx('sn-3', 2) });
    expect(sn.journalOf(inc.sys_id!)).toHaveLength(1);
    const lookup = sn.requests[1]!;
    expect(lookup).toMatchObject({ method: 'GET', path: '/api/now/table/sys_journal_field' });
    expect(lookup.query).toEqual({ sysparm_query: journalQuery(inc.sys_id!, 'sn-3'), sysparm_limit: '1', sysparm_fields: 'sys_id' });
    expect(sn.requests).toHaveLength(2);

    // A retry whose first attempt never arrived finds nothing and posts.
    await adapter.addComment(snRef(inc.sys_id!), { body: 'Other.', visibility: 'public', ...ctx('sn-4', 2) });
    expect(sn.journalOf(inc.sys_id!).map((j) => j.element)).toEqual(['work_notes', 'comments']);
  });

  it('survives Temporal-style retries of the comment activity (attempts 1, 2, 3) with one note', async () => {
    const inc = sn.seedIncident();
    await retriedLikeTemporal(sn, snAdapter(), snRef(inc.sys_id!), { method: 'PATCH', path: /\/incident\// }, { method: 'GET', path: /sys_journal_field$/ });
    expect(sn.journalOf(inc.sys_id!).map((j) => j.value)).toEqual([`We reset your password.\n\n[automation ref ${shortRef(ACTIVITY_KEY)}]`]);
  });

  it('resolves with state 6, the close code and the note, also on a repeat', async () => {
    const inc = sn.seedIncident({ state: '2' });
    const adapter = snAdapter();
    await adapter.resolve(snRef(inc.sys_id!), { note: 'Password reset; user signed in.', ...ctx('sn-r1') });
    await adapter.resolve(snRef(inc.sys_id!), { note: 'Password reset; user signed in.', ...ctx('sn-r1', 2) });
    expect(sn.requests.map((r) => r.body)).toEqual([
      { state: '6', close_code: 'Solved (Permanently)', close_notes: 'Password reset; user signed in.' },
      { state: '6', close_code: 'Solved (Permanently)', close_notes: 'Password reset; user signed in.' },
    ]);
    expect(sn.incidents.get(inc.sys_id!)).toMatchObject({ state: '6', close_code: 'Solved (Permanently)', close_notes: 'Password reset; user signed in.' });

    const other = sn.seedIncident();
    const error = await rejection(snAdapter({ closeCode: 'Fixed' }).resolve(snRef(other.sys_id!), { note: 'n', ...ctx('sn-r2') }));
    expect(error).toBeInstanceOf(TicketingRequestError);
    expect(error).toMatchObject({ status: 403 });
    expect(error.message).toMatch(/answered 403: Operation Failed \(close_code: Data Policy Exception: Resolution code must be one of/);
    expect(sn.incidents.get(other.sys_id!)!.state).toBe('1');
  });

  it('routes to a queue by assignment group and clears the assignee', async () => {
    const inc = sn.seedIncident({ assigned_to: '46d44a5dc0a8010e0000b9d3b0f1c7b1' });
    await snAdapter().routeToQueue(snRef(inc.sys_id!), { queue: 'service-desk', reason: 'r', ...ctx('sn-q') });
    expect(sn.requests[0]!.body).toEqual({ assignment_group: SN_GROUP, assigned_to: '' });
    expect(sn.incidents.get(inc.sys_id!)).toMatchObject({ assignment_group: SN_GROUP, assigned_to: '' });
    await expect(snAdapter().routeToQueue(snRef(inc.sys_id!), { queue: 'identity', reason: 'r', ...ctx('sn-q2') })).rejects.toThrow(
      new TicketingConfigError('unknown queue "identity" for ServiceNow; configured queues: service-desk'),
    );
  });

  it('reports an unknown incident as a request error, 5xx as retryable, and refuses ids that are not sys_ids', async () => {
    const missing = 'f'.repeat(32);
    const error = await rejection(snAdapter().resolve(snRef(missing), { note: 'n', ...ctx('sn-x') }));
    expect(error).toBeInstanceOf(TicketingRequestError);
    expect(error.message).toBe(
      `ServiceNow PATCH /api/now/table/incident/${missing} answered 404: No Record found (record: Record doesn't exist or ACL restricts the record retrieval)`,
    );

    const inc = sn.seedIncident();
    sn.failNext(1, { status: 500 });
    const down = await rejection(snAdapter().resolve(snRef(inc.sys_id!), { note: 'n', ...ctx('sn-y') }));
    expect(down).not.toBeInstanceOf(TicketingRequestError);
    expect(down.message).toMatch(/answered 500: Injected failure$/);

    await expect(snAdapter().addComment(snRef('INC0010001^ORDERBYvalue'), { body: 'x', visibility: 'public', ...ctx('sn-z', 2) })).rejects.toThrow(
      /not a sys_id/,
    );
    await expect(snAdapter().resolve({ source: 'jira', id: inc.sys_id!, key: 'ITSM-1' }, { note: 'n', ...ctx('sn-w') })).rejects.toBeInstanceOf(
      TicketingConfigError,
    );
    expect(sn.requests).toHaveLength(2);
  });

  it('lists changed incidents since a time, oldest first, as envelope bodies', async () => {
    const fake = new FakeServiceNow({ ...SN_CREDS, groups: { [SN_GROUP]: 'Service Desk' } });
    await fake.start();
    try {
      const since = new Date(Date.UTC(2026, 5, 1, 12, 0, 0, 500));
      const t = since.getTime() - 500;
      const n1 = fake.seedIncident({ assignment_group: SN_GROUP }, { created: t - 30 * 86_400_000, updated: t }); // same second as `since`
      const n2 = fake.seedIncident({}, { created: t + 300_000, updated: t + 600_000 });
      fake.seedIncident({}, { created: t - 86_400_000, updated: t - 1000 });
      const n4 = fake.seedIncident({}, { created: t - 86_400_000, updated: t + 86_400_000 });
      const adapter = new ServiceNowTicketing({ baseUrl: `${fake.url}/`, ...SN_CREDS, queues: {} });

      const changed = await adapter.listChangedSince(since, 50);
      expect(fake.requests[0]!.query).toEqual({
        sysparm_query: 'sys_updated_on>=2026-06-01 12:00:00^ORDERBYsys_updated_on',
        sysparm_limit: '50',
        sysparm_exclude_reference_link: 'false',
      });
      expect(changed.map((c) => (c.body as { incident: { sys_id: string } }).incident.sys_id)).toEqual([n1.sys_id, n2.sys_id, n4.sys_id]);
      expect(changed.map((c) => c.updatedAt)).toEqual([new Date(t).toISOString(), new Date(t + 600_000).toISOString(), new Date(t + 86_400_000).toISOString()]);
      expect(changed[0]).toMatchObject({
        source: 'servicenow',
        body: {
          event: 'incident.updated',
          sent_at: '2026-06-01 12:00:00',
          instance: fake.url,
          incident: {
            number: n1.number,
            state: '1',
            assignment_group: { link: `${fake.url}/api/now/table/sys_user_group/${SN_GROUP}`, value: SN_GROUP },
            caller_id: { value: n1.caller_id },
            cmdb_ci: '',
          },
        },
      });
      expect((changed[1]!.body as { event: string }).event).toBe('incident.created');
      // The reconciliation job feeds these bodies to the webhook normaliser.
      expect(normaliseServiceNow(changed[1]!.body)).toMatchObject({
        eventType: 'created',
        occurredAt: new Date(t + 600_000).toISOString(),
        ticket: { id: n2.sys_id, key: n2.number, summary: 'Cannot log in', status: 'New' },
        requester: { externalId: n2.caller_id },
      });
      expect(normaliseServiceNow(changed[0]!.body)).toMatchObject({ eventType: 'updated', ticket: { fields: { assignment_group: SN_GROUP } } });

      fake.clearRequests();
      expect(await adapter.listChangedSince(since, 2)).toHaveLength(2);
      expect(fake.requests[0]!.query.sysparm_limit).toBe('2');
      expect(await adapter.listChangedSince(since, 0)).toEqual([]);
      // A time zone for instances whose integration user is not on UTC.
      fake.clearRequests();
      await new ServiceNowTicketing({ baseUrl: fake.url, ...SN_CREDS, queues: {}, queryTimeZone: 'Asia/Kolkata' }).listChangedSince(since, 1);
      expect(fake.requests[0]!.query.sysparm_query).toBe('sys_updated_on>=2026-06-01 17:30:00^ORDERBYsys_updated_on');
    } finally {
      await fake.stop();
    }
  });

  it('rejects configurations it cannot work with', () => {
    const ok = { baseUrl: 'https://example.service-now.com', queues: {} };
    expect(() => new ServiceNowTicketing({ ...ok, ...SN_CREDS, token: 't' })).toThrow(/token: token and username\/password are exclusive/);
    expect(() => new ServiceNowTicketing(ok)).toThrow(/token: configure either token, or username and password/);
    expect(() => new ServiceNowTicketing({ ...ok, username: 'u' })).toThrow(TicketingConfigError);
    expect(() => new ServiceNowTicketing({ ...ok, ...SN_CREDS, queues: { q: { assignmentGroup: 'Service Desk' } } })).toThrow(
      /queues\.q\.assignmentGroup: must be a sys_id/,
    );
    expect(() => new ServiceNowTicketing({ ...ok, ...SN_CREDS, queryTimeZone: 'Nowhere' })).toThrow(TicketingConfigError);
  });
});

// ---------------------------------------------------------------------------------------------

describe('Zendesk adapter', () => {
  it('updates the ticket with a public or private comment carrying the automation reference', async () => {
    const t = zd.seedTicket();
    const adapter = zdAdapter();
    await adapter.addComment(zdRef(t.id), { body: 'Your printer is back.', visibility: 'public', ...ctx('zd-1') });
    await adapter.addComment(zdRef(t.id), { body: 'Driver reinstalled.', visibility: 'internal', ...ctx('zd-2') });
    expect(zd.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['PUT', `/api/v2/tickets/${t.id}.json`, { ticket: { comment: { body: `Your printer is back.\n\n[automation ref ${shortRef('zd-1')}]`, public: true } } }],
      ['PUT', `/api/v2/tickets/${t.id}.json`, { ticket: { comment: { body: `Driver reinstalled.\n\n[automation ref ${shortRef('zd-2')}]`, public: false } } }],
    ]);
    expect(zd.requests[0]!.headers.authorization).toBe(basic(`${ZD_CREDS.email}/token`, ZD_CREDS.apiToken));
    expect(zd.requests[0]!.headers['content-type']).toBe('application/json');
    expect(zd.commentsOf(t.id).map((c) => c.public)).toEqual([true, false]);
  });

  it('posts exactly one comment when the first attempt posted but lost the answer', async () => {
    const t = zd.seedTicket();
    const adapter = zdAdapter();
    zd.failNext(1, { applyThenFail: 500 });
    await expect(adapter.addComment(zdRef(t.id), { body: 'Done.', visibility: 'public', ...ctx('zd-3', 1) })).rejects.toThrow(/answered 500/);
    await adapter.addComment(zdRef(t.id), { body: 'Done.', visibility: 'public', ...ctx('zd-3', 2) });
    expect(zd.commentsOf(t.id)).toHaveLength(1);
    expect(zd.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /api/v2/tickets/${t.id}.json`, `GET /api/v2/tickets/${t.id}/comments.json`]);
    expect(zd.requests[1]!.query).toEqual({ sort_order: 'desc' });
    await adapter.addComment(zdRef(t.id), { body: 'Done.', visibility: 'public', ...ctx('zd-3b', 2) });
    expect(zd.commentsOf(t.id)).toHaveLength(2);
  });

  it('survives Temporal-style retries of the comment activity (attempts 1, 2, 3) with one comment', async () => {
    const t = zd.seedTicket();
    await retriedLikeTemporal(zd, zdAdapter(), zdRef(t.id), { method: 'PUT', path: /\.json$/ }, { method: 'GET', path: /comments\.json$/ });
    expect(zd.commentsOf(t.id).map((c) => c.body)).toEqual([`We reset your password.\n\n[automation ref ${shortRef(ACTIVITY_KEY)}]`]);
  });

  it('solves tickets, also on a repeat, and reports a closed ticket as a request error', async () => {
    const t = zd.seedTicket();
    await zdAdapter().resolve(zdRef(t.id), { note: 'n', ...ctx('zd-r') });
    await zdAdapter().resolve(zdRef(t.id), { note: 'n', ...ctx('zd-r', 2) });
    expect(zd.requests.map((r) => r.body)).toEqual([{ ticket: { status: 'solved' } }, { ticket: { status: 'solved' } }]);
    expect(zd.tickets.get(t.id)!.status).toBe('solved');

    const closed = zd.seedTicket({ status: 'closed' });
    const error = await rejection(zdAdapter().resolve(zdRef(closed.id), { note: 'n', ...ctx('zd-c') }));
    expect(error).toBeInstanceOf(TicketingRequestError);
    expect(error.message).toBe(
      `Zendesk PUT /api/v2/tickets/${closed.id}.json answered 422: RecordInvalid; Record validation errors; Status: closed prevents ticket update`,
    );
  });

  it('routes to a group and unassigns; an unknown queue is a configuration error', async () => {
    const t = zd.seedTicket({ assignee_id: 4242 });
    await zdAdapter().routeToQueue(zdRef(t.id), { queue: 'service-desk', reason: 'r', ...ctx('zd-q') });
    expect(zd.requests[0]!.body).toEqual({ ticket: { group_id: ZD_GROUP, assignee_id: null } });
    expect(zd.tickets.get(t.id)).toMatchObject({ group_id: ZD_GROUP, assignee_id: null });
    await expect(zdAdapter().routeToQueue(zdRef(t.id), { queue: 'vip', reason: 'r', ...ctx('zd-q2') })).rejects.toBeInstanceOf(TicketingConfigError);
    expect(zd.requests).toHaveLength(1);
  });

  it('treats an update conflict (409) and 5xx as retryable, a bad credential and an unknown ticket as request errors', async () => {
    const t = zd.seedTicket();
    zd.failNext(1, { status: 409, body: { error: { title: 'Conflict', message: 'The ticket was updated by someone else' } } });
    const conflict = await rejection(zdAdapter().resolve(zdRef(t.id), { note: 'n', ...ctx('zd-409') }));
    expect(conflict).not.toBeInstanceOf(TicketingRequestError);
    expect(conflict.message).toBe(`Zendesk PUT /api/v2/tickets/${t.id}.json answered 409: Conflict: The ticket was updated by someone else`);

    const unauthorised = await rejection(zdAdapter({ apiToken: 'bad-token-xyz' }).resolve(zdRef(t.id), { note: 'n', ...ctx('zd-401') }));
    expect(unauthorised).toMatchObject({ status: 401, message: `Zendesk PUT /api/v2/tickets/${t.id}.json answered 401: Couldn't authenticate you` });
    expect(unauthorised.message).not.toMatch(/bad-token-xyz/);

    const missing = await rejection(zdAdapter().resolve(zdRef(999_999), { note: 'n', ...ctx('zd-404') }));
    expect(missing).toMatchObject({ status: 404, message: 'Zendesk PUT /api/v2/tickets/999999.json answered 404: RecordNotFound; Not found' });
    expect(zd.tickets.get(t.id)!.status).toBe('open');
  });

  it('lists changed tickets through the cursor export, page by page, as webhook-shaped bodies', async () => {
    const fake = new FakeZendesk({ ...ZD_CREDS, exportPageCap: 2 });
    await fake.start();
    try {
      const now = Date.now();
      const since = Math.floor(now / 1000) * 1000 - 7_200_000;
      const day = 86_400_000;
      fake.seedTicket({ created: since - day, updated: since - 30_000 });
      const z2 = fake.seedTicket({ created: since - day, updated: since + 10_000, priority: null, type: null });
      const z3 = fake.seedTicket({ created: since + 20_000, updated: since + 30_000, tags: ['vpn', 'remote'] });
      const z4 = fake.seedTicket({ created: since - day, updated: since + 3_600_000 });
      fake.seedTicket({ created: now - 20_000, updated: now - 10_000 }); // the last minute is not exported yet
      const adapter = new ZendeskTicketing({ baseUrl: fake.url, ...ZD_CREDS, queues: {} });

      const changed = await adapter.listChangedSince(new Date(since), 100);
      expect(changed.map((c) => (c.body as { ticket: { id: string } }).ticket.id)).toEqual([z2, z3, z4].map((t) => String(t.id)));
      const pages = fake.requestsTo('GET', '/api/v2/incremental/tickets/cursor.json');
      expect(pages.map((p) => p.query)).toEqual([
        { start_time: String(since / 1000), per_page: '100' },
        { cursor: expect.any(String), per_page: '100' },
      ]);
      expect(pages[0]!.headers.authorization).toBe(basic(`${ZD_CREDS.email}/token`, ZD_CREDS.apiToken));
      expect(changed[0]).toEqual({
        source: 'zendesk',
        updatedAt: new Date(since + 10_000).toISOString(),
        body: {
          event: 'ticket.updated',
          ticket: {
            id: String(z2.id),
            url: `${fake.url}/api/v2/tickets/${z2.id}.json`,
            subject: 'Printer on floor 3 is offline',
            description: 'It shows error 42.',
            status: 'open',
            priority: '',
            type: '',
            tags: 'printer floor_3',
            group: '',
            requester_id: '777',
            created_at: zdDate(since - day),
            updated_at: zdDate(since + 10_000),
          },
        },
      });
      expect(changed[1]!.body).toMatchObject({ event: 'ticket.created', ticket: { tags: 'vpn remote', priority: 'normal', type: 'incident' } });
      // The reconciliation job feeds these bodies to the webhook normaliser.
      expect(normaliseZendesk(changed[1]!.body)).toMatchObject({
        eventType: 'created',
        occurredAt: new Date(since + 30_000).toISOString(),
        ticket: { id: String(z3.id), summary: 'Printer on floor 3 is offline', labels: ['vpn', 'remote'], issueType: 'incident' },
        requester: { externalId: '777' },
      });

      fake.clearRequests();
      expect((await adapter.listChangedSince(new Date(since), 2)).map((c) => c.updatedAt)).toEqual(
        [zdDate(since + 10_000), zdDate(since + 30_000)].map((d) => new Date(d).toISOString()),
      );
      expect(fake.requests).toHaveLength(1);
      expect(await adapter.listChangedSince(new Date(since), 0)).toEqual([]);

      // A `since` inside the last minute: start_time is moved back (Zendesk refuses it otherwise) and the extra is filtered out.
      fake.clearRequests();
      expect(await adapter.listChangedSince(new Date(now - 5_000), 10)).toEqual([]);
      expect(Number(fake.requests[0]!.query.start_time)).toBeLessThanOrEqual(Math.floor(now / 1000) - 60);
    } finally {
      await fake.stop();
    }
  });

  it('rejects configurations it cannot work with, and tickets of another help desk', async () => {
    expect(() => new ZendeskTicketing({ baseUrl: zd.url, ...ZD_CREDS, queues: { q: { groupId: '360001' as never } } })).toThrow(/queues\.q\.groupId/);
    expect(() => new ZendeskTicketing({ baseUrl: zd.url, email: '', apiToken: 'x', queues: {} })).toThrow(TicketingConfigError);
    await expect(zdAdapter().resolve({ source: 'servicenow', id: '1', key: 'INC1' }, { note: 'n', ...ctx('zd-s') })).rejects.toBeInstanceOf(
      TicketingConfigError,
    );
  });
});

// The adapter tests are only as strict as the fakes: check that the fakes refuse what the real
// systems refuse, answering in each system's own error shape.
describe('fakes', () => {
  const send = (url: string, method: string, authorization: string, body: unknown, contentType = 'application/json') =>
    fetch(url, { method, headers: { authorization, 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('refuse wrong credentials, extra or mistyped fields, and non-JSON bodies', async () => {
    jira.seedIssue({ key: 'FAKE-1' });
    const jiraAuth = basic(JIRA_CREDS.email, JIRA_CREDS.apiToken);
    const jiraUrl = `${jira.url}/rest/api/3/issue/FAKE-1/comment`;
    const extra = await send(jiraUrl, 'POST', jiraAuth, { body: textToAdf('x'), public: true });
    expect([extra.status, await extra.json()]).toEqual([400, { errorMessages: [], errors: { comment: 'unrecognized field(s) public' } }]);
    const notAdf = await send(jiraUrl, 'POST', jiraAuth, { body: 'plain text' });
    expect(notAdf.status).toBe(400);
    expect((await send(jiraUrl, 'POST', jiraAuth, '{"body":', 'application/json')).status).toBe(400);
    expect((await send(jiraUrl, 'POST', jiraAuth, { body: textToAdf('x') }, 'text/plain')).status).toBe(415);
    const denied = await send(jiraUrl, 'POST', basic(JIRA_CREDS.email, 'guess'), { body: textToAdf('x') });
    expect([denied.status, await denied.json()]).toEqual([401, { errorMessages: ['Authentication required'], errors: {} }]);
    const stringIds = await send(`${jira.url}/rest/api/3/comment/list?expand=properties`, 'POST', jiraAuth, { ids: ['10001'] });
    expect(stringIds.status).toBe(400);
    expect(jira.issues.get('FAKE-1')!.comments).toHaveLength(0);

    const inc = sn.seedIncident();
    const snAuth = basic(SN_CREDS.username, SN_CREDS.password);
    const snUrl = `${sn.url}/api/now/table/incident/${inc.sys_id}?sysparm_fields=sys_id`;
    const mistyped = await send(snUrl, 'PATCH', snAuth, { state: 6 });
    expect(mistyped.status).toBe(400);
    expect(await mistyped.json()).toMatchObject({
      error: { message: expect.stringMatching(/^Invalid incident update: state: /), detail: expect.any(String) },
      status: 'failure',
    });
    expect((await send(snUrl, 'PATCH', snAuth, { u_unknown: 'x' })).status).toBe(400);
    expect((await send(snUrl, 'PATCH', basic(SN_CREDS.username, 'guess'), { comments: 'x' })).status).toBe(401);
    const badQuery = await fetch(`${sn.url}/api/now/table/incident?sysparm_query=${encodeURIComponent('sys_updated_on>=2026-11-26T09:00:00Z')}`, {
      headers: { authorization: snAuth },
    });
    expect(badQuery.status).toBe(400);
    expect(sn.journalOf(inc.sys_id!)).toHaveLength(0);

    const t = zd.seedTicket();
    const zdAuth = basic(`${ZD_CREDS.email}/token`, ZD_CREDS.apiToken);
    const zdUrl = `${zd.url}/api/v2/tickets/${t.id}.json`;
    const wrongType = await send(zdUrl, 'PUT', zdAuth, { ticket: { comment: { body: 'x', public: 'yes' } } });
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toMatchObject({ error: 'InvalidValue', description: expect.stringMatching(/ticket\.comment\.public/) });
    expect((await send(zdUrl, 'PUT', zdAuth, { ticket: {} })).status).toBe(400);
    expect((await send(zdUrl, 'PUT', basic(ZD_CREDS.email, ZD_CREDS.apiToken), { ticket: { status: 'solved' } })).status).toBe(401);
    const tooRecent = await fetch(`${zd.url}/api/v2/incremental/tickets/cursor.json?start_time=${Math.floor(Date.now() / 1000)}`, {
      headers: { authorization: zdAuth },
    });
    expect([tooRecent.status, await tooRecent.json()]).toEqual([
      400,
      { error: 'InvalidValue', description: 'Too recent start_time. Use a start_time older than 1 minute' },
    ]);
    expect(zd.commentsOf(t.id)).toHaveLength(0);
    expect(zd.tickets.get(t.id)!.status).toBe('open');
  });
});

// Keep dates of the fakes honest: the adapters parse what the fakes print.
describe('fake date formats', () => {
  it('match the documented formats', () => {
    expect(jiraDate(Date.UTC(2026, 10, 26, 9, 0, 12, 345))).toBe('2026-11-26T09:00:12.345+0000');
    expect(snDate(Date.UTC(2026, 10, 26, 9, 0, 12, 345))).toBe('2026-11-26 09:00:12');
    expect(zdDate(Date.UTC(2026, 10, 26, 9, 0, 12, 345))).toBe('2026-11-26T09:00:12Z');
  });
});
