import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicHeader, FakeJira, type FakeHelpDesk } from './fakes/jira.js';
import { FakeServiceNow } from './fakes/servicenow.js';
import { FakeZendesk } from './fakes/zendesk.js';

// The help-desk fakes answer as the vendor would before they let an injected failure through: a
// request with wrong credentials, to no resource, with the wrong method, media type or body shape,
// or one the current state refuses, gets the vendor's 401/404/405/415/400/403/422, and the
// injected failure stays pending for the next request the vendor would accept. Otherwise a test
// injecting a 5xx could not notice that the adapter's request was broken.

interface Call {
  method: string;
  path: string;
  body?: unknown;
  /** Sent as is instead of JSON.stringify(body). */
  raw?: string;
  contentType?: string;
  authorization?: string | null;
}

interface Case {
  name: string;
  fake: FakeHelpDesk;
  auth: string;
  wrongAuth: string;
  /** A change the help desk makes, and how many of its effects are there now. */
  write(): Call;
  applied(): number;
  /** Requests the help desk refuses, with the status it answers. */
  refused(): Array<{ what: string; status: number; call: Call }>;
}

const JIRA_CREDS = { email: 'automation@example.com', apiToken: 'jira-api-token-s3cret' };
const SN_CREDS = { username: 'itse.integration', password: 'sn-pa55word-s3cret' };
const ZD_CREDS = { email: 'agent@example.com', apiToken: 'zd-api-token-s3cret' };

const jira = new FakeJira(JIRA_CREDS);
const sn = new FakeServiceNow(SN_CREDS);
const zd = new FakeZendesk(ZD_CREDS);
const fakes = [jira, sn, zd];

const adf = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Done.' }] }] };

let jiraKey = '';
let incident = '';
let ticket = 0;
let closedTicket = 0;

beforeAll(async () => {
  await Promise.all(fakes.map((f) => f.start()));
  jiraKey = jira.seedIssue({ key: 'FK-1' }).key;
  incident = sn.seedIncident().sys_id!;
  ticket = zd.seedTicket().id;
  closedTicket = zd.seedTicket({ status: 'closed' }).id;
});
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.stop()));
});

