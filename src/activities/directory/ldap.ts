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
import type { DirectoryUser, UserLookup } from '../../domain/permissions/directory.js';
import { safeParseUntrusted, ValidationError, zodIssues, type FieldIssue } from '../../domain/errors.js';
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
import { LdapConfigSchema, type LdapConfig, type ResolvedLdapConfig } from '../../config/directory.js';
import { DirectoryRefusedError, DirectoryUnavailableError, type DirectoryPort, type NewAccount } from './port.js';

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
 * The configuration with its defaults; every problem at once, by field. src/config checks the
 * filters' outline, their syntax is checked here, with the parser that will use them.
 */
function checkedConfig(config: LdapConfig): ResolvedLdapConfig {
  const issues: FieldIssue[] = [];
  const parsed = safeParseUntrusted(LdapConfigSchema, config);
  if ('hostile' in parsed) issues.push(parsed.hostile);
  else if (!parsed.success) issues.push(...zodIssues(parsed.error));
  for (const field of ['userFilter', 'groupFilter'] as const) {
    const text = (config as Partial<Record<string, unknown>>)[field];
    if (typeof text !== 'string') continue;
    try {
      parseFilter(text.trim());
    } catch (error) {
      issues.push({ path: field, message: `not a valid LDAP filter: ${(error as Error).message}` });
    }
  }
  if (issues.length > 0) throw new ValidationError('LDAP configuration', issues);
  return (parsed as { data: ResolvedLdapConfig }).data;
}

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
    this.#config = checkedConfig(config);
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
    if (!ACCOUNT_ID.test(input.userId))
      throw new DirectoryRefusedError(`LDAP account creation: "${input.userId}" is not an account id (letters, digits, dot, dash, underscore)`, 'invalid-id');
    if (!c.mailDomain) {
      throw new DirectoryRefusedError(
        'LDAP account creation needs the mail domain: set LDAP_MAIL_DOMAIN (the base DN has no dc= parts to derive it from)',
        'config',
      );
    }
    const encrypted = c.startTls || /^ldaps:/i.test(c.url);
    if (c.kind === 'ad' && !encrypted) {
      throw new DirectoryRefusedError(
        'Active Directory creates enabled accounts only with a password, and takes passwords only over an encrypted connection: use an ldaps:// URL or turn on StartTLS',
        'tls-required',
      );
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
        throw new DirectoryRefusedError(
          `LDAP: unknown group${unknown.length > 1 ? 's' : ''} ${unknown.map((g) => `"${g}"`).join(', ')} (no ${c.attributes.groupId} of that name under ${c.groupBaseDn})`,
          'unknown-group',
        );
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
    if (entries.length > 1)
      throw new DirectoryRefusedError(`LDAP: more than one group has ${c.attributes.groupId} "${id}" (groups must be unique)`, 'ambiguous');
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
      await client.modify(
        groupDn,
        new Change({ operation: 'delete', modification: new Attribute({ type: this.#config.attributes.member, values: [memberDn] }) }),
      );
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
