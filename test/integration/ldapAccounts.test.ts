import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src/activities/directory/ldap.js';
import type { LdapConfig } from '../../src/config/directory.js';
import { DirectoryRefusedError } from '../../src/activities/directory/port.js';
import { DirectoryUser } from '../../src/domain/permissions/directory.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';

// Account creation, deletion and group membership against a real slapd (memberof + refint
// overlays): OpenLDAP entries under ou=people and AD-shaped entries under ou=ad (kind 'ad').
let slapd: Slapd;
beforeAll(async () => {
  slapd = await startSlapd({ ldif: ['test/fixtures/ldap/directory.ldif', 'test/fixtures/ldap/ad.ldif'], adSchema: true, tls: true });
});
afterAll(async () => {
  await slapd?.stop();
});

const PEOPLE = 'ou=people,dc=example,dc=com';
const GROUPS = 'ou=groups,dc=example,dc=com';

function openldap(overrides: Partial<LdapConfig> = {}): LdapDirectory {
  return new LdapDirectory({
    url: slapd.url,
    bindDn: slapd.bindDn,
    bindPassword: slapd.bindPassword,
    baseDn: slapd.baseDn,
    userBaseDn: PEOPLE,
    groupBaseDn: GROUPS,
    ...overrides,
  });
}

function adLike(overrides: Partial<LdapConfig> = {}): LdapDirectory {
  return new LdapDirectory({
    url: slapd.url,
    startTls: true,
    tlsCaFile: slapd.caFile,
    bindDn: slapd.bindDn,
    bindPassword: slapd.bindPassword,
    baseDn: 'ou=ad,dc=example,dc=com',
    userBaseDn: 'ou=users,ou=ad,dc=example,dc=com',
    groupBaseDn: 'ou=groups,ou=ad,dc=example,dc=com',
    kind: 'ad',
    userFilter: '(objectClass=user)',
    groupFilter: '(objectClass=groupOfNames)',
    mailDomain: 'ad.example.com',
    // slapd does not know AD's in-chain matching rule; the memberof overlay stands in for AD's memberOf.
    groupStrategy: 'memberOf',
    ...overrides,
  });
}

async function asAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: slapd.url, timeout: 2000 });
  try {
    await client.bind(slapd.bindDn, slapd.bindPassword);
    return await work(client);
  } finally {
    await client.unbind();
  }
}

async function read(dn: string, attributes: string[], buffers: string[] = []) {
  return asAdmin(async (client) => {
    try {
      return (await client.search(dn, { scope: 'base', attributes, explicitBufferAttributes: buffers })).searchEntries[0] ?? null;
    } catch {
      return null;
    }
  });
}

const list = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('createAccount (OpenLDAP)', () => {
  it('creates an enabled inetOrgPerson with <id>@<domain from the base DN>, manager DN, title and department; no password', async () => {
    const dir = openldap();
    expect(
      await dir.createAccount({
        userId: 'new.hire',
        displayName: 'New Hire',
        department: 'Finance',
        title: 'Analyst',
        manager: 'asmith',
        createdBy: 'onboarding-1',
      }),
    ).toEqual({ created: true });
    const user = await dir.findUser({ by: 'id', id: 'new.hire' });
    expect(DirectoryUser.parse(user)).toEqual({
      id: 'new.hire',
      displayName: 'New Hire',
      email: 'new.hire@example.com',
      enabled: true,
      locked: false,
      groups: [],
      manager: 'asmith',
      department: 'Finance',
      externalIds: {},
    });
    const entry = await read(`uid=new.hire,${PEOPLE}`, ['objectClass', 'sn', 'title', 'description', 'userPassword', 'manager']);
    expect(list(entry?.objectClass)).toContain('inetOrgPerson');
    expect(entry).toMatchObject({
      sn: 'Hire',
      title: 'Analyst',
      manager: `uid=asmith,${PEOPLE}`,
      description: 'Created by IT-support automation, request onboarding-1',
    });
    expect(list(entry?.userPassword)).toEqual([]);
  });

  it('is idempotent: the same request retried says created, another request or an existing account says not', async () => {
    const dir = openldap();
    expect(await dir.createAccount({ userId: 'new.hire', displayName: 'New Hire', createdBy: 'onboarding-1' })).toEqual({ created: true });
    expect(await dir.createAccount({ userId: 'new.hire', displayName: 'New Hire', createdBy: 'onboarding-2' })).toEqual({ created: false });
    expect(await dir.createAccount({ userId: 'jdoe', displayName: 'Impostor', createdBy: 'onboarding-2' })).toEqual({ created: false });
    expect((await dir.findUser({ by: 'id', id: 'jdoe' }))?.displayName).toBe('Jane Doe');
  });

  it('takes the mail domain from LDAP_MAIL_DOMAIN, and refuses an unknown manager or an unusable id without adding anything', async () => {
    const dir = openldap({ mailDomain: 'corp.example.org' });
    expect(await dir.createAccount({ userId: 'mail.domain', displayName: 'Mail Domain' })).toEqual({ created: true });
    expect((await dir.findUser({ by: 'id', id: 'mail.domain' }))?.email).toBe('mail.domain@corp.example.org');
    const error = await caught(dir.createAccount({ userId: 'orphan', displayName: 'Or Phan', manager: 'nobody' }));
    expect(error).toBeInstanceOf(DirectoryRefusedError);
    expect(error).toMatchObject({ code: 'unknown-manager', message: 'LDAP account creation: manager "nobody" has no account' });
    expect(await dir.findUser({ by: 'id', id: 'orphan' })).toBeNull();
    expect(await caught(dir.createAccount({ userId: 'evil,ou=x', displayName: 'E' }))).toMatchObject({ code: 'invalid-id' });
    expect(await caught(openldap({ baseDn: 'o=Example' }).createAccount({ userId: 'x', displayName: 'X' }))).toMatchObject({
      code: 'config',
      message: expect.stringContaining('LDAP_MAIL_DOMAIN'),
    });
  });
});

