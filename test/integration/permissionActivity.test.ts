import type { Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { Adapters } from '../../src/app/adapters.js';
import { MemoryDirectory } from '../../src/activities/directory/memory.js';
import { DirectoryRefusedError, DirectoryUnavailableError, type DirectoryPort } from '../../src/activities/directory/port.js';
import { createActivities } from '../../src/activities/support.js';
import { createPermissionActivities, requireGrant, type PermissionCheck } from '../../src/activities/permission.js';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import type { EngineStore } from '../../src/activities/records/port.js';
import type { UserLookup } from '../../src/domain/permissions/directory.js';
import { ValidationError } from '../../src/domain/errors.js';
import { verifyGrant, type Grant } from '../../src/domain/permissions/grants.js';
import { testGrant } from '../helpers/grants.js';
import { demoAdapters, demoContent, TEST_GRANT_KEY } from '../helpers/temporal.js';

// The permission-check activity with the in-memory directory of the demo content (and directories
// that fail the way real ones do), and the grant guard every side-effecting activity runs first.
const quiet = { logger: new DefaultLogger('ERROR') };
const GRANTS = { key: TEST_GRANT_KEY, ttlMs: 60_000 };
const RUN = { workflowId: 'ticket-jira-IT-7', runId: '11111111-2222-3333-4444-555555555555' };

async function setup(directory?: DirectoryPort) {
  const content = await demoContent();
  const store = new SqliteEngineStore(':memory:');
  const dir = directory ?? new MemoryDirectory(content.directory);
  return { store, activities: createPermissionActivities({ directory: dir, policy: content.policy, store, grants: GRANTS, directoryBudgetMs: 800 }) };
}

const byId = (id: string): UserLookup => ({ by: 'id', id });
const env = (info: Partial<Info> = {}) => new MockActivityEnvironment({ workflowExecution: RUN, activityId: '3', ...info }, quiet);
const decisions = async (store: EngineStore) => (await store.auditEntries({ kind: 'permission.decision' })).map((e) => e.entry);

/** The demo directory, with `findUser` failing as given (the first `times` lookups, default all). */
async function failingDirectory(error: Error, times = Infinity) {
  const real = new MemoryDirectory((await demoContent()).directory);
  let lookups = 0;
  const directory = Object.create(real) as MemoryDirectory;
  directory.findUser = async (lookup) => {
    lookups++;
    if (lookups <= times) throw error;
    return real.findUser(lookup);
  };
  return { directory, lookups: () => lookups };
}

describe('checkPermission', () => {
  it('grants a target named by e-mail under its account id, for that account only', async () => {
    const { store, activities } = await setup();
    const result: PermissionCheck = await env().run(activities.checkPermission, {
      action: 'password.reset',
      requester: byId('sam.helper'),
      target: { by: 'email' as const, email: 'JANE.DOE@example.com' },
      params: {},
    });
    expect(result.decision).toMatchObject({ allowed: true, rule: 'service-desk-staff' });
    expect(result.target?.id).toBe('jdoe');
    expect(result.grant).toMatchObject({ target: 'jdoe', requester: 'sam.helper', workflowId: RUN.workflowId, rule: 'service-desk-staff' });
    const expected = { action: 'password.reset', params: {}, workflowId: RUN.workflowId };
    expect(verifyGrant(result.grant, { ...expected, target: 'jdoe' }, TEST_GRANT_KEY, Date.now())).toMatchObject({ ok: true });
    expect(verifyGrant(result.grant, { ...expected, target: 'jane.doe@example.com' }, TEST_GRANT_KEY, Date.now())).toEqual({
      ok: false,
      reason: 'wrong_target',
    });
    expect(await decisions(store)).toEqual([
      expect.objectContaining({
        actor: 'sam.helper',
        subject: RUN.workflowId,
        outcome: 'allowed',
        details: expect.objectContaining({ ticket: 'jira:IT-7', action: 'password.reset', target: 'jdoe' }),
      }),
    ]);
  });

  it('an account that does not exist yet is granted under the id asked for, to onboarding staff only', async () => {
    const { store, activities } = await setup();
    const allowed = await env().run(activities.checkPermission, {
      action: 'account.create',
      requester: byId('kim.admin'),
      target: byId('new.hire'),
      params: {},
    });
    expect(allowed).toMatchObject({
      decision: { allowed: true, rule: 'onboarding-staff' },
      target: null,
      grant: { action: 'account.create', target: 'new.hire', requester: 'kim.admin' },
    });
    const denied = await env({ activityId: '4' }).run(activities.checkPermission, {
      action: 'account.create',
      requester: byId('asmith'),
      target: byId('new.hire'),
      params: {},
    });
    expect(denied).toMatchObject({ decision: { allowed: false, rule: 'no_rule_allows' }, target: null, grant: null });
    expect((await decisions(store)).map((e) => [e.actor, e.outcome, e.reason])).toEqual([
      ['kim.admin', 'allowed', 'onboarding-staff'],
      ['asmith', 'denied', 'no_rule_allows'],
    ]);
  });

  it.each([
    ['a requester the directory does not know', 'ghost', 'jdoe', 'requester_not_found', 'unknown'],
    ['a target the directory does not know', 'sam.helper', 'ghost', 'target_not_found', 'sam.helper'],
  ])('denies %s, without a grant', async (_what, requester, target, rule, actor) => {
    const { store, activities } = await setup();
    const result: PermissionCheck = await env().run(activities.checkPermission, {
      action: 'password.reset',
      requester: byId(requester),
      target: byId(target),
      params: {},
    });
    expect(result).toMatchObject({ decision: { allowed: false, rule }, grant: null });
    expect(await decisions(store)).toEqual([expect.objectContaining({ actor, outcome: 'denied', reason: rule })]);
  });

  it('a directory that refuses the lookup is a directory_refused denial with its code, asked once, audited', async () => {
    const { directory, lookups } = await failingDirectory(new DirectoryRefusedError('insufficient access rights', 50));
    const { store, activities } = await setup(directory);
    const result: PermissionCheck = await env().run(activities.checkPermission, {
      action: 'password.reset',
      requester: byId('sam.helper'),
      target: byId('jdoe'),
      params: {},
    });
    expect(result).toMatchObject({
      decision: { allowed: false, rule: 'directory_refused', reason: expect.stringContaining('code 50') },
      requester: null,
      target: null,
      grant: null,
    });
    expect(lookups()).toBe(1);
    expect(await decisions(store)).toEqual([expect.objectContaining({ actor: 'unknown', outcome: 'denied', reason: 'directory_refused' })]);
  });

  it('a directory that is unreachable for a moment is asked again within the budget, and then decides', async () => {
    const { directory, lookups } = await failingDirectory(new DirectoryUnavailableError('connection reset'), 1);
    const { store, activities } = await setup(directory);
    const result: PermissionCheck = await env().run(activities.checkPermission, {
      action: 'password.reset',
      requester: byId('sam.helper'),
      target: byId('jdoe'),
      params: {},
    });
    expect(result.decision).toMatchObject({ allowed: true, rule: 'service-desk-staff' });
    expect(result.grant).not.toBeNull();
    expect(lookups()).toBe(3);
    expect((await decisions(store)).map((e) => e.outcome)).toEqual(['allowed']);
  });

  it.each([
    ['a lookup that is not one', new Error('not asked'), { by: 'id', id: '' }, ValidationError],
    ['a directory adapter failing in an unexpected way', new TypeError('cannot read properties of undefined'), byId('sam.helper'), TypeError],
  ] as const)('fails (to be retried) on %s instead of deciding anything, and audits nothing', async (_what, failure, requester, type) => {
    const { store, activities } = await setup((await failingDirectory(failure)).directory);
    await expect(
      env().run(activities.checkPermission, { action: 'password.reset', requester: requester as UserLookup, target: byId('jdoe'), params: {} }),
    ).rejects.toBeInstanceOf(type);
    expect(await store.auditEntries()).toEqual([]);
  });

  it('audits a decision once however often the activity is retried', async () => {
    const { store, activities } = await setup();
    const input = { action: 'account.unlock', requester: byId('jdoe'), target: byId('jdoe'), params: {} };
    await env({ attempt: 1 }).run(activities.checkPermission, input);
    await env({ attempt: 2 }).run(activities.checkPermission, input);
    expect(await decisions(store)).toHaveLength(1);
    // Another activity of the same run is another decision.
    await env({ activityId: '9' }).run(activities.checkPermission, input);
    expect(await decisions(store)).toHaveLength(2);
  });

  it('outside a workflow (a standalone activity) decisions and grants are bound to the activity, audited once', async () => {
    const { store, activities } = await setup();
    const standalone = { workflowExecution: undefined, inWorkflow: false, activityId: 'standalone-17' };
    const input = { action: 'account.unlock', requester: byId('jdoe'), target: byId('jdoe'), params: {} };
    const result: PermissionCheck = await env(standalone).run(activities.checkPermission, input);
    expect(result.grant).toMatchObject({ workflowId: 'activity-standalone-17', target: 'jdoe' });
    await env({ ...standalone, attempt: 2 }).run(activities.checkPermission, input);
    expect(await decisions(store)).toEqual([
      expect.objectContaining({ subject: 'activity-standalone-17', outcome: 'allowed', details: expect.objectContaining({ ticket: null }) }),
    ]);
    // The guard in the same activity accepts it; in a workflow, the same grant is someone else's.
    expect(
      await env(standalone).run(async () => requireGrant({ grants: GRANTS, store }, result.grant, { action: 'account.unlock', target: 'jdoe', params: {} })),
    ).toEqual(result.grant);
    await expect(
      env().run(async () => requireGrant({ grants: GRANTS, store }, result.grant, { action: 'account.unlock', target: 'jdoe', params: {} })),
    ).rejects.toThrow(/permission grant wrong workflow/);
  });
});

describe('the grant guard (through the unlock-account activity)', () => {
  async function unlocker() {
    const adapters: Adapters = await demoAdapters();
    const content = await demoContent();
    adapters.demoDirectory.update('jdoe', { locked: true });
    const activities = createActivities({ ...adapters, policy: content.policy, catalog: content.software, redaction: content.redaction });
    const locked = async () => (await adapters.directory.findUser(byId('jdoe')))?.locked;
    const security = async () => (await adapters.store.auditEntries({ kind: 'security' })).map((e) => e.entry);
    return { activities, locked, security };
  }

  it('unlocks with the grant the permission check signed for exactly this, leaving no security event', async () => {
    const { activities, locked, security } = await unlocker();
    const check: PermissionCheck = await env().run(activities.checkPermission, {
      action: 'account.unlock',
      requester: byId('jdoe'),
      target: byId('jdoe'),
      params: {},
    });
    expect(await env({ activityId: '4' }).run(activities.unlockAccount, { userId: 'jdoe', grant: check.grant })).toEqual({ wasLocked: true });
    expect(await locked()).toBe(false);
    expect(await security()).toEqual([]);
  });

  const signed = (over: Partial<Grant> = {}) => testGrant('account.unlock', 'jdoe', {}, { workflowId: RUN.workflowId, ...over });
  const refusals: Array<[string, () => unknown, string]> = [
    ['missing', () => null, 'missing'],
    ['altered after signing (another requester)', () => ({ ...signed(), requester: 'mallory' }), 'forged'],
    [
      'signed with another key',
      () => testGrant('account.unlock', 'jdoe', {}, { workflowId: RUN.workflowId }, 'some-other-signing-key-0123456789abcdef'),
      'forged',
    ],
    ['expired', () => signed({ issuedAt: new Date(Date.now() - 120_000).toISOString(), expiresAt: new Date(Date.now() - 60_000).toISOString() }), 'expired'],
    ['for another account', () => testGrant('account.unlock', 'asmith', {}, { workflowId: RUN.workflowId }), 'wrong_target'],
    ['for another action', () => testGrant('password.reset', 'jdoe', {}, { workflowId: RUN.workflowId }), 'wrong_action'],
    ['from another run', () => signed({ workflowId: 'ticket-jira-IT-8' }), 'wrong_workflow'],
    ['not a grant at all', () => ({ allowed: true }), 'malformed'],
  ];
  it.each(refusals)('refuses a grant that is %s: nothing changes, a non-retryable failure, a security event', async (_what, grant, reason) => {
    const { activities, locked, security } = await unlocker();
    const error = await env({ activityId: '5' })
      .run(activities.unlockAccount, { userId: 'jdoe', grant: grant() as Grant | null })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({
      type: 'GrantRejected',
      nonRetryable: true,
      message: `refused account.unlock on jdoe: permission grant ${reason.replace('_', ' ')}`,
    });
    expect(await locked()).toBe(true);
    expect(await security()).toEqual([
      expect.objectContaining({
        actor: 'engine',
        subject: RUN.workflowId,
        outcome: 'rejected',
        reason: `grant_${reason}`,
        details: { ticket: 'jira:IT-7', action: 'account.unlock', target: 'jdoe' },
      }),
    ]);
  });
});
