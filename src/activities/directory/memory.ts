import { createHash } from 'node:crypto';
import { transitiveGroups, type DirectoryFile, type DirectoryUser, type UserLookup } from '../../domain/permissions/directory.js';
import { DirectoryRefusedError, type DirectoryPort, type NewAccount } from './port.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Directory backed by a YAML file's contents, for the demo and tests. Stores only password hashes. */
export class MemoryDirectory implements DirectoryPort {
  private readonly users: Map<string, DirectoryUser>;
  private readonly parents: Map<string, string[]>;
  readonly passwordChanges: Array<{ userId: string; passwordSha256: string; mustChange: boolean; at: string }> = [];

  private readonly mailDomain: string;
  /** Per account the engine created: the request that created it, and the job title given. */
  readonly created = new Map<string, { createdBy?: string; title?: string }>();
  readonly calls = { createAccount: 0, deleteAccount: 0, addToGroups: 0, removeFromGroups: 0 };
  private readonly failures: Array<{ op: keyof MemoryDirectory['calls']; error: Error }> = [];

  constructor(file: DirectoryFile) {
    this.users = new Map(file.users.map((u) => [u.id, structuredClone(u)]));
    this.parents = new Map(file.groups.map((g) => [g.id, g.memberOf]));
    this.mailDomain = file.mailDomain ?? 'example.com';
  }

  /** Test helper: the next call of `op` throws `error` (default: a retryable outage) before changing anything. */
  failNext(op: keyof MemoryDirectory['calls'], error: Error = new Error(`directory unavailable (injected failure of ${op})`)): void {
    this.failures.push({ op, error });
  }

  private call(op: keyof MemoryDirectory['calls']): void {
    this.calls[op]++;
    const i = this.failures.findIndex((f) => f.op === op);
    if (i >= 0) throw this.failures.splice(i, 1)[0]?.error;
  }

  async createAccount(input: NewAccount): Promise<{ created: boolean }> {
    this.call('createAccount');
    if (this.users.has(input.userId)) {
      const createdBy = this.created.get(input.userId)?.createdBy;
      return { created: input.createdBy !== undefined && createdBy === input.createdBy };
    }
    if (input.manager !== undefined && !this.users.has(input.manager)) {
      throw new DirectoryRefusedError(`manager "${input.manager}" has no account`, 'unknown-manager');
    }
    this.users.set(input.userId, {
      id: input.userId,
      displayName: input.displayName,
      email: `${input.userId}@${this.mailDomain}`,
      enabled: true,
      locked: false,
      groups: [],
      externalIds: {},
      ...(input.manager ? { manager: input.manager } : {}),
      ...(input.department ? { department: input.department } : {}),
    });
    this.created.set(input.userId, { createdBy: input.createdBy, title: input.title });
    return { created: true };
  }

  async deleteAccount(userId: string, options: { createdBy?: string } = {}): Promise<{ deleted: boolean }> {
    this.call('deleteAccount');
    if (!this.users.has(userId)) return { deleted: false };
    if (options.createdBy !== undefined && this.created.get(userId)?.createdBy !== options.createdBy) return { deleted: false };
    // Memberships live on the account here, so they go with it.
    this.users.delete(userId);
    this.created.delete(userId);
    return { deleted: true };
  }

  async addToGroups(userId: string, groups: string[]): Promise<{ added: string[] }> {
    this.call('addToGroups');
    const user = this.users.get(userId);
    if (!user) throw new DirectoryRefusedError(`no account "${userId}" to add to groups`, 32);
    const unknown = groups.filter((g) => !this.parents.has(g));
    if (unknown.length > 0)
      throw new DirectoryRefusedError(`unknown group${unknown.length > 1 ? 's' : ''} ${unknown.map((g) => `"${g}"`).join(', ')}`, 'unknown-group');
    const added = [...new Set(groups)].filter((g) => !user.groups.includes(g));
    user.groups = [...user.groups, ...added];
    return { added };
  }

  async removeFromGroups(userId: string, groups: string[]): Promise<{ removed: string[] }> {
    this.call('removeFromGroups');
    const user = this.users.get(userId);
    if (!user) return { removed: [] };
    const removed = [...new Set(groups)].filter((g) => user.groups.includes(g));
    user.groups = user.groups.filter((g) => !removed.includes(g));
    return { removed };
  }

  /** Every account id, sorted (tests compare before and after). */
  userIds(): string[] {
    return [...this.users.keys()].sort();
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
