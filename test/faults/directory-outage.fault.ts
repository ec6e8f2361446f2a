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
import { JIRA } from '../helpers/tickets.js';
import { FakeJira } from '../integration/fakes/jira.js';
import {
  actionEntries,
  decisions,
  deliverJira,
  engineEnv,
  jiraEnv,
  jiraTicket,
  JIRA_CREDS,
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
  type Directory,
  type EngineProcess,
  type Temporal,
} from './helpers.js';

// Fault: the directory (a real slapd) is stopped while workflows are running, and started again on
// its data. While it is down every permission check denies with rule directory_unavailable and
// nothing changes anywhere (directory, mail, tickets, devices). Each workflow then does what its
// directory-outage policy says: within giveUpAfter it rechecks and carries on once slapd is back
// (DIRECTORY_RECHECK_EVERY=1s, DIRECTORY_GIVE_UP_AFTER=2m, passed by the API to the runs it
// starts); a run whose policy gives up sooner is handed to people with nothing changed.
const dataDir = tempDir('itse-faults-directory-');
const taskQueue = `faults-directory-${randomUUID()}`;
const jira = new FakeJira(JIRA_CREDS);
const smtp = new SmtpSink();
const PEOPLE = 'ou=people,dc=example,dc=com';
const INSTALL = { key: 'OUT-1', workflowId: 'ticket-jira-OUT-1' };
const RESET = { key: 'OUT-2', workflowId: 'ticket-jira-OUT-2' };
let temporal: Temporal;
let directory: Directory;
let api: EngineProcess & { url: string };
let client: Client;
let store: EngineStore;
let install: ReturnType<typeof jiraTicket>;
let reset: ReturnType<typeof jiraTicket>;
let onboardingId: string;
let slapdDown = false;
/** What had happened when slapd came back. */
const atRestart = {
  installActions: [] as string[],
  installComments: 0,
  resetMails: 0,
  resetComments: 0,
  installStatus: [] as string[],
  resetStatus: [] as string[],
  onboarding: null as ResolutionRecord | null,
};

const unavailable = async (workflowId: string) =>
  (await decisions(store, workflowId)).filter((d) => d.outcome === 'denied' && d.rule === 'directory_unavailable').length;

beforeAll(async () => {
  [temporal, directory] = await Promise.all([startTemporal(dataDir), startDirectory(), jira.start(), smtp.start()]);
  const base = {
    ...engineEnv({ temporal: temporal.address, dataDir, taskQueue }),
    ...directory.env(),
    LDAP_TIMEOUT_MS: '500',
    PERMISSION_BUDGET: '1s',
    DIRECTORY_RECHECK_EVERY: '1s',
    DIRECTORY_GIVE_UP_AFTER: '2m',
  };
  [api] = await Promise.all([startApi(base), startWorker({ ...base, ...jiraEnv(jira), SMTP_URL: smtp.url })]);
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  store = openStore(dataDir);

  // Mid-run: jdoe's Acrobat request has been checked and waits for the manager's approval.
  install = jiraTicket(jira, INSTALL.key, {
    reporter: JIRA.jdoe,
    summary: 'Please install Adobe Acrobat Pro',
    fields: { description: 'I need to edit PDFs.', customfield_10070: { value: 'acrobat-pro', id: '1' } },
  });
  expect(await (await deliverJira(api.url, install.body, 'outage-1')).json()).toMatchObject({ status: 'started', workflowType: 'softwareInstall' });
  await until(
    'the install to wait for the approval',
    async () => (await staffCall(api.url, 'GET', `/workflows/${INSTALL.workflowId}`)).body.progress?.waitingFor?.kind === 'approval',
  );

  await directory.stop();
  slapdDown = true;
  // The manager approves while the directory is down (a named approver needs no directory).
  expect(await staffCall(api.url, 'POST', `/workflows/${INSTALL.workflowId}/approval`, { approver: 'asmith', approve: true })).toMatchObject({
    status: 200,
    body: { accepted: true },
  });
  // A password-reset ticket arrives.
  reset = jiraTicket(jira, RESET.key, { reporter: JIRA.asmith });
  expect(await (await deliverJira(api.url, reset.body, 'outage-2')).json()).toMatchObject({ status: 'started', workflowType: 'passwordReset' });
  // Staff start an onboarding whose policy gives up after 3 s.
  const onboarding = await startDefinitionRun({
    client,
    taskQueue,
    content: await loadContent(join(PROJECT_ROOT, 'content')),
    definition: 'onboarding',
    inputs: { employeeId: 'gus.new', displayName: 'Gus Newcomer', role: 'sales', laptop: false },
    requester: { by: 'id', id: 'kim.admin' },
    vault: store,
    directoryOutage: { recheckEveryMs: 1000, giveUpAfterMs: 3000 },
  });
  onboardingId = onboarding.workflowId;

  // The install and the reset keep rechecking; the onboarding gives up.
  atRestart.onboarding = (await client.workflow.getHandle(onboardingId).result()) as ResolutionRecord;
  await until(
    'the install and the reset to be denied and recheck',
    async () => (await unavailable(INSTALL.workflowId)) >= 2 && (await unavailable(RESET.workflowId)) >= 2,
  );
  Object.assign(atRestart, {
    installActions: (await actionEntries(store, INSTALL.workflowId)).map((e) => e.action),
    installComments: jira.issue(INSTALL.key).comments.length,
    installStatus: [...install.statusChanges],
    resetMails: smtp.to('alex.smith@example.com').length,
    resetComments: jira.issue(RESET.key).comments.length,
    resetStatus: [...reset.statusChanges],
  });
  await directory.start();
  slapdDown = false;
}, 240_000);

