import type { TicketSource } from '../../domain/ticket.js';

export interface TicketRef {
  source: TicketSource;
  id: string;
  key: string;
}

/**
 * Outbound ticket updates. Every call carries an idempotency key that is stable across activity
 * retries, so an adapter never posts the same comment twice.
 */
export interface TicketingPort {
  addComment(ref: TicketRef, comment: { body: string; visibility: 'internal' | 'public'; idempotencyKey: string }): Promise<void>;
  resolve(ref: TicketRef, resolution: { note: string; idempotencyKey: string }): Promise<void>;
  routeToQueue(ref: TicketRef, routing: { queue: string; reason: string; idempotencyKey: string }): Promise<void>;
}
