import type { MailboxInfo, MailboxPort } from './port.js';
import { InjectedFailures } from '../failureInjection.js';

export type MailboxOperation = 'createMailbox' | 'deleteMailbox';

/**
 * In-memory mail system for the demo and tests. Counts every call (`calls`) and every change it
 * made (`effects`), and fails on request (`failNext`), so tests can break any onboarding step and
 * count what rollbacks did.
 */
export class MemoryMailboxes implements MailboxPort {
  private readonly boxes = new Map<string, MailboxInfo>();
  readonly calls: Record<MailboxOperation, number> = { createMailbox: 0, deleteMailbox: 0 };
  readonly effects: Record<MailboxOperation, number> = { createMailbox: 0, deleteMailbox: 0 };
  private readonly failures = new InjectedFailures<MailboxOperation>('mail system');

  constructor(existing: ReadonlyArray<{ userId: string; quotaGb: number }> = []) {
    for (const box of existing) this.boxes.set(box.userId, { ...box });
  }

  /**
   * The next call of `op` throws `error` (default: a retryable "service unavailable"). With
   * `afterEffect` the change is made first and then the error thrown, as when the answer is lost.
   */
  failNext(op: MailboxOperation, options: { error?: Error; afterEffect?: boolean } = {}): void {
    this.failures.add(op, options);
  }

  async createMailbox(userId: string, options: { quotaGb: number; createdBy?: string }): Promise<{ created: boolean }> {
    return this.run('createMailbox', () => {
      const existing = this.boxes.get(userId);
      if (existing) return { created: options.createdBy !== undefined && existing.createdBy === options.createdBy };
      this.boxes.set(userId, { userId, quotaGb: options.quotaGb, ...(options.createdBy ? { createdBy: options.createdBy } : {}) });
      this.effects.createMailbox++;
      return { created: true };
    });
  }

  async deleteMailbox(userId: string, options: { createdBy?: string } = {}): Promise<{ deleted: boolean }> {
    return this.run('deleteMailbox', () => {
      const existing = this.boxes.get(userId);
      if (!existing) return { deleted: false };
      if (options.createdBy !== undefined && existing.createdBy !== options.createdBy) return { deleted: false };
      this.boxes.delete(userId);
      this.effects.deleteMailbox++;
      return { deleted: true };
    });
  }

  async mailbox(userId: string): Promise<MailboxInfo | null> {
    const box = this.boxes.get(userId);
    return box ? { ...box } : null;
  }

  /** Every mailbox, sorted by user id (tests compare before and after). */
  all(): MailboxInfo[] {
    return [...this.boxes.values()].map((b) => ({ ...b })).sort((a, b) => a.userId.localeCompare(b.userId));
  }

  private run<T>(op: MailboxOperation, effect: () => T): T {
    this.calls[op]++;
    return this.failures.run(op, effect);
  }
}
