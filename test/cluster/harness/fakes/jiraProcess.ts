// The Jira Cloud fake (test/integration/fakes/jira.ts) in a process of its own, so that every engine
// host reaches one help desk over the network and none can share it in memory. Besides the Jira
// REST API on one port it serves a control API on another, for the test: seed an issue, read one
// back (with every status it was moved to), list the requests it received, inject faults.
//
//   node --import tsx test/cluster/harness/fakes/jiraProcess.ts
//   env: FAKE_JIRA_EMAIL, FAKE_JIRA_TOKEN; prints one JSON line {"url":…,"control":…} when ready.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeJira, type Fault, type FakeJiraIssue } from '../../../integration/fakes/jira.js';

const jira = new FakeJira({ email: process.env.FAKE_JIRA_EMAIL ?? '', apiToken: process.env.FAKE_JIRA_TOKEN ?? '' });
const statusChanges = new Map<string, string[]>();

/** Records every status the issue is moved to (a repeated resolve shows twice). */
function recordStatusChanges(issue: FakeJiraIssue): void {
  const changes: string[] = [];
  statusChanges.set(issue.key, changes);
  let status = issue.fields.status;
  Object.defineProperty(issue.fields, 'status', {
    enumerable: true,
    get: () => status,
    set: (next: typeof status) => {
      changes.push(next.name);
      status = next;
    },
  });
}

type Seed = Parameters<FakeJira['seedIssue']>[0] & { deleteFields?: string[] };
interface FailBody {
  n: number;
  fault: Fault;
  match?: { method?: string; path?: string; pathPattern?: string };
}

const control = createServer((req, res) => {
  let raw = '';
  req.on('data', (c: Buffer) => (raw += c.toString()));
  req.on('end', () => {
    const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    try {
      const url = new URL(req.url ?? '/', 'http://control');
      const body = raw ? JSON.parse(raw) : undefined;
      if (req.method === 'POST' && url.pathname === '/seed') {
        const { deleteFields, ...seed } = body as Seed;
        const issue = jira.seedIssue(seed);
        for (const field of deleteFields ?? []) delete issue.fields[field];
        recordStatusChanges(issue);
        return reply(200, issue);
      }
      const issueMatch = /^\/issues\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && issueMatch) {
        const issue = jira.issues.get(decodeURIComponent(issueMatch[1]!));
        if (!issue) return reply(404, { error: 'no such issue' });
        return reply(200, { ...issue, statusChanges: statusChanges.get(issue.key) ?? [] });
      }
      if (req.method === 'GET' && url.pathname === '/requests') {
        return reply(
          200,
          jira.requests.map(({ headers: _headers, ...r }) => r),
        );
      }
      if (req.method === 'POST' && url.pathname === '/fail') {
        const { n, fault, match } = body as FailBody;
        jira.failNext(n, fault, match && { method: match.method, path: match.pathPattern ? new RegExp(match.pathPattern) : match.path });
        return reply(200, { pending: jira.pendingFaults() });
      }
      reply(404, { error: `no control route ${req.method} ${url.pathname}` });
    } catch (e) {
      reply(500, { error: String(e) });
    }
  });
});

const url = await jira.start();
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
console.log(JSON.stringify({ url, control: `http://127.0.0.1:${(control.address() as AddressInfo).port}` }));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