const cases: Case[] = [
  {
    name: 'Jira',
    fake: jira,
    auth: basicHeader(JIRA_CREDS.email, JIRA_CREDS.apiToken),
    wrongAuth: basicHeader(JIRA_CREDS.email, 'wrong-token'),
    write: () => ({ method: 'POST', path: `/rest/api/3/issue/${jiraKey}/comment`, body: { body: adf } }),
    applied: () => jira.issue(jiraKey).comments.length,
    refused: () => [
      { what: 'a comment that is not ADF', status: 400, call: { method: 'POST', path: `/rest/api/3/issue/${jiraKey}/comment`, body: { body: 'Done.' } } },
      { what: 'an unknown field', status: 400, call: { method: 'POST', path: `/rest/api/3/issue/${jiraKey}/comment`, body: { body: adf, public: true } } },
      { what: 'a body that is not JSON', status: 400, call: { method: 'POST', path: `/rest/api/3/issue/${jiraKey}/comment`, raw: '{"body":' } },
      { what: 'no body', status: 400, call: { method: 'POST', path: `/rest/api/3/issue/${jiraKey}/comment`, raw: '' } },
      {
        what: 'a form body',
        status: 415,
        call: { method: 'POST', path: `/rest/api/3/issue/${jiraKey}/comment`, raw: 'body=Done.', contentType: 'application/x-www-form-urlencoded' },
      },
      {
        what: 'an unknown query parameter',
        status: 400,
        call: { method: 'POST', path: `/rest/api/3/issue/${jiraKey}/comment?notify=true`, body: { body: adf } },
      },
      { what: 'the wrong method', status: 405, call: { method: 'DELETE', path: `/rest/api/3/issue/${jiraKey}/comment` } },
      { what: 'no such resource', status: 404, call: { method: 'POST', path: '/rest/api/2/issue/FK-1/comment', body: { body: adf } } },
      { what: 'an unknown issue', status: 404, call: { method: 'POST', path: '/rest/api/3/issue/NOPE-9/comment', body: { body: adf } } },
      {
        what: 'a transition the issue does not offer',
        status: 400,
        call: { method: 'POST', path: `/rest/api/3/issue/${jiraKey}/transitions`, body: { transition: { id: '99' } } },
      },
    ],
  },
  {
    name: 'ServiceNow',
    fake: sn,
    auth: basicHeader(SN_CREDS.username, SN_CREDS.password),
    wrongAuth: basicHeader(SN_CREDS.username, 'wrong-password'),
    write: () => ({ method: 'PATCH', path: `/api/now/table/incident/${incident}`, body: { work_notes: 'Done.' } }),
    applied: () => sn.journalOf(incident).length,
    refused: () => [
      { what: 'an unknown field', status: 400, call: { method: 'PATCH', path: `/api/now/table/incident/${incident}`, body: { work_note: 'Done.' } } },
      { what: 'an empty update', status: 400, call: { method: 'PATCH', path: `/api/now/table/incident/${incident}`, body: {} } },
      { what: 'a body that is not JSON', status: 400, call: { method: 'PATCH', path: `/api/now/table/incident/${incident}`, raw: 'work_notes=Done.' } },
      { what: 'a text body', status: 415, call: { method: 'PATCH', path: `/api/now/table/incident/${incident}`, raw: 'Done.', contentType: 'text/plain' } },
      { what: 'the wrong method', status: 405, call: { method: 'PUT', path: `/api/now/table/incident/${incident}`, body: { work_notes: 'Done.' } } },
      { what: 'an unknown incident', status: 404, call: { method: 'PATCH', path: `/api/now/table/incident/${'f'.repeat(32)}`, body: { work_notes: 'Done.' } } },
      {
        what: 'a resolve the data policy refuses',
        status: 403,
        call: { method: 'PATCH', path: `/api/now/table/incident/${incident}`, body: { state: '6', work_notes: 'Done.' } },
      },
    ],
  },
  {
    name: 'Zendesk',
    fake: zd,
    auth: basicHeader(`${ZD_CREDS.email}/token`, ZD_CREDS.apiToken),
    wrongAuth: basicHeader(ZD_CREDS.email, ZD_CREDS.apiToken), // without "/token"
    write: () => ({ method: 'PUT', path: `/api/v2/tickets/${ticket}.json`, body: { ticket: { comment: { body: 'Done.', public: true } } } }),
    applied: () => zd.commentsOf(ticket).length,
    refused: () => [
      {
        what: 'a comment without "public"',
        status: 400,
        call: { method: 'PUT', path: `/api/v2/tickets/${ticket}.json`, body: { ticket: { comment: { body: 'Done.' } } } },
      },
      {
        what: 'a body not wrapped in "ticket"',
        status: 400,
        call: { method: 'PUT', path: `/api/v2/tickets/${ticket}.json`, body: { comment: { body: 'Done.', public: true } } },
      },
      { what: 'a body that is not JSON', status: 400, call: { method: 'PUT', path: `/api/v2/tickets/${ticket}.json`, raw: '{ticket}' } },
      { what: 'the wrong method', status: 405, call: { method: 'PATCH', path: `/api/v2/tickets/${ticket}.json`, body: { ticket: { status: 'solved' } } } },
      { what: 'an unknown ticket', status: 404, call: { method: 'PUT', path: '/api/v2/tickets/999999.json', body: { ticket: { status: 'solved' } } } },
      { what: 'a closed ticket', status: 422, call: { method: 'PUT', path: `/api/v2/tickets/${closedTicket}.json`, body: { ticket: { status: 'solved' } } } },
    ],
  },
];

