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
  startApi,
  startTemporal,
  startWorker,
  stopEngines,
  tempDir,
  workNotes,
  type EngineProcess,
  type Temporal,
} from './helpers.js';

// Fault: the help desk (the Jira fake over real HTTP) answers 503 for a while, then takes longer
// than the adapter's 10 s timeout over a comment (and applies it after the engine gave up on the
// answer), and loses the answers to a resolve and to the work note (applied, then 503). The ticket
// updates arrive later, each exactly once: Temporal retries the activities, and a retry first
// looks for the change an earlier attempt made.
const dataDir = tempDir('itse-faults-helpdesk-');
const taskQueue = `faults-helpdesk-${randomUUID()}`;
const jira = new FakeJira(JIRA_CREDS);
const KEY = 'HD-1';
const workflowId = `ticket-jira-${KEY}`;
let temporal: Temporal;
let api: EngineProcess & { url: string };
let client: Client;
let store: EngineStore;
let ticket: ReturnType<typeof jiraTicket>;
let record: ResolutionRecord;

beforeAll(async () => {
  [temporal] = await Promise.all([startTemporal(dataDir), jira.start()]);
  const base = engineEnv({ temporal: temporal.address, dataDir, taskQueue });
  [api] = await Promise.all([startApi(base), startWorker({ ...base, ...jiraEnv(jira) })]);
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  store = openStore(dataDir);

  ticket = jiraTicket(jira, KEY, { reporter: JIRA.jdoe });
  const onTicket = new RegExp(`^/rest/api/3/issue/(${KEY}|${ticket.issue.id})/`);
  // Jira is unavailable for a while: its next three answers about this ticket are 503.
  jira.failNext(3, { status: 503, text: '<html><body>Service Unavailable</body></html>' }, { path: onTicket });
  // Then a comment takes 12 s (the adapter gives up after 10 s; Jira applies it all the same).
  jira.failNext(1, { hang: 12_000 }, { method: 'POST', path: /\/comment$/ });
  // Then Jira applies the resolve and the work note but the answers are lost.
  jira.failNext(1, { applyThenFail: 503 }, { method: 'POST', path: /\/transitions$/ });
  jira.failNext(1, { applyThenFail: 503 }, { method: 'POST', path: /\/comment$/ });

  expect(await (await deliverJira(api.url, ticket.body, 'helpdesk-1')).json()).toMatchObject({ status: 'started', workflowType: 'passwordReset' });
  record = (await client.workflow.getHandle(workflowId).result()) as ResolutionRecord;
  await jira.settled();
}, 240_000);

afterAll(async () => {
  await stopEngines();
  await client?.connection.close();
  await store?.close();
  await Promise.all([temporal?.stop(), jira.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the help desk answering 503 and timing out for a while', () => {
  it('the run still resolves the ticket, and the faults did reach the engine', () => {
    expect(record).toMatchObject({ outcome: 'resolved', requester: { userId: 'jdoe' } });
    // Two comment posts for the requester's comment (503, then the slow one) and one for the work note.
    expect(jira.requestsTo('POST', /\/comment$/)).toHaveLength(3);
    expect(jira.requestsTo('POST', /\/transitions$/)).toHaveLength(1);
  });

  it('the comment, the resolve and the work note arrived exactly once', () => {
    expect(publicComments(jira, KEY, 'The password of jdoe has been reset')).toHaveLength(1);
    expect(workNotes(jira, KEY)).toHaveLength(1);
    expect(jira.issue(KEY).comments).toHaveLength(2);
    expect(ticket.statusChanges).toEqual(['Resolved']);
  });

  it('each update was retried by Temporal until it got through, and logged once', async () => {
    const entries = await actionEntries(store, workflowId);
    expect(entriesPerActivity(entries).every((n) => n === 1)).toBe(true);
    const attempts = Object.fromEntries(entries.map((e) => [e.action, { attempts: e.attempts, outcome: e.outcome }]));
    expect(attempts).toMatchObject({
      resetPasswordAndNotify: { attempts: 1, outcome: 'succeeded' },
      // 503 (post), 503 (looking for an earlier copy) twice, the slow post, then the copy was found.
      commentOnTicket: { attempts: 5, outcome: 'succeeded' },
      resolveTicket: { attempts: 2, outcome: 'succeeded' },
      fileResolution: { attempts: 2, outcome: 'succeeded' },
    });
    expect(record.actions.every((a) => a.status === 'succeeded')).toBe(true);
    expect(await store.documents(`jira:${KEY}`)).toEqual([expect.objectContaining({ workflowId, outcome: 'resolved' })]);
  });
});
