import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { deliverJira } from '../faults/helpers.js';
import { token } from '../helpers/selfService.js';
import { JIRA } from '../helpers/tickets.js';
import { EXCHANGE_SKU } from '../fakes/graph.js';
import { SNIPEIT_TOKEN, startCluster, type Cluster } from './harness/cluster.js';
import { mailedPassword } from './harness/outside.js';
import { until } from './harness/processes.js';
import { activityExecutions, auditLog, resultOf, staff, workerIdentities } from './harness/runs.js';

// Two worker hosts and two API hosts, each with its own data folder, against the real Temporal
// server on PostgreSQL and one engine database (ENGINE_DATABASE_URL): what one host files, any other
// host reads, and nothing a run needs lives on the host that took it.
let c: Cluster;
const PEOPLE = 'ou=people,dc=example,dc=com';
const RESET = { key: 'HOST-1', workflowId: 'ticket-jira-HOST-1' };
// Ten in all: the Graph fake's tenant has 10 Exchange licenses (test/fakes/graph.ts), and an
// eleventh mailbox would fail for want of one (and be rolled back), as in Entra.
const HIRES = Array.from({ length: 9 }, (_, i) => `cl.hire${String(i + 1).padStart(2, '0')}`);
/** One more hire who gets a laptop from the Snipe-IT fake's stock (a user it knows: new.hire). */
const LAPTOP_HIRE = 'new.hire';
const ALL_HIRES = [...HIRES, LAPTOP_HIRE];
const onboardingId = (hire: string) => `onboarding-cluster-${hire}`;

beforeAll(async () => {
  c = await startCluster({ name: 'hosts', workers: 2, apis: 2, graphUsers: ALL_HIRES });
}, 420_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail' && c) console.error(`cluster logs after "${ctx.task.name}":\n${c.report(40)}`);
});

afterAll(async () => {
  await c?.stop();
});

describe('the harness', () => {
  it('runs the pinned Temporal server on PostgreSQL, with both workers polling and both APIs ready', async () => {
    const pinned = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).temporal.serverVersion as string;
    const info = await c.client.connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBe(pinned);
    const identities = c.workers.map((w) => w.identity);
    await until('both workers to poll the task queue', async () => {
      const q = await c.client.connection.workflowService.describeTaskQueue({
        namespace: c.temporal.namespace,
        taskQueue: { name: c.taskQueue },
        taskQueueType: 1, // workflow tasks
      });
      const polling = new Set((q.pollers ?? []).map((p) => p.identity));
      return identities.every((i) => polling.has(i));
    });
    for (const api of c.apis) expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
    expect(new Set(c.workers.map((w) => w.dataDir)).size).toBe(2);
    expect(await c.sql('select 1')).toBe('1');
  });
});

