import type { DirectoryUser, UserLookup } from '../../domain/permissions/directory.js';

/** The directory could not be reached (connection refused, timeout, server busy): nothing was decided. */
export class DirectoryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DirectoryUnavailableError';
  }
}

/** The directory answered with an error (an LDAP result code such as invalidCredentials). */
export class DirectoryRefusedError extends Error {
  constructor(
    message: string,
    readonly code: number | string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DirectoryRefusedError';
  }
}

/**
 * Directory lookups and the changes the engine makes to accounts. Adapters throw
 * DirectoryUnavailableError when they could not ask, DirectoryRefusedError when the server said
 * no; "no such user" is `null`, not an error.
 */
export interface DirectoryPort {
  findUser(lookup: UserLookup): Promise<DirectoryUser | null>;
  /** Transitive group memberships of the user (group ids, e.g. `cn` values). */
  groupsOf(user: DirectoryUser): Promise<string[]>;
  /** Sets a new password; `mustChange` forces a change at next sign-in where the directory supports it. */
  setPassword(userId: string, password: string, options: { mustChange: boolean }): Promise<void>;
  /** Clears a lockout (failed sign-ins); never re-enables a disabled account. */
  unlock(userId: string): Promise<{ wasLocked: boolean }>;
  /**
   * Creates an enabled account whose mail address is `<userId>@<mail domain>`. Idempotent: an
   * existing account is left alone and `created` is false, unless it carries the same `createdBy`
   * (the same request, retried), then true. An unknown `manager` is refused (code `unknown-manager`).
   */
  createAccount(input: NewAccount): Promise<{ created: boolean }>;
  /**
   * Deletes the account and its group memberships. Idempotent (`deleted: false` when it is gone).
   * With `createdBy`, only an account that request created is deleted: an undo never removes an
   * account that existed before.
   */
  deleteAccount(userId: string, options?: { createdBy?: string }): Promise<{ deleted: boolean }>;
  /**
   * Adds direct memberships; returns only the groups the account was not in yet. Every group is
   * checked first: an unknown one is refused (code `unknown-group`, naming it) and nothing is added.
   * A missing account is refused with code 32.
   */
  addToGroups(userId: string, groups: string[]): Promise<{ added: string[] }>;
  /** Removes direct memberships; returns the groups it was in. A missing account has none: `removed: []`. */
  removeFromGroups(userId: string, groups: string[]): Promise<{ removed: string[] }>;
}

export interface NewAccount {
  userId: string;
  displayName: string;
  department?: string;
  title?: string;
  /** The manager's account id. */
  manager?: string;
  /** Marks the account as made by this request (the onboarding workflow id), see createAccount. */
  createdBy?: string;
}
