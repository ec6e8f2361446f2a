import { redactText } from '../records/redaction.js';
import type { TicketEvent, TicketSource } from './ticket.js';

/** A later event on a ticket whose automation is running, as the workflow receives it (redacted). */
export interface TicketUpdate {
  deliveryId: string;
  eventType: TicketEvent['eventType'];
  occurredAt: string;
  status: string | null;
  /** The ticket was deleted, or people moved it to a closed status: automation must stop. */
  closed: boolean;
}

/** Status names that mean "people closed this ticket", per help desk (case-insensitive). */
export const CLOSED_STATUSES: Record<TicketSource, readonly string[]> = {
  jira: ['done', 'resolved', 'closed', 'canceled', 'cancelled', 'declined', "won't do"],
  servicenow: ['resolved', 'closed', 'canceled', 'cancelled'],
  zendesk: ['solved', 'closed'],
};

export function toTicketUpdate(event: TicketEvent, deliveryId: string): TicketUpdate {
  const status = event.ticket.status ?? null;
  const closedStatus = status !== null && CLOSED_STATUSES[event.source].includes(status.toLowerCase());
  return {
    deliveryId: redactText(deliveryId),
    eventType: event.eventType,
    occurredAt: event.occurredAt,
    status,
    closed: event.eventType === 'deleted' || closedStatus,
  };
}
