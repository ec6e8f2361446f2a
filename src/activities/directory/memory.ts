import { createHash } from 'node:crypto';
import { transitiveGroups, type DirectoryFile, type DirectoryUser, type UserLookup } from '../../domain/directory.js';
import type { DirectoryPort } from './port.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Directory backed by a YAML file's contents, for the demo and tests. Stores only password hashes. */
export class MemoryDirectory implements DirectoryPort {
  private readonly users: Map<string, DirectoryUser>;
  private readonly parents: Map<string, string[]>;
  readonly passwordChanges: Array<{ userId: string; passwordSha256: string; mustChange: boolean; at: string }> = [];

  constructor(file: DirectoryFile) {
    this.users = new Map(file.users.map((u) => [u.id, structuredClone(u)]));
    this.parents = new Map(file.groups.map((g) => [g.id, g.memberOf]));
  }

  async findUser(lookup: UserLookup): Promise<DirectoryUser | null> {
    const all = [...this.users.values()];
    switch (lookup.by) {
      case 'id':
        return this.users.get(lookup.id) ?? null;
      case 'email':
        return all.find((u) => u.email?.toLowerCase() === lookup.email.toLowerCase()) ?? null;
      case 'externalId':
        return all.find((u) => u.externalIds[lookup.system] === lookup.externalId) ?? null;
    }
  }

  async groupsOf(user: DirectoryUser): Promise<string[]> {
    return transitiveGroups(user.groups, (g) => this.parents.get(g) ?? []);
  }

  async setPassword(userId: string, password: string, options: { mustChange: boolean }): Promise<void> {
    if (!this.users.has(userId)) throw new Error(`no such user ${userId}`);
    this.passwordChanges.push({ userId, passwordSha256: sha256(password), mustChange: options.mustChange, at: new Date().toISOString() });
  }

  async unlock(userId: string): Promise<{ wasLocked: boolean }> {
    const user = this.users.get(userId);
    if (!user) throw new Error(`no such user ${userId}`);
    const wasLocked = user.locked;
    user.locked = false;
    return { wasLocked };
  }

  /** Test and demo helper: change an account's state as an administrator would. */
  update(userId: string, change: Partial<Pick<DirectoryUser, 'enabled' | 'locked' | 'groups' | 'manager'>>): void {
    const user = this.users.get(userId);
    if (!user) throw new Error(`no such user ${userId}`);
    Object.assign(user, change);
  }
}
