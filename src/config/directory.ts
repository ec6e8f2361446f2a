import { z } from 'zod';
import { ALWAYS } from '../domain/errors.js';
import { commaList, defineSettings, group, setting, type Env } from './settings.js';

// The LDAP / Active Directory connection (LDAP_* variables), one setting each. The same schema
// checks settings given in code (new LdapDirectory({...})), where issues name the fields. Whether a
// filter parses as LDAP filter syntax is the adapter's check (src/activities/directory/ldap.ts).

export type LdapKind = 'openldap' | 'ad';
export type LdapGroupStrategy = 'memberOf' | 'in-chain' | 'groupOfNames';

/** Attribute names the adapter reads. Defaults depend on `kind` (see KIND_DEFAULTS). */
export interface LdapAttributes {
  /** The account id users and policies use: `uid` (OpenLDAP), `sAMAccountName` (AD). */
  id: string;
  /** `cn` (OpenLDAP), `displayName` (AD); falls back to `cn`, then to the id. */
  displayName: string;
  /** `mail`. */
  mail: string;
  /** A DN, resolved to the manager's id: `manager`. */
  manager: string;
  /** `departmentNumber` (OpenLDAP, inetOrgPerson), `department` (AD). */
  department: string;
  /** The group id policies name: `cn`. */
  groupId: string;
  /** The direct-membership back-link on users and groups: `memberOf`. */
  memberOf: string;
  /** The member list on groups: `member`. */
  member: string;
}

export const KIND_DEFAULTS: Record<LdapKind, { attributes: LdapAttributes; userFilter: string; groupFilter: string; groupStrategy: LdapGroupStrategy }> = {
  openldap: {
    attributes: {
      id: 'uid',
      displayName: 'cn',
      mail: 'mail',
      manager: 'manager',
      department: 'departmentNumber',
      groupId: 'cn',
      memberOf: 'memberOf',
      member: 'member',
    },
    userFilter: '(objectClass=inetOrgPerson)',
    groupFilter: '(objectClass=groupOfNames)',
    groupStrategy: 'memberOf',
  },
  ad: {
    attributes: {
      id: 'sAMAccountName',
      displayName: 'displayName',
      mail: 'mail',
      manager: 'manager',
      department: 'department',
      groupId: 'cn',
      memberOf: 'memberOf',
      member: 'member',
    },
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    groupFilter: '(objectClass=group)',
    groupStrategy: 'in-chain',
  },
};

const attributeName = z.string().regex(/^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/, 'an LDAP attribute name (letters, digits, dash), e.g. employeeNumber');
/** A string schema whose "missing" message says what is expected. */
const text = (expected: string) => z.string({ error: (issue) => (issue.input === undefined ? `required: ${expected}` : `${expected} (text)`) });
const dn = (example: string) =>
  text(`a DN such as ${example}`)
    .trim()
    .min(1, `required, e.g. ${example}`)
    .regex(/^[A-Za-z][A-Za-z0-9-]*=|^\d+(?:\.\d+)+=/, `a DN such as ${example}`);
const filterText = z
  .string()
  .trim()
  .regex(/^\(.*\)$/s, 'an LDAP filter in parentheses, e.g. (objectClass=inetOrgPerson)');

const Attributes = z.strictObject({
  id: attributeName,
  displayName: attributeName,
  mail: attributeName,
  manager: attributeName,
  department: attributeName,
  groupId: attributeName,
  memberOf: attributeName,
  member: attributeName,
});

// How the variables' text becomes the settings' values.
const envFlag = z.string().transform((v, ctx) => {
  if (/^(true|1)$/i.test(v)) return true;
  if (/^(false|0)$/i.test(v)) return false;
  ctx.addIssue({ code: 'custom', message: 'true or false' });
  return z.NEVER;
});
const envJson = z.string().transform((v, ctx) => {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'a JSON object, e.g. {"jira":"extensionAttribute1"}' });
    return z.NEVER;
  }
});
/** Digits become a number; anything else stays text, for the number schema to name. */
const envWholeNumber = z.string().transform((v) => (/^\d+$/.test(v) ? Number(v) : v));

