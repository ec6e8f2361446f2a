import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStore } from '../../src/activities/records/port.js';
import { startDefinitionRun } from '../../src/client/definitions.js';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { loadContent } from '../../src/stack/content.js';
import type { ResolutionRecord } from '../../src/domain/records/resolution.js';
import { jwtEnv, token } from '../helpers/selfService.js';
import { JIRA } from '../helpers/tickets.js';
import { FakeJira } from '../integration/fakes/jira.js';
import {
  actionEntries,
  answerSession,
  ChatSink,
  deliverJira,
  engineEnv,
  entriesPerActivity,
  jiraEnv,
  jiraTicket,
  JIRA_CREDS,
  LdapWire,
  openStore,
  publicComments,
  SmtpSink,
  staffCall,
  startApi,
  startDirectory,
  startTemporal,
  startWorker,
  stopEngines,
  tempDir,
  until,
  workNotes,
  type Directory,
  type EngineProcess,
  type Temporal,
} from './helpers.js';

// Fault: the worker process is killed with SIGKILL while four kinds of workflow are in the middle
// of their work, and a new worker process is started. Every workflow completes, and every side
// effect happened once, counted where it lands, outside the worker: the Jira fake (comments,
// status changes), slapd (the changes that crossed the wire to it), the SMTP server, the chat
// webhook, and the audit log in DATA_DIR/engine.db.
//   (a) a password-reset ticket, killed while Jira takes its time over the ticket comment;
//   (b) a troubleshooting session waiting for the service desk's answer (answered after the restart);
//   (c) a self-service unlock, killed while the unlock is on its way to the directory;
//   (d) an onboarding definition run, killed after its first step (account created) and before the
//       second (groups) changed anything.
const dataDir = tempDir('itse-faults-kill-');
const taskQueue = `faults-kill-${randomUUID()}`;
const jira = new FakeJira(JIRA_CREDS);
const smtp = new SmtpSink();
const chat = new ChatSink();
const PEOPLE = 'ou=people,dc=example,dc=com';
let temporal: Temporal;
let directory: Directory;
let wire: LdapWire;
let api: EngineProcess & { url: string };
let firstWorker: EngineProcess;
let client: Client;
let store: EngineStore;

const RESET = { key: 'KILL-1', workflowId: 'ticket-jira-KILL-1' };
const SESSION = { key: 'KILL-2', workflowId: 'ticket-jira-KILL-2' };
let reset: ReturnType<typeof jiraTicket>;
let session: ReturnType<typeof jiraTicket>;
let unlockId: string;
let onboardingId: string;

const isLeeUnlock = (r: { op: string; dn: string | null }) => r.op === 'modify' && (r.dn ?? '').startsWith(`uid=lee.locked,${PEOPLE}`);
const mentionsFay = (r: { raw: Buffer }) => r.raw.includes('fay.new');

