import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src/activities/directory/ldap.js';
import type { LdapConfig } from '../../src/config/directory.js';
import { createPermissionActivities, type PermissionCheck } from '../../src/activities/permission.js';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import { verifyGrant } from '../../src/domain/permissions/grants.js';
import { PermissionPolicy } from '../../src/domain/permissions/permission.js';
import { freePort } from '../../src/stack/ports.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';
import { demoContent, TEST_GRANT_KEY } from '../helpers/temporal.js';

const FIXTURE = new URL('../fixtures/ldap/directory.ldif', import.meta.url).pathname;
let slapd: Slapd;
beforeAll(async () => {
  slapd = await startSlapd({ ldif: [FIXTURE] });
});
afterAll(async () => {
  await slapd?.stop();
});

const ldap = (over: Partial<LdapConfig> = {}) =>
  new LdapDirectory({ url: slapd.url, bindDn: slapd.bindDn, bindPassword: slapd.bindPassword, baseDn: slapd.baseDn, timeoutMs: 500, ...over });

async function check(
  directory: LdapDirectory,
  policy: PermissionPolicy,
  action: string,
  requester: string,
  target: string,
  params: Record<string, unknown> = {},
) {
  const store = new SqliteEngineStore(':memory:');
  const activities = createPermissionActivities({ directory, policy, store, grants: { key: TEST_GRANT_KEY, ttlMs: 60_000 }, directoryBudgetMs: 800 });
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const result: PermissionCheck = await env.run(activities.checkPermission, {
    action,
    requester: { by: 'id' as const, id: requester },
    target: { by: 'id' as const, id: target },
    params,
  });
  return { result, store };
}

describe('permission check against OpenLDAP', () => {
  it('allows with a grant for exactly the change, and audits the decision', async () => {
    const { policy } = await demoContent();
    const { result, store } = await check(ldap(), policy, 'password.reset', 'sam.helper', 'jdoe');
    expect(result.decision).toMatchObject({
      allowed: true,
      rule: 'service-desk-staff',
      facts: { requesterGroups: expect.arrayContaining(['helpdesk', 'it-staff']) },
    });
    expect(verifyGrant(result.grant, { action: 'password.reset', target: 'jdoe', params: {}, workflowId: 'test' }, TEST_GRANT_KEY, Date.now())).toMatchObject({
      ok: true,
    });
    expect((await store.auditEntries({ kind: 'permission.decision' })).map((e) => e.entry)).toEqual([
      expect.objectContaining({ actor: 'sam.helper', outcome: 'allowed', reason: 'service-desk-staff' }),
    ]);
  });

  it('sees group membership three levels deep', async () => {
    const policy = PermissionPolicy.parse({
      actions: { 'group.add': { allow: [{ id: 'org-members', description: 'Members of the organisation may ask.', when: { requesterInAny: ['l1-org'] } }] } },
    });
    const directory = ldap();
    const deep = (await directory.findUser({ by: 'id', id: 'nina.nested' }))!;
    expect(await directory.groupsOf(deep)).toEqual(expect.arrayContaining(['l1-org', 'l2-dept', 'l3-team']));
    const { result } = await check(directory, policy, 'group.add', 'nina.nested', 'jdoe');
    expect(result.decision).toMatchObject({ allowed: true, rule: 'org-members' });
  });

  it('denies with directory_unavailable when nothing listens, after retrying within its budget', async () => {
    const { policy } = await demoContent();
    const { result, store } = await check(ldap({ url: `ldap://127.0.0.1:${await freePort()}` }), policy, 'password.reset', 'jdoe', 'jdoe');
    expect(result).toMatchObject({ decision: { allowed: false, rule: 'directory_unavailable' }, grant: null, requester: null });
    expect((await store.auditEntries())[0]?.entry).toMatchObject({ outcome: 'denied', reason: 'directory_unavailable' });
  });

  it('tells "the server said no" (bad bind password) apart from "could not reach it"', async () => {
    const { policy } = await demoContent();
    const { result } = await check(ldap({ bindPassword: 'wrong-password' }), policy, 'password.reset', 'jdoe', 'jdoe');
    expect(result.decision).toMatchObject({ allowed: false, rule: 'directory_refused', reason: expect.stringContaining('code 49') });
  });
});

describe('unlocking accounts in OpenLDAP', () => {
  it('clears a lockout, and never re-enables a disabled account', async () => {
    const directory = ldap();
    expect(await directory.findUser({ by: 'id', id: 'lee.locked' })).toMatchObject({ locked: true });
    expect(await directory.unlock('lee.locked')).toEqual({ wasLocked: true });
    expect(await directory.findUser({ by: 'id', id: 'lee.locked' })).toMatchObject({ locked: false });
    expect(await directory.unlock('lee.locked')).toEqual({ wasLocked: false });
    expect(await directory.unlock('bob.gone')).toEqual({ wasLocked: false });
    expect(await directory.findUser({ by: 'id', id: 'bob.gone' })).toMatchObject({ enabled: false });
    await expect(directory.unlock('ghost')).rejects.toThrow(/no account with uid "ghost"/);
  });
});
