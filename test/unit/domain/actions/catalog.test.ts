import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createOnboardingActivities } from '../../../../src/activities/onboarding.js';
import { createActivities } from '../../../../src/activities/support.js';
import {
  ACCOUNT_CREATE_ACTION,
  ACCOUNT_UNLOCK_ACTION,
  ACTION_CATALOG,
  ACTION_IDS,
  type ActionId,
  activityGrantRequest,
  ASSET_ASSIGN_ACTION,
  CHANGE_ACTIVITIES,
  type ChangeActivity,
  changeOf,
  DISK_CLEANUP_ACTION,
  ENDPOINT_REMEDIATE_ACTION,
  GROUP_ADD_ACTION,
  grantParams,
  isActionId,
  isChangeActivity,
  MAILBOX_CREATE_ACTION,
  PASSWORD_RESET_ACTION,
  SOFTWARE_INSTALL_ACTION,
} from '../../../../src/domain/actions/catalog.js';
import { ACTIVITIES, type ActivitySpec } from '../../../../src/domain/definitions/registry.js';
import { testGrant } from '../../../helpers/grants.js';
import { demoAdapters, demoContent } from '../../../helpers/temporal.js';

// The contract, written out here on purpose and not read from the catalog: what each action's grant
// binds. Changing what a grant binds is a security decision, so it must change this table too.
const BINDS: Record<ActionId, string[]> = {
  'password.reset': [],
  'account.unlock': [],
  'software.install': ['softwareId', 'deviceId'],
  'endpoint.remediate': ['deviceId', 'remediation'],
  'disk.cleanup': ['deviceId', 'includeDownloads', 'aggressive'],
  'account.create': [],
  'group.add': [],
  'mailbox.create': [],
  'asset.assign': [],
};

/**
 * One call of every change activity (without its grant): the action it needs, whose account it is
 * for, and the parameters a workflow asks the permission check for before it (the grant's params).
 */
const CALLS: { [N in ChangeActivity]: { action: ActionId; input: Record<string, unknown>; target: string; asked: Record<string, unknown> } } = {
  resetPasswordAndNotify: { action: 'password.reset', input: { userId: 'jdoe' }, target: 'jdoe', asked: {} },
  unlockAccount: { action: 'account.unlock', input: { userId: 'jdoe' }, target: 'jdoe', asked: {} },
  installSoftware: {
    action: 'software.install',
    input: { deviceId: 'LT-0042', software: { id: 'vscode', version: '1.95' }, targetId: 'jdoe' },
    target: 'jdoe',
    asked: { softwareId: 'vscode', deviceId: 'LT-0042' },
  },
  uninstallSoftware: {
    action: 'software.install',
    input: { deviceId: 'LT-0042', softwareId: 'vscode', targetId: 'jdoe' },
    target: 'jdoe',
    asked: { softwareId: 'vscode', deviceId: 'LT-0042' },
  },
  runRemediation: {
    action: 'endpoint.remediate',
    input: { deviceId: 'LT-0042', action: 'network.renewDhcp', args: {}, targetId: 'jdoe' },
    target: 'jdoe',
    asked: { deviceId: 'LT-0042', remediation: 'network.renewDhcp' },
  },
  cleanDisk: {
    action: 'disk.cleanup',
    input: { deviceId: 'LT-0042', includeDownloads: true, aggressive: false, targetId: 'jdoe' },
    target: 'jdoe',
    asked: { deviceId: 'LT-0042', includeDownloads: true, aggressive: false },
  },
  createAccount: { action: 'account.create', input: { userId: 'new.hire', displayName: 'New Hire' }, target: 'new.hire', asked: {} },
  deleteAccount: { action: 'account.create', input: { userId: 'new.hire' }, target: 'new.hire', asked: {} },
  addToGroups: { action: 'group.add', input: { userId: 'new.hire', groups: ['staff'] }, target: 'new.hire', asked: {} },
  removeFromGroups: { action: 'group.add', input: { userId: 'new.hire', groups: ['staff'] }, target: 'new.hire', asked: {} },
  createMailbox: { action: 'mailbox.create', input: { userId: 'new.hire', quotaGb: 10 }, target: 'new.hire', asked: {} },
  deleteMailbox: { action: 'mailbox.create', input: { userId: 'new.hire' }, target: 'new.hire', asked: {} },
  assignAsset: { action: 'asset.assign', input: { userId: 'new.hire', model: 'standard-14' }, target: 'new.hire', asked: {} },
  unassignAsset: { action: 'asset.assign', input: { assetId: 'A-1', userId: 'new.hire' }, target: 'new.hire', asked: {} },
};
const NAMES = Object.keys(CALLS) as ChangeActivity[];

