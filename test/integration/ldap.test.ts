import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { BusyError, Client, InvalidCredentialsError, MessageParserError, TimeLimitExceededError, UnavailableError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LdapDirectory, classifyLdapError } from '../../src/activities/directory/ldap.js';
import { ldapConfigFromEnv, type LdapConfig } from '../../src/config/directory.js';
import {
  adPasswordValue,
  decodeUserAccountControl,
  inChainGroupsSearch,
  openLdapAccountState,
  parseFilter,
  passwordModifyRequest,
  userLookupFilter,
} from '../../src/activities/directory/ldapFilters.js';
import { MemoryDirectory } from '../../src/activities/directory/memory.js';
import { DirectoryRefusedError, DirectoryUnavailableError } from '../../src/activities/directory/port.js';
import { DirectoryFile, DirectoryUser } from '../../src/domain/permissions/directory.js';
import { ValidationError } from '../../src/domain/errors.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';

// One real OpenLDAP server for the file: test/fixtures/ldap/directory.ldif mirrors
// content/directory.yaml; ad.ldif adds Active Directory-shaped entries (read with kind 'ad').
let slapd: Slapd;
beforeAll(async () => {
  slapd = await startSlapd({ ldif: ['test/fixtures/ldap/directory.ldif', 'test/fixtures/ldap/ad.ldif'], adSchema: true, tls: true });
});
afterAll(async () => {
  await slapd?.stop();
});

const PEOPLE = 'ou=people,dc=example,dc=com';
const userDn = (uid: string) => `uid=${uid},${PEOPLE}`;
const demo = DirectoryFile.parse(parse(readFileSync('content/directory.yaml', 'utf8')));

function openldap(overrides: Partial<LdapConfig> = {}): LdapDirectory {
  return new LdapDirectory({
    url: slapd.url,
    bindDn: slapd.bindDn,
    bindPassword: slapd.bindPassword,
    baseDn: slapd.baseDn,
    userBaseDn: PEOPLE,
    groupBaseDn: 'ou=groups,dc=example,dc=com',
    externalIdAttributes: { jira: 'employeeNumber' },
    ...overrides,
  });
}

/** kind 'ad' against the AD-shaped subtree, over StartTLS (AD wants TLS for password changes). */
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
    // slapd does not expand objectCategory=person the way AD does.
    userFilter: '(objectClass=user)',
    groupFilter: '(objectClass=groupOfNames)',
    externalIdAttributes: { jira: 'employeeNumber' },
    ...overrides,
  });
}

async function canBind(dn: string, password: string): Promise<boolean> {
  const client = new Client({ url: slapd.url, timeout: 2000, connectTimeout: 2000 });
  try {
    await client.bind(dn, password);
    return true;
  } catch (error) {
    if (error instanceof InvalidCredentialsError) return false;
    throw error;
  } finally {
    await client.unbind();
  }
}

async function readAsAdmin(dn: string, attributes: string[], buffers: string[] = []) {
  const client = new Client({ url: slapd.url, timeout: 2000 });
  try {
    await client.bind(slapd.bindDn, slapd.bindPassword);
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes, explicitBufferAttributes: buffers });
    return searchEntries[0];
  } finally {
    await client.unbind();
  }
}