beforeAll(async () => {
  [temporal, directory] = await Promise.all([startTemporal(dataDir), startDirectory(), jira.start(), smtp.start(), chat.start()]);
  wire = new LdapWire(directory.port);
  await wire.start();
  const base = engineEnv({ temporal: temporal.address, dataDir, taskQueue });
  // The worker reaches slapd through the wire; held requests must not time out before the kill.
  const workerEnv = { ...base, ...jiraEnv(jira), ...directory.env(wire.url), LDAP_TIMEOUT_MS: '20000', SMTP_URL: smtp.url, CHAT_IT_ONBOARDING_URL: chat.url };
  [api, firstWorker] = await Promise.all([startApi({ ...base, ...directory.env(), ...jwtEnv }), startWorker(workerEnv, 'first worker')]);
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  store = openStore(dataDir);

  // (b) a "no network" ticket opens a session, which asks the service desk its first question.
  session = jiraTicket(jira, SESSION.key, {
    reporter: JIRA.jdoe,
    summary: 'No network on my laptop since this morning',
    fields: { description: 'Teams and Outlook say offline.' },
  });
  expect(await (await deliverJira(api.url, session.body, 'kill-delivery-2')).json()).toMatchObject({ status: 'started', workflowType: 'troubleshootSession' });
  await until('the session to ask its first question', async () => {
    const shown = await staffCall(api.url, 'GET', `/troubleshooting/${SESSION.workflowId}`);
    return shown.status === 200 && shown.body.running && shown.body.view.status === 'waiting' && shown.body.view.node === 'scope';
  });

  // (c) lee.locked, locked out, unlocks their account; the unlock (an LDAP modify) is held on the wire.
  expect(await lockedSince('lee.locked')).toEqual(['20240101000000Z']);
  wire.holdWhen(isLeeUnlock);
  const unlock = await fetch(`${api.url}/self-service/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token('lee.locked')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ automation: 'unlock-account', inputs: {} }),
  });
  expect(unlock.status).toBe(202);
  unlockId = (await unlock.json()).requestId;
  await until('the unlock to reach the wire', () => wire.held.some(isLeeUnlock));

  // (d) kim.admin onboards fay.new: the account is created; the first request of the next step
  // (its permission check looking fay.new up) is held.
  wire.holdWhen((r, w) => mentionsFay(r) && w.forwarded.some((f) => f.op === 'add' && f.dn === `uid=fay.new,${PEOPLE}` && f.connection !== r.connection));
  const content = await loadContent(join(PROJECT_ROOT, 'content'));
  const onboarding = await startDefinitionRun({
    client,
    taskQueue,
    content,
    definition: 'onboarding',
    inputs: { employeeId: 'fay.new', displayName: 'Fay Newcomer', role: 'sales', laptop: false },
    requester: { by: 'id', id: 'kim.admin' },
    vault: store,
  });
  onboardingId = onboarding.workflowId;
  await until('the onboarding to finish its first step', () => wire.held.some(mentionsFay));

  // (a) jdoe's password-reset ticket: Jira holds the answer to the ticket comment for 8 s.
  reset = jiraTicket(jira, RESET.key, { reporter: JIRA.jdoe });
  jira.failNext(1, { hang: 8000 }, { method: 'POST', path: `/rest/api/3/issue/${RESET.key}/comment` });
  expect(await (await deliverJira(api.url, reset.body, 'kill-delivery-1')).json()).toMatchObject({ status: 'started', workflowType: 'passwordReset' });
  await until('the ticket comment to reach Jira', () => jira.requestsTo('POST', `/rest/api/3/issue/${RESET.key}/comment`).length === 1);

  // Everything is in flight: kill the worker, drop what it left on the wire, start a new one.
  expect(jira.issue(RESET.key).comments).toHaveLength(0);
  expect(wire.changes((r) => r.op === 'add')).toEqual([expect.objectContaining({ dn: `uid=fay.new,${PEOPLE}` })]);
  expect(wire.changes((r) => (r.dn ?? '').startsWith('cn=') && mentionsFay(r))).toHaveLength(0);
  await firstWorker.kill('SIGKILL');
  wire.dropHeld();
  await startWorker(workerEnv, 'second worker');
}, 240_000);

afterAll(async () => {
  await stopEngines();
  await client?.connection.close();
  await store?.close();
  await Promise.all([temporal?.stop(), directory?.close(), wire?.stop(), jira.stop(), smtp.stop(), chat.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

/** The account's lockout time(s) as slapd has them: none once it is unlocked. */
const lockedSince = async (uid: string) =>
  [(await directory.entry(`uid=${uid},${PEOPLE}`, ['pwdAccountLockedTime']))?.pwdAccountLockedTime ?? []].flat().map(String);
const result = (workflowId: string) => client.workflow.getHandle(workflowId).result() as Promise<ResolutionRecord>;

describe('the worker killed with SIGKILL mid-workflow, then a new worker', () => {
  it('the first worker really died by SIGKILL, with work of all four kinds in flight', () => {
    expect(firstWorker.child.signalCode).toBe('SIGKILL');
    expect(firstWorker.lines().some((l) => l.msg === 'worker stopped')).toBe(false);
  });

  it('(a) the password reset completes: one reset, one mail, one comment, resolved once', async () => {
    const record = await result(RESET.workflowId);
    expect(record).toMatchObject({ outcome: 'resolved', requester: { userId: 'jdoe' } });
    // The directory saw one password change, and the one mail carries the password that works.
    expect(wire.changes((r) => r.op === 'extended' && r.raw.includes(`uid=jdoe,${PEOPLE}`))).toHaveLength(1);
    const mails = smtp.to('jane.doe@example.com');
    expect(mails).toHaveLength(1);
    const password = /temporary password is:\n\n {4}(\S+)\n/.exec(mails[0]!.text)?.[1];
    expect(password).toBeDefined();
    expect(await directory.canBind('jdoe', password!)).toBe(true);
    // Jira applied the comment the killed worker never heard back about; the retry found it and
    // posted nothing: the only other comment request is the work note.
    expect(jira.requestsTo('POST', `/rest/api/3/issue/${RESET.key}/comment`)).toHaveLength(2);
    expect(publicComments(jira, RESET.key, 'The password of jdoe has been reset')).toHaveLength(1);
    expect(workNotes(jira, RESET.key)).toHaveLength(1);
    expect(reset.statusChanges).toEqual(['Resolved']);
    const entries = await actionEntries(store, RESET.workflowId);
    expect(entriesPerActivity(entries).every((n) => n === 1)).toBe(true);
    expect(entries.filter((e) => e.action === 'resetPasswordAndNotify')).toEqual([expect.objectContaining({ attempts: 1, outcome: 'succeeded' })]);
    expect(entries.filter((e) => e.action === 'commentOnTicket')).toEqual([expect.objectContaining({ attempts: 2, outcome: 'succeeded' })]);
  });

  it('(b) the waiting session takes its answers after the restart, diagnoses, fixes and resolves the ticket once', async () => {
    const answer = async (node: string, choice: string) => expect((await answerSession(api.url, SESSION.workflowId, node, choice)).status).toBe(200);
    await answer('scope', 'only-this-user');
    await answer('renew-dhcp', 'confirm');
    await answer('dhcp-works', 'works');
    const record = await result(SESSION.workflowId);
    expect(record).toMatchObject({ outcome: 'resolved', troubleshooting: { tree: 'network-connectivity', kb: 'KB-NET-0030' } });
    expect(record.troubleshooting!.path.map((p) => p.node)).toEqual(expect.arrayContaining(['scope', 'renew-dhcp', 'dhcp-works']));
    expect(publicComments(jira, SESSION.key, 'KB-NET-0030')).toHaveLength(1);
    expect(workNotes(jira, SESSION.key)).toHaveLength(1);
    expect(session.statusChanges).toEqual(['Resolved']);
    const entries = await actionEntries(store, SESSION.workflowId);
    expect(entriesPerActivity(entries).every((n) => n === 1)).toBe(true);
    expect(entries.filter((e) => e.action === 'runRemediation')).toHaveLength(1);
    expect(entries.filter((e) => e.action === 'resolveTicket')).toHaveLength(1);
  });

  it('(c) the self-service unlock completes: the directory got exactly one unlock', async () => {
    const record = await result(unlockId);
    expect(record).toMatchObject({ outcome: 'resolved', summary: 'The account lee.locked is unlocked; you can sign in again.' });
    // The held request of the killed worker never reached slapd; the retry's did, once.
    expect(wire.held.filter(isLeeUnlock)).toHaveLength(1);
    expect(wire.changes(isLeeUnlock)).toHaveLength(1);
    expect(await lockedSince('lee.locked')).toEqual([]);
    const entries = await actionEntries(store, unlockId);
    expect(entriesPerActivity(entries).every((n) => n === 1)).toBe(true);
    expect(entries.filter((e) => e.action === 'unlockAccount')).toEqual([expect.objectContaining({ attempts: 2, outcome: 'succeeded' })]);
  });

  it('(d) the onboarding run carries on from its second step: one account, each group once, one welcome', async () => {
    const record = await result(onboardingId);
    expect(record).toMatchObject({ outcome: 'resolved', definition: { id: 'onboarding' } });
    expect(record.summary).toMatch(/all 9 step\(s\) done/);
    expect(wire.changes((r) => r.op === 'add')).toEqual([expect.objectContaining({ dn: `uid=fay.new,${PEOPLE}` })]);
    for (const group of ['staff', 'sales']) {
      expect(wire.changes((r) => r.op === 'modify' && r.dn === `cn=${group},ou=groups,dc=example,dc=com` && mentionsFay(r))).toHaveLength(1);
      expect((await directory.entry(`cn=${group},ou=groups,dc=example,dc=com`, ['member']))?.member).toContain(`uid=fay.new,${PEOPLE}`);
    }
    expect(smtp.to('fay.new@example.com')).toEqual([expect.objectContaining({ subject: 'Welcome aboard' })]);
    expect(chat.posts).toHaveLength(1);
    expect(JSON.stringify(chat.posts[0])).toContain('Onboarded fay.new as sales');
    const entries = await actionEntries(store, onboardingId);
    expect(entriesPerActivity(entries).every((n) => n === 1)).toBe(true);
    expect(entries.filter((e) => e.action === 'createAccount')).toEqual([expect.objectContaining({ attempts: 1, outcome: 'succeeded' })]);
    expect(entries.filter((e) => e.action === 'addToGroups')).toEqual([expect.objectContaining({ attempts: 1, outcome: 'succeeded' })]);
    // The second step's permission check was the activity in flight: retried once, logged once.
    expect(entries.filter((e) => e.action === 'checkPermission').map((e) => e.attempts)).toEqual([1, 2, 1]);
  });
});
