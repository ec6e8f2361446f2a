import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStore } from '../../src/activities/records/port.js';
import type { ResolutionRecord } from '../../src/domain/records/resolution.js';
import { JIRA } from '../helpers/tickets.js';
import { FakeJira } from '../integration/fakes/jira.js';
import {
  actionEntries,
  answerSession,
  deliverJira,
  engineEnv,
  entriesPerActivity,
  jiraEnv,
  jiraTicket,
  JIRA_CREDS,
  openStore,
  processRuns,
  publicComments,
  sleep,
  SmtpSink,
  staffCall,
  startApi,
  startTemporal,
  startWorker,
  stopEngines,
  tempDir,
  temporalProcesses,
  until,
  workNotes,
  type EngineProcess,
  type KilledTemporal,
  type Temporal,
} from './helpers.js';

// Fault: the Temporal dev server the stack runs (`temporal server start-dev --db-filename` under
// DATA_DIR) is killed with SIGKILL, no shutdown of any kind, while tickets are in the middle of
// their work, and started again on the same database file and port as soon as a delivery has
// been refused meanwhile (temporal-restart stops it with SIGTERM instead, and waits out every
// held answer first). The worker and API processes stay up. At the kill:
//   - three password resets, each stopped at another step: jdoe's ticket comment held by Jira,
//     asmith's password mail held by the SMTP server (the password is set, the mail not yet
//     taken), sam.helper's resolve held by Jira; each answer comes after the kill, the mail's
//     during the outage, Jira's about when the server is back;
//   - four tickets no automation matches, delivered (202) just before the kill, wherever they got to;
//   - a troubleshooting session waiting for the service desk's answer (answered after the restart).
// A delivery during the outage is answered 503 and taken on the help desk's retry. Every run
// completes exactly once, every side effect lands once where it lands (the Jira fake, the SMTP
// server), every record is filed and every activity logged once.
const dataDir = tempDir('itse-faults-temporal-kill-');
const taskQueue = `faults-temporal-kill-${randomUUID()}`;
const jira = new FakeJira(JIRA_CREDS);
const smtp = new SmtpSink();
let temporal: Temporal;
let api: EngineProcess & { url: string };
let worker: EngineProcess;
let client: Client;
let store: EngineStore;

/** How long Jira keeps each held answer back (from its arrival): below the adapter's 10 s timeout. */
const HOLD_MS = 8000;
/**
 * How long the SMTP server keeps the held mail's answer back: below the worker's SMTP timeout
 * (SMTP_TIMEOUT, 8 s). Held longer, the sender gives up on a mail the server then takes, and the
 * retry sends a second password: SMTP cannot tell a repeat, whatever Temporal does.
 */
const MAIL_HOLD_MS = 6000;
const RESETS = [
  { key: 'TKL-1', reporter: JIRA.jdoe, user: 'jdoe', mail: 'jane.doe@example.com', held: 'ticket comment at Jira' },
  { key: 'TKL-2', reporter: JIRA.asmith, user: 'asmith', mail: 'alex.smith@example.com', held: 'password mail at the SMTP server' },
  { key: 'TKL-3', reporter: JIRA.samHelper, user: 'sam.helper', mail: 'sam.helper@example.com', held: 'resolve at Jira' },
];
const HAND_OFFS = [
  { key: 'TKL-4', summary: 'Chair in room 4.12 is broken', description: 'One of the wheels came off.' },
  { key: 'TKL-5', summary: 'Need a second monitor for my desk', description: 'A 27 inch one would be ideal.' },
  { key: 'TKL-6', summary: 'Parking badge stopped working', description: 'The barrier does not open.' },
  { key: 'TKL-7', summary: 'Desk lamp does not turn on', description: 'New bulb, same result.' },
];
const SESSION = { key: 'TKL-8', workflowId: 'ticket-jira-TKL-8' };
const LATE = { key: 'TKL-9', summary: 'Whiteboard markers are all dry', description: 'Meeting room 2 has none left.' };
const HANDED_OFFS = [...HAND_OFFS, LATE];
const wf = (key: string) => `ticket-jira-${key}`;

const tickets = new Map<string, ReturnType<typeof jiraTicket>>();
let killed: KilledTemporal;
let inFlightAtKill: string[];
let portAnsweredDuringOutage: boolean;
let outageAnswer: { status: number; body: any };
let retryAnswers: number[];
let restartedPids: number[];
const figures: Record<string, number | string> = {};