function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('configuration', () => {
  const minimal = { url: 'ldap://ldap.example.com', bindDn: 'cn=svc,dc=example,dc=com', bindPassword: 'hunter2-secret', baseDn: 'dc=example,dc=com' };

  it('fills OpenLDAP and Active Directory defaults, and never shows the bind password', () => {
    const o = new LdapDirectory(minimal).describe();
    expect(o).toMatchObject({
      kind: 'openldap',
      startTls: false,
      timeoutMs: 2000,
      userBaseDn: 'dc=example,dc=com',
      groupBaseDn: 'dc=example,dc=com',
      groupStrategy: 'memberOf',
      userFilter: '(objectClass=inetOrgPerson)',
      groupFilter: '(objectClass=groupOfNames)',
      attributes: { id: 'uid', displayName: 'cn', department: 'departmentNumber', groupId: 'cn' },
      externalIdAttributes: {},
      ppolicy: false,
    });
    expect(JSON.stringify(o)).not.toContain('hunter2');
    const ad = new LdapDirectory({ ...minimal, url: 'ldaps://dc1.corp.example.com:636/', kind: 'ad', attributes: { id: 'userPrincipalName' } }).describe();
    expect(ad).toMatchObject({
      url: 'ldaps://dc1.corp.example.com:636',
      groupStrategy: 'in-chain',
      userFilter: '(&(objectCategory=person)(objectClass=user))',
      groupFilter: '(objectClass=group)',
      attributes: { id: 'userPrincipalName', displayName: 'displayName', department: 'department', mail: 'mail' },
    });
  });

  it('names every bad field, without echoing the password', () => {
    const error = caughtSync(
      () =>
        new LdapDirectory({
          ...minimal,
          url: 'http://ldap.example.com',
          baseDn: 'example.com',
          timeoutMs: 5,
          userFilter: '(objectClass=user',
          externalIdAttributes: { jira: 'extension attribute 1' },
          // @ts-expect-error unknown keys are rejected
          bindPasword: 'typo',
        }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    const paths = (error as ValidationError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['url', 'baseDn', 'timeoutMs', 'userFilter', 'externalIdAttributes.jira', '(root)']));
    expect((error as Error).message).toContain('use ldap://host[:port] or ldaps://host[:port]');
    expect((error as Error).message).toContain('not a valid LDAP filter');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('refuses StartTLS on ldaps:// and in-chain outside Active Directory', () => {
    const error = caughtSync(() => new LdapDirectory({ ...minimal, url: 'ldaps://ldap.example.com', startTls: true, groupStrategy: 'in-chain' }));
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['startTls', 'groupStrategy']);
    expect((error as Error).message).toMatch(/LDAP_MATCHING_RULE_IN_CHAIN/);
  });

  it('reads LDAP_* environment variables, and names the bad ones', () => {
    expect(ldapConfigFromEnv({ PATH: '/usr/bin', LDAP_URL: '' })).toBeUndefined();
    const config = ldapConfigFromEnv({
      LDAP_URL: 'ldaps://dc1.corp.example.com',
      LDAP_BIND_DN: 'CN=svc\\, it-support,OU=Service Accounts,DC=corp,DC=example,DC=com',
      LDAP_BIND_PASSWORD: 'hunter2-secret',
      LDAP_BASE_DN: 'DC=corp,DC=example,DC=com',
      LDAP_KIND: 'ad',
      LDAP_EXTERNAL_ID_ATTRIBUTES: '{"jira":"extensionAttribute1","servicenow":"extensionAttribute2"}',
      LDAP_ATTRIBUTES: '{"id":"userPrincipalName"}',
      LDAP_TIMEOUT_MS: '5000',
      LDAP_STARTTLS: 'false',
      LDAP_PPOLICY: '0',
      LDAP_DISABLED_ATTRIBUTE: 'employeeType',
      LDAP_DISABLED_VALUES: 'disabled, left',
    });
    expect(config).toMatchObject({
      kind: 'ad',
      groupStrategy: 'in-chain',
      timeoutMs: 5000,
      startTls: false,
      externalIdAttributes: { jira: 'extensionAttribute1', servicenow: 'extensionAttribute2' },
      attributes: { id: 'userPrincipalName', displayName: 'displayName' },
      disabled: { attribute: 'employeeType', values: ['disabled', 'left'] },
    });
    expect(new LdapDirectory(config as LdapConfig).describe()).toMatchObject({ bindDn: 'CN=svc\\, it-support,OU=Service Accounts,DC=corp,DC=example,DC=com' });

    const error = caughtSync(() =>
      ldapConfigFromEnv({
        LDAP_URL: 'ldap://dc1',
        LDAP_BIND_PASSWORD: 'hunter2-secret',
        LDAP_STARTTLS: 'yes',
        LDAP_EXTERNAL_ID_ATTRIBUTES: '{jira',
        LDAP_ATTRIBUTES: '{"id":"user principal"}',
        LDAP_TIMEOUT_MS: '2s',
        LDAP_DISABLED_VALUES: 'disabled',
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(
      [
        'LDAP_ATTRIBUTES.id',
        'LDAP_BASE_DN',
        'LDAP_BIND_DN',
        'LDAP_DISABLED_ATTRIBUTE',
        'LDAP_EXTERNAL_ID_ATTRIBUTES',
        'LDAP_STARTTLS',
        'LDAP_TIMEOUT_MS',
      ].sort(),
    );
    expect((error as Error).message).toContain('LDAP_BIND_DN: required: a DN such as');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('says which CA file it cannot read', () => {
    expect(() => new LdapDirectory({ ...minimal, tlsCaFile: '/nonexistent/ca.pem' })).toThrow(/cannot read the CA file \/nonexistent\/ca\.pem/);
  });
});

function caughtSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

describe('findUser (OpenLDAP)', () => {
  it('finds by id and maps every field; the result parses as a DirectoryUser', async () => {
    const jdoe = await openldap().findUser({ by: 'id', id: 'jdoe' });
    expect(jdoe).toEqual({
      id: 'jdoe',
      displayName: 'Jane Doe',
      email: 'jane.doe@example.com',
      enabled: true,
      locked: false,
      groups: ['staff'],
      manager: 'asmith',
      department: 'Finance',
      externalIds: { jira: '712020:5d1f0c9e-8b7a-4c61-9d2e-3a4b5c6d7e8f' },
    });
    expect(DirectoryUser.parse(jdoe)).toEqual(jdoe);
  });

  it('finds by e-mail, case-insensitively, and by external id; unknown → null', async () => {
    const dir = openldap();
    expect((await dir.findUser({ by: 'email', email: 'JANE.Doe@Example.COM' }))?.id).toBe('jdoe');
    expect((await dir.findUser({ by: 'externalId', system: 'jira', externalId: '712020:11111111-2222-4333-8444-555555555555' }))?.id).toBe('sam.helper');
    expect(await dir.findUser({ by: 'id', id: 'nobody' })).toBeNull();
    expect(await dir.findUser({ by: 'email', email: 'nobody@example.com' })).toBeNull();
    expect(await dir.findUser({ by: 'externalId', system: 'jira', externalId: 'no-such-account' })).toBeNull();
    // No attribute configured for the system: nobody can match.
    expect(await dir.findUser({ by: 'externalId', system: 'zendesk', externalId: '372104928711' })).toBeNull();
  });

  it('gives the same accounts as the demo directory (content/directory.yaml)', async () => {
    const dir = openldap();
    for (const expected of demo.users) {
      const user = await dir.findUser({ by: 'id', id: expected.id });
      expect(user, expected.id).toEqual({
        ...expected,
        groups: [...expected.groups].sort(),
        externalIds: expected.externalIds.jira ? { jira: expected.externalIds.jira } : {},
      });
    }
  });

  it('reads disabled and locked accounts (ppolicy pwdAccountLockedTime), and a site disabled attribute', async () => {
    expect(await openldap().findUser({ by: 'id', id: 'bob.gone' })).toMatchObject({ enabled: false, locked: false });
    expect(await openldap().findUser({ by: 'id', id: 'lee.locked' })).toMatchObject({ enabled: true, locked: true });
    const site = openldap({ disabled: { attribute: 'employeeType', values: ['disabled'] } });
    expect(await site.findUser({ by: 'id', id: 'lee.locked' })).toMatchObject({ enabled: false, locked: true });
    expect(await site.findUser({ by: 'id', id: 'jdoe' })).toMatchObject({ enabled: true, locked: false });
  });

  it('refuses an ambiguous lookup instead of picking one', async () => {
    const error = await caught(openldap().findUser({ by: 'email', email: 'shared@example.com' }));
    expect(error).toBeInstanceOf(DirectoryRefusedError);
    expect(error).toMatchObject({ code: 'ambiguous' });
    expect((error as Error).message).not.toContain('shared@example.com');
  });

  it('cannot be widened by filter syntax in the looked-up value', async () => {
    const dir = openldap();
    for (const id of ['*', 'jdoe)(uid=*', '\\2a', 'j*', '*)(|(uid=*', 'jdoe\0', ')', '(', '\\']) {
      expect(await dir.findUser({ by: 'id', id }), JSON.stringify(id)).toBeNull();
    }
    expect(await dir.findUser({ by: 'email', email: '*' })).toBeNull();
    expect(await dir.findUser({ by: 'email', email: '*@example.com' })).toBeNull();
    expect(await dir.findUser({ by: 'externalId', system: 'jira', externalId: '712020:*' })).toBeNull();
  });

  it('escapes * ( ) \\ and NUL in the filter text (RFC 4515)', () => {
    const filter = userLookupFilter(parseFilter('(objectClass=inetOrgPerson)'), { id: 'uid', mail: 'mail' }, {}, { by: 'id', id: 'a*b(c)d\\e\0f' });
    expect(filter?.toString()).toBe('(&(objectClass=inetOrgPerson)(uid=a\\2ab\\28c\\29d\\5ce\\00f))');
    const inherited = userLookupFilter(
      parseFilter('(objectClass=*)'),
      { id: 'uid', mail: 'mail' },
      {},
      { by: 'externalId', system: 'toString', externalId: 'x' },
    );
    expect(inherited).toBeNull();
  });
});

describe('groupsOf', () => {
  const expected: Record<string, string[]> = {
    'sam.helper': ['helpdesk', 'it-staff', 'staff'],
    'dana.admin': ['domain-admins', 'privileged', 'staff'],
    'nina.nested': ['l1-org', 'l2-dept', 'l3-team'],
    'carl.cycle': ['cycle-a', 'cycle-b'],
    jdoe: ['staff'],
  };

  for (const groupStrategy of ['memberOf', 'groupOfNames'] as const) {
    it(`${groupStrategy}: walks nesting three levels deep, and ends on a cycle`, async () => {
      const dir = openldap({ groupStrategy });
      for (const [id, groups] of Object.entries(expected)) {
        const user = (await dir.findUser({ by: 'id', id })) as DirectoryUser;
        expect(await dir.groupsOf(user), id).toEqual(groups);
      }
      const nina = (await dir.findUser({ by: 'id', id: 'nina.nested' })) as DirectoryUser;
      expect(nina.groups).toEqual(['l3-team']);
      const carl = (await dir.findUser({ by: 'id', id: 'carl.cycle' })) as DirectoryUser;
      expect(carl.groups).toEqual(['cycle-a']);
    });

    it(`${groupStrategy}: agrees with the demo directory for every demo account`, async () => {
      const dir = openldap({ groupStrategy });
      const memory = new MemoryDirectory(demo);
      for (const account of demo.users) {
        const user = (await dir.findUser({ by: 'id', id: account.id })) as DirectoryUser;
        expect(user.groups, account.id).toEqual([...account.groups].sort());
        expect(await dir.groupsOf(user), account.id).toEqual(await memory.groupsOf(account));
      }
    });
  }

  it('gives no groups for an account that no longer exists', async () => {
    const ghost = DirectoryUser.parse({ id: 'ghost', displayName: 'Ghost' });
    expect(await openldap().groupsOf(ghost)).toEqual([]);
    expect(await openldap({ groupStrategy: 'groupOfNames' }).groupsOf(ghost)).toEqual([]);
  });

  it('returns nothing from a missing group base (noSuchObject), rather than failing', async () => {
    const dir = openldap({ groupStrategy: 'groupOfNames', groupBaseDn: 'ou=nowhere,dc=example,dc=com' });
    const sam = (await dir.findUser({ by: 'id', id: 'sam.helper' })) as DirectoryUser;
    expect(sam.groups).toEqual([]);
    expect(await dir.groupsOf(sam)).toEqual([]);
  });

  it('in-chain: builds the AD matching-rule search with the DN escaped', () => {
    const { base, options } = inChainGroupsSearch(
      'OU=Groups,DC=corp,DC=example',
      parseFilter('(objectClass=group)'),
      { member: 'member', groupId: 'cn' },
      'CN=Smith\\, John (*),OU=Users,DC=corp,DC=example',
    );
    expect(base).toBe('OU=Groups,DC=corp,DC=example');
    expect(options).toMatchObject({ scope: 'sub', attributes: ['cn'], paged: { pageSize: 500 } });
    expect(options.filter?.toString()).toBe(
      '(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=Smith\\5c, John \\28\\2a\\29,OU=Users,DC=corp,DC=example))',
    );
  });
});

// The test certificate names only 127.0.0.1: StartTLS works only because LdapDirectory tells
// ldapts the host to verify (ldapts alone would check "localhost").
describe('Active Directory mapping (AD-shaped entries, StartTLS)', () => {
  it('reads sAMAccountName, displayName, department, manager, userAccountControl and lockoutTime', async () => {
    const dir = adLike();
    const ada = await dir.findUser({ by: 'id', id: 'ada.ad' });
    expect(ada).toEqual({
      id: 'ada.ad',
      displayName: 'Ada Lovelace (Engineering)',
      email: 'ada.lovelace@ad.example.com',
      enabled: true,
      locked: false,
      groups: ['ad-engineers'],
      manager: 'brian.boss',
      department: 'Engineering',
      externalIds: { jira: '712020:ada' },
    });
    expect(DirectoryUser.parse(ada)).toEqual(ada);
    expect(await dir.findUser({ by: 'id', id: 'brian.boss' })).toMatchObject({ enabled: true, locked: false });
    expect(await dir.findUser({ by: 'id', id: 'dis.abled' })).toMatchObject({ enabled: false, locked: false, displayName: 'Dis Abled' });
    expect(await dir.findUser({ by: 'id', id: 'loc.ked' })).toMatchObject({ enabled: true, locked: true });
  });

  it('in-chain sends the AD search; slapd does not know the rule and matches nothing (why openldap may not use it)', async () => {
    const dir = adLike();
    const ada = (await dir.findUser({ by: 'id', id: 'ada.ad' })) as DirectoryUser;
    expect(await dir.groupsOf(ada)).toEqual([]);
    expect(await adLike({ groupStrategy: 'memberOf' }).groupsOf(ada)).toEqual(['ad-engineers', 'ad-everyone']);
  });

  it('sets unicodePwd (quoted, UTF-16LE) and pwdLastSet 0 for must-change, over StartTLS and over ldaps://', async () => {
    const dn = 'cn=Ada Lovelace,ou=users,ou=ad,dc=example,dc=com';
    await adLike().setPassword('ada.ad', 'Tmp-pässword-1', { mustChange: true });
    let entry = await readAsAdmin(dn, ['unicodePwd', 'pwdLastSet'], ['unicodePwd']);
    expect(entry?.unicodePwd).toEqual(Buffer.from('"Tmp-pässword-1"', 'utf16le'));
    expect(entry?.pwdLastSet).toBe('0');

    const ldaps = adLike({ url: slapd.ldapsUrl, startTls: false });
    await ldaps.setPassword('brian.boss', 'Tmp-password-2', { mustChange: false });
    entry = await readAsAdmin('cn=Brian Boss,ou=users,ou=ad,dc=example,dc=com', ['unicodePwd', 'pwdLastSet'], ['unicodePwd']);
    expect(entry?.unicodePwd).toEqual(Buffer.from('"Tmp-password-2"', 'utf16le'));
    expect(entry?.pwdLastSet).toEqual([]);
  });

  it('refuses an AD password change without TLS, before connecting', async () => {
    const error = await caught(
      adLike({ startTls: false, url: `ldap://127.0.0.1:${await unusedPort()}` }).setPassword('ada.ad', 'x-Secret-1', { mustChange: true }),
    );
    expect(error).toBeInstanceOf(DirectoryRefusedError);
    expect(error).toMatchObject({ code: 'tls-required' });
    expect((error as Error).message).toMatch(/ldaps:\/\/ URL or turn on StartTLS/);
  });

  it('rejects a server certificate from an unknown CA (no CA file: Node public CAs only) or for another name', async () => {
    const error = await caught(adLike({ tlsCaFile: undefined }).findUser({ by: 'id', id: 'ada.ad' }));
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    // The certificate names 127.0.0.1, not localhost.
    const wrongName = await caught(adLike({ url: slapd.url.replace('127.0.0.1', 'localhost') }).findUser({ by: 'id', id: 'ada.ad' }));
    expect(wrongName).toBeInstanceOf(DirectoryUnavailableError);
  });

  it('decodes userAccountControl: 0x2 disabled, 0x10 or lockoutTime > 0 locked', () => {
    expect(decodeUserAccountControl(String(0x200))).toEqual({ enabled: true, locked: false });
    expect(decodeUserAccountControl(String(0x202))).toEqual({ enabled: false, locked: false });
    expect(decodeUserAccountControl(String(0x10))).toEqual({ enabled: true, locked: true });
    expect(decodeUserAccountControl(String(0x212))).toEqual({ enabled: false, locked: true });
    expect(decodeUserAccountControl('512', '0')).toEqual({ enabled: true, locked: false });
    expect(decodeUserAccountControl('512', '133497000000000000')).toEqual({ enabled: true, locked: true });
    expect(decodeUserAccountControl(undefined, undefined)).toEqual({ enabled: true, locked: false });
    expect(decodeUserAccountControl('garbage', 'garbage')).toEqual({ enabled: true, locked: false });
  });

  it('decodes ppolicy state and encodes passwords', () => {
    expect(openLdapAccountState(undefined)).toEqual({ enabled: true, locked: false });
    expect(openLdapAccountState('000001010000Z')).toEqual({ enabled: false, locked: false });
    expect(openLdapAccountState('20240101000000Z')).toEqual({ enabled: true, locked: true });
    expect(openLdapAccountState(undefined, true)).toEqual({ enabled: false, locked: false });
    expect(adPasswordValue('aé')).toEqual(Buffer.from([0x22, 0, 0x61, 0, 0xe9, 0, 0x22, 0]));
    // SEQUENCE { [0] "uid=a", [2] "pw" }
    expect(passwordModifyRequest('uid=a', 'pw').toString('hex')).toBe('300b8005756964 3d61 82027077'.replace(/ /g, ''));
  });
});

describe('setPassword (OpenLDAP)', () => {
  it('sets a new password the user can bind with; the old one stops working; slapd stores it hashed', async () => {
    expect(await canBind(userDn('jdoe'), 'initial-jdoe')).toBe(true);
    await openldap().setPassword('jdoe', 'N3w-pässwörd!', { mustChange: false });
    expect(await canBind(userDn('jdoe'), 'N3w-pässwörd!')).toBe(true);
    expect(await canBind(userDn('jdoe'), 'initial-jdoe')).toBe(false);
    const entry = await readAsAdmin(userDn('jdoe'), ['userPassword', 'pwdReset']);
    expect(String(entry?.userPassword)).toMatch(/^\{SSHA\}/);
    expect(entry?.pwdReset).toEqual([]);
  });

  it('marks the password for change at next sign-in only with ppolicy', async () => {
    await openldap().setPassword('asmith', 'Tmp-1-password', { mustChange: true });
    expect((await readAsAdmin(userDn('asmith'), ['pwdReset']))?.pwdReset).toEqual([]);
    await openldap({ ppolicy: true }).setPassword('asmith', 'Tmp-2-password', { mustChange: true });
    expect((await readAsAdmin(userDn('asmith'), ['pwdReset']))?.pwdReset).toBe('TRUE');
    expect(await canBind(userDn('asmith'), 'Tmp-2-password')).toBe(true);
  });

  it('refuses an unknown account (32) and a bind account without write access (50)', async () => {
    const unknown = await caught(openldap().setPassword('nobody', 'x-Secret-1', { mustChange: false }));
    expect(unknown).toBeInstanceOf(DirectoryRefusedError);
    expect(unknown).toMatchObject({ code: 32 });
    const weak = openldap({ bindDn: userDn('pat.nomail'), bindPassword: 'initial-pat.nomail' });
    expect((await weak.findUser({ by: 'id', id: 'sam.helper' }))?.id).toBe('sam.helper');
    const denied = await caught(weak.setPassword('sam.helper', 'x-Secret-1', { mustChange: false }));
    expect(denied).toBeInstanceOf(DirectoryRefusedError);
    expect(denied).toMatchObject({ code: 50 });
    expect((denied as Error).message).not.toContain('x-Secret-1');
    expect(await canBind(userDn('sam.helper'), 'initial-sam.helper')).toBe(true);
  });
});

describe('outages and refusals', () => {
  it('nothing listening → DirectoryUnavailableError', async () => {
    const dir = openldap({ url: `ldap://127.0.0.1:${await unusedPort()}`, timeoutMs: 500 });
    const error = await caught(dir.findUser({ by: 'id', id: 'jdoe' }));
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect((error as Error).message).toMatch(/could not reach ldap:\/\/127\.0\.0\.1:\d+/);
    expect((error as Error).message).not.toContain(slapd.bindPassword);
    expect(await caught(dir.setPassword('jdoe', 'x-Secret-1', { mustChange: false }))).toBeInstanceOf(DirectoryUnavailableError);
  });

  it('a hung server (SIGSTOP) → DirectoryUnavailableError by timeout', async () => {
    const dir = openldap({ timeoutMs: 300 });
    await slapd.pause();
    try {
      const user = DirectoryUser.parse({ id: 'jdoe', displayName: 'Jane Doe' });
      const errors = await Promise.all([caught(dir.findUser({ by: 'id', id: 'jdoe' })), caught(dir.groupsOf(user))]);
      for (const error of errors) {
        expect(error).toBeInstanceOf(DirectoryUnavailableError);
        expect((error as Error).message).toMatch(/timed out|timeout/i);
      }
    } finally {
      await slapd.resume();
    }
    expect((await dir.findUser({ by: 'id', id: 'jdoe' }))?.id).toBe('jdoe');
  });

  it('a wrong bind password → DirectoryRefusedError 49, told apart from unavailable', async () => {
    const error = await caught(openldap({ bindPassword: 'wrong-Passw0rd' }).findUser({ by: 'id', id: 'jdoe' }));
    expect(error).toBeInstanceOf(DirectoryRefusedError);
    expect(error).not.toBeInstanceOf(DirectoryUnavailableError);
    expect(error).toMatchObject({ code: 49 });
    expect((error as Error).message).not.toContain('wrong-Passw0rd');
  });

  it('a base DN the server cannot parse is refused (34), not reported as "no such user"', async () => {
    const error = await caught(openldap({ userBaseDn: 'nosuchattr=x,dc=example,dc=com' }).findUser({ by: 'id', id: 'jdoe' }));
    expect(error).toBeInstanceOf(DirectoryRefusedError);
    expect(error).toMatchObject({ code: 34 });
  });

  it('classifies server answers and transport failures', () => {
    const url = 'ldap://dc1';
    expect(classifyLdapError(new BusyError(), 'x', url)).toBeInstanceOf(DirectoryUnavailableError);
    expect(classifyLdapError(new UnavailableError(), 'x', url)).toBeInstanceOf(DirectoryUnavailableError);
    expect(classifyLdapError(new TimeLimitExceededError(), 'x', url)).toBeInstanceOf(DirectoryUnavailableError);
    expect(classifyLdapError(new InvalidCredentialsError(), 'x', url)).toMatchObject({ name: 'DirectoryRefusedError', code: 49 });
    expect(classifyLdapError(new MessageParserError('bad BER'), 'x', url)).toBeInstanceOf(DirectoryUnavailableError);
    expect(classifyLdapError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'x', url)).toBeInstanceOf(DirectoryUnavailableError);
    expect(classifyLdapError(new Error('Connection closed before message response was received.'), 'x', url)).toBeInstanceOf(DirectoryUnavailableError);
    const bug = new TypeError('x is not a function');
    expect(classifyLdapError(bug, 'x', url)).toBe(bug);
    const refused = new DirectoryRefusedError('no', 'ambiguous');
    expect(classifyLdapError(refused, 'x', url)).toBe(refused);
  });
});
