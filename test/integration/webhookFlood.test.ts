import { Writable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDirectory } from '../../src/activities/directory/memory.js';
import { SimulatedFleet } from '../../src/activities/endpoints/memory.js';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import type { EngineStore } from '../../src/activities/records/port.js';
import { buildApi, configuredApiOptions } from '../../src/client/http/app.js';
import { handleDelivery } from '../../src/client/webhooks.js';
import { loadConfig } from '../../src/config/index.js';
import { verifyChain } from '../../src/domain/records/auditVerify.js';
import { createLogger } from '../../src/stack/logger.js';
import { SECRETS, signedHeaders, zendeskTicket } from '../helpers/deliveries.js';
import { jwtEnv } from '../helpers/selfService.js';
import { demoContent, startTestServer } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// Anyone who can reach a webhook can post to it. A flood of deliveries no signature proves, over
// real HTTP, must not fill the store: a bounded number of refusals is kept whole (dead letter and
// audit row, for staff to look into), the rest are answered as usual, counted in a metric and
// summarised in the audit log; signed deliveries are worked and kept throughout.
const FLOOD = 3000;
const KEPT_PER_MINUTE = 60;
let clock = new Date('2026-12-07T09:00:00Z');
const logLines: Array<Record<string, any>> = [];
let env: TestWorkflowEnvironment;
let store: EngineStore;
let app: FastifyInstance;
let url: string;
let floodAnswers: number[];

