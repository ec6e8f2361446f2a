import type { TicketEvent } from '../tickets/ticket.js';

/**
 * A well-formed delivery that carries nothing an automation can act on (a Jira Data Center
 * `comment_created` names no issue key; a Zendesk "comment made private" changes nothing routing
 * reads). It is answered 200 `ignored` with the reason, so the help desk does not retry it and the
 * admin can see why, instead of a 400 that would dead-letter a delivery that was not wrong.
 */
export interface IgnoredDelivery {
  ignored: true;
  /** The help desk's own event name, e.g. `comment_created`. */
  sourceEventType: string;
  /** What the delivery was about, for the audit log: the ticket key, or `issue-id:<id>` when no key was sent. */
  ticketRef: string;
  reason: string;
}

/** What a help-desk delivery becomes: a ticket event for the intake, or a documented no-op. */
export type NormalisedDelivery = TicketEvent | IgnoredDelivery;

export function isIgnoredDelivery(delivery: NormalisedDelivery): delivery is IgnoredDelivery {
  return 'ignored' in delivery;
}
