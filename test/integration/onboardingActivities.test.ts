import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { buildActivities } from '../../src/app/adapters.js';
import { DirectoryRefusedError, DirectoryUnavailableError } from '../../src/activities/directory/port.js';
import { createActivities } from '../../src/activities/support.js';
import { createOnboardingActivities } from '../../src/activities/onboarding.js';
import { testGrant } from '../helpers/grants.js';
import { demoAdapters, demoContent } from '../helpers/temporal.js';

async function setup() {
  const adapters = await demoAdapters();
  const content = await demoContent();
  const support = createActivities({ ...adapters, policy: content.policy, catalog: content.software, redaction: content.redaction });
  return { ...adapters, directory: adapters.demoDirectory, acts: createOnboardingActivities(adapters), support };
}
type Setup = Awaited<ReturnType<typeof setup>>;

/** One activity execution; the same env run twice is a retry (same workflow, run and activity id). */
const env = (activityId = 'a1', workflowId = 'test') => {
  const mock = new MockActivityEnvironment({ activityId, workflowExecution: { workflowId, runId: 'run-1' } } as never);
  // MockActivityEnvironment.run does not infer results: keep the activity's own types.
  return { run: <A, R>(fn: (input: A) => Promise<R>, input: A): Promise<R> => mock.run(fn, input) as Promise<R> };
};

const NEW = 'new.hire';
const grants = {
  account: () => testGrant('account.create', NEW),
  groups: () => testGrant('group.add', NEW),
  mailbox: () => testGrant('mailbox.create', NEW),
  asset: () => testGrant('asset.assign', NEW),
  install: (deviceId: string, softwareId = 'vscode') => testGrant('software.install', NEW, { softwareId, deviceId }),
};

/** What onboarding changes, to compare before and after a rollback. */
async function snapshot(s: Setup) {
  return {
    accounts: s.directory.userIds(),
    newHire: await s.directory.findUser({ by: 'id', id: NEW }),
    mailboxes: s.mailboxes.all(),
    stock: await s.assets.stock(),
    devices: s.endpoints.all(),
  };
}