afterAll(async () => {
  await stopEngines();
  await client?.connection.close();
  await store?.close();
  await Promise.all([temporal?.stop(), directory?.close(), jira.stop(), smtp.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the directory (slapd) stopped mid-run, then started again', () => {
  it('while it was down, permission checks denied with directory_unavailable and nothing changed', async () => {
    expect(slapdDown).toBe(false);
    for (const id of [INSTALL.workflowId, RESET.workflowId]) expect(await unavailable(id)).toBeGreaterThanOrEqual(2);
    // Only the request for approval (before the stop) was on the install ticket; nothing installed, nothing resolved.
    expect(atRestart.installComments).toBe(1);
    expect(atRestart.installActions).not.toContain('installSoftware');
    expect(atRestart.installStatus).toEqual([]);
    expect(atRestart).toMatchObject({ resetMails: 0, resetComments: 0, resetStatus: [] });
    expect((await decisions(store, onboardingId)).every((d) => d.outcome === 'denied' && d.rule === 'directory_unavailable')).toBe(true);
  });

  it('the approved install carries on once the directory is back: installed and resolved once', async () => {
    const record = (await client.workflow.getHandle(INSTALL.workflowId).result()) as ResolutionRecord;
    expect(record).toMatchObject({ outcome: 'resolved', approvals: [{ approver: 'asmith', decision: 'approved' }] });
    // Allowed before the wait, denied while slapd was down, allowed again when it was back.
    const rules = record.decisions.map((d) => `${d.allowed ? 'allowed' : 'denied'} ${d.rule}`);
    expect(rules[0]).toMatch(/^allowed /);
    expect(rules.slice(1, -1).every((r) => r === 'denied directory_unavailable')).toBe(true);
    expect(rules.length).toBeGreaterThanOrEqual(4);
    expect(rules.at(-1)).toMatch(/^allowed /);
    expect((await actionEntries(store, INSTALL.workflowId)).filter((e) => e.action === 'installSoftware')).toEqual([
      expect.objectContaining({ outcome: 'succeeded' }),
    ]);
    expect(publicComments(jira, INSTALL.key, 'has been installed on LT-0042')).toHaveLength(1);
    expect(install.statusChanges).toEqual(['Resolved']);
  });

  it('the password reset that arrived during the outage goes on: reset once, mailed once, resolved once', async () => {
    const record = (await client.workflow.getHandle(RESET.workflowId).result()) as ResolutionRecord;
    expect(record).toMatchObject({ outcome: 'resolved', requester: { userId: 'asmith' } });
    expect(record.decisions.at(-1)).toMatchObject({ allowed: true, rule: 'own-account' });
    expect(record.decisions.slice(0, -1).every((d) => d.rule === 'directory_unavailable' && !d.allowed)).toBe(true);
    const mails = smtp.to('alex.smith@example.com');
    expect(mails).toHaveLength(1);
    const password = /temporary password is:\n\n {4}(\S+)\n/.exec(mails[0]!.text)?.[1];
    expect(await directory.canBind('asmith', password!)).toBe(true);
    expect(publicComments(jira, RESET.key, 'The password of asmith has been reset')).toHaveLength(1);
    expect(reset.statusChanges).toEqual(['Resolved']);
  });

  it('the onboarding whose policy gave up was handed to people, and nothing of it exists', async () => {
    expect(atRestart.onboarding).toMatchObject({ outcome: 'escalated', definition: { id: 'onboarding' } });
    expect(atRestart.onboarding!.summary).toMatch(/not allowed \(directory_unavailable\)/);
    expect(atRestart.onboarding!.decisions.length).toBeGreaterThanOrEqual(2);
    expect(await directory.entry(`uid=gus.new,${PEOPLE}`)).toBeNull();
    expect(smtp.to('gus.new@example.com')).toHaveLength(0);
    expect((await actionEntries(store, onboardingId)).map((e) => e.action)).not.toContain('createAccount');
  });
});
