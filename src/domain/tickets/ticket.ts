import { z } from 'zod';
import { redactText } from '../records/redaction.js';

export const TICKET_SOURCES = ['jira', 'servicenow', 'zendesk'] as const;
export const TicketSource = z.enum(TICKET_SOURCES);
export type TicketSource = z.infer<typeof TicketSource>;

/** What happened to the ticket, the same words for every help desk. */
export const TicketEventType = z.enum(['created', 'updated', 'commented', 'deleted']);
export type TicketEventType = z.infer<typeof TicketEventType>;

/**
 * One help-desk event, normalised. It lives only in the intake process: routing reads it whole,
 * and only a redacted `WorkflowTicket` is handed to Temporal (workflow history is durable and
 * widely readable, so no personal data goes there).
 */
export const TicketEvent = z.object({
  source: TicketSource,
  eventType: TicketEventType,
  /** The help desk's own event name, e.g. `jira:issue_updated/issue_commented`. */
  sourceEventType: z.string().min(1),
  occurredAt: z.iso.datetime(),
  ticket: z.object({
    id: z.string().min(1),
    key: z.string().min(1),
    url: z.string().optional(),
    summary: z.string(),
    description: z.string(),
    issueType: z.string().optional(),
    requestType: z.string().optional(),
    /** ServiceNow category (Zendesk and Jira have none; use requestType / labels there). */
    category: z.string().optional(),
    subcategory: z.string().optional(),
    priority: z.string().optional(),
    status: z.string().optional(),
    labels: z.array(z.string()),
    components: z.array(z.string()),
    /** Simple-valued extra fields (custom fields), as strings, for routing input mappings. */
    fields: z.record(z.string(), z.string()),
  }),
  /** Help-desk identity of the person who raised the ticket; null when the help desk has none. */
  requester: z.object({ externalId: z.string().min(1) }).nullable(),
});
export type TicketEvent = z.infer<typeof TicketEvent>;

/** The part of a ticket that is safe to put in workflow history. */
export const WorkflowTicket = z.object({
  source: TicketSource,
  id: z.string().min(1),
  key: z.string().min(1),
  eventType: TicketEventType,
  occurredAt: z.iso.datetime(),
  /** Summary with e-mail addresses, phone numbers and secrets masked. */
  summary: z.string(),
  priority: z.string().optional(),
  requesterExternalId: z.string().nullable(),
  /** How the event reached the engine: its webhook, or the reconciliation that found what the webhook missed. */
  via: z.enum(['webhook', 'reconciliation']).optional(),
});
export type WorkflowTicket = z.infer<typeof WorkflowTicket>;

/**
 * One automation per ticket, with an id derived from the ticket: a retried delivery never starts
 * twice, and later events on the ticket find its running workflow.
 */
export function ticketWorkflowId(source: TicketSource, ticketKey: string): string {
  return `ticket-${source}-${ticketKey}`;
}

export function toWorkflowTicket(event: TicketEvent): WorkflowTicket {
  return {
    source: event.source,
    id: event.ticket.id,
    key: event.ticket.key,
    eventType: event.eventType,
    occurredAt: event.occurredAt,
    summary: redactText(event.ticket.summary),
    priority: event.ticket.priority,
    requesterExternalId: event.requester?.externalId ?? null,
  };
}
