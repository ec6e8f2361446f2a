import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStore } from '../../src/activities/records/port.js';
import type { ResolutionRecord } from '../../src/domain/records/resolution.js';
import { JIRA } from '../helpers/tickets.js';
import { FakeJira } from '../integration/fakes/jira.js';
import {
  deliverJira,
  engineEnv,
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
  until,
  type EngineProcess,
  type Temporal,
} from './helpers.js';

// Fault: Jira delivers the same signed webhook 1,000 times at once (a retry storm), over real HTTP
// to the API process, while a worker process runs the ticket. Exactly one workflow exists for the
// ticket (counted by Temporal's visibility), every delivery gets a 2xx and none a 5xx, every
// delivery is audited, and the ticket is worked once.
const DELIVERIES = 1000;
const dataDir = tempDir('itse-faults-storm-');
const taskQueue = `faults-storm-${randomUUID()}`;
const jira = new FakeJira(JIRA_CREDS);
const KEY = 'STORM-1';
const workflowId = `ticket-jira-${KEY}`;
let temporal: Temporal;
let api: EngineProcess & { url: string };
let client: Client;
let store: EngineStore;
let ticket: ReturnType<typeof jiraTicket>;
let answers: Array<{ status: number; body: any }>;

beforeAll(async () => {
  [temporal] = await Promise.all([startTemporal(dataDir), jira.start()]);
  const base = engineEnv({ temporal: temporal.address, dataDir, taskQueue });
  [api] = await Promise.all([startApi({ ...base, LOG_LEVEL: 'warn' }), startWorker({ ...base, ...jiraEnv(jira) })]);
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  store = openStore(dataDir);

  ticket = jiraTicket(jira, KEY, { reporter: JIRA.jdoe });
  answers = await Promise.all(
    Array.from({ length: DELIVERIES }, async () => {
      const res = await deliverJira(api.url, ticket.body, 'storm-delivery-1');
      return { status: res.status, body: await res.json() };
    }),
  );
}, 240_000);

afterAll(async () => {
  await stopEngines();
  await client?.connection.close();
  await store?.close();
  await Promise.all([temporal?.stop(), jira.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the same webhook delivered 1,000 times concurrently', () => {
  it('every delivery is answered 202 or 200, none 5xx, all naming the one workflow', () => {
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    expect([...statuses.keys()].filter((s) => s !== 202 && s !== 200)).toEqual([]);
    expect(answers.every((a) => a.body.workflowId === workflowId && ['started', 'duplicate'].includes(a.body.status))).toBe(true);
  });

  it('exactly one workflow exists for the ticket, and it works the ticket once', async () => {
    const record = (await client.workflow.getHandle(workflowId).result()) as ResolutionRecord;
    expect(record.outcome).toBe('resolved');
    const query = `WorkflowId = '${workflowId}'`;
    // Visibility is eventually consistent: wait until it lists the run, then count.
    await until('visibility to list the run', async () => (await client.workflow.count(query)).count > 0);
    expect((await client.workflow.count(query)).count).toBe(1);
    const runs: string[] = [];
    for await (const run of client.workflow.list({ query })) runs.push(run.runId);
    expect(runs).toHaveLength(1);
    expect(publicComments(jira, KEY, 'The password of jdoe has been reset')).toHaveLength(1);
    expect(ticket.statusChanges).toEqual(['Resolved']);
  });

  it('every delivery was audited as accepted; none was dead-lettered', async () => {
    const accepted = await store.auditEntries({ kind: 'webhook.accepted', subject: `jira:${KEY}` });
    expect(accepted).toHaveLength(DELIVERIES);
    expect(await store.deadLetters()).toEqual([]);
  });
});