const PAST = new Date(Date.now() - 60_000).toISOString();
let calls = 0;

async function setup() {
  const adapters = await demoAdapters();
  const content = await demoContent();
  const support = createActivities({ ...adapters, policy: content.policy, catalog: content.software, redaction: content.redaction });
  const onboarding = createOnboardingActivities(adapters);
  const all = { ...support, ...onboarding } as unknown as Record<ChangeActivity, (input: unknown) => Promise<unknown>>;
  return { ...adapters, all };
}
type Setup = Awaited<ReturnType<typeof setup>>;

/**
 * Calls the activity with a grant over `params` that has expired. The guard checks action, target,
 * workflow and params before the expiry, so `expired` means everything else matched, and nothing
 * can have been changed either way.
 */
async function refusal(s: Setup, name: ChangeActivity, params: Record<string, unknown>, over: { action?: string; target?: string } = {}): Promise<string> {
  const call = CALLS[name];
  const grant = testGrant(over.action ?? call.action, over.target ?? call.target, params, { expiresAt: PAST });
  try {
    // Each call its own activity execution, so each refusal gets its own audit entry.
    await new MockActivityEnvironment({ activityId: `call-${++calls}` } as never).run(s.all[name], { ...call.input, grant });
  } catch (err) {
    const failure = err as { type?: string; message: string };
    expect(failure.type, failure.message).toBe('GrantRejected');
    return /permission grant (.+)$/.exec(failure.message)![1]!;
  }
  throw new Error(`${name} accepted an expired grant`);
}

describe('action ids', () => {
  it('are the keys of the catalog, one constant each', async () => {
    const constants = [
      PASSWORD_RESET_ACTION,
      ACCOUNT_UNLOCK_ACTION,
      SOFTWARE_INSTALL_ACTION,
      ENDPOINT_REMEDIATE_ACTION,
      DISK_CLEANUP_ACTION,
      ACCOUNT_CREATE_ACTION,
      GROUP_ADD_ACTION,
      MAILBOX_CREATE_ACTION,
      ASSET_ASSIGN_ACTION,
    ];
    expect([...ACTION_IDS].sort()).toEqual([...constants].sort());
    expect(Object.keys(BINDS).sort()).toEqual([...ACTION_IDS].sort());
    for (const id of ACTION_IDS) expect(isActionId(id), id).toBe(true);
    for (const other of ['definition.run', 'password', 'toString', 'hasOwnProperty', '']) expect(isActionId(other), other).toBe(false);
  });

  it('are exactly the actions of content/policy.yaml: no action without a policy (every run denied), no policy for an action nothing performs', async () => {
    const { policy } = await demoContent();
    expect(Object.keys(policy.actions).sort()).toEqual([...ACTION_IDS].sort());
  });

  it('every remediation of the troubleshooting trees asks for the action runRemediation checks', async () => {
    const { trees } = await demoContent();
    const permissions = Object.values(trees).flatMap((t) => t.nodes.flatMap((n) => (n.kind === 'action' ? [n.permission] : [])));
    expect(permissions.length).toBeGreaterThan(0);
    expect(new Set(permissions)).toEqual(new Set([CHANGE_ACTIVITIES.runRemediation.action]));
  });
});