async function onboard(s: Setup) {
  await env('1').run(s.acts.createAccount, {
    userId: NEW,
    displayName: 'New Hire',
    department: 'Finance',
    title: 'Analyst',
    manager: 'asmith',
    grant: grants.account(),
  });
  const groups = await env('2').run(s.acts.addToGroups, { userId: NEW, groups: ['staff', 'managers'], grant: grants.groups() });
  await env('3').run(s.acts.createMailbox, { userId: NEW, grant: grants.mailbox() });
  const laptop = await env('4').run(s.acts.assignAsset, { userId: NEW, model: 'standard-14', grant: grants.asset() });
  await env('5').run(s.support.installSoftware, {
    deviceId: laptop.deviceId,
    software: { id: 'vscode', version: '1.95.3' },
    targetId: NEW,
    grant: grants.install(laptop.deviceId),
  });
  return { groups, laptop };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('onboarding and its undo, with real grants', () => {
  it('onboards a new employee, then the undo steps in reverse order put everything back as it was', async () => {
    const s = await setup();
    const before = await snapshot(s);
    const { groups, laptop } = await onboard(s);

    expect(await s.directory.findUser({ by: 'id', id: NEW })).toMatchObject({
      email: 'new.hire@example.com',
      enabled: true,
      manager: 'asmith',
      department: 'Finance',
      groups: ['staff', 'managers'],
    });
    expect(groups).toEqual({ added: ['staff', 'managers'] });
    expect(await s.mailboxes.mailbox(NEW)).toMatchObject({ userId: NEW, quotaGb: 50 });
    expect(laptop).toEqual({ assetId: 'AST-LT-0201', deviceId: 'LT-0201' });
    expect(await s.endpoints.device('LT-0201')).toMatchObject({
      owner: NEW,
      installed: [
        { id: 'office-365', version: '2408' },
        { id: 'vscode', version: '1.95.3' },
      ],
    });

    expect(
      await env('6').run(s.acts.uninstallSoftware, { deviceId: laptop.deviceId, softwareId: 'vscode', targetId: NEW, grant: grants.install(laptop.deviceId) }),
    ).toEqual({ wasInstalled: true });
    expect(await env('7').run(s.acts.unassignAsset, { assetId: laptop.assetId, userId: NEW, grant: grants.asset() })).toEqual({ unassigned: true });
    expect(await env('8').run(s.acts.deleteMailbox, { userId: NEW, grant: grants.mailbox() })).toEqual({ deleted: true });
    expect(await env('9').run(s.acts.removeFromGroups, { userId: NEW, groups: groups.added, grant: grants.groups() })).toEqual({
      removed: ['staff', 'managers'],
    });
    expect(await env('10').run(s.acts.deleteAccount, { userId: NEW, grant: grants.account() })).toEqual({ deleted: true });

    expect(await snapshot(s)).toEqual(before);
    expect(s.mailboxes.effects).toEqual({ createMailbox: 1, deleteMailbox: 1 });
    expect(s.assets.effects).toEqual({ assign: 1, unassign: 1 });
  });

  it('retries repeat no effect, and a retried create still reports that this workflow created it', async () => {
    const s = await setup();
    const create = env('1');
    const input = { userId: NEW, displayName: 'New Hire', grant: grants.account() };
    expect(await create.run(s.acts.createAccount, input)).toEqual({ created: true });
    expect(await create.run(s.acts.createAccount, input)).toEqual({ created: true });
    const groups = env('2');
    expect(await groups.run(s.acts.addToGroups, { userId: NEW, groups: ['staff'], grant: grants.groups() })).toEqual({ added: ['staff'] });
    expect(await groups.run(s.acts.addToGroups, { userId: NEW, groups: ['staff'], grant: grants.groups() })).toEqual({ added: [] });
    const mailbox = env('3');
    s.mailboxes.failNext('createMailbox', { afterEffect: true });
    const lost = await failure(mailbox.run(s.acts.createMailbox, { userId: NEW, quotaGb: 25, grant: grants.mailbox() }));
    expect(lost).not.toBeInstanceOf(ApplicationFailure); // retryable
    expect(await mailbox.run(s.acts.createMailbox, { userId: NEW, quotaGb: 25, grant: grants.mailbox() })).toEqual({ created: true });
    const asset = env('4');
    const first = await asset.run(s.acts.assignAsset, { userId: NEW, model: 'developer-16', grant: grants.asset() });
    expect(await asset.run(s.acts.assignAsset, { userId: NEW, model: 'developer-16', grant: grants.asset() })).toEqual(first);

    expect(s.directory.userIds().filter((id) => id === NEW)).toHaveLength(1);
    expect(s.mailboxes.effects.createMailbox).toBe(1);
    expect(s.assets.effects.assign).toBe(1);
    expect((await s.assets.stock()).map((i) => i.deviceId)).toEqual(['LT-0201', 'LT-0202', 'LT-0204']);

    // Undo steps are idempotent too.
    const undo = env('5');
    expect(await undo.run(s.acts.unassignAsset, { assetId: first.assetId, userId: NEW, grant: grants.asset() })).toEqual({ unassigned: true });
    expect(await undo.run(s.acts.unassignAsset, { assetId: first.assetId, userId: NEW, grant: grants.asset() })).toEqual({ unassigned: false });
    expect(await undo.run(s.acts.deleteMailbox, { userId: NEW, grant: grants.mailbox() })).toEqual({ deleted: true });
    expect(await undo.run(s.acts.deleteMailbox, { userId: NEW, grant: grants.mailbox() })).toEqual({ deleted: false });
    expect(await undo.run(s.acts.deleteAccount, { userId: NEW, grant: grants.account() })).toEqual({ deleted: true });
    expect(await undo.run(s.acts.deleteAccount, { userId: NEW, grant: grants.account() })).toEqual({ deleted: false });
    expect(await undo.run(s.acts.removeFromGroups, { userId: NEW, groups: ['staff'], grant: grants.groups() })).toEqual({ removed: [] });
  });

  it('never undoes what existed before the workflow: an existing account and mailbox stay', async () => {
    const s = await setup();
    s.mailboxes.failNext('createMailbox', { error: new Error('unused') });
    await s.mailboxes.createMailbox('jdoe', { quotaGb: 100 }).catch(() => undefined);
    await s.mailboxes.createMailbox('jdoe', { quotaGb: 100 });
    const jdoe = (g: string, params = {}) => testGrant(g, 'jdoe', params);
    expect(await env('1').run(s.acts.createAccount, { userId: 'jdoe', displayName: 'Someone Else', grant: jdoe('account.create') })).toEqual({
      created: false,
    });
    expect(await env('2').run(s.acts.createMailbox, { userId: 'jdoe', grant: jdoe('mailbox.create') })).toEqual({ created: false });
    expect(await env('3').run(s.acts.deleteMailbox, { userId: 'jdoe', grant: jdoe('mailbox.create') })).toEqual({ deleted: false });
    expect(await env('4').run(s.acts.deleteAccount, { userId: 'jdoe', grant: jdoe('account.create') })).toEqual({ deleted: false });
    expect(await s.directory.findUser({ by: 'id', id: 'jdoe' })).toMatchObject({ displayName: 'Jane Doe' });
    expect(await s.mailboxes.mailbox('jdoe')).toEqual({ userId: 'jdoe', quotaGb: 100 });
    // Another onboarding workflow cannot undo this one's account either.
    await env('5').run(s.acts.createAccount, { userId: NEW, displayName: 'New Hire', grant: grants.account() });
    const other = testGrant('account.create', NEW, {}, { workflowId: 'onboarding-other' });
    expect(await env('6', 'onboarding-other').run(s.acts.deleteAccount, { userId: NEW, grant: other })).toEqual({ deleted: false });
    expect(s.directory.userIds()).toContain(NEW);
  });
});

describe('grants guard every change', () => {
  const calls = (s: Setup) => ({ ...s.directory.calls, ...s.mailboxes.calls, ...s.assets.calls, uninstalls: s.endpoints.uninstalls.length });
  const cases: Array<[string, (s: Setup, grant: unknown) => Promise<unknown>, string]> = [
    ['createAccount', (s, grant) => env().run(s.acts.createAccount, { userId: NEW, displayName: 'N H', grant } as never), 'account.create'],
    ['deleteAccount', (s, grant) => env().run(s.acts.deleteAccount, { userId: 'jdoe', grant } as never), 'account.create'],
    ['addToGroups', (s, grant) => env().run(s.acts.addToGroups, { userId: 'jdoe', groups: ['managers'], grant } as never), 'group.add'],
    ['removeFromGroups', (s, grant) => env().run(s.acts.removeFromGroups, { userId: 'jdoe', groups: ['staff'], grant } as never), 'group.add'],
    ['createMailbox', (s, grant) => env().run(s.acts.createMailbox, { userId: 'jdoe', grant } as never), 'mailbox.create'],
    ['deleteMailbox', (s, grant) => env().run(s.acts.deleteMailbox, { userId: 'jdoe', grant } as never), 'mailbox.create'],
    ['assignAsset', (s, grant) => env().run(s.acts.assignAsset, { userId: 'jdoe', model: 'standard-14', grant } as never), 'asset.assign'],
    ['unassignAsset', (s, grant) => env().run(s.acts.unassignAsset, { assetId: 'AST-LT-0042', userId: 'jdoe', grant } as never), 'asset.assign'],
    [
      'uninstallSoftware',
      (s, grant) => env().run(s.acts.uninstallSoftware, { deviceId: 'LT-0042', softwareId: 'office-365', targetId: 'jdoe', grant } as never),
      'software.install',
    ],
  ];
  const target = (name: string) => (name === 'createAccount' ? NEW : 'jdoe');

  it.each(cases)('%s refuses missing, forged, other-action, other-target and other-workflow grants, changes nothing and audits', async (name, call, action) => {
    const s = await setup();
    const before = await snapshot(s);
    const params = name === 'uninstallSoftware' ? { softwareId: 'office-365', deviceId: 'LT-0042' } : {};
    const bad = [
      [null, 'missing'],
      [testGrant(action, target(name), params, {}, 'attacker-key-that-is-long-enough-000000'), 'forged'],
      [testGrant(action === 'group.add' ? 'account.create' : 'group.add', target(name), params), 'wrong action'],
      [testGrant(action, 'asmith', params), 'wrong target'],
      [testGrant(action, target(name), params, { workflowId: 'ticket-jira-X-1' }), 'wrong workflow'],
    ] as const;
    for (const [grant, reason] of bad) {
      const error = await failure(call(s, grant));
      expect(error).toMatchObject({ type: 'GrantRejected', nonRetryable: true, message: `refused ${action} on ${target(name)}: permission grant ${reason}` });
    }
    expect(await snapshot(s)).toEqual(before);
    expect(Object.values(calls(s)).every((n) => n === 0)).toBe(true);
    expect((await s.store.auditEntries({ kind: 'security' })).length).toBeGreaterThan(0);
  });

  it('uninstallSoftware is bound to the software and device of the install grant', async () => {
    const s = await setup();
    const grant = testGrant('software.install', 'jdoe', { softwareId: 'vscode', deviceId: 'LT-0042' });
    expect(await failure(env().run(s.acts.uninstallSoftware, { deviceId: 'LT-0042', softwareId: 'office-365', targetId: 'jdoe', grant }))).toMatchObject({
      type: 'GrantRejected',
      message: expect.stringContaining('wrong params'),
    });
    expect((await s.endpoints.device('LT-0042'))?.installed).toEqual([{ id: 'office-365', version: '2408' }]);
  });
});

describe('clear, final failures when the target changed', () => {
  it('names the account, group, manager, stock or device that is wrong', async () => {
    const s = await setup();
    const ghost = testGrant('group.add', 'ghost');
    expect(await failure(env().run(s.acts.addToGroups, { userId: 'ghost', groups: ['staff'], grant: ghost }))).toMatchObject({
      type: 'TargetGone',
      nonRetryable: true,
      message: 'account ghost does not exist',
    });
    expect(await failure(env().run(s.acts.addToGroups, { userId: 'jdoe', groups: ['staff', 'wizards'], grant: testGrant('group.add', 'jdoe') }))).toMatchObject(
      {
        type: 'UnknownGroup',
        nonRetryable: true,
        message: 'unknown group "wizards"',
      },
    );
    expect((await s.directory.findUser({ by: 'id', id: 'jdoe' }))?.groups).toEqual(['staff']);
    expect(await failure(env().run(s.acts.createAccount, { userId: NEW, displayName: 'N H', manager: 'nobody', grant: grants.account() }))).toMatchObject({
      type: 'UnknownManager',
      message: expect.stringContaining('"nobody"'),
    });
    expect(await failure(env().run(s.acts.createMailbox, { userId: NEW, grant: grants.mailbox() }))).toMatchObject({ type: 'TargetGone' });
    expect(await failure(env().run(s.acts.assignAsset, { userId: NEW, model: 'standard-14', grant: grants.asset() }))).toMatchObject({ type: 'TargetGone' });
    expect(await failure(env().run(s.acts.assignAsset, { userId: 'jdoe', model: 'workstation-99', grant: testGrant('asset.assign', 'jdoe') }))).toMatchObject({
      type: 'OutOfStock',
      nonRetryable: true,
      message: 'no unassigned laptop of model "workstation-99" in stock (models in stock: developer-16, standard-14)',
    });
    expect(
      await failure(env().run(s.acts.unassignAsset, { assetId: 'AST-LT-0042', userId: 'asmith', grant: testGrant('asset.assign', 'asmith') })),
    ).toMatchObject({
      type: 'DeviceReassigned',
      message: 'asset AST-LT-0042 is not assigned to asmith; it was not taken back',
    });
    expect(await failure(env().run(s.acts.unassignAsset, { assetId: 'AST-NOPE', userId: 'asmith', grant: testGrant('asset.assign', 'asmith') }))).toMatchObject(
      { type: 'AssetGone' },
    );
    expect((await s.endpoints.device('LT-0042'))?.owner).toBe('jdoe');
  });

  it('uninstall stops when the device went to someone else or is gone', async () => {
    const s = await setup();
    s.endpoints.reassign('LT-0042', 'asmith');
    const grant = testGrant('software.install', 'jdoe', { softwareId: 'office-365', deviceId: 'LT-0042' });
    expect(await failure(env().run(s.acts.uninstallSoftware, { deviceId: 'LT-0042', softwareId: 'office-365', targetId: 'jdoe', grant }))).toMatchObject({
      type: 'DeviceReassigned',
      nonRetryable: true,
      message: 'device LT-0042 does not belong to jdoe',
    });
    const gone = testGrant('software.install', 'jdoe', { softwareId: 'x', deviceId: 'LT-9999' });
    expect(await failure(env().run(s.acts.uninstallSoftware, { deviceId: 'LT-9999', softwareId: 'x', targetId: 'jdoe', grant: gone }))).toMatchObject({
      type: 'DeviceGone',
    });
    expect(s.endpoints.uninstalls).toEqual([]);
  });

  it('an unreachable directory or mail system is retryable; invalid input is final and names the field', async () => {
    const s = await setup();
    s.directory.failNext('createAccount', new DirectoryUnavailableError('LDAP account creation: could not reach ldap://dc1'));
    const outage = await failure(env().run(s.acts.createAccount, { userId: NEW, displayName: 'N H', grant: grants.account() }));
    expect(outage).toBeInstanceOf(DirectoryUnavailableError);
    s.directory.failNext('addToGroups', new DirectoryRefusedError('insufficient access', 50));
    await env('x').run(s.acts.createAccount, { userId: NEW, displayName: 'N H', grant: grants.account() });
    expect(await failure(env().run(s.acts.addToGroups, { userId: NEW, groups: ['staff'], grant: grants.groups() }))).toMatchObject({
      type: 'DirectoryRefused',
      nonRetryable: true,
    });
    s.assets.failNext('assign');
    expect(await failure(env().run(s.acts.assignAsset, { userId: NEW, model: 'standard-14', grant: grants.asset() }))).not.toBeInstanceOf(ApplicationFailure);
    // Undo steps: a refusal is final, an outage is retried.
    s.directory.failNext('deleteAccount', new DirectoryRefusedError('LDAP: cannot remove the last member of group "solo"', 65));
    expect(await failure(env().run(s.acts.deleteAccount, { userId: NEW, grant: grants.account() }))).toMatchObject({
      type: 'DirectoryRefused',
      nonRetryable: true,
      message: expect.stringContaining('"solo"'),
    });
    s.directory.failNext('removeFromGroups', new DirectoryUnavailableError('LDAP group membership change: could not reach ldap://dc1'));
    expect(await failure(env().run(s.acts.removeFromGroups, { userId: NEW, groups: ['staff'], grant: grants.groups() }))).toBeInstanceOf(
      DirectoryUnavailableError,
    );
    s.assets.failNext('unassign');
    expect(await failure(env().run(s.acts.unassignAsset, { assetId: 'AST-LT-0201', userId: NEW, grant: grants.asset() }))).not.toBeInstanceOf(
      ApplicationFailure,
    );
    expect(s.directory.userIds()).toContain(NEW);
    const invalid = await failure(env().run(s.acts.createMailbox, { userId: NEW, quotaGb: 2.5, grant: grants.mailbox(), size: 'L' } as never));
    expect(invalid).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(invalid.message).toMatch(/^createMailbox: invalid input \(.*quotaGb: whole gigabytes/);
    expect(invalid.message).toMatch(/size/);
    expect(await failure(env().run(s.acts.addToGroups, { userId: NEW, groups: [], grant: grants.groups() }))).toMatchObject({
      type: 'InvalidInput',
      message: expect.stringContaining('groups: at least one group'),
    });
  });
});

describe('sendNotification', () => {
  it('mails the account registered address (filled in here), posts to chat, and keeps addresses out of arguments and results', async () => {
    const s = await setup();
    await env('1').run(s.acts.createAccount, { userId: NEW, displayName: 'New Hire', grant: grants.account() });
    const input = {
      email: { toUser: NEW, subject: 'Welcome, {recipient.displayName}', text: 'Your address is {recipient.email}. Your laptop LT-0201 is ready.' },
      chat: { channel: 'it-onboarding', text: 'new.hire is onboarded', title: 'Onboarding' },
    };
    const result = await env('2').run(s.acts.sendNotification, input);
    expect(result).toEqual({ email: { messageId: expect.any(String), delivery: 'registered-email' }, chat: { delivery: 'memory-outbox' } });
    expect(JSON.stringify([input, result])).not.toContain('new.hire@');
    expect(s.outbox.messages).toEqual([
      expect.objectContaining({
        to: 'new.hire@example.com',
        subject: 'Welcome, New Hire',
        text: 'Your address is new.hire@example.com. Your laptop LT-0201 is ready.',
      }),
    ]);
    expect(s.chatOutbox.to('it-onboarding')).toEqual([
      expect.objectContaining({ text: 'new.hire is onboarded', title: 'Onboarding', body: { text: '*Onboarding*\nnew.hire is onboarded' } }),
    ]);
  });

  it('a retry sends neither part again, also when the chat part failed the first time', async () => {
    const s = await setup();
    const attempt = env('n1');
    const input = { email: { toUser: 'jdoe', subject: 'Hi', text: 'hello' }, chat: { channel: 'it-onboarding', text: 'hello' } };
    const chat = s.chat;
    let fail = true;
    const original = chat.post.bind(chat);
    chat.post = async (channel, message) => {
      if (fail) {
        fail = false;
        throw new Error('chat channel it-onboarding (slack webhook from CHAT_IT_ONBOARDING_URL) answered 503');
      }
      return original(channel, message);
    };
    expect(await failure(attempt.run(s.acts.sendNotification, input))).toMatchObject({ message: expect.stringContaining('503') });
    const first = await attempt.run(s.acts.sendNotification, input);
    const again = await attempt.run(s.acts.sendNotification, input);
    expect(again).toEqual(first);
    expect(s.outbox.messages).toHaveLength(1);
    expect(s.chatOutbox.messages).toHaveLength(1);
    // A different activity (another step) does send again.
    await env('n2').run(s.acts.sendNotification, { chat: input.chat });
    expect(s.chatOutbox.messages).toHaveLength(2);
  });

  it('refuses accounts without an address, unknown channels and empty notifications, for good', async () => {
    const s = await setup();
    expect(await failure(env('1').run(s.acts.sendNotification, { email: { toUser: 'pat.nomail', subject: 's', text: 't' } }))).toMatchObject({
      type: 'NoEmail',
      nonRetryable: true,
    });
    expect(await failure(env('2').run(s.acts.sendNotification, { email: { toUser: 'ghost', subject: 's', text: 't' } }))).toMatchObject({ type: 'TargetGone' });
    expect(await failure(env('3').run(s.acts.sendNotification, { chat: { channel: 'random', text: 't' } }))).toMatchObject({
      type: 'UnknownChannel',
      nonRetryable: true,
    });
    expect(await failure(env('4').run(s.acts.sendNotification, {}))).toMatchObject({
      type: 'InvalidInput',
      message: expect.stringContaining('give email, chat or both'),
    });
    expect(s.outbox.messages).toEqual([]);
  });
});

describe('wiring', () => {
  it('buildActivities registers the onboarding activities next to the others', async () => {
    const adapters = await demoAdapters();
    const activities = buildActivities(adapters, await demoContent(), { client: {} as Client, taskQueue: 'unused' });
    for (const name of [
      'createAccount',
      'deleteAccount',
      'addToGroups',
      'removeFromGroups',
      'createMailbox',
      'deleteMailbox',
      'assignAsset',
      'unassignAsset',
      'uninstallSoftware',
      'sendNotification',
      'installSoftware',
    ]) {
      expect(typeof (activities as Record<string, unknown>)[name]).toBe('function');
    }
    expect(adapters.assets).toBeDefined();
    expect(adapters.mailboxes.all()).toEqual([]);
  });
});