describe('two worker hosts and two API hosts on one engine database', () => {
  it('a ticket delivered to one API is readable, with its record, from the other', async () => {
    const [one, other] = c.apis as [(typeof c.apis)[0], (typeof c.apis)[0]];
    const body = await c.jira.ticket(RESET.key, { reporter: JIRA.jdoe });
    const delivered = await deliverJira(one.url, body, 'cluster-delivery-host-1');
    expect(await delivered.json()).toMatchObject({ status: 'started', workflowId: RESET.workflowId });
    const record = await resultOf(c.client, RESET.workflowId);
    expect(record).toMatchObject({ outcome: 'resolved', requester: { userId: 'jdoe' } });

    const mails = c.mail.to('jane.doe@example.com');
    expect(mails).toHaveLength(1);
    expect(await c.directory.canBind('jdoe', mailedPassword(mails[0]!)!)).toBe(true);
    for (const api of [other, one]) {
      const byTicket = await staff(api.url, 'GET', `/records/jira:${RESET.key}`);
      expect(byTicket.status, `${api.name}: ${JSON.stringify(byTicket.body)}`).toBe(200);
      expect(byTicket.body).toEqual([expect.objectContaining({ workflowId: RESET.workflowId })]);
      const byRun = await staff(api.url, 'GET', `/records/${RESET.workflowId}`);
      expect(byRun.status).toBe(200);
      const status = await staff(api.url, 'GET', `/workflows/${RESET.workflowId}`);
      expect(status.body).toMatchObject({ status: 'COMPLETED' });
    }
  });

  it(`${ALL_HIRES.length} onboarding runs started from the CLI all complete, spread over both workers`, async () => {
    // Four CLI processes at a time: a 2-core machine also runs the whole cluster.
    const queue = [...ALL_HIRES];
    const starts: Array<{ hire: string; code: number; out: string }> = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let hire = queue.shift(); hire; hire = queue.shift()) {
          const n = hire.slice(-2);
          const r = await c.cli([
            'definitions',
            'start',
            'onboarding',
            '--requester',
            'kim.admin',
            '--workflow-id',
            onboardingId(hire),
            '--input',
            `employeeId=${hire}`,
            '--input',
            `displayName=Cluster Hire ${n}`,
            '--input',
            `role=${Number(n) % 2 === 0 ? 'sales' : 'engineer'}`,
            ...(hire === LAPTOP_HIRE ? ['--input', 'laptop=true', '--input', 'laptopModel=standard-14'] : ['--input', 'laptop=false']),
          ]);
          starts.push({ hire, ...r });
        }
      }),
    );
    for (const s of starts) expect(s.code, `${s.hire}: ${s.out}`).toBe(0);

    const records = await Promise.all(ALL_HIRES.map((hire) => resultOf(c.client, onboardingId(hire))));
    for (const [i, record] of records.entries()) {
      expect(record, ALL_HIRES[i]).toMatchObject({ outcome: 'resolved', definition: { id: 'onboarding' } });
    }
    // Each account made once, its mailbox in the mail system (Graph: the Exchange license), welcomed once.
    const graph = (await (await fetch(`${c.graphUrl}/_fake/state`)).json()) as {
      users: Array<{ userPrincipalName: string; assignedLicenses: Array<{ skuId: string }> }>;
    };
    for (const hire of ALL_HIRES) {
      expect(await c.directory.entry(`uid=${hire},${PEOPLE}`, ['uid']), hire).not.toBeNull();
      const user = graph.users.find((u) => u.userPrincipalName === `${hire}@example.com`);
      expect(
        user?.assignedLicenses.filter((l) => l.skuId === EXCHANGE_SKU),
        `${hire}'s mailbox`,
      ).toHaveLength(1);
      expect(
        c.mail.to(`${hire}@example.com`).filter((m) => m.subject === 'Welcome aboard'),
        hire,
      ).toHaveLength(1);
    }
    // One laptop from the asset tool's stock, checked out to the laptop hire (Snipe-IT user 10).
    const snipe = (await (await fetch(`${c.snipeItUrl}/_fake/state`, { headers: { authorization: `Bearer ${SNIPEIT_TOKEN}` } })).json()) as {
      assets: Array<{ asset_tag: string; assignedUser: number | null }>;
    };
    expect(snipe.assets.filter((a) => a.assignedUser === 10)).toHaveLength(1);

    // Both workers took part: each ran workflow tasks or activities of some run.
    const took = new Set<string>();
    for (const hire of ALL_HIRES) for (const identity of await workerIdentities(c.client, onboardingId(hire))) took.add(identity);
    for (const w of c.workers) expect([...took], `${w.name} (${w.identity}) ran nothing`).toContain(w.identity);
    expect([...took].every((i) => c.workerByIdentity(i))).toBe(true);
  });

  it('the audit log is one chain that verifies from either API and holds every action of every run', async () => {
    const [one, other] = c.apis as [(typeof c.apis)[0], (typeof c.apis)[0]];
    const verified = await Promise.all(c.apis.map((api) => staff(api.url, 'GET', '/audit/verify')));
    for (const v of verified) expect(v.body).toMatchObject({ ok: true });
    expect(verified[0]!.body).toEqual(verified[1]!.body);

    const entries = await auditLog(other.url);
    expect(entries.length).toBe(verified[0]!.body.entries);
    expect((await auditLog(one.url)).map((e) => e.hash)).toEqual(entries.map((e) => e.hash));
    for (const workflowId of [RESET.workflowId, ...ALL_HIRES.map(onboardingId)]) {
      const closed = (await activityExecutions(c.client, workflowId)).filter((a) => a.closed === 'completed' || a.closed === 'failed');
      const actions = entries.filter((e) => e.entry.kind === 'action' && e.entry.details?.workflowId === workflowId);
      expect(actions.map((a) => a.entry.details!.activityId).sort(), `${workflowId}: one action entry per activity execution`).toEqual(
        closed.map((a) => a.activityId).sort(),
      );
      for (const a of closed) {
        const entry = actions.find((e) => e.entry.details!.activityId === a.activityId)!;
        expect(entry.entry.details).toMatchObject({ action: a.type, attempts: a.attempt });
      }
    }
  });

  it('the vault is empty once every run has filed its record', async () => {
    expect(await c.sql('select count(*) from sensitive_values')).toBe('0');
    // And what it held never reached a document: the sensitive display names are not in the records.
    for (const api of c.apis) {
      const r = await staff(api.url, 'GET', `/records/${onboardingId(HIRES[0]!)}`);
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.body)).not.toContain('Cluster Hire 01');
    }
  });

  it('the per-day self-service limit holds across both API hosts', async () => {
    // unlock-account allows 5 starts per user and day (content/selfservice.yaml). Rounds of
    // requests at both APIs at once: a request is refused while another of the user's runs is
    // running (409), a run that ends at once leaves room for the next in the same round, and
    // whatever the interleaving, 5 starts are accepted in all and past them every request is 429.
    const limit = 5;
    const bearer = `Bearer ${await token('lee.locked')}`;
    const accepted: string[] = [];
    const statuses: number[] = [];
    for (let round = 0; round < 9; round++) {
      const answers = await Promise.all(
        c.apis.flatMap((api) =>
          Array.from({ length: 3 }, () =>
            fetch(`${api.url}/self-service/requests`, {
              method: 'POST',
              headers: { authorization: bearer, 'content-type': 'application/json' },
              body: JSON.stringify({ automation: 'unlock-account', inputs: {} }),
            }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> })),
          ),
        ),
      );
      statuses.push(...answers.map((a) => a.status));
      const started = answers.filter((a) => a.status === 202);
      for (const a of answers) expect([202, 409, 429], `round ${round}: ${JSON.stringify(a)}`).toContain(a.status);
      for (const s of started) {
        accepted.push(s.body.requestId);
        await resultOf(c.client, s.body.requestId).catch(() => undefined);
      }
      if (answers.every((a) => a.status === 429)) break;
    }
    expect(accepted, JSON.stringify(statuses)).toHaveLength(limit);
    expect(statuses.at(-1)).toBe(429);
  });

  it('a dead letter written by reconciliation on a worker is listed, replayed and discarded from the APIs', async () => {
    const [one, other] = c.apis as [(typeof c.apis)[0], (typeof c.apis)[0]];
    // A ticket of the project reconciliation reads (content/helpdesks.yaml: project = ITSM) that the
    // engine cannot read (no summary): reconciliation keeps it as a dead letter.
    await c.jira.seed({ key: 'ITSM-9901', deleteFields: ['summary'] });
    const reports = (await c.client.workflow.execute('reconcileTickets', {
      taskQueue: c.taskQueue,
      workflowId: 'cluster-reconcile-once',
      args: [{ sources: ['jira'], overlapMs: 0, firstLookbackMs: 3_600_000 }],
    })) as Array<{ source: string; invalid: number }>;
    expect(
      reports.find((r) => r.source === 'jira'),
      JSON.stringify(reports),
    ).toMatchObject({ invalid: 1 });

    const listed = await Promise.all(c.apis.map((api) => staff(api.url, 'GET', '/dead-letters?status=open')));
    const letters = listed.map((l) => (l.body as Array<{ id: number; reason: string }>).filter((d) => d.reason === 'reconciliation_invalid'));
    expect(letters[0]).toHaveLength(1);
    expect(letters[1]).toEqual(letters[0]);
    const id = letters[0]![0]!.id;

    // Replayed through the other API: the letter is found there and judged again on its body (still
    // no summary), not answered "no dead letter".
    // Reconciliation read it from the help desk's API: it carries no webhook signature to check.
    const replay = await staff(other.url, 'POST', `/dead-letters/${id}/replay`);
    expect(replay.body, 'the replay of a reconciliation dead letter is judged on its body').toMatchObject({ error: 'invalid_payload' });
    expect(replay.status).toBe(400);
    expect(JSON.stringify(replay.body.issues)).toContain('summary');
    const replayAudit = (await auditLog(one.url)).filter((e) => e.entry.kind === 'webhook.rejected' && e.entry.details?.deadLetterId === id);
    expect(replayAudit).toEqual([expect.objectContaining({ entry: expect.objectContaining({ details: expect.objectContaining({ replay: true }) }) })]);

    expect((await staff(one.url, 'POST', `/dead-letters/${id}/discard`)).status).toBe(200);
    expect((await staff(other.url, 'GET', `/dead-letters/${id}`)).body).toMatchObject({ id, status: 'discarded' });
    expect((await staff(other.url, 'GET', '/audit/verify')).body).toMatchObject({ ok: true });
  });
});
