import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStore } from '../../src/activities/records/port.js';
import type { ResolutionRecord } from '../../src/domain/records/resolution.js';
import { JIRA } from '../helpers/tickets.js';
import { FakeJira } from '../integration/fakes/jira.js';
import {
  actionEntries,
  deliverJira,
  engineEnv,
  entriesPerActivity,
  jiraEnv,
  jiraTicket,
  JIRA_CREDS,
  openStore,
  publicComments,
  sleep,
  SmtpSink,
  startApi,
  startTemporal,
  startWorker,
  stopEngines,
  tempDir,
  until,
  workNotes,
  type EngineProcess,
  type Temporal,
} from './helpers.js';

// Fault: the Temporal dev server the stack runs (`temporal server start-dev --db-filename` under
// DATA_DIR) is stopped while password resets are in the middle of their work, and started again on
// the same database file. The worker and API processes stay up. Nothing is lost: every run started
// before the stop finishes after it, files its record, leaves its audit entries, and updates its
// ticket once; a delivery that came while Temporal was down was answered 503 and taken on retry.
const dataDir = tempDir('itse-faults-temporal-');
const taskQueue = `faults-temporal-${randomUUID()}`;
const jira = new FakeJira(JIRA_CREDS);
const smtp = new SmtpSink();
let temporal: Temporal;
let api: EngineProcess & { url: string };
let worker: EngineProcess;
let client: Client;
let store: EngineStore;

const REQUESTERS = [
  { key: 'RST-1', reporter: JIRA.jdoe, user: 'jdoe', mail: 'jane.doe@example.com' },
  { key: 'RST-2', reporter: JIRA.asmith, user: 'asmith', mail: 'alex.smith@example.com' },
  { key: 'RST-3', reporter: JIRA.samHelper, user: 'sam.helper', mail: 'sam.helper@example.com' },
];
const LATE = { key: 'RST-4', reporter: JIRA.jdoe, summary: 'Monitor on floor 3 flickers' };
const tickets = new Map<string, ReturnType<typeof jiraTicket>>();
let outageAnswer: { status: number; body: any };
let retryAnswers: number[];

beforeAll(async () => {
  [temporal] = await Promise.all([startTemporal(dataDir), jira.start(), smtp.start()]);
  const base = engineEnv({ temporal: temporal.address, dataDir, taskQueue });
  // The demo directory (content/directory.yaml); tickets in Jira, mail over SMTP.
  [api, worker] = await Promise.all([startApi(base), startWorker({ ...base, ...jiraEnv(jira), SMTP_URL: smtp.url })]);
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  store = openStore(dataDir);

  // Jira takes 4 s over each ticket comment: the resets are done, the comments in flight.
  for (const r of REQUESTERS) {
    const ticket = jiraTicket(jira, r.key, { reporter: r.reporter });
    tickets.set(r.key, ticket);
    jira.failNext(1, { hang: 4000 }, { method: 'POST', path: `/rest/api/3/issue/${r.key}/comment` });
    expect((await deliverJira(api.url, ticket.body, `restart-${r.key}`)).status).toBe(202);
  }
  await until('every ticket comment to be in flight', () =>
    REQUESTERS.every((r) => jira.requestsTo('POST', `/rest/api/3/issue/${r.key}/comment`).length === 1),
  );
  expect(REQUESTERS.every((r) => jira.issue(r.key).comments.length === 0)).toBe(true);

  await temporal.stop();
  // While Temporal is down: a new ticket (no automation matches it) is refused with 503; Jira
  // delivers it again later.
  const late = jiraTicket(jira, LATE.key, { reporter: LATE.reporter, summary: LATE.summary, fields: { description: 'It flickers every few seconds.' } });
  tickets.set(LATE.key, late);
  const refused = await deliverJira(api.url, late.body, 'restart-late');
  outageAnswer = { status: refused.status, body: await refused.json() };
  // Jira answers the comments meanwhile; nobody at Temporal hears of them yet.
  await jira.settled();
  await sleep(1000);
  await temporal.start();
  // Jira retries a 5xx delivery (same identifier, X-Atlassian-Webhook-Retry counting); the API's
  // connection may still be in its reconnect back-off (capped at 2 s) for the first of them.
  retryAnswers = [];
  for (let retry = 1; retry <= 5 && retryAnswers.at(-1) !== 202; retry++) {
    if (retry > 1) await sleep(2000);
    retryAnswers.push((await deliverJira(api.url, late.body, 'restart-late', { 'x-atlassian-webhook-retry': String(retry) })).status);
  }
}, 240_000);

afterAll(async () => {
  await stopEngines();
  await client?.connection.close();
  await store?.close();
  await Promise.all([temporal?.stop(), jira.stop(), smtp.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the Temporal dev server stopped and started again on the same database file', () => {
  it('answered a delivery that came during the outage with 503, so that the help desk retries it', () => {
    expect(outageAnswer).toMatchObject({ status: 503, body: { error: 'unavailable' } });
    // Taken on one of Jira's retries once Temporal is back; until then only 503s (retryable).
    expect(retryAnswers.at(-1)).toBe(202);
    expect(retryAnswers.slice(0, -1).every((s) => s === 503)).toBe(true);
    expect(worker.exited()).toBe(false);
  });

  it('every run started before the stop completes after it, each ticket updated once, each mail sent once', async () => {
    for (const r of REQUESTERS) {
      const record = (await client.workflow.getHandle(`ticket-jira-${r.key}`).result()) as ResolutionRecord;
      expect(record).toMatchObject({ outcome: 'resolved', requester: { userId: r.user } });
      expect(publicComments(jira, r.key, `The password of ${r.user} has been reset`)).toHaveLength(1);
      expect(workNotes(jira, r.key)).toHaveLength(1);
      expect(tickets.get(r.key)!.statusChanges).toEqual(['Resolved']);
      expect(smtp.to(r.mail)).toHaveLength(1);
    }
  });

  it('files every record and keeps every audit entry, each activity logged once', async () => {
    for (const r of REQUESTERS) {
      const workflowId = `ticket-jira-${r.key}`;
      const documents = await store.documents(`jira:${r.key}`);
      expect(documents).toEqual([expect.objectContaining({ workflowId, outcome: 'resolved' })]);
      const entries = await actionEntries(store, workflowId);
      expect(entriesPerActivity(entries).every((n) => n === 1)).toBe(true);
      expect(entries.filter((e) => e.outcome === 'succeeded').map((e) => e.action)).toEqual([
        'checkPermission',
        'resetPasswordAndNotify',
        'commentOnTicket',
        'resolveTicket',
        'fileResolution',
      ]);
      expect(await store.auditEntries({ kind: 'permission.decision', subject: workflowId })).toHaveLength(1);
    }
    const accepted = (await store.auditEntries({ kind: 'webhook.accepted' })).map((e) => e.entry.subject);
    expect(accepted.sort()).toEqual(['jira:RST-1', 'jira:RST-2', 'jira:RST-3', 'jira:RST-4']);
  });

  it('the delivery refused during the outage is handled like any other once it comes again', async () => {
    const record = (await client.workflow.getHandle(`ticket-jira-${LATE.key}`).result()) as ResolutionRecord;
    expect(record).toMatchObject({ workflow: { type: 'ticketHandOff' }, outcome: 'escalated' });
    expect(publicComments(jira, LATE.key, 'A member of the service desk will pick it up shortly')).toHaveLength(1);
    expect(await store.documents(`jira:${LATE.key}`)).toHaveLength(1);
  });
});
