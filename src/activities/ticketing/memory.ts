import type { TicketingPort, TicketRef } from './port.js';

export interface MemoryTicket {
  ref: TicketRef;
  status: 'open' | 'resolved';
  queue: string | null;
  comments: Array<{ body: string; visibility: 'internal' | 'public'; at: string }>;
  resolutionNote: string | null;
  history: string[];
}

/** In-memory help desk for the demo and tests; tickets appear on first touch. */
export class MemoryTicketing implements TicketingPort {
  private readonly tickets = new Map<string, MemoryTicket>();
  private readonly applied = new Set<string>();

  get(key: string): MemoryTicket | undefined {
    return this.tickets.get(key);
  }

  all(): MemoryTicket[] {
    return [...this.tickets.values()];
  }

  private once(idempotencyKey: string, ref: TicketRef, change: (t: MemoryTicket) => void): void {
    if (this.applied.has(idempotencyKey)) return;
    this.applied.add(idempotencyKey);
    let ticket = this.tickets.get(ref.key);
    if (!ticket) {
      ticket = { ref, status: 'open', queue: null, comments: [], resolutionNote: null, history: [] };
      this.tickets.set(ref.key, ticket);
    }
    change(ticket);
  }

  async addComment(ref: TicketRef, c: { body: string; visibility: 'internal' | 'public'; idempotencyKey: string }): Promise<void> {
    this.once(c.idempotencyKey, ref, (t) => {
      t.comments.push({ body: c.body, visibility: c.visibility, at: new Date().toISOString() });
      t.history.push(`comment:${c.visibility}`);
    });
  }

  async resolve(ref: TicketRef, r: { note: string; idempotencyKey: string }): Promise<void> {
    this.once(r.idempotencyKey, ref, (t) => {
      t.status = 'resolved';
      t.resolutionNote = r.note;
      t.history.push('resolved');
    });
  }

  async routeToQueue(ref: TicketRef, r: { queue: string; reason: string; idempotencyKey: string }): Promise<void> {
    this.once(r.idempotencyKey, ref, (t) => {
      t.queue = r.queue;
      t.history.push(`queue:${r.queue}`);
    });
  }
}
