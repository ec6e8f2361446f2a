import type { DirectoryUser, UserLookup } from '../../domain/directory.js';

export interface DirectoryPort {
  findUser(lookup: UserLookup): Promise<DirectoryUser | null>;
  /** Transitive group memberships of the user. */
  groupsOf(user: DirectoryUser): Promise<string[]>;
  /** Sets a new password; `mustChange` forces a change at next sign-in. */
  setPassword(userId: string, password: string, options: { mustChange: boolean }): Promise<void>;
}
