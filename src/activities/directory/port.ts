import type { DirectoryUser, UserLookup } from '../../domain/directory.js';

/** The directory could not be reached (connection refused, timeout, server busy): nothing was decided. */
export class DirectoryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DirectoryUnavailableError';
  }
}

/** The directory answered with an error (an LDAP result code such as invalidCredentials). */
export class DirectoryRefusedError extends Error {
  constructor(message: string, readonly code: number | string, options?: { cause?: unknown }) {
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
}
