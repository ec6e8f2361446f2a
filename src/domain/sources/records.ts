import type { TicketEvent, TicketSource } from '../tickets/ticket.js';
import { normaliseJira } from './jira.js';
import { normaliseServiceNow } from './servicenow.js';
import { normaliseZendesk } from './zendesk.js';

/**
 * The dead-letter reason of a ticket that reconciliation read from a help desk's REST API and
 * could not normalise. Such a letter never had a webhook signature: its body is the help desk's
 * own record, read with the engine's credentials, and is replayed as a record, not as a delivery.
 */
export const RECONCILIATION_INVALID = 'reconciliation_invalid';

/** A ticket as the help desk's REST API returns it (what reconciliation lists), as an event. */
export function normaliseHelpdeskRecord(source: TicketSource, body: unknown, jira?: { requestTypeField?: string }): TicketEvent {
  if (source === 'jira') return normaliseJira(body, jira);
  if (source === 'servicenow') return normaliseServiceNow(body);
  return normaliseZendesk(body);
}
