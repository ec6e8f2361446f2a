import { describe, expect, it } from 'vitest';
import { KIND_DEFAULTS, LdapConfigSchema, ldapConfigFromEnv, mailDomainOf } from '../../../src/config/directory.js';
import { loadConfig } from '../../../src/config/index.js';
import { ValidationError } from '../../../src/domain/errors.js';

const minimal = {
  LDAP_URL: 'ldap://ldap.example.com:389/',
  LDAP_BIND_DN: 'cn=svc,ou=services,dc=example,dc=com',
  LDAP_BIND_PASSWORD: 'hunter2',
  LDAP_BASE_DN: 'dc=example,dc=com',
};
const issuesOf = (env: Record<string, string>) => {
  try {
    ldapConfigFromEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message).not.toContain('hunter2');
    return (e as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
};

describe('LDAP settings from the environment', () => {
  it('off while no LDAP_* variable is set (empty counts as unset)', () => {
    expect(ldapConfigFromEnv({ LDAP_URL: '', PATH: '/usr/bin' })).toBeUndefined();
    expect(loadConfig({}).ldap).toBeUndefined();
  });

  it('the kind sets the defaults; the base DN the search bases and the mail domain', () => {
    expect(loadConfig(minimal).ldap).toEqual({
      url: 'ldap://ldap.example.com:389',
      startTls: false,
      tlsCaFile: undefined,
      bindDn: minimal.LDAP_BIND_DN,
      bindPassword: 'hunter2',
      baseDn: 'dc=example,dc=com',
      userBaseDn: 'dc=example,dc=com',
      groupBaseDn: 'dc=example,dc=com',
      timeoutMs: 2000,
      kind: 'openldap',
      groupStrategy: 'memberOf',
      externalIdAttributes: {},
      attributes: KIND_DEFAULTS.openldap.attributes,
      userFilter: '(objectClass=inetOrgPerson)',
      groupFilter: '(objectClass=groupOfNames)',
      disabled: undefined,
      ppolicy: false,
      mailDomain: 'example.com',
    });
    expect(ldapConfigFromEnv({ ...minimal, LDAP_KIND: 'ad' })).toMatchObject({ groupStrategy: 'in-chain', userFilter: KIND_DEFAULTS.ad.userFilter });
  });

  it('reads flags, numbers, JSON and lists', () => {
    expect(
      ldapConfigFromEnv({
        ...minimal,
        LDAP_STARTTLS: 'TRUE',
        LDAP_PPOLICY: '1',
        LDAP_TIMEOUT_MS: '5000',
        LDAP_EXTERNAL_ID_ATTRIBUTES: '{"jira":"employeeNumber"}',
        LDAP_ATTRIBUTES: '{"mail":"userPrincipalName"}',
        LDAP_DISABLED_ATTRIBUTE: 'employeeType',
        LDAP_DISABLED_VALUES: 'disabled, left,',
        LDAP_GROUP_FILTER: ' (objectClass=posixGroup) ',
        LDAP_MAIL_DOMAIN: 'corp.example.com',
      }),
    ).toMatchObject({
      startTls: true,
      ppolicy: true,
      timeoutMs: 5000,
      externalIdAttributes: { jira: 'employeeNumber' },
      attributes: { mail: 'userPrincipalName', id: 'uid' },
      disabled: { attribute: 'employeeType', values: ['disabled', 'left'] },
      groupFilter: '(objectClass=posixGroup)',
      mailDomain: 'corp.example.com',
    });
    expect(ldapConfigFromEnv({ ...minimal, LDAP_STARTTLS: 'false', LDAP_PPOLICY: '0' })).toMatchObject({ startTls: false, ppolicy: false });
  });

  it('names each bad variable once, what it holds is not echoed', () => {
    expect(issuesOf({ LDAP_STARTTLS: 'yes', LDAP_ATTRIBUTES: '{oops', LDAP_TIMEOUT_MS: '2s', LDAP_DISABLED_VALUES: 'x' })).toEqual([
      { path: 'LDAP_STARTTLS', message: 'true or false' },
      { path: 'LDAP_ATTRIBUTES', message: 'a JSON object, e.g. {"jira":"extensionAttribute1"}' },
      { path: 'LDAP_URL', message: 'required: ldap://host[:port] or ldaps://host[:port]' },
      { path: 'LDAP_BIND_DN', message: 'required: a DN such as cn=it-support,ou=services,dc=example,dc=com' },
      { path: 'LDAP_BIND_PASSWORD', message: 'required: the bind account password (anonymous binds are not supported)' },
      { path: 'LDAP_BASE_DN', message: 'required: a DN such as dc=example,dc=com' },
      { path: 'LDAP_TIMEOUT_MS', message: 'whole milliseconds, e.g. 2000' },
      { path: 'LDAP_DISABLED_ATTRIBUTE', message: 'required: the attribute that marks disabled accounts' },
    ]);
    expect(issuesOf({ ...minimal, LDAP_DISABLED_ATTRIBUTE: 'employeeType' })).toEqual([{ path: 'LDAP_DISABLED_VALUES', message: 'at least one value' }]);
    expect(issuesOf({ ...minimal, LDAP_EXTERNAL_ID_ATTRIBUTES: '{"jira":"not an attribute"}' }).map((i) => i.path)).toEqual([
      'LDAP_EXTERNAL_ID_ATTRIBUTES.jira',
    ]);
    expect(issuesOf({ ...minimal, LDAP_USER_FILTER: 'objectClass=user' })[0]!.message).toMatch(/in parentheses/);
  });

  it('refuses StartTLS on ldaps:// and in-chain outside Active Directory, by variable', () => {
    expect(issuesOf({ ...minimal, LDAP_URL: 'ldaps://ldap.example.com', LDAP_STARTTLS: 'true', LDAP_GROUP_STRATEGY: 'in-chain' }).map((i) => i.path)).toEqual([
      'LDAP_STARTTLS',
      'LDAP_GROUP_STRATEGY',
    ]);
  });

  it('loadConfig reports them with every other problem', () => {
    try {
      loadConfig({ LDAP_URL: 'ldap://x', HTTP_PORT: 'x' });
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).what).toBe('configuration (environment variables)');
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual(['HTTP_PORT', 'LDAP_BIND_DN', 'LDAP_BIND_PASSWORD', 'LDAP_BASE_DN']);
    }
  });
});

describe('LDAP settings given in code', () => {
  it('name the fields', () => {
    const result = LdapConfigSchema.safeParse({ url: 'ldap://x', bindDn: 'cn=a', bindPassword: 'p', baseDn: 'dc=e', kind: 'novell' });
    expect(result.error?.issues.map((i) => i.path)).toEqual([['kind']]);
  });

  it('derive the mail domain from the base DN', () => {
    expect(mailDomainOf('DC=corp,DC=Example,DC=com')).toBe('corp.example.com');
    expect(mailDomainOf('o=Example Corp')).toBeUndefined();
  });
});