describe('group membership (OpenLDAP, memberof overlay)', () => {
  it('adds only new memberships; nesting shows in groupsOf; refuses unknown groups before adding any', async () => {
    const dir = openldap();
    await dir.createAccount({ userId: 'grp.user', displayName: 'Grp User', createdBy: 'onboarding-g' });
    expect(await dir.addToGroups('grp.user', ['staff', 'helpdesk', 'staff'])).toEqual({ added: ['staff', 'helpdesk'] });
    expect(await dir.addToGroups('grp.user', ['staff', 'managers'])).toEqual({ added: ['managers'] });
    const user = (await dir.findUser({ by: 'id', id: 'grp.user' })) as DirectoryUser;
    expect(user.groups).toEqual(['helpdesk', 'managers', 'staff']);
    expect(await dir.groupsOf(user)).toEqual(['helpdesk', 'it-staff', 'managers', 'staff']);

    const error = await caught(dir.addToGroups('grp.user', ['tier2-admins', 'wizards', 'nope']));
    expect(error).toBeInstanceOf(DirectoryRefusedError);
    expect(error).toMatchObject({ code: 'unknown-group', message: `LDAP: unknown groups "wizards", "nope" (no cn of that name under ${GROUPS})` });
    expect((await dir.findUser({ by: 'id', id: 'grp.user' }))?.groups).not.toContain('tier2-admins');
    expect(await caught(dir.addToGroups('ghost', ['staff']))).toMatchObject({ code: 32 });
  });

  it('removes memberships idempotently; a missing account has none', async () => {
    const dir = openldap();
    await dir.createAccount({ userId: 'rm.user', displayName: 'Rm User' });
    await dir.addToGroups('rm.user', ['staff', 'managers']);
    expect(await dir.removeFromGroups('rm.user', ['managers', 'helpdesk', 'wizards'])).toEqual({ removed: ['managers'] });
    expect(await dir.removeFromGroups('rm.user', ['managers'])).toEqual({ removed: [] });
    expect((await dir.findUser({ by: 'id', id: 'rm.user' }))?.groups).toEqual(['staff']);
    expect(await dir.removeFromGroups('ghost', ['staff'])).toEqual({ removed: [] });
    const managers = await read(`cn=managers,${GROUPS}`, ['member']);
    expect(list(managers?.member)).toContain(`uid=asmith,${PEOPLE}`);
    expect(list(managers?.member)).not.toContain(`uid=rm.user,${PEOPLE}`);
  });

  it('says so when the user is the last member of a groupOfNames (which must keep one)', async () => {
    const dir = openldap();
    await dir.createAccount({ userId: 'solo.user', displayName: 'Solo User' });
    await asAdmin((c) => c.add(`cn=solo,${GROUPS}`, { objectClass: 'groupOfNames', cn: 'solo', member: `uid=solo.user,${PEOPLE}` }));
    const error = await caught(dir.removeFromGroups('solo.user', ['solo']));
    expect(error).toBeInstanceOf(DirectoryRefusedError);
    expect(error).toMatchObject({ code: 65, message: expect.stringContaining('cannot remove the last member of group "solo"') });
  });
});

