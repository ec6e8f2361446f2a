import { FilterParser } from 'ldapts';
import { z } from 'zod';
import { ALWAYS, pathToString, ValidationError, type FieldIssue } from '../domain/errors.js';
import { documented } from './settings.js';

// The LDAP / Active Directory connection (LDAP_* variables). Its variables form one JSON-like
// object (attributes, external ids), so they are read here by name rather than declared one by one
// in the flat environment schema; LDAP_ENV is the one list of their names.

const parseFilter = (text: string) => FilterParser.parseString(text);

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

/** What you configure (env LDAP_*); everything without a default is required. */
export interface LdapConfig {
  /** `ldap://host[:389]` (use startTls) or `ldaps://host[:636]`. Env LDAP_URL. */
  url: string;
  /** Upgrade the ldap:// connection with StartTLS before binding. Default false. Env LDAP_STARTTLS. */
  startTls?: boolean;
  /** PEM file with the CA certificate(s) of the server's certificate. Default: Node's public CAs. Env LDAP_CA_FILE. */
  tlsCaFile?: string;
  /** The service account the adapter binds as. Env LDAP_BIND_DN. */
  bindDn: string;
  /** Its password. Never logged, never in an error message. Env LDAP_BIND_PASSWORD. */
  bindPassword: string;
  /** Search base, e.g. `dc=example,dc=com`. Env LDAP_BASE_DN. */
  baseDn: string;
  /** Where users live. Default baseDn. Env LDAP_USER_BASE_DN. */
  userBaseDn?: string;
  /** Where groups live (groupOfNames and in-chain searches). Default baseDn. Env LDAP_GROUP_BASE_DN. */
  groupBaseDn?: string;
  /** Limit for connecting and for each operation, in ms. Default 2000. Env LDAP_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Directory flavour; drives attribute, filter and strategy defaults. Default 'openldap'. Env LDAP_KIND. */
  kind?: LdapKind;
  /**
   * How transitive groups are found. Default 'memberOf' (openldap), 'in-chain' (ad).
   * 'in-chain' needs Active Directory. Env LDAP_GROUP_STRATEGY.
   */
  groupStrategy?: LdapGroupStrategy;
  /** Help-desk system → attribute holding the user's id there, e.g. `{ "jira": "employeeNumber" }`. Default {}. Env LDAP_EXTERNAL_ID_ATTRIBUTES (JSON). */
  externalIdAttributes?: Record<string, string>;
  /** Overrides of the kind's attribute names. Env LDAP_ATTRIBUTES (JSON). */
  attributes?: Partial<LdapAttributes>;
  /** Which entries are people. Default `(objectClass=inetOrgPerson)` / `(&(objectCategory=person)(objectClass=user))`. Env LDAP_USER_FILTER. */
  userFilter?: string;
  /** Which entries are groups. Default `(objectClass=groupOfNames)` / `(objectClass=group)`. Env LDAP_GROUP_FILTER. */
  groupFilter?: string;
  /**
   * A site convention for disabled accounts, in addition to the kind's own (AD userAccountControl,
   * OpenLDAP pwdAccountLockedTime 000001010000Z): disabled when `attribute` holds one of `values`
   * (compared case-insensitively), e.g. `{ attribute: 'employeeType', values: ['disabled'] }`.
   * Env LDAP_DISABLED_ATTRIBUTE + LDAP_DISABLED_VALUES.
   */
  disabled?: { attribute: string; values: string[] };
  /** OpenLDAP runs the ppolicy overlay: a reset with mustChange also sets `pwdReset: TRUE`. Default false. Env LDAP_PPOLICY. */
  ppolicy?: boolean;
  /** Domain of the mail address of accounts the engine creates. Default: from the base DN's dc= parts. Env LDAP_MAIL_DOMAIN. */
  mailDomain?: string;
}