describe('the catalog', () => {
  it.each(ACTION_IDS)('%s: binds what the contract says, and its arguments are its target and those parameters', (id) => {
    const spec = ACTION_CATALOG[id];
    expect([...spec.binds], id).toEqual(BINDS[id]);
    expect(Object.keys(spec.args.shape).sort(), id).toEqual([spec.target, ...spec.binds].sort());
    expect(spec.binds as readonly string[], id).not.toContain(spec.target);
    expect(spec.description.length, id).toBeGreaterThan(0);
  });

  it('every action is performed by some activity', async () => {
    expect(new Set(Object.values(CHANGE_ACTIVITIES).map((p) => p.action))).toEqual(new Set(ACTION_IDS));
  });
});

describe('grantParams', () => {
  it('picks exactly the bound parameters, in the order the grant binds them, whatever else the arguments hold', async () => {
    const cleanup = grantParams(DISK_CLEANUP_ACTION, { aggressive: false, targetId: 'jdoe', includeDownloads: true, deviceId: 'LT-1', dryRun: true } as never);
    expect(cleanup).toEqual({ deviceId: 'LT-1', includeDownloads: true, aggressive: false });
    expect(Object.keys(cleanup)).toEqual(['deviceId', 'includeDownloads', 'aggressive']);
    expect(grantParams(SOFTWARE_INSTALL_ACTION, { deviceId: 'LT-1', softwareId: 'vscode' })).toEqual({ softwareId: 'vscode', deviceId: 'LT-1' });
    expect(grantParams(ENDPOINT_REMEDIATE_ACTION, { deviceId: 'LT-1', remediation: 'network.flushDns' })).toEqual({
      deviceId: 'LT-1',
      remediation: 'network.flushDns',
    });
    for (const id of ACTION_IDS.filter((a) => BINDS[a].length === 0)) expect(grantParams(id, { userId: 'jdoe', groups: ['admins'] } as never), id).toEqual({});
  });

  it('keeps a parameter not known yet as null and leaves an undefined one out, so neither grant can match a change', async () => {
    expect(grantParams(SOFTWARE_INSTALL_ACTION, { softwareId: 'vscode', deviceId: null })).toEqual({ softwareId: 'vscode', deviceId: null });
    expect(grantParams(SOFTWARE_INSTALL_ACTION, { softwareId: 'vscode', deviceId: undefined } as never)).toStrictEqual({ softwareId: 'vscode' });
  });
});

describe('activityGrantRequest', () => {
  it.each(NAMES)('%s: demands its action, its target and the parameters workflows ask for', (name) => {
    const call = CALLS[name];
    expect(activityGrantRequest(name, { ...call.input, grant: null })).toEqual({
      ok: true,
      request: { action: call.action, target: call.target, params: call.asked },
    });
    expect(CHANGE_ACTIVITIES[name].action).toBe(call.action);
  });

  it('lists every change activity of the catalog in this test, and only those', async () => {
    expect(Object.keys(CHANGE_ACTIVITIES).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) expect(isChangeActivity(name), name).toBe(true);
    for (const other of ['lookupUser', 'measureDisk', 'toString', 'formatDisk']) expect(isChangeActivity(other), other).toBe(false);
  });

  it('refuses arguments that do not hold what the action needs, naming them', async () => {
    expect(activityGrantRequest('installSoftware', { deviceId: 'LT-1', softwareId: 'vscode', targetId: 'jdoe' })).toEqual({
      ok: false,
      issues: ['software: Invalid input: expected object, received undefined'],
    });
    expect(activityGrantRequest('cleanDisk', { deviceId: 'LT-1', includeDownloads: 'yes', aggressive: false, targetId: '' })).toEqual({
      ok: false,
      issues: ['targetId: Too small: expected string to have >=1 characters', 'includeDownloads: Invalid input: expected boolean, received string'],
    });
    expect(activityGrantRequest('unlockAccount', null)).toMatchObject({ ok: false });
  });
});