describe('deleteAccount (OpenLDAP)', () => {
  it('removes the entry and its DN from every member list; idempotent', async () => {
    const dir = openldap();
    await dir.createAccount({ userId: 'del.user', displayName: 'Del User', createdBy: 'onboarding-d' });
    await dir.addToGroups('del.user', ['staff', 'helpdesk']);
    expect(await dir.deleteAccount('del.user', { createdBy: 'onboarding-d' })).toEqual({ deleted: true });
    expect(await dir.findUser({ by: 'id', id: 'del.user' })).toBeNull();
    for (const group of ['staff', 'helpdesk']) {
      expect(list((await read(`cn=${group},${GROUPS}`, ['member']))?.member)).not.toContain(`uid=del.user,${PEOPLE}`);
    }
    expect(await dir.deleteAccount('del.user', { createdBy: 'onboarding-d' })).toEqual({ deleted: false });
  });

  it('with createdBy, never deletes an account that request did not create', async () => {
    const dir = openldap();
    await dir.createAccount({ userId: 'keep.user', displayName: 'Keep User', createdBy: 'onboarding-k' });
    expect(await dir.deleteAccount('keep.user', { createdBy: 'onboarding-other' })).toEqual({ deleted: false });
    expect(await dir.deleteAccount('jdoe', { createdBy: 'onboarding-k' })).toEqual({ deleted: false });
    expect(await dir.findUser({ by: 'id', id: 'keep.user' })).not.toBeNull();
    expect(await dir.findUser({ by: 'id', id: 'jdoe' })).not.toBeNull();
    expect(await dir.deleteAccount('keep.user')).toEqual({ deleted: true });
  });
});

describe('Active Directory shape (kind ad, StartTLS)', () => {
  it('creates CN=<id> with sAMAccountName, userAccountControl 512 (enabled) and a random unicodePwd; groups and deletion work', async () => {
    const dir = adLike();
    expect(
      await dir.createAccount({ userId: 'new.ad', displayName: 'New Ad', department: 'Engineering', manager: 'brian.boss', createdBy: 'onboarding-ad' }),
    ).toEqual({ created: true });
    const dn = 'CN=new.ad,ou=users,ou=ad,dc=example,dc=com';
    const entry = await read(dn, ['sAMAccountName', 'displayName', 'userAccountControl', 'department', 'mail', 'unicodePwd'], ['unicodePwd']);
    expect(entry).toMatchObject({
      sAMAccountName: 'new.ad',
      displayName: 'New Ad',
      userAccountControl: '512',
      department: 'Engineering',
      mail: 'new.ad@ad.example.com',
    });
    const password = (entry!.unicodePwd as Buffer).toString('utf16le');
    expect(password).toMatch(/^"[A-Za-z0-9_-]{32}aA1!"$/);
    expect(await dir.findUser({ by: 'id', id: 'new.ad' })).toMatchObject({
      enabled: true,
      locked: false,
      manager: 'brian.boss',
      email: 'new.ad@ad.example.com',
    });
    expect(await dir.createAccount({ userId: 'new.ad', displayName: 'New Ad', createdBy: 'onboarding-ad' })).toEqual({ created: true });

    expect(await dir.addToGroups('new.ad', ['ad-engineers'])).toEqual({ added: ['ad-engineers'] });
    expect(await dir.groupsOf((await dir.findUser({ by: 'id', id: 'new.ad' })) as DirectoryUser)).toEqual(['ad-engineers', 'ad-everyone']);
    expect(await dir.deleteAccount('new.ad', { createdBy: 'onboarding-ad' })).toEqual({ deleted: true });
    expect(list((await read('cn=ad-engineers,ou=groups,ou=ad,dc=example,dc=com', ['member']))?.member)).not.toContain(dn);
  });

  it('refuses to create an account without TLS, before connecting', async () => {
    const dir = adLike({ startTls: false, url: 'ldap://127.0.0.1:1' });
    expect(await caught(dir.createAccount({ userId: 'x.ad', displayName: 'X' }))).toMatchObject({
      code: 'tls-required',
      message: expect.stringContaining('ldaps://'),
    });
  });
});