/** The configuration with every default applied. */
export interface ResolvedLdapConfig {
  url: string;
  startTls: boolean;
  tlsCaFile: string | undefined;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  userBaseDn: string;
  groupBaseDn: string;
  timeoutMs: number;
  kind: LdapKind;
  groupStrategy: LdapGroupStrategy;
  externalIdAttributes: Record<string, string>;
  attributes: LdapAttributes;
  userFilter: string;
  groupFilter: string;
  disabled: { attribute: string; values: string[] } | undefined;
  ppolicy: boolean;
  /** undefined when neither set nor derivable (no dc= in the base DN): account creation is then refused. */
  mailDomain: string | undefined;
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
  .regex(/^\(.*\)$/s, 'an LDAP filter in parentheses, e.g. (objectClass=inetOrgPerson)')
  .superRefine((text, ctx) => {
    try {
      parseFilter(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid LDAP filter: ${(error as Error).message}` });
    }
  });

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

export const LdapConfigSchema: z.ZodType<ResolvedLdapConfig, LdapConfig> = z
  .strictObject({
    url: text('ldap://host[:port] or ldaps://host[:port]')
      .trim()
      .regex(/^ldaps?:\/\/[^\s/?#]+\/?$/i, 'use ldap://host[:port] or ldaps://host[:port] (no path)'),
    startTls: z.boolean().default(false),
    tlsCaFile: z.string().min(1, 'a path to a PEM file').optional(),
    bindDn: dn('cn=it-support,ou=services,dc=example,dc=com'),
    bindPassword: text('the bind account password (anonymous binds are not supported)').min(
      1,
      'required: the bind account password (anonymous binds are not supported)',
    ),
    baseDn: dn('dc=example,dc=com'),
    userBaseDn: dn('ou=people,dc=example,dc=com').optional(),
    groupBaseDn: dn('ou=groups,dc=example,dc=com').optional(),
    timeoutMs: z
      .number({ error: 'whole milliseconds, e.g. 2000' })
      .int('whole milliseconds')
      .min(100, 'at least 100 ms')
      .max(60_000, 'at most 60000 ms')
      .default(2000),
    kind: z.enum(['openldap', 'ad'], 'openldap or ad').default('openldap'),
    groupStrategy: z.enum(['memberOf', 'in-chain', 'groupOfNames'], 'memberOf, in-chain or groupOfNames').optional(),
    externalIdAttributes: z.record(z.string().min(1), attributeName).default({}),
    attributes: Attributes.partial().default({}),
    userFilter: filterText.optional(),
    groupFilter: filterText.optional(),
    disabled: z
      .strictObject({
        attribute: text('the attribute that marks disabled accounts').pipe(attributeName),
        values: z.array(z.string().min(1)).min(1, 'at least one value'),
      })
      .optional(),
    ppolicy: z.boolean().default(false),
    mailDomain: z
      .string()
      .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'a mail domain such as example.com')
      .optional(),
  })
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
  .transform((c): ResolvedLdapConfig => {
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
      attributes: { ...defaults.attributes, ...overrides },
      userFilter: c.userFilter ?? defaults.userFilter,
      groupFilter: c.groupFilter ?? defaults.groupFilter,
      disabled: c.disabled,
      ppolicy: c.ppolicy,
      mailDomain: c.mailDomain ?? mailDomainOf(c.baseDn),
    };
  });

/** `dc=corp,dc=example,dc=com` → `corp.example.com`; undefined without dc= parts. */
export function mailDomainOf(baseDn: string): string | undefined {
  const parts = baseDn
    .split(',')
    .map((p) => /^\s*dc\s*=\s*(.+?)\s*$/i.exec(p)?.[1])
    .filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join('.').toLowerCase() : undefined;
}

/** The environment variable of each setting (LDAP_DISABLED_VALUES: comma-separated list). */
export const LDAP_ENV = {
  url: 'LDAP_URL',
  startTls: 'LDAP_STARTTLS',
  tlsCaFile: 'LDAP_CA_FILE',
  bindDn: 'LDAP_BIND_DN',
  bindPassword: 'LDAP_BIND_PASSWORD',
  baseDn: 'LDAP_BASE_DN',
  userBaseDn: 'LDAP_USER_BASE_DN',
  groupBaseDn: 'LDAP_GROUP_BASE_DN',
  timeoutMs: 'LDAP_TIMEOUT_MS',
  kind: 'LDAP_KIND',
  groupStrategy: 'LDAP_GROUP_STRATEGY',
  externalIdAttributes: 'LDAP_EXTERNAL_ID_ATTRIBUTES',
  attributes: 'LDAP_ATTRIBUTES',
  userFilter: 'LDAP_USER_FILTER',
  groupFilter: 'LDAP_GROUP_FILTER',
  disabled: 'LDAP_DISABLED_ATTRIBUTE',
  ppolicy: 'LDAP_PPOLICY',
  mailDomain: 'LDAP_MAIL_DOMAIN',
} as const satisfies Record<keyof LdapConfig, string>;

/**
 * Reads LDAP_* variables (see LDAP_ENV); undefined when none is set (no LDAP directory). Problems
 * are reported by variable name; the bind password is never echoed.
 */
export function ldapConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ResolvedLdapConfig | undefined {
  const get = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  if (![...Object.values(LDAP_ENV), 'LDAP_DISABLED_VALUES'].some((name) => get(name) !== undefined)) return undefined;
  const issues: FieldIssue[] = [];
  const flag = (name: string) => {
    const v = get(name);
    if (v === undefined) return undefined;
    if (/^(true|1)$/i.test(v)) return true;
    if (/^(false|0)$/i.test(v)) return false;
    issues.push({ path: name, message: 'true or false' });
    return undefined;
  };
  const json = (name: string) => {
    const v = get(name);
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      issues.push({ path: name, message: 'a JSON object, e.g. {"jira":"extensionAttribute1"}' });
      return undefined;
    }
  };
  const timeout = get(LDAP_ENV.timeoutMs);
  const disabledAttribute = get(LDAP_ENV.disabled);
  const disabledValues = get('LDAP_DISABLED_VALUES');
  const input = {
    url: get(LDAP_ENV.url),
    startTls: flag(LDAP_ENV.startTls),
    tlsCaFile: get(LDAP_ENV.tlsCaFile),
    bindDn: get(LDAP_ENV.bindDn),
    bindPassword: get(LDAP_ENV.bindPassword),
    baseDn: get(LDAP_ENV.baseDn),
    userBaseDn: get(LDAP_ENV.userBaseDn),
    groupBaseDn: get(LDAP_ENV.groupBaseDn),
    timeoutMs: timeout === undefined ? undefined : /^\d+$/.test(timeout) ? Number(timeout) : timeout,
    kind: get(LDAP_ENV.kind),
    groupStrategy: get(LDAP_ENV.groupStrategy),
    externalIdAttributes: json(LDAP_ENV.externalIdAttributes),
    attributes: json(LDAP_ENV.attributes),
    userFilter: get(LDAP_ENV.userFilter),
    groupFilter: get(LDAP_ENV.groupFilter),
    disabled:
      disabledAttribute === undefined && disabledValues === undefined
        ? undefined
        : {
            attribute: disabledAttribute,
            values: (disabledValues ?? '')
              .split(',')
              .map((v) => v.trim())
              .filter(Boolean),
          },
    ppolicy: flag(LDAP_ENV.ppolicy),
    mailDomain: get(LDAP_ENV.mailDomain),
  };
  const parsed = LdapConfigSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [field, ...rest] = issue.path;
      let name: string = LDAP_ENV[field as keyof typeof LDAP_ENV] ?? pathToString(issue.path);
      if (field === 'disabled' && rest[0] === 'values') name = 'LDAP_DISABLED_VALUES';
      else if (field !== 'disabled' && rest.length > 0) name += `.${pathToString(rest)}`;
      if (!issues.some((i) => i.path === name)) issues.push({ path: name, message: issue.message });
    }
  }
  if (issues.length > 0) throw new ValidationError('LDAP configuration (environment variables)', issues);
  return (parsed as { data: ResolvedLdapConfig }).data;
}

export const directorySettings = documented('Directory: LDAP / Active Directory (unset: the demo directory in content/directory.yaml)', [
  [LDAP_ENV.url, '`ldap://host[:port]` or `ldaps://host[:port]`'],
  [LDAP_ENV.startTls, 'upgrade an ldap:// connection with StartTLS', '`false`'],
  [LDAP_ENV.tlsCaFile, 'PEM file of the CA that signed the server certificate'],
  [LDAP_ENV.bindDn, 'DN of the bind account, e.g. cn=it-support,ou=services,dc=example,dc=com'],
  [LDAP_ENV.bindPassword, 'password of the bind account (never echoed in errors)'],
  [LDAP_ENV.baseDn, 'base DN, e.g. dc=example,dc=com'],
  [LDAP_ENV.userBaseDn, 'where users are searched', '`LDAP_BASE_DN`'],
  [LDAP_ENV.groupBaseDn, 'where groups are searched', '`LDAP_BASE_DN`'],
  [LDAP_ENV.timeoutMs, 'connect and operation timeout in ms (100 to 60000)', '`2000`'],
  [LDAP_ENV.kind, '`openldap` or `ad` (sets attribute, filter and group defaults)', '`openldap`'],
  [LDAP_ENV.groupStrategy, '`memberOf`, `in-chain` (AD only) or `groupOfNames`', 'by kind'],
  [LDAP_ENV.externalIdAttributes, 'JSON: the attribute holding each help desk\'s account id, e.g. {"jira":"extensionAttribute1"}', '`{}`'],
  [
    LDAP_ENV.attributes,
    "JSON: attribute names that differ from the kind's defaults (id, displayName, mail, manager, department, groupId, memberOf, member)",
    'by kind',
  ],
  [LDAP_ENV.userFilter, 'LDAP filter of user entries', 'by kind'],
  [LDAP_ENV.groupFilter, 'LDAP filter of group entries', 'by kind'],
  [LDAP_ENV.disabled, 'attribute that marks disabled accounts (with LDAP_DISABLED_VALUES)'],
  ['LDAP_DISABLED_VALUES', 'comma-separated values of that attribute that mean disabled'],
  [LDAP_ENV.ppolicy, 'OpenLDAP runs the ppolicy overlay: a reset with change-at-next-sign-in also sets pwdReset', '`false`'],
  [LDAP_ENV.mailDomain, 'mail domain of accounts created in LDAP/AD (`<id>@<domain>`)', "from the base DN's dc= parts"],
]);