describe('the definitions registry', () => {
  const changes = Object.entries(ACTIVITIES).filter(([, s]) => s.effect === 'change') as Array<[ChangeActivity, ActivitySpec]>;

  it('has exactly the change activities of the catalog', async () => {
    expect(changes.map(([name]) => name).sort()).toEqual([...NAMES].sort());
  });

  it.each(NAMES)('%s: states the catalog action and target, and binds what the activity demands', (name) => {
    const spec = ACTIVITIES[name] as ActivitySpec;
    const call = CALLS[name];
    const args = spec.args.parse(call.input) as Record<string, unknown>;
    expect(spec.action).toBe(call.action);
    expect(args[spec.targetArg!]).toBe(call.target);
    expect(spec.grantParams!(args)).toEqual(call.asked);
    expect(changeOf(name)).toMatchObject({ action: call.action, targetArg: ACTION_CATALOG[call.action].target });
  });

  it('refuses to bind arguments that do not hold what the action needs', async () => {
    expect(() => changeOf('runRemediation').grantParams({ deviceId: 'LT-1', targetId: 'jdoe' } as never)).toThrow(/action/);
  });
});

// The security control itself: each activity, run with a grant over the parameters the catalog
// says, must accept exactly those and refuse any other.
describe('every change activity checks the grant over exactly the catalog parameters', () => {
  it.each(NAMES)('%s', async (name) => {
    const s = await setup();
    const call = CALLS[name];
    expect(await refusal(s, name, call.asked), 'the catalog parameters').toBe('expired');
    expect(await refusal(s, name, grantParams(call.action, { ...call.input, ...call.asked } as never)), 'grantParams').toBe('expired');
    expect(await refusal(s, name, { ...call.asked, extra: 'x' }), 'one more parameter').toBe('wrong params');
    for (const key of Object.keys(call.asked)) {
      const value = call.asked[key];
      const altered = typeof value === 'boolean' ? !value : `${String(value)}-other`;
      expect(await refusal(s, name, { ...call.asked, [key]: altered }), `${key} altered`).toBe('wrong params');
      expect(await refusal(s, name, { ...call.asked, [key]: null }), `${key} not known yet`).toBe('wrong params');
      const { [key]: _left, ...without } = call.asked;
      expect(await refusal(s, name, without), `${key} left out`).toBe('wrong params');
    }
    expect(await refusal(s, name, call.asked, { target: 'someone.else' }), 'another target').toBe('wrong target');
    const other = ACTION_IDS.find((a) => a !== call.action)!;
    expect(await refusal(s, name, call.asked, { action: other }), 'another action').toBe('wrong action');
    const bound = Object.keys(call.asked).length;
    const reasons = (await s.store.auditEntries({ kind: 'security' })).map((e) => e.entry.reason);
    expect(reasons, 'each refusal is audited').toEqual([
      'grant_expired',
      'grant_expired',
      'grant_wrong_params',
      ...Array<string>(3 * bound).fill('grant_wrong_params'),
      'grant_wrong_target',
      'grant_wrong_action',
    ]);
  });

  it('a change whose arguments do not hold what its action needs fails for good before its grant is looked at', async () => {
    const s = await setup();
    const grant = testGrant(DISK_CLEANUP_ACTION, 'jdoe', CALLS.cleanDisk.asked);
    await expect(new MockActivityEnvironment().run(s.all.cleanDisk, { ...CALLS.cleanDisk.input, includeDownloads: 'yes', grant })).rejects.toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: 'cleanDisk: invalid input (includeDownloads: Invalid input: expected boolean, received string)',
    });
    await expect(
      new MockActivityEnvironment().run(s.all.installSoftware, { deviceId: 'LT-0042', softwareId: 'vscode', targetId: 'jdoe', grant }),
    ).rejects.toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
    });
    expect(await s.store.auditEntries({ kind: 'security' })).toEqual([]);
  });
});
