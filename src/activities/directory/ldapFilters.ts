import { AndFilter, BerWriter, EqualityFilter, ExtensibleFilter, type Filter, FilterParser, OrFilter, type SearchOptions } from 'ldapts';
import type { UserLookup } from '../../domain/permissions/directory.js';

// Pure helpers of the LDAP adapter: filters, account-state decoding and password encodings.
// Every value that comes from a lookup goes into a filter object (EqualityFilter,
// ExtensibleFilter), never into filter text: it reaches the server as an opaque assertion value
// and cannot widen a search; its text form (toString) is RFC 4515-escaped.

/** Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: walks nested membership on the server. */
export const LDAP_MATCHING_RULE_IN_CHAIN = '1.2.840.113556.1.4.1941';
/** RFC 3062 Password Modify extended operation. */
export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';
/** ppolicy's pwdAccountLockedTime value for "locked by an administrator until unlocked": disabled. */
export const ADMIN_LOCK = '000001010000Z';

const UF_ACCOUNTDISABLE = 0x2;
const UF_LOCKOUT = 0x10;

/** Parses configured filter text (trusted configuration, not user input) into a filter object. */
export function parseFilter(text: string): Filter {
  return FilterParser.parseString(text);
}

/** Attribute names a user lookup needs. */
export interface LookupAttributes {
  id: string;
  mail: string;
}

/**
 * The search filter for a lookup, or null when nothing can match (an external system without a
 * configured attribute).
 */
export function userLookupFilter(
  userFilter: Filter,
  attributes: LookupAttributes,
  externalIdAttributes: Readonly<Record<string, string>>,
  lookup: UserLookup,
): Filter | null {
  let match: Filter;
  switch (lookup.by) {
    case 'id':
      match = new EqualityFilter({ attribute: attributes.id, value: lookup.id });
      break;
    case 'email':
      // mail matches case-insensitively on the server (caseIgnoreIA5Match in OpenLDAP and AD).
      match = new EqualityFilter({ attribute: attributes.mail, value: lookup.email });
      break;
    case 'externalId': {
      const attribute = Object.hasOwn(externalIdAttributes, lookup.system) ? externalIdAttributes[lookup.system] : undefined;
      if (!attribute) return null;
      match = new EqualityFilter({ attribute, value: lookup.externalId });
      break;
    }
  }
  return new AndFilter({ filters: [userFilter, match] });
}

/** Groups (matching groupFilter) that list any of `memberDns` in `memberAttribute`. */
export function groupsWithMembersFilter(groupFilter: Filter, memberAttribute: string, memberDns: readonly string[]): Filter {
  const members = memberDns.map((dn) => new EqualityFilter({ attribute: memberAttribute, value: dn }));
  return new AndFilter({ filters: [groupFilter, members.length === 1 ? (members[0] as Filter) : new OrFilter({ filters: members })] });
}

/** `(&<groupFilter>(member:1.2.840.113556.1.4.1941:=<userDn>))`: every group the user is in, at any depth (AD only). */
export function inChainGroupsFilter(groupFilter: Filter, memberAttribute: string, userDn: string): Filter {
  return new AndFilter({
    filters: [groupFilter, new ExtensibleFilter({ matchType: memberAttribute, rule: LDAP_MATCHING_RULE_IN_CHAIN, value: userDn })],
  });
}

/** The one search the 'in-chain' strategy sends: all transitive groups of `userDn` under the group base. */
export function inChainGroupsSearch(
  groupBaseDn: string,
  groupFilter: Filter,
  attributes: { member: string; groupId: string },
  userDn: string,
): { base: string; options: SearchOptions } {
  return {
    base: groupBaseDn,
    options: {
      scope: 'sub',
      filter: inChainGroupsFilter(groupFilter, attributes.member, userDn),
      attributes: [attributes.groupId],
      paged: { pageSize: 500 },
    },
  };
}

export interface AccountState {
  enabled: boolean;
  locked: boolean;
}

const positive = (value: string | undefined): boolean => value !== undefined && /^\d+$/.test(value.trim()) && BigInt(value.trim()) > 0n;

/**
 * Active Directory: userAccountControl bit 0x2 = disabled; bit 0x10 or a non-zero lockoutTime =
 * locked out. (AD keeps lockoutTime until the next successful sign-in, so an expired lockout still
 * reads as locked: the safe side.)
 */
export function decodeUserAccountControl(userAccountControl: string | undefined, lockoutTime?: string): AccountState {
  const uac = userAccountControl !== undefined && /^-?\d+$/.test(userAccountControl.trim()) ? Number(userAccountControl.trim()) : 0;
  return { enabled: (uac & UF_ACCOUNTDISABLE) === 0, locked: (uac & UF_LOCKOUT) !== 0 || positive(lockoutTime) };
}

/**
 * OpenLDAP with the ppolicy overlay: pwdAccountLockedTime `000001010000Z` is an administrator's
 * permanent lock (disabled); any other value is a lockout (locked). `disabledByAttribute` is the
 * optional site convention (e.g. `employeeType: disabled`).
 */
export function openLdapAccountState(pwdAccountLockedTime: string | undefined, disabledByAttribute = false): AccountState {
  const adminLock = pwdAccountLockedTime?.trim() === ADMIN_LOCK;
  return { enabled: !adminLock && !disabledByAttribute, locked: pwdAccountLockedTime !== undefined && !adminLock };
}

/** AD's unicodePwd value: the password in double quotes, UTF-16LE. */
export function adPasswordValue(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

/** RFC 3062 PasswdModifyRequestValue: `SEQUENCE { userIdentity [0] <dn>, newPasswd [2] <password> }`. */
export function passwordModifyRequest(userDn: string, newPassword: string): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeString(userDn, 0x80);
  writer.writeString(newPassword, 0x82);
  writer.endSequence();
  return writer.buffer;
}