export const ldapSettings = defineSettings(
  'Directory: LDAP / Active Directory (unset: the demo directory in content/directory.yaml)',
  {
    url: setting(
      'LDAP_URL',
      text('ldap://host[:port] or ldaps://host[:port]')
        .trim()
        .regex(/^ldaps?:\/\/[^\s/?#]+\/?$/i, 'use ldap://host[:port] or ldaps://host[:port] (no path)'),
      'required: `ldap://host[:port]` (with LDAP_STARTTLS) or `ldaps://host[:port]`',
    ),
    startTls: setting('LDAP_STARTTLS', z.boolean().default(false), 'upgrade an ldap:// connection with StartTLS before binding', { fromEnv: envFlag }),
    tlsCaFile: setting(
      'LDAP_CA_FILE',
      z.string().min(1, 'a path to a PEM file').optional(),
      "PEM file of the CA that signed the server certificate (unset: Node's public CAs)",
    ),
    bindDn: setting('LDAP_BIND_DN', dn('cn=it-support,ou=services,dc=example,dc=com'), 'required: DN of the service account the adapter binds as'),
    bindPassword: setting(
      'LDAP_BIND_PASSWORD',
      text('the bind account password (anonymous binds are not supported)').min(1, 'required: the bind account password (anonymous binds are not supported)'),
      'required: password of the bind account (never logged, never echoed in errors)',
    ),
    baseDn: setting('LDAP_BASE_DN', dn('dc=example,dc=com'), 'required: search base, e.g. dc=example,dc=com'),
    userBaseDn: setting('LDAP_USER_BASE_DN', dn('ou=people,dc=example,dc=com').optional(), 'where users are searched', { shownDefault: '`LDAP_BASE_DN`' }),
    groupBaseDn: setting('LDAP_GROUP_BASE_DN', dn('ou=groups,dc=example,dc=com').optional(), 'where groups are searched (groupOfNames and in-chain)', {
      shownDefault: '`LDAP_BASE_DN`',
    }),
    timeoutMs: setting(
      'LDAP_TIMEOUT_MS',
      z.number({ error: 'whole milliseconds, e.g. 2000' }).int('whole milliseconds').min(100, 'at least 100 ms').max(60_000, 'at most 60000 ms').default(2000),
      'limit for connecting and for each operation, in ms (100 to 60000)',
      { fromEnv: envWholeNumber },
    ),
    kind: setting(
      'LDAP_KIND',
      z.enum(['openldap', 'ad'], 'openldap or ad').default('openldap'),
      'directory flavour, `openldap` or `ad`: sets the attribute, filter and group-strategy defaults',
    ),
    groupStrategy: setting(
      'LDAP_GROUP_STRATEGY',
      z.enum(['memberOf', 'in-chain', 'groupOfNames'], 'memberOf, in-chain or groupOfNames').optional(),
      'how transitive groups are found: `memberOf`, `in-chain` (Active Directory only) or `groupOfNames`',
      { shownDefault: '`memberOf` (openldap), `in-chain` (ad)' },
    ),
    externalIdAttributes: setting(
      'LDAP_EXTERNAL_ID_ATTRIBUTES',
      z.record(z.string().min(1), attributeName).default({}),
      'JSON: the attribute holding each help desk\'s account id, e.g. {"jira":"extensionAttribute1"}',
      { fromEnv: envJson },
    ),
    attributes: setting(
      'LDAP_ATTRIBUTES',
      Attributes.partial().default({}),
      "JSON: attribute names that differ from the kind's defaults (id, displayName, mail, manager, department, groupId, memberOf, member)",
      { fromEnv: envJson, shownDefault: 'by kind' },
    ),
    userFilter: setting('LDAP_USER_FILTER', filterText.optional(), 'LDAP filter of user entries', { shownDefault: 'by kind' }),
    groupFilter: setting('LDAP_GROUP_FILTER', filterText.optional(), 'LDAP filter of group entries', { shownDefault: 'by kind' }),
    /**
     * A site convention for disabled accounts, in addition to the kind's own (AD userAccountControl,
     * OpenLDAP pwdAccountLockedTime 000001010000Z): disabled when `attribute` holds one of `values`
     * (compared case-insensitively), e.g. `{ attribute: 'employeeType', values: ['disabled'] }`.
     */
    disabled: group({
      attribute: setting(
        'LDAP_DISABLED_ATTRIBUTE',
        text('the attribute that marks disabled accounts').pipe(attributeName),
        'attribute that marks disabled accounts (with LDAP_DISABLED_VALUES)',
      ),
      values: setting(
        'LDAP_DISABLED_VALUES',
        z.array(z.string().min(1), { error: (issue) => (issue.input === undefined ? 'at least one value' : undefined) }).min(1, 'at least one value'),
        'comma-separated values of that attribute that mean disabled (compared case-insensitively)',
        { fromEnv: commaList },
      ),
    }),
    ppolicy: setting('LDAP_PPOLICY', z.boolean().default(false), 'OpenLDAP runs the ppolicy overlay: a reset with change-at-next-sign-in also sets pwdReset', {
      fromEnv: envFlag,
    }),
    mailDomain: setting(
      'LDAP_MAIL_DOMAIN',
      z
        .string()
        .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'a mail domain such as example.com')
        .optional(),
      'mail domain of accounts created in LDAP/AD (`<id>@<domain>`)',
      { shownDefault: "from the base DN's dc= parts" },
    ),
  },
  {
    blank: 'empty-is-unset',
    optional: true,
    what: 'LDAP configuration (environment variables)',
    schema: (object) =>
      object
        .superRefine((c, ctx) => {
          // Runs even when fields are invalid (ALWAYS), so it reads defensively.
          const { url, startTls, kind, groupStrategy } = c as Partial<Record<string, unknown>>;
          if (startTls === true && typeof url === 'string' && /^\s*ldaps:/i.test(url)) {
            ctx.addIssue({
              code: 'custom',
              path: ['startTls'],
              message: 'StartTLS upgrades ldap:// connections, and an ldaps:// URL is encrypted already: turn one of them off',
            });
          }
          if (groupStrategy === 'in-chain' && (kind ?? 'openldap') !== 'ad') {
            ctx.addIssue({
              code: 'custom',
              path: ['groupStrategy'],
              message:
                "'in-chain' uses Active Directory's LDAP_MATCHING_RULE_IN_CHAIN, which other servers ignore (they return no groups, a silent under-count): use memberOf or groupOfNames, or set kind to ad",
            });
          }
        }, ALWAYS)
        .transform((c) => {
          const defaults = KIND_DEFAULTS[c.kind];
          const overrides = Object.fromEntries(Object.entries(c.attributes).filter(([, v]) => v !== undefined));
          return {
            url: c.url.replace(/\/$/, ''),
            startTls: c.startTls,
            tlsCaFile: c.tlsCaFile,
            bindDn: c.bindDn,
            bindPassword: c.bindPassword,
            baseDn: c.baseDn,
            userBaseDn: c.userBaseDn ?? c.baseDn,
            groupBaseDn: c.groupBaseDn ?? c.baseDn,
            timeoutMs: c.timeoutMs,
            kind: c.kind,
            groupStrategy: c.groupStrategy ?? defaults.groupStrategy,
            externalIdAttributes: c.externalIdAttributes,
            attributes: { ...defaults.attributes, ...overrides } as LdapAttributes,
            userFilter: c.userFilter ?? defaults.userFilter,
            groupFilter: c.groupFilter ?? defaults.groupFilter,
            disabled: c.disabled,
            ppolicy: c.ppolicy,
            /** undefined when neither set nor derivable (no dc= in the base DN): account creation is then refused. */
            mailDomain: c.mailDomain ?? mailDomainOf(c.baseDn),
          };
        }),
  },
);

/** The LDAP settings given in code; everything without a default is required. */
export const LdapConfigSchema = ldapSettings.schema;
/** What you configure (in code, or as LDAP_* variables). */
export type LdapConfig = z.input<typeof LdapConfigSchema>;
/** The configuration with every default applied. */
export type ResolvedLdapConfig = z.output<typeof LdapConfigSchema>;

/** `dc=corp,dc=example,dc=com` → `corp.example.com`; undefined without dc= parts. */
export function mailDomainOf(baseDn: string): string | undefined {
  const parts = baseDn
    .split(',')
    .map((p) => /^\s*dc\s*=\s*(.+?)\s*$/i.exec(p)?.[1])
    .filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join('.').toLowerCase() : undefined;
}

/**
 * Reads the LDAP_* variables; undefined when none is set (empty counts as unset: no LDAP
 * directory). Problems are reported by variable name; the bind password is never echoed.
 */
export function ldapConfigFromEnv(env: Env): ResolvedLdapConfig | undefined {
  return ldapSettings.fromEnv(env);
}
