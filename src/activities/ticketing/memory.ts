import type { TicketSource } from '../../domain/tickets/ticket.js';
import type { ChangedTicket, TicketingPort, TicketRef, UpdateContext } from './port.js';

export interface MemoryTicket {
  ref: TicketRef;
  status: 'open' | 'resolved';
  queue: string | null;
  comments: Array<{ body: string; visibility: 'internal' | 'public'; at: string }>;
  resolutionNote: string | null;
  history: string[];
}

/**
 * In-memory help desk for the demo and tests, for every source at once. Tickets appear on first
 * touch, or are filed with `file` (a ticket the help desk has, e.g. one whose webhook was lost).
 */
export class MemoryTicketing implements TicketingPort {
  private readonly tickets = new Map<string, MemoryTicket>();
  private readonly applied = new Set<string>();
  private readonly filed: ChangedTicket[] = [];

  get(key: string): MemoryTicket | undefined {
    return this.tickets.get(key);
  }

  all(): MemoryTicket[] {
    return [...this.tickets.values()];
  }

  /** Files a ticket in the simulated help desk: `body` is the source's webhook body shape. */
  file(source: TicketSource, body: unknown, updatedAt: Date): void {
    this.filed.push({ source, body, updatedAt: updatedAt.toISOString() });
  }

  /** This help desk as seen by one source: updates go to the shared store, listing shows that source's tickets. */
  asSource(source: TicketSource): TicketingPort {
    return {
      addComment: (ref, c) => this.addComment(ref, c),
      resolve: (ref, r) => this.resolve(ref, r),
      routeToQueue: (ref, r) => this.routeToQueue(ref, r),
      listChangedSince: (since, limit) => this.listChangedSince(since, limit, source),
    };
  }

  async listChangedSince(since: Date, limit: number, source?: TicketSource): Promise<ChangedTicket[]> {
    return this.filed
      .filter((t) => t.updatedAt >= since.toISOString() && (!source || t.source === source))
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))
      .slice(0, limit);
  }

  private once(ctx: UpdateContext, ref: TicketRef, change: (t: MemoryTicket) => void): void {
    if (this.applied.has(ctx.idempotencyKey)) return;
    this.applied.add(ctx.idempotencyKey);
    let ticket = this.tickets.get(ref.key);
    if (!ticket) {
      ticket = { ref, status: 'open', queue: null, comments: [], resolutionNote: null, history: [] };
      this.tickets.set(ref.key, ticket);
    }
    change(ticket);
  }

  async addComment(ref: TicketRef, c: { body: string; visibility: 'internal' | 'public' } & UpdateContext): Promise<void> {
    this.once(c, ref, (t) => {
      t.comments.push({ body: c.body, visibility: c.visibility, at: new Date().toISOString() });
      t.history.push(`comment:${c.visibility}`);
    });
  }

  async resolve(ref: TicketRef, r: { note: string } & UpdateContext): Promise<void> {
    this.once(r, ref, (t) => {
      t.status = 'resolved';
      t.resolutionNote = r.note;
      t.history.push('resolved');
    });
  }

  async routeToQueue(ref: TicketRef, r: { queue: string; reason: string } & UpdateContext): Promise<void> {
    this.once(r, ref, (t) => {
      t.queue = r.queue;
      t.history.push(`queue:${r.queue}`);
    });
  }
}