async function send(c: Case, call: Call): Promise<{ status: number; text: string }> {
  const authorization = call.authorization === undefined ? c.auth : call.authorization;
  const payload = call.raw ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (authorization !== null) headers.authorization = authorization;
  if (call.method !== 'GET' && call.method !== 'DELETE') headers['content-type'] = call.contentType ?? 'application/json';
  const res = await fetch(`${c.fake.url}${call.path}`, { method: call.method, headers, ...(payload === undefined ? {} : { body: payload }) });
  return { status: res.status, text: await res.text() };
}

describe.each(cases)('the $name fake', (c) => {
  it('answers 401 to wrong or missing credentials while a failure is injected, and keeps the failure for the next valid request', async () => {
    const before = c.applied();
    c.fake.failNext(1, { status: 503 });
    for (const authorization of [c.wrongAuth, null, `Bearer ${c.auth}`]) {
      const answer = await send(c, { ...c.write(), authorization });
      expect(answer.status).toBe(401);
      expect(answer.text).not.toContain('Injected failure');
    }
    expect(c.fake.pendingFaults()).toBe(1);
    expect(c.applied()).toBe(before);

    const injected = await send(c, c.write());
    expect(injected.status).toBe(503);
    expect(injected.text).toContain('Injected failure');
    expect(c.fake.pendingFaults()).toBe(0);
    expect(c.applied()).toBe(before);

    expect((await send(c, c.write())).status).toBeLessThan(300);
    expect(c.applied()).toBe(before + 1);
  });

  it('answers its own refusal to a request it would not accept (shape, media type, method, resource, state), without using up the injected failure', async () => {
    const before = c.applied();
    const refused = c.refused();
    // One failure that would match any request: under the old order the first refused request took it.
    c.fake.failNext(1, { status: 429, headers: { 'retry-after': '1' } });
    for (const { what, status, call } of refused) {
      const answer = await send(c, call);
      expect({ what, status: answer.status }).toEqual({ what, status });
      expect(answer.text).not.toContain('Injected failure');
      expect(c.fake.pendingFaults()).toBe(1);
    }
    expect(c.applied()).toBe(before);
    expect((await send(c, c.write())).status).toBe(429);
    expect(c.fake.pendingFaults()).toBe(0);
    expect((await send(c, c.write())).status).toBeLessThan(300);
    expect(c.applied()).toBe(before + 1);
  });

  it('keeps "applied, then the answer was lost" for a request it accepts: a refused one changes nothing and leaves it pending', async () => {
    const before = c.applied();
    const [malformed] = c.refused();
    c.fake.failNext(1, { applyThenFail: 503 });
    expect((await send(c, malformed!.call)).status).toBe(malformed!.status);
    expect((await send(c, { ...c.write(), authorization: c.wrongAuth })).status).toBe(401);
    expect(c.applied()).toBe(before);
    expect(c.fake.pendingFaults()).toBe(1);

    const lost = await send(c, c.write());
    expect(lost.status).toBe(503);
    expect(lost.text).toContain('Injected failure after the change');
    expect(c.applied()).toBe(before + 1);
    expect(c.fake.pendingFaults()).toBe(0);
  });

  it('does not hold a refused request with an injected hang; the next valid one waits, then is applied', async () => {
    const before = c.applied();
    c.fake.failNext(1, { hang: 50 });
    expect((await send(c, { ...c.write(), authorization: c.wrongAuth })).status).toBe(401);
    expect((await send(c, c.refused()[0]!.call)).status).toBe(c.refused()[0]!.status);
    expect(c.fake.pendingFaults()).toBe(1);
    expect((await send(c, c.write())).status).toBeLessThan(300);
    await c.fake.settled();
    expect(c.fake.pendingFaults()).toBe(0);
    expect(c.applied()).toBe(before + 1);
  });

  it('still applies a matched fault only to the requests it names', async () => {
    const write = c.write();
    c.fake.failNext(1, { status: 502 }, { method: write.method, path: write.path });
    // A request the help desk refuses on the matched path does not take it either.
    expect((await send(c, { ...write, authorization: c.wrongAuth })).status).toBe(401);
    expect((await send(c, write)).status).toBe(502);
    expect(c.fake.pendingFaults()).toBe(0);
  });
});
