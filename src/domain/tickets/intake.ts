import type { TicketEvent } from './ticket.js';

/** What became of one ticket event: a run started, an existing run told, or nothing to do. */
export type IntakeResult =
  | { status: 'started'; workflowId: string; workflowType: string; rule: string | null }
  | { status: 'duplicate'; workflowId: string; workflowType: string; rule: string | null }
  | { status: 'signalled'; workflowId: string; rule: null }
  | { status: 'ignored'; rule: string | null };

export type IntakeVia = 'webhook' | 'reconciliation';

/**
 * The intake as a port: takes a normalised ticket event to Temporal. Webhooks and the
 * reconciliation activity use the same one, so a missed webhook is handled exactly like a delivered one.
 */
export type TicketIntake = (event: TicketEvent, deliveryId: string, via: IntakeVia) => Promise<IntakeResult>;
