import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import {
  Attribute,
  Change,
  Client,
  type Entry,
  type Filter,
  InvalidAsn1Error,
  MessageParserError,
  NoSuchObjectError,
  ObjectClassViolationError,
  ResultCodeError,
  type SearchOptions,
  TypeOrValueExistsError,
  NoSuchAttributeError,
  EqualityFilter,
  AndFilter,
} from 'ldapts';
import { z } from 'zod';
import type { DirectoryUser, UserLookup } from '../../domain/permissions/directory.js';
import { ALWAYS, parseOrThrow, pathToString, ValidationError, type FieldIssue } from '../../domain/errors.js';
import {
  ADMIN_LOCK,
  adPasswordValue,
  decodeUserAccountControl,
  groupsWithMembersFilter,
  inChainGroupsSearch,
  openLdapAccountState,
  parseFilter,
  PASSWORD_MODIFY_OID,
  passwordModifyRequest,
  userLookupFilter,
} from './ldapFilters.js';
import { DirectoryRefusedError, DirectoryUnavailableError, type DirectoryPort, type NewAccount } from './port.js';

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
    attributes: { id: 'uid', displayName: 'cn', mail: 'mail', manager: 'manager', department: 'departmentNumber', groupId: 'cn', memberOf: 'memberOf', member: 'member' },
    userFilter: '(objectClass=inetOrgPerson)',
    groupFilter: '(objectClass=groupOfNames)',
    groupStrategy: 'memberOf',
  },
  ad: {
    attributes: { id: 'sAMAccountName', displayName: 'displayName', mail: 'mail', manager: 'manager', department: 'department', groupId: 'cn', memberOf: 'memberOf', member: 'member' },
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    groupFilter: '(objectClass=group)',
    groupStrategy: 'in-chain',
  },
};

const attributeName = z
  .string()
  .regex(/^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/, 'an LDAP attribute name (letters, digits, dash), e.g. employeeNumber');