/** Whether something accepts TCP connections on `address` (host:port). */
function accepts(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = connect(Number(port), host!);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs whose resolution record is not filed yet. */
async function unfiled(keys: string[]): Promise<string[]> {
  const filed = await Promise.all(keys.map(async (key) => (await store.documents(`jira:${key}`)).length > 0));
  return keys.filter((_, i) => !filed[i]);
}

beforeAll(async () => {
  [temporal] = await Promise.all([startTemporal(dataDir), jira.start(), smtp.start()]);
  const base = engineEnv({ temporal: temporal.address, dataDir, taskQueue });
  // The demo directory (content/directory.yaml) and fleet; tickets in Jira, mail over SMTP.
  [api, worker] = await Promise.all([startApi(base), startWorker({ ...base, ...jiraEnv(jira), SMTP_URL: smtp.url })]);
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  store = openStore(dataDir);

  // A "no network" ticket opens a session, which waits for the service desk's first answer.
  const session = jiraTicket(jira, SESSION.key, {
    reporter: JIRA.jdoe,
    summary: 'No network on my laptop since this morning',
    fields: { description: 'Teams and Outlook say offline.' },
  });
  tickets.set(SESSION.key, session);
  expect(await (await deliverJira(api.url, session.body, 'kill-session')).json()).toMatchObject({ status: 'started', workflowType: 'troubleshootSession' });
  await until('the session to ask its first question', async () => {
    const shown = await staffCall(api.url, 'GET', `/troubleshooting/${SESSION.workflowId}`);
    return shown.status === 200 && shown.body.running && shown.body.view.status === 'waiting' && shown.body.view.node === 'scope';
  });

  // Three resets, each held at another step.
  jira.failNext(1, { hang: HOLD_MS }, { method: 'POST', path: '/rest/api/3/issue/TKL-1/comment' });
  smtp.holdNext('alex.smith@example.com', MAIL_HOLD_MS);
  jira.failNext(1, { hang: HOLD_MS }, { method: 'POST', path: '/rest/api/3/issue/TKL-3/transitions' });
  for (const r of RESETS) {
    const ticket = jiraTicket(jira, r.key, { reporter: r.reporter });
    tickets.set(r.key, ticket);
    expect(await (await deliverJira(api.url, ticket.body, `kill-${r.key}`)).json()).toMatchObject({ status: 'started', workflowType: 'passwordReset' });
  }
  await until(
    'every reset to be held at its step',
    () =>
      jira.requestsTo('POST', '/rest/api/3/issue/TKL-1/comment').length === 1 &&
      smtp.held.some((to) => to.includes('alex.smith@example.com')) &&
      jira.requestsTo('POST', '/rest/api/3/issue/TKL-3/transitions').length === 1,
  );
  const stagedAt = Date.now();

  // A burst of tickets no automation matches, killed wherever they got to.
  for (const h of HAND_OFFS) {
    const ticket = jiraTicket(jira, h.key, { reporter: JIRA.asmith, summary: h.summary, fields: { description: h.description } });
    tickets.set(h.key, ticket);
    expect((await deliverJira(api.url, ticket.body, `kill-${h.key}`)).status).toBe(202);
  }

  // Nothing held has been answered yet.
  expect(jira.issue('TKL-1').comments).toHaveLength(0);
  expect(smtp.to('alex.smith@example.com')).toHaveLength(0);
  expect(tickets.get('TKL-3')!.statusChanges).toEqual([]);
  inFlightAtKill = await unfiled([SESSION.key, ...RESETS.map((r) => r.key), ...HAND_OFFS.map((h) => h.key)]);
  const killedAt = Date.now();
  figures.heldToKillMs = killedAt - stagedAt;
  killed = await temporal.kill();
  figures.killToGoneMs = Date.now() - killedAt;
  portAnsweredDuringOutage = await accepts(temporal.address);

  // While Temporal is gone: a new ticket is refused with 503, so that Jira delivers it again.
  const late = jiraTicket(jira, LATE.key, { reporter: JIRA.samHelper, summary: LATE.summary, fields: { description: LATE.description } });
  tickets.set(LATE.key, late);
  const refused = await deliverJira(api.url, late.body, 'kill-late');
  outageAnswer = { status: refused.status, body: await refused.json() };

  // Started again at once, on the same port and database file: the held answers come after it.
  const restartAt = Date.now();
  await temporal.start();
  figures.restartMs = Date.now() - restartAt;
  figures.outageMs = Date.now() - killedAt;
  restartedPids = temporalProcesses(temporal.dbFile).map((p) => p.pid);

  // Jira retries a 5xx delivery; the API's connection may still be in its reconnect back-off.
  retryAnswers = [];
  for (let retry = 1; retry <= 5 && retryAnswers.at(-1) !== 202; retry++) {
    if (retry > 1) await sleep(2000);
    retryAnswers.push((await deliverJira(api.url, late.body, 'kill-late', { 'x-atlassian-webhook-retry': String(retry) })).status);
  }

  // Recovered: every run that needs nobody has filed its record.
  await until(
    'every run but the session to file its record',
    async () => (await unfiled([...RESETS.map((r) => r.key), ...HANDED_OFFS.map((h) => h.key)])).length === 0,
    150_000,
    async () => `unfiled: ${(await unfiled([...RESETS.map((r) => r.key), ...HANDED_OFFS.map((h) => h.key)])).join(', ')}`,
  );
  figures.restartToAllFiledMs = Date.now() - restartAt;
  await jira.settled();
}, 240_000);

afterAll(async () => {
  await stopEngines();
  await client?.connection.close();
  await store?.close();
  // Killed rather than stopped: that also ends a server a wrapper started (a SIGTERM reaches only the wrapper).
  await Promise.all([temporal?.kill().catch(() => undefined), jira.stop(), smtp.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

const result = (workflowId: string) => client.workflow.getHandle(workflowId).result() as Promise<ResolutionRecord>;

describe('the Temporal dev server killed with SIGKILL mid-run, then started again on the same database file', () => {
  it('SIGKILL reached the server process itself, with every run in flight; the port went dead until the restart', () => {
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.server.argv).toEqual(expect.arrayContaining(['server', 'start-dev', '--db-filename', temporal.dbFile]));
    if (killed.server.exe) expect(killed.server.exe).toMatch(/temporal[^/]*$/);
    expect(killed.processes.every((p) => !processRuns(p.pid))).toBe(true);
    expect(portAnsweredDuringOutage).toBe(false);
    expect(restartedPids).toHaveLength(killed.processes.length);
    expect(restartedPids).not.toContain(killed.server.pid);
    // The session, the three held resets and the burst: none had finished.
    expect(inFlightAtKill).toHaveLength(1 + RESETS.length + HAND_OFFS.length);
    expect(worker.exited()).toBe(false);
    expect(api.exited()).toBe(false);
    console.log(
      `temporal-kill figures: ${JSON.stringify({ inFlightAtKill: inFlightAtKill.length, killed: killed.processes.map((p) => ({ pid: p.pid, exe: p.exe })), processGroups: killed.groups, ...figures })}`,
    );
  });

  it('answered the delivery that came while Temporal was dead with 503, and took it on a retry', () => {
    expect(outageAnswer).toMatchObject({ status: 503, body: { error: 'unavailable' } });
    expect(retryAnswers.at(-1)).toBe(202);
    expect(retryAnswers.slice(0, -1).every((s) => s === 503)).toBe(true);
  });

  it('every run completed exactly once: one execution per ticket, none started twice', async () => {
    for (const key of [SESSION.key, ...RESETS.map((r) => r.key), ...HANDED_OFFS.map((h) => h.key)]) {
      const runs: string[] = [];
      await until(
        `the visibility of ${key} to be complete`,
        async () => {
          runs.length = 0;
          for await (const execution of client.workflow.list({ query: `WorkflowId = '${wf(key)}'` })) runs.push(execution.status.name);
          return key === SESSION.key ? runs.length === 1 : runs.length === 1 && runs[0] === 'COMPLETED';
        },
        30_000,
        () => `${key}: ${runs.join(', ')}`,
      );
    }
  });

  it('each reset: one password mail, one comment, one work note, resolved once', async () => {
    for (const r of RESETS) {
      expect(await result(wf(r.key))).toMatchObject({ outcome: 'resolved', requester: { userId: r.user } });
      const mails = smtp.to(r.mail).filter((m) => m.subject === 'Your temporary password');
      expect({ to: r.mail, mails: mails.length }).toEqual({ to: r.mail, mails: 1 });
      expect(mails[0]!.text).toMatch(/temporary password is:\n\n {4}\S+\n/);
      expect(publicComments(jira, r.key, `The password of ${r.user} has been reset`)).toHaveLength(1);
      expect(workNotes(jira, r.key)).toHaveLength(1);
      expect(jira.issue(r.key).comments).toHaveLength(2);
      expect(tickets.get(r.key)!.statusChanges).toEqual(['Resolved']);
    }
    // The held requests reached Jira once each; a retry looked for the change instead of posting again.
    expect(jira.requestsTo('POST', '/rest/api/3/issue/TKL-3/transitions')).toHaveLength(1);
    console.log(`temporal-kill mails: ${JSON.stringify(smtp.mails.map((m) => ({ to: m.to, subject: m.subject })))}`);
    expect(smtp.mails.filter((m) => m.subject === 'Your temporary password')).toHaveLength(RESETS.length);
  });

  it('each ticket of the burst and the late one: handed to the service desk once, one comment, one work note', async () => {
    for (const h of HANDED_OFFS) {
      expect(await result(wf(h.key))).toMatchObject({ workflow: { type: 'ticketHandOff' }, outcome: 'escalated' });
      expect(publicComments(jira, h.key, 'A member of the service desk will pick it up shortly')).toHaveLength(1);
      expect(workNotes(jira, h.key)).toHaveLength(1);
      expect(jira.issue(h.key).comments).toHaveLength(2);
      expect(tickets.get(h.key)!.statusChanges).toEqual([]);
    }
  });

  it('files every record and keeps every audit entry, each activity logged once', async () => {
    const held = { 'TKL-1': 'commentOnTicket', 'TKL-2': 'resetPasswordAndNotify', 'TKL-3': 'resolveTicket' } as Record<string, string>;
    const heldAttempts = await Promise.all(
      RESETS.map(async (r) => ({ [r.key]: (await actionEntries(store, wf(r.key))).find((e) => e.action === held[r.key])?.attempts })),
    );
    console.log(`temporal-kill attempts of the held steps: ${JSON.stringify(heldAttempts)}`);
    for (const r of RESETS) {
      const entries = await actionEntries(store, wf(r.key));
      expect(entriesPerActivity(entries).every((n) => n === 1)).toBe(true);
      expect(entries.filter((e) => e.outcome === 'succeeded').map((e) => e.action)).toEqual([
        'checkPermission',
        'resetPasswordAndNotify',
        'commentOnTicket',
        'resolveTicket',
        'fileResolution',
      ]);
      expect(entries.every((e) => e.outcome === 'succeeded')).toBe(true);
      expect(await store.auditEntries({ kind: 'permission.decision', subject: wf(r.key) })).toHaveLength(1);
    }
    for (const h of HANDED_OFFS) {
      const entries = await actionEntries(store, wf(h.key));
      expect(entries.length).toBeGreaterThan(0);
      expect(entriesPerActivity(entries).every((n) => n === 1)).toBe(true);
      expect(entries.every((e) => e.outcome === 'succeeded')).toBe(true);
    }
    for (const key of [...RESETS.map((r) => r.key), ...HANDED_OFFS.map((h) => h.key)]) {
      expect(await store.documents(`jira:${key}`)).toEqual([expect.objectContaining({ workflowId: wf(key) })]);
    }
    const accepted = (await store.auditEntries({ kind: 'webhook.accepted' })).map((e) => e.entry.subject);
    expect(accepted.sort()).toEqual([SESSION.key, ...RESETS.map((r) => r.key), ...HANDED_OFFS.map((h) => h.key)].map((k) => `jira:${k}`).sort());
  });

  it('the session that waited through the kill takes its answers after the restart and resolves the ticket once', async () => {
    const answer = async (node: string, choice: string) => expect((await answerSession(api.url, SESSION.workflowId, node, choice)).status).toBe(200);
    await answer('scope', 'only-this-user');
    await answer('renew-dhcp', 'confirm');
    await answer('dhcp-works', 'works');
    const record = await result(SESSION.workflowId);
    expect(record).toMatchObject({ outcome: 'resolved', troubleshooting: { tree: 'network-connectivity', kb: 'KB-NET-0030' } });
    expect(publicComments(jira, SESSION.key, 'KB-NET-0030')).toHaveLength(1);
    expect(workNotes(jira, SESSION.key)).toHaveLength(1);
    expect(tickets.get(SESSION.key)!.statusChanges).toEqual(['Resolved']);
    const entries = await actionEntries(store, SESSION.workflowId);
    expect(entriesPerActivity(entries).every((n) => n === 1)).toBe(true);
    expect(entries.filter((e) => e.action === 'runRemediation')).toHaveLength(1);
    expect(entries.filter((e) => e.action === 'resolveTicket')).toHaveLength(1);
    expect(await store.documents(`jira:${SESSION.key}`)).toEqual([expect.objectContaining({ workflowId: SESSION.workflowId, outcome: 'resolved' })]);
  });
});
