import type { TicketSource } from '../../domain/tickets/ticket.js';

export interface TicketRef {
  source: TicketSource;
  id: string;
  key: string;
}

/**
 * Identifies one ticket update across activity retries. `attempt` is Temporal's attempt number:
 * on attempt 1 nothing can have been applied yet; from attempt 2 on, an earlier try may have
 * reached the help desk before failing, so adapters look for the update before applying it again.
 */
export interface UpdateContext {
  idempotencyKey: string;
  attempt: number;
}

/** A ticket the help desk reports as created or changed, in the shape of that help desk's webhook body. */
export interface ChangedTicket {
  source: TicketSource;
  /** Same shape as the source's webhook body, so the webhook normaliser reads it. */
  body: unknown;
  /** When the help desk last changed it (ISO 8601, UTC). */
  updatedAt: string;
}

/** Outbound ticket updates and the listing the reconciliation job reads. */
export interface TicketingPort {
  addComment(ref: TicketRef, comment: { body: string; visibility: 'internal' | 'public' } & UpdateContext): Promise<void>;
  resolve(ref: TicketRef, resolution: { note: string } & UpdateContext): Promise<void>;
  routeToQueue(ref: TicketRef, routing: { queue: string; reason: string } & UpdateContext): Promise<void>;
  /** Tickets created or updated at or after `since`, oldest first, at most `limit`. */
  listChangedSince(since: Date, limit: number): Promise<ChangedTicket[]>;
}

/** The update half of the port, which workflows' activities use. */
export type TicketUpdates = Pick<TicketingPort, 'addComment' | 'resolve' | 'routeToQueue'>;

/** A help desk answered with an error that retrying will not fix (bad credentials, unknown ticket, bad request). */
export class TicketingRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'TicketingRequestError';
  }
}

/** The engine is configured wrongly for this help desk (e.g. an unknown queue name). */
export class TicketingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TicketingConfigError';
  }
}