beforeAll(async () => {
  env = await startTestServer();
  const content = await demoContent();
  const config = loadConfig({
    ...jwtEnv,
    WEBHOOK_SECRET_JIRA: SECRETS.jira,
    WEBHOOK_SECRET_ZENDESK: SECRETS.zendesk,
    ALLOW_UNSIGNED_WEBHOOKS: 'false',
    WEBHOOK_REFUSALS_KEPT_PER_MINUTE: String(KEPT_PER_MINUTE),
    TEMPORAL_TASK_QUEUE: 'flood-no-worker',
    ALERTMANAGER_TOKEN: 'alertmanager-token-0123456789abcdef',
  });
  store = new SqliteEngineStore(':memory:');
  const sink = new Writable({
    write: (chunk, _enc, done) => {
      logLines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  app = buildApi({
    ...configuredApiOptions(config, content, {
      client: env.client,
      store,
      logger: createLogger('warn', sink),
      directory: new MemoryDirectory(content.directory),
      endpoints: new SimulatedFleet(content.fleet),
    }),
    now: () => clock,
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });

  // 3,000 deliveries signed with a secret that is not the configured one, 50 at a time.
  const forged = JSON.stringify(jiraIssueCreated({ key: 'FLOOD-1', reporter: JIRA.jdoe }));
  const headers = signedHeaders('jira', forged, 'someone-elses-secret-0123456789');
  floodAnswers = [];
  for (let i = 0; i < FLOOD; i += 50) {
    const batch = await Promise.all(Array.from({ length: 50 }, () => post('jira', forged, headers)));
    floodAnswers.push(...batch.map((r) => r.status));
  }
}, 240_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  await env?.teardown();
});

const post = (source: string, raw: string, headers: Record<string, string>) => fetch(`${url}/webhooks/${source}`, { method: 'POST', headers, body: raw });
const perDelivery = async (source: string) =>
  (await store.auditEntries({ kind: 'webhook.rejected' })).filter(({ entry }) => entry.actor === source && entry.subject.startsWith(`${source}:delivery:`));
const summaries = async (source: string) => (await store.auditEntries({ subject: `${source}:flood` })).map((e) => e.entry);
async function notKept(source: string, why: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`itse_webhook_refusals_not_kept_total{source="${source}",why="${why}"} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe('a flood of webhook deliveries with a forged signature', () => {
  it('answers every one 401, none 5xx', async () => {
    expect(floodAnswers).toHaveLength(FLOOD);
    expect(floodAnswers.filter((s) => s !== 401)).toEqual([]);
  });

  it('keeps only the per-minute bound of them whole, and counts the rest in the metric', async () => {
    expect((await store.deadLetters()).filter((d) => d.source === 'jira')).toHaveLength(KEPT_PER_MINUTE);
    expect(await perDelivery('jira')).toHaveLength(KEPT_PER_MINUTE);
    expect(await notKept('jira', 'rate')).toBe(FLOOD - KEPT_PER_MINUTE);
  });

  it('logs the start of the flood once, not once per request', async () => {
    const warnings = logLines.filter((l) => l.msg?.startsWith('webhook flood'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ source: 'jira', why: 'rate', keepPerMinute: KEPT_PER_MINUTE });
  });

  it('still works a correctly signed delivery, and keeps a signed delivery it cannot read', async () => {
    const good = JSON.stringify(jiraIssueCreated({ key: 'FLOOD-2', reporter: JIRA.jdoe }));
    expect((await post('jira', good, signedHeaders('jira', good))).status).toBe(202);
    const unreadable = JSON.stringify({ webhookEvent: 'jira:issue_created', issue: { key: 42 } });
    const res = await post('jira', unreadable, signedHeaders('jira', unreadable));
    expect(res.status).toBe(400);
    const { deadLetterId } = (await res.json()) as { deadLetterId: number | null };
    expect(deadLetterId).not.toBeNull();
    expect(await store.deadLetter(deadLetterId!)).toMatchObject({ source: 'jira', reason: 'invalid_payload' });
  });

  it('gives each help desk its own bound: a forged Zendesk delivery is still kept', async () => {
    const raw = JSON.stringify(zendeskTicket());
    const res = await post('zendesk', raw, signedHeaders('zendesk', raw, 'not-the-zendesk-secret-0123456', clock));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { deadLetterId: number | null }).deadLetterId).not.toBeNull();
    expect(await perDelivery('zendesk')).toHaveLength(1);
  });

  it('never stores a forged body over the size bound, even within the rate', async () => {
    clock = new Date(clock.getTime() + 1000);
    const before = (await store.deadLetters()).length;
    const big = JSON.stringify(zendeskTicket((b) => (b.ticket.description = 'x'.repeat(70_000))));
    const res = await post('zendesk', big, signedHeaders('zendesk', big, 'not-the-zendesk-secret-0123456', clock));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { deadLetterId: number | null }).deadLetterId).toBeNull();
    expect(await store.deadLetters()).toHaveLength(before);
    expect(await notKept('zendesk', 'size')).toBe(1);
  });

  it('bounds the audit rows of alert deliveries with a wrong token the same way', async () => {
    const raw = JSON.stringify({ version: '4', status: 'firing', alerts: [] });
    const answers = await Promise.all(
      Array.from({ length: KEPT_PER_MINUTE + 40 }, () =>
        post('alertmanager', raw, { 'content-type': 'application/json', authorization: 'Bearer not-the-alertmanager-token-000000' }),
      ),
    );
    expect(answers.map((r) => r.status).filter((s) => s !== 401)).toEqual([]);
    expect(await perDelivery('alertmanager')).toHaveLength(KEPT_PER_MINUTE);
    expect(await notKept('alertmanager', 'rate')).toBe(40);
  });

  it('summarises each source’s flood in one audit entry when its window ends, and keeps refusals again after it', async () => {
    expect(await summaries('jira')).toEqual([]);
    clock = new Date(clock.getTime() + 61_000);
    const forged = JSON.stringify(jiraIssueCreated({ key: 'FLOOD-3', reporter: JIRA.jdoe }));
    const res = await post('jira', forged, signedHeaders('jira', forged, 'someone-elses-secret-0123456789'));
    expect(((await res.json()) as { deadLetterId: number | null }).deadLetterId).not.toBeNull();
    const [summary, ...more] = await summaries('jira');
    expect(more).toEqual([]);
    expect(summary).toMatchObject({ kind: 'webhook.rejected', actor: 'jira', outcome: 'rejected', reason: 'flood_not_kept' });
    expect(summary!.details).toMatchObject({
      notKept: FLOOD - KEPT_PER_MINUTE,
      overRate: FLOOD - KEPT_PER_MINUTE,
      overSize: 0,
      from: '2026-12-07T09:00:00.000Z',
    });
    expect(await summaries('zendesk')).toHaveLength(1);
    expect((await summaries('zendesk'))[0]!.details).toMatchObject({ notKept: 1, overSize: 1 });
    expect(verifyChain(await store.auditRows())).toMatchObject({ ok: true });
  });
});

describe('dead-letter retention', () => {
  it('removes a help desk’s oldest dead letters past the bound as new ones come, and those past their age', async () => {
    const kept = new SqliteEngineStore(':memory:');
    const content = await demoContent();
    let at = new Date('2026-12-01T00:00:00Z');
    const options = {
      client: env.client,
      taskQueue: 'flood-no-worker',
      routing: content.routing,
      store: kept,
      secrets: { jira: SECRETS.jira },
      allowUnsigned: false,
      deadLetterRetention: { maxAgeMs: 86_400_000, maxPerSource: 3 },
      now: () => at,
    };
    const forged = (n: number) => {
      const raw = JSON.stringify(jiraIssueCreated({ key: `KEEP-${n}`, reporter: JIRA.jdoe }));
      return handleDelivery(options, 'jira', Buffer.from(raw), signedHeaders('jira', raw, 'someone-elses-secret-0123456789'));
    };
    const ids: Array<number | null> = [];
    for (const n of [1, 2, 3, 4, 5]) ids.push(((await forged(n)).body as { deadLetterId: number | null }).deadLetterId);
    expect((await kept.deadLetters()).map((d) => d.id)).toEqual(ids.slice(2));
    at = new Date(at.getTime() + 2 * 86_400_000);
    const last = ((await forged(6)).body as { deadLetterId: number | null }).deadLetterId;
    expect((await kept.deadLetters()).map((d) => d.id)).toEqual([last]);
    // The audit log keeps every refusal, whatever the dead-letter store removed.
    expect(await kept.auditEntries({ kind: 'webhook.rejected' })).toHaveLength(6);
    await kept.close();
  });
});
