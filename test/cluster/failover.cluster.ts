import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliverJira } from '../faults/helpers.js';
import { JIRA } from '../helpers/tickets.js';
import { startCluster, type Cluster } from './harness/cluster.js';
import type { EngineHost } from './harness/engine.js';
import { mailedPassword, publicComments, workNotes } from './harness/outside.js';
import { until } from './harness/processes.js';
import { activityExecutions, auditLog, resultOf } from './harness/runs.js';

// Three worker hosts and an API host. A worker host is cut off from the Temporal cluster, and
// another is killed, while each holds a run half-way: the work moves to a host that has no
// memory of it, and still every side effect happens once, counted where it lands (the SMTP sink,
// slapd, the Jira fake) and in the one audit log.
let c: Cluster;
const LOST = { key: 'FAIL-1', workflowId: 'ticket-jira-FAIL-1', mail: 'jane.doe@example.com' };
const KILLED = { key: 'FAIL-2', workflowId: 'ticket-jira-FAIL-2', mail: 'alex.smith@example.com' };

beforeAll(async () => {
  c = await startCluster({ name: 'failover', workers: 3, apis: 1 });
}, 420_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail' && c) console.error(`cluster logs after "${ctx.task.name}":\n${c.report(40)}`);
});

afterAll(async () => {
  await c?.stop();
});

const actionsOf = async (workflowId: string, action: string) =>
  (await auditLog(c.apis[0]!.url)).filter((e) => e.entry.kind === 'action' && e.entry.details?.workflowId === workflowId && e.entry.details?.action === action);

describe('a run whose worker host is lost half-way completes on another host, with each effect once', () => {
  let cutOff: EngineHost;

  it('a password reset whose completion never reached Temporal is retried on another host, which sends no second mail', async () => {
    // The SMTP sink holds its answer to the reset mail; while the sending worker waits for it, the
    // network between that worker and Temporal freezes. The mail went, the worker finishes the
    // activity, and its completion is lost: Temporal retries it (start-to-close timeout) elsewhere.
    c.mail.holdFirst({ [LOST.mail]: 5000 });
    const body = await c.jira.ticket(LOST.key, { reporter: JIRA.jdoe });
    expect(await (await deliverJira(c.apis[0]!.url, body, 'cluster-delivery-fail-1')).json()).toMatchObject({ status: 'started' });
    await until('the reset mail to reach the SMTP sink', () => c.mail.to(LOST.mail).length === 1);
    const mail = c.mail.to(LOST.mail)[0]!;
    cutOff = c.workerBySmtpPort(mail.port)!;
    expect(cutOff).toBeDefined();
    c.proxies[c.workers.indexOf(cutOff)]!.freeze();
    expect(mail.held).toBe(5000);

    const record = await resultOf(c.client, LOST.workflowId);
    expect(record).toMatchObject({ outcome: 'resolved', requester: { userId: 'jdoe' } });
    // One mail, and its password is the one that works: the retry neither mailed nor set another.
    expect(c.mail.to(LOST.mail)).toHaveLength(1);
    expect(await c.directory.canBind('jdoe', mailedPassword(mail)!)).toBe(true);
    expect(cutOff.exited()).toBe(false);

    const reset = (await activityExecutions(c.client, LOST.workflowId)).filter((a) => a.type === 'resetPasswordAndNotify');
    expect(reset).toHaveLength(1);
    expect(reset[0]).toMatchObject({ closed: 'completed' });
    expect(reset[0]!.attempt).toBeGreaterThanOrEqual(2);
    expect(reset[0]!.closedBy).not.toBe(cutOff.identity);
    expect(c.workerByIdentity(reset[0]!.closedBy!)).toBeDefined();
    // One action entry. The cut-off host still reached the engine database (only its way to
    // Temporal froze): it wrote the entry of the attempt that did the work, and the retry's append
    // of the same action (same workflow, run and activity id) changed nothing.
    const entries = await actionsOf(LOST.workflowId, 'resetPasswordAndNotify');
    expect(entries).toEqual([expect.objectContaining({ entry: expect.objectContaining({ outcome: 'succeeded' }) })]);
    expect(entries[0]!.entry.details!.attempts).toBeLessThanOrEqual(reset[0]!.attempt);
  });

  it('a worker killed with SIGKILL in the middle of a run: the run completes on another host', async () => {
    // Jira takes 8 s over the ticket comment; while the comment is in flight, the worker running it is killed.
    const commentPath = `/rest/api/3/issue/${KILLED.key}/comment`;
    await c.jira.failNext(1, { hang: 8000 }, { method: 'POST', path: commentPath });
    const body = await c.jira.ticket(KILLED.key, { reporter: JIRA.asmith });
    expect(await (await deliverJira(c.apis[0]!.url, body, 'cluster-delivery-fail-2')).json()).toMatchObject({ status: 'started' });
    await until('the ticket comment to reach Jira', async () => (await c.jira.requestsTo('POST', commentPath)).length === 1);
    let victim: EngineHost | undefined;
    await until('the worker running the comment to be known', async () => {
      const d = await c.client.workflow.getHandle(KILLED.workflowId).describe();
      const pending = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'commentOnTicket');
      victim = pending?.lastWorkerIdentity ? c.workerByIdentity(pending.lastWorkerIdentity) : undefined;
      return victim !== undefined;
    });
    expect(victim).not.toBe(cutOff);
    await victim!.kill('SIGKILL');
    expect(victim!.child.signalCode).toBe('SIGKILL');

    const record = await resultOf(c.client, KILLED.workflowId);
    expect(record).toMatchObject({ outcome: 'resolved', requester: { userId: 'asmith' } });
    const issue = await c.jira.issue(KILLED.key);
    // Jira applied the comment the killed worker never heard back about; the retry found it.
    expect(publicComments(issue, 'The password of asmith has been reset')).toHaveLength(1);
    expect(workNotes(issue)).toHaveLength(1);
    expect(issue.statusChanges).toEqual(['Resolved']);
    expect(c.mail.to(KILLED.mail)).toHaveLength(1);
    expect(await c.directory.canBind('asmith', mailedPassword(c.mail.to(KILLED.mail)[0]!)!)).toBe(true);

    // The first comment is the requester's: the one that hung while its worker was killed.
    const comment = (await activityExecutions(c.client, KILLED.workflowId)).filter((a) => a.type === 'commentOnTicket');
    expect(comment.length).toBeGreaterThanOrEqual(1);
    expect(comment.every((a) => a.closed === 'completed')).toBe(true);
    expect(comment[0]!.attempt).toBeGreaterThanOrEqual(2);
    const survivor = c.workerByIdentity(comment[0]!.closedBy!);
    expect(survivor).toBeDefined();
    expect([victim, cutOff]).not.toContain(survivor);
    expect((await actionsOf(KILLED.workflowId, 'commentOnTicket')).map((e) => e.entry.details!.activityId).sort()).toEqual(
      comment.map((a) => a.activityId).sort(),
    );
    expect(
      (await (await fetch(`${c.apis[0]!.url}/audit/verify`, { headers: { authorization: `Bearer ${c.env.ADMIN_API_TOKEN}` } })).json()) as unknown,
    ).toMatchObject({
      ok: true,
    });
  });
});