/** A string schema whose "missing" message says what is expected. */
const text = (expected: string) => z.string({ error: (issue) => (issue.input === undefined ? `required: ${expected}` : `${expected} (text)`) });
const dn = (example: string) =>
  text(`a DN such as ${example}`).trim().min(1, `required, e.g. ${example}`).regex(/^[A-Za-z][A-Za-z0-9-]*=|^\d+(?:\.\d+)+=/, `a DN such as ${example}`);
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
    url: text('ldap://host[:port] or ldaps://host[:port]').trim().regex(/^ldaps?:\/\/[^\s/?#]+\/?$/i, 'use ldap://host[:port] or ldaps://host[:port] (no path)'),
    startTls: z.boolean().default(false),
    tlsCaFile: z.string().min(1, 'a path to a PEM file').optional(),
    bindDn: dn('cn=it-support,ou=services,dc=example,dc=com'),
    bindPassword: text('the bind account password (anonymous binds are not supported)').min(1, 'required: the bind account password (anonymous binds are not supported)'),
    baseDn: dn('dc=example,dc=com'),
    userBaseDn: dn('ou=people,dc=example,dc=com').optional(),
    groupBaseDn: dn('ou=groups,dc=example,dc=com').optional(),
    timeoutMs: z.number({ error: 'whole milliseconds, e.g. 2000' }).int('whole milliseconds').min(100, 'at least 100 ms').max(60_000, 'at most 60000 ms').default(2000),
    kind: z.enum(['openldap', 'ad'], 'openldap or ad').default('openldap'),
    groupStrategy: z.enum(['memberOf', 'in-chain', 'groupOfNames'], 'memberOf, in-chain or groupOfNames').optional(),
    externalIdAttributes: z.record(z.string().min(1), attributeName).default({}),
    attributes: Attributes.partial().default({}),
    userFilter: filterText.optional(),
    groupFilter: filterText.optional(),
    disabled: z.strictObject({ attribute: text('the attribute that marks disabled accounts').pipe(attributeName), values: z.array(z.string().min(1)).min(1, 'at least one value') }).optional(),
    ppolicy: z.boolean().default(false),
    mailDomain: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'a mail domain such as example.com').optional(),
  })
  .superRefine((c, ctx) => {
    // Runs even when fields are invalid (ALWAYS), so it reads defensively.
    const { url, startTls, kind, groupStrategy } = c as Partial<Record<string, unknown>>;
    if (startTls === true && typeof url === 'string' && /^\s*ldaps:/i.test(url)) {
      ctx.addIssue({ code: 'custom', path: ['startTls'], message: 'StartTLS upgrades ldap:// connections, and an ldaps:// URL is encrypted already: turn one of them off' });
    }
    if (groupStrategy === 'in-chain' && (kind ?? 'openldap') !== 'ad') {
      ctx.addIssue({
        code: 'custom',
        path: ['groupStrategy'],
        message: "'in-chain' uses Active Directory's LDAP_MATCHING_RULE_IN_CHAIN, which other servers ignore (they return no groups, a silent under-count): use memberOf or groupOfNames, or set kind to ad",
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
  const parts = baseDn.split(',').map((p) => /^\s*dc\s*=\s*(.+?)\s*$/i.exec(p)?.[1]).filter((p): p is string => p !== undefined);
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
        : { attribute: disabledAttribute, values: (disabledValues ?? '').split(',').map((v) => v.trim()).filter(Boolean) },
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

/** Server answers that mean "try again later", not "no". timeLimitExceeded (3) is our own timeLimit. */
const UNAVAILABLE_CODES = new Set([3, 51, 52]);
const TRANSPORT_MESSAGE = /timed out|timeout|connection|socket|ECONN|EPIPE|EHOST|ENETUNREACH|ENOTFOUND|EAI_AGAIN|TLS|certificate/i;

/**
 * Maps an error from an LDAP session onto the port's two failure kinds: could not ask
 * (DirectoryUnavailableError) or the server said no (DirectoryRefusedError). Anything else (a
 * bug) passes through unchanged.
 */
export function classifyLdapError(error: unknown, what: string, url: string): unknown {
  if (error instanceof DirectoryUnavailableError || error instanceof DirectoryRefusedError) return error;
  if (error instanceof ResultCodeError) {
    if (UNAVAILABLE_CODES.has(error.code)) {
      return new DirectoryUnavailableError(`LDAP ${what}: ${url} is busy or unavailable (result code ${error.code}): ${error.message}`, { cause: error });
    }
    return new DirectoryRefusedError(`LDAP ${what} refused by ${url} (result code ${error.code}): ${error.message}`, error.code, { cause: error });
  }
  if (error instanceof MessageParserError || error instanceof InvalidAsn1Error) {
    return new DirectoryUnavailableError(`LDAP ${what}: unreadable answer from ${url}: ${error.message}`, { cause: error });
  }
  if (error instanceof Error && (typeof (error as NodeJS.ErrnoException).code === 'string' || TRANSPORT_MESSAGE.test(error.message))) {
    return new DirectoryUnavailableError(`LDAP ${what}: could not reach ${url}: ${error.message}`, { cause: error });
  }
  return error;
}

/** All values of an attribute, whatever case the server spelt its name in. */
function values(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((k) => k.toLowerCase() === wanted);
  if (key === undefined || key === 'dn') return [];
  const raw = entry[key] as Entry[string];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)).filter((v) => v !== '');
}
const first = (entry: Entry, attribute: string): string | undefined => values(entry, attribute)[0];
const dnKey = (dn: string) => dn.toLowerCase().replace(/\s*,\s*/g, ',');

/** DNs per groupOfNames search, to keep filters a sensible size. */
const MEMBER_CHUNK = 50;

/** Where an account records the request that created it (see DirectoryPort.createAccount). */
const PROVENANCE_ATTRIBUTE = 'description';
const provenance = (createdBy: string) => `Created by IT-support automation, request ${createdBy}`;
/** Ids the engine creates accounts for: also safe as an RDN value without escaping. */
const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * DirectoryPort over LDAP: OpenLDAP or Active Directory. One connection per call (connect,
 * StartTLS, bind, work, unbind), so there is no pool to leak or to go stale.
 */
export class LdapDirectory implements DirectoryPort {
  readonly #config: ResolvedLdapConfig;
  readonly #tls: ConnectionOptions;
  readonly #userFilter: Filter;
  readonly #groupFilter: Filter;

  constructor(config: LdapConfig) {
    this.#config = parseOrThrow(LdapConfigSchema, config, 'LDAP configuration');
    const host = new URL(this.#config.url).hostname.replace(/^\[|\]$/g, '');
    // ldapts does not name the host when it upgrades with StartTLS: name it, or the certificate is
    // checked against the wrong name.
    this.#tls = { host, ...(isIP(host) ? {} : { servername: host }) };
    if (this.#config.tlsCaFile) {
      try {
        this.#tls.ca = readFileSync(this.#config.tlsCaFile);
      } catch (error) {
        throw new Error(`LDAP configuration: cannot read the CA file ${this.#config.tlsCaFile}: ${(error as Error).message}`);
      }
    }
    this.#userFilter = parseFilter(this.#config.userFilter);
    this.#groupFilter = parseFilter(this.#config.groupFilter);
  }

  /** The effective configuration without the bind password (for start-up output). */
  describe(): Omit<ResolvedLdapConfig, 'bindPassword'> {
    const { bindPassword: _secret, ...rest } = this.#config;
    return structuredClone(rest);
  }

  async findUser(lookup: UserLookup): Promise<DirectoryUser | null> {
    const c = this.#config;
    const filter = userLookupFilter(this.#userFilter, c.attributes, c.externalIdAttributes, lookup);
    if (!filter) return null;
    return this.#session(`user lookup by ${lookup.by}`, async (client) => {
      // Two are enough to tell "one" from "ambiguous".
      const entries = await this.#search(client, c.userBaseDn, { filter, attributes: this.#userAttributes(), sizeLimit: 2 });
      if (entries.length > 1) {
        throw new DirectoryRefusedError(`LDAP user lookup by ${lookup.by}: more than one entry matches (accounts must be unique)`, 'ambiguous');
      }
      const entry = entries[0];
      return entry ? this.#toUser(client, entry) : null;
    });
  }

  async groupsOf(user: DirectoryUser): Promise<string[]> {
    const c = this.#config;
    return this.#session('group lookup', async (client) => {
      const entry = await this.#userEntry(client, user.id, [c.attributes.memberOf]);
      if (!entry) return [];
      let ids: Set<string>;
      switch (c.groupStrategy) {
        case 'memberOf':
          ids = await this.#walkMemberOf(client, values(entry, c.attributes.memberOf), Infinity);
          break;
        case 'groupOfNames':
          ids = await this.#walkMembers(client, entry.dn, Infinity);
          break;
        case 'in-chain': {
          const { base, options } = inChainGroupsSearch(c.groupBaseDn, this.#groupFilter, c.attributes, entry.dn);
          const groups = await this.#search(client, base, options);
          ids = new Set(groups.flatMap((g) => values(g, c.attributes.groupId).slice(0, 1)));
          break;
        }
      }
      return [...ids].sort();
    });
  }

  async setPassword(userId: string, password: string, options: { mustChange: boolean }): Promise<void> {
    const c = this.#config;
    if (c.kind === 'ad' && !c.startTls && !/^ldaps:/i.test(c.url)) {
      throw new DirectoryRefusedError(
        'Active Directory accepts password changes only over an encrypted connection: use an ldaps:// URL or turn on StartTLS',
        'tls-required',
      );
    }
    await this.#session('password change', async (client) => {
      const entry = await this.#userEntry(client, userId, ['1.1']);
      if (!entry) throw new DirectoryRefusedError(`LDAP password change: no account with ${c.attributes.id} "${userId}"`, 32);
      if (c.kind === 'ad') {
        const changes = [new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [adPasswordValue(password)] }) })];
        if (options.mustChange) changes.push(new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) }));
        await client.modify(entry.dn, changes);
        return;
      }
      // The Password Modify operation lets slapd hash the password (password-hash, ppolicy); a plain
      // replace of userPassword would store it as sent.
      await client.exop(PASSWORD_MODIFY_OID, passwordModifyRequest(entry.dn, password));
      if (options.mustChange && c.ppolicy) {
        await client.modify(entry.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdReset', values: ['TRUE'] }) }));
      }
    });
  }

  async unlock(userId: string): Promise<{ wasLocked: boolean }> {
    const c = this.#config;
    return this.#session('unlock', async (client) => {
      const state = c.kind === 'ad' ? ['lockoutTime'] : ['pwdAccountLockedTime'];
      const entry = await this.#userEntry(client, userId, state);
      if (!entry) throw new DirectoryRefusedError(`LDAP unlock: no account with ${c.attributes.id} "${userId}"`, 32);
      if (c.kind === 'ad') {
        const locked = decodeUserAccountControl('0', first(entry, 'lockoutTime')).locked;
        if (locked) await client.modify(entry.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) }));
        return { wasLocked: locked };
      }
      const lockedAt = first(entry, 'pwdAccountLockedTime');
      // ppolicy's administrator lock means "disabled": unlocking must not re-enable an account.
      if (lockedAt === undefined || lockedAt.trim() === ADMIN_LOCK) return { wasLocked: false };
      await client.modify(entry.dn, new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime', values: [] }) }));
      return { wasLocked: true };
    });
  }

  /**
   * OpenLDAP: `uid=<id>,<userBaseDn>`, inetOrgPerson, no password (nobody can bind until the
   * password-reset flow sets one). Active Directory: `CN=<id>,<userBaseDn>`, class user,
   * userAccountControl 512 (enabled), and an unguessable random password that is never kept or
   * shown (AD refuses enabled accounts without one, and takes passwords only over TLS).
   */
  async createAccount(input: NewAccount): Promise<{ created: boolean }> {
    const c = this.#config;
    const a = c.attributes;
    if (!ACCOUNT_ID.test(input.userId)) throw new DirectoryRefusedError(`LDAP account creation: "${input.userId}" is not an account id (letters, digits, dot, dash, underscore)`, 'invalid-id');
    if (!c.mailDomain) {
      throw new DirectoryRefusedError('LDAP account creation needs the mail domain: set LDAP_MAIL_DOMAIN (the base DN has no dc= parts to derive it from)', 'config');
    }
    const encrypted = c.startTls || /^ldaps:/i.test(c.url);
    if (c.kind === 'ad' && !encrypted) {
      throw new DirectoryRefusedError('Active Directory creates enabled accounts only with a password, and takes passwords only over an encrypted connection: use an ldaps:// URL or turn on StartTLS', 'tls-required');
    }
    const mailDomain = c.mailDomain;
    return this.#session('account creation', async (client) => {
      const existing = await this.#userEntry(client, input.userId, [PROVENANCE_ATTRIBUTE]);
      if (existing) return { created: input.createdBy !== undefined && values(existing, PROVENANCE_ATTRIBUTE).includes(provenance(input.createdBy)) };
      let managerDn: string | undefined;
      if (input.manager !== undefined) {
        const manager = await this.#userEntry(client, input.manager, ['1.1']);
        if (!manager) throw new DirectoryRefusedError(`LDAP account creation: manager "${input.manager}" has no account`, 'unknown-manager');
        managerDn = manager.dn;
      }
      const attributes: Record<string, string[]> = {};
      const set = (name: string, value: string | undefined) => {
        if (value !== undefined && value !== '' && !attributes[name]) attributes[name] = [value];
      };
      const surname = input.displayName.trim().split(/\s+/).pop() ?? input.userId;
      let dn: string;
      if (c.kind === 'ad') {
        dn = `CN=${input.userId},${c.userBaseDn}`;
        attributes.objectClass = ['top', 'person', 'organizationalPerson', 'user'];
        set('cn', input.userId);
        set('userAccountControl', '512');
      } else {
        dn = `${a.id}=${input.userId},${c.userBaseDn}`;
        attributes.objectClass = ['top', 'person', 'organizationalPerson', 'inetOrgPerson'];
        set('cn', input.displayName);
      }
      set(a.id, input.userId);
      set(a.displayName, input.displayName);
      set('sn', surname);
      set(a.mail, `${input.userId}@${mailDomain}`);
      set(a.department, input.department);
      set('title', input.title);
      set(a.manager, managerDn);
      if (input.createdBy !== undefined) set(PROVENANCE_ATTRIBUTE, provenance(input.createdBy));
      const list = Object.entries(attributes).map(([type, vals]) => new Attribute({ type, values: vals }));
      if (c.kind === 'ad') list.push(new Attribute({ type: 'unicodePwd', values: [adPasswordValue(`${randomBytes(24).toString('base64url')}aA1!`)] }));
      await client.add(dn, list);
      return { created: true };
    });
  }

  async deleteAccount(userId: string, options: { createdBy?: string } = {}): Promise<{ deleted: boolean }> {
    const c = this.#config;
    return this.#session('account deletion', async (client) => {
      const entry = await this.#userEntry(client, userId, [PROVENANCE_ATTRIBUTE]);
      if (!entry) return { deleted: false };
      if (options.createdBy !== undefined && !values(entry, PROVENANCE_ATTRIBUTE).includes(provenance(options.createdBy))) return { deleted: false };
      // Servers without referential integrity (OpenLDAP without refint) would keep the DN in member lists.
      const groups = await this.#search(client, c.groupBaseDn, {
        filter: groupsWithMembersFilter(this.#groupFilter, c.attributes.member, [entry.dn]),
        attributes: [c.attributes.groupId],
        paged: { pageSize: 500 },
      });
      for (const group of groups) await this.#removeMember(client, group.dn, first(group, c.attributes.groupId) ?? group.dn, entry.dn);
      await client.del(entry.dn);
      return { deleted: true };
    });
  }

  async addToGroups(userId: string, groups: string[]): Promise<{ added: string[] }> {
    const c = this.#config;
    return this.#session('group membership change', async (client) => {
      const user = await this.#userEntry(client, userId, ['1.1']);
      if (!user) throw new DirectoryRefusedError(`LDAP group membership change: no account with ${c.attributes.id} "${userId}"`, 32);
      const wanted = [...new Set(groups)];
      const entries = await Promise.all(wanted.map((g) => this.#groupEntry(client, g)));
      const unknown = wanted.filter((_, i) => !entries[i]);
      if (unknown.length > 0) {
        throw new DirectoryRefusedError(`LDAP: unknown group${unknown.length > 1 ? 's' : ''} ${unknown.map((g) => `"${g}"`).join(', ')} (no ${c.attributes.groupId} of that name under ${c.groupBaseDn})`, 'unknown-group');
      }
      const added: string[] = [];
      for (const [i, group] of wanted.entries()) {
        const groupDn = (entries[i] as Entry).dn;
        if (await this.#isMember(client, groupDn, user.dn)) continue;
        try {
          await client.modify(groupDn, new Change({ operation: 'add', modification: new Attribute({ type: c.attributes.member, values: [user.dn] }) }));
          added.push(group);
        } catch (error) {
          if (!(error instanceof TypeOrValueExistsError)) throw error; // added meanwhile
        }
      }
      return { added };
    });
  }

  async removeFromGroups(userId: string, groups: string[]): Promise<{ removed: string[] }> {
    return this.#session('group membership change', async (client) => {
      const user = await this.#userEntry(client, userId, ['1.1']);
      if (!user) return { removed: [] };
      const removed: string[] = [];
      for (const group of new Set(groups)) {
        const entry = await this.#groupEntry(client, group);
        if (entry && (await this.#removeMember(client, entry.dn, group, user.dn))) removed.push(group);
      }
      return { removed };
    });
  }

  async #groupEntry(client: Client, id: string): Promise<Entry | null> {
    const c = this.#config;
    const filter = new AndFilter({ filters: [this.#groupFilter, new EqualityFilter({ attribute: c.attributes.groupId, value: id })] });
    const entries = await this.#search(client, c.groupBaseDn, { filter, attributes: ['1.1'], sizeLimit: 2 });
    if (entries.length > 1) throw new DirectoryRefusedError(`LDAP: more than one group has ${c.attributes.groupId} "${id}" (groups must be unique)`, 'ambiguous');
    return entries[0] ?? null;
  }

  /** Asks the server (distinguishedNameMatch), rather than comparing DN spellings here. */
  async #isMember(client: Client, groupDn: string, memberDn: string): Promise<boolean> {
    const filter = new EqualityFilter({ attribute: this.#config.attributes.member, value: memberDn });
    return (await this.#search(client, groupDn, { scope: 'base', filter, attributes: ['1.1'] })).length > 0;
  }

  /** Removes one member value; false when it was not there. */
  async #removeMember(client: Client, groupDn: string, groupName: string, memberDn: string): Promise<boolean> {
    if (!(await this.#isMember(client, groupDn, memberDn))) return false;
    try {
      await client.modify(groupDn, new Change({ operation: 'delete', modification: new Attribute({ type: this.#config.attributes.member, values: [memberDn] }) }));
      return true;
    } catch (error) {
      if (error instanceof NoSuchAttributeError) return false; // removed meanwhile
      if (error instanceof ObjectClassViolationError) {
        throw new DirectoryRefusedError(
          `LDAP: cannot remove the last member of group "${groupName}": groupOfNames needs at least one member (give the group a placeholder member)`,
          error.code,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** connect → StartTLS → bind → work → unbind, whatever happens; errors classified. */
  async #session<T>(what: string, work: (client: Client) => Promise<T>): Promise<T> {
    const c = this.#config;
    // ldapts speaks TLS from the first byte whenever tlsOptions are given: only for ldaps://.
    const ldaps = /^ldaps:/i.test(c.url);
    const client = new Client({ url: c.url, timeout: c.timeoutMs, connectTimeout: c.timeoutMs, ...(ldaps ? { tlsOptions: { ...this.#tls } } : {}) });
    try {
      if (c.startTls) await client.startTLS({ ...this.#tls });
      await client.bind(c.bindDn, c.bindPassword);
      return await work(client);
    } catch (error) {
      throw classifyLdapError(error, what, c.url);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async #search(client: Client, base: string, options: SearchOptions): Promise<Entry[]> {
    const timeLimit = Math.max(1, Math.ceil(this.#config.timeoutMs / 1000));
    try {
      const { searchEntries } = await client.search(base, { scope: 'sub', timeLimit, ...options });
      return searchEntries;
    } catch (error) {
      if (error instanceof NoSuchObjectError) return [];
      throw error;
    }
  }

  /** One entry by DN, or null if it does not exist. */
  async #read(client: Client, dn: string, attributes: string[]): Promise<Entry | null> {
    const [entry] = await this.#search(client, dn, { scope: 'base', attributes });
    return entry ?? null;
  }

  async #userEntry(client: Client, id: string, attributes: string[]): Promise<Entry | null> {
    const c = this.#config;
    const filter = userLookupFilter(this.#userFilter, c.attributes, {}, { by: 'id', id }) as Filter;
    const entries = await this.#search(client, c.userBaseDn, { filter, attributes, sizeLimit: 2 });
    if (entries.length > 1) throw new DirectoryRefusedError(`LDAP: more than one entry has ${c.attributes.id} "${id}" (accounts must be unique)`, 'ambiguous');
    return entries[0] ?? null;
  }

  #userAttributes(): string[] {
    const c = this.#config;
    const a = c.attributes;
    const state = c.kind === 'ad' ? ['userAccountControl', 'lockoutTime'] : ['pwdAccountLockedTime'];
    const all = [a.id, a.displayName, 'cn', a.mail, a.manager, a.department, a.memberOf, ...state, ...Object.values(c.externalIdAttributes)];
    if (c.disabled) all.push(c.disabled.attribute);
    return [...new Set(all)];
  }

  async #toUser(client: Client, entry: Entry): Promise<DirectoryUser | null> {
    const c = this.#config;
    const a = c.attributes;
    const id = first(entry, a.id);
    if (!id) return null;
    const disabledByAttribute = c.disabled
      ? values(entry, c.disabled.attribute).some((v) => c.disabled?.values.some((d) => d.toLowerCase() === v.toLowerCase()))
      : false;
    const state =
      c.kind === 'ad'
        ? decodeUserAccountControl(first(entry, 'userAccountControl'), first(entry, 'lockoutTime'))
        : openLdapAccountState(first(entry, 'pwdAccountLockedTime'));
    const managerDn = first(entry, a.manager);
    const [manager, groups] = await Promise.all([
      managerDn ? this.#read(client, managerDn, [a.id]).then((m) => (m ? first(m, a.id) : undefined)) : undefined,
      c.groupStrategy === 'groupOfNames' ? this.#walkMembers(client, entry.dn, 1) : this.#walkMemberOf(client, values(entry, a.memberOf), 1),
    ]);
    const externalIds: Record<string, string> = {};
    for (const [system, attribute] of Object.entries(c.externalIdAttributes)) {
      const value = first(entry, attribute);
      if (value) externalIds[system] = value;
    }
    const user: DirectoryUser = {
      id,
      displayName: first(entry, a.displayName) ?? first(entry, 'cn') ?? id,
      enabled: state.enabled && !disabledByAttribute,
      locked: state.locked,
      groups: [...groups].sort(),
      externalIds,
    };
    const email = first(entry, a.mail);
    if (email) user.email = email;
    if (manager) user.manager = manager;
    const department = first(entry, a.department);
    if (department) user.department = department;
    return user;
  }

  /**
   * Follows memberOf links upwards from `start` (group DNs), `depth` levels (1 = the direct
   * groups), each group once: cycles end.
   */
  async #walkMemberOf(client: Client, start: string[], depth: number): Promise<Set<string>> {
    const a = this.#config.attributes;
    const seen = new Set<string>();
    const ids = new Set<string>();
    let frontier = start;
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const fresh = frontier.filter((dn) => !seen.has(dnKey(dn)));
      fresh.forEach((dn) => seen.add(dnKey(dn)));
      const groups = await Promise.all(fresh.map((dn) => this.#read(client, dn, [a.groupId, a.memberOf])));
      frontier = [];
      for (const group of groups) {
        if (!group) continue; // a dangling memberOf value
        const id = first(group, a.groupId);
        if (id) ids.add(id);
        frontier.push(...values(group, a.memberOf));
      }
    }
    return ids;
  }

  /** Searches for groups listing the DN as a member, then their parents, `depth` levels; each group once. */
  async #walkMembers(client: Client, memberDn: string, depth: number): Promise<Set<string>> {
    const c = this.#config;
    const seen = new Set<string>([dnKey(memberDn)]);
    const ids = new Set<string>();
    let frontier = [memberDn];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next: string[] = [];
      for (let i = 0; i < frontier.length; i += MEMBER_CHUNK) {
        const filter = groupsWithMembersFilter(this.#groupFilter, c.attributes.member, frontier.slice(i, i + MEMBER_CHUNK));
        const groups = await this.#search(client, c.groupBaseDn, { filter, attributes: [c.attributes.groupId], paged: { pageSize: 500 } });
        for (const group of groups) {
          const id = first(group, c.attributes.groupId);
          if (id) ids.add(id);
          if (seen.has(dnKey(group.dn))) continue;
          seen.add(dnKey(group.dn));
          next.push(group.dn);
        }
      }
      frontier = next;
    }
    return ids;
  }
}
