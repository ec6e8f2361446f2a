import type { ResolutionRecord } from '../domain/records/resolution.js';
import type { WorkflowTicket } from '../domain/tickets/ticket.js';
import { SupportRun } from './shared/supportRun.js';

export interface TicketHandOffInput {
  ticket: WorkflowTicket;
  queue: string;
  comment: string;
  reason: string;
}

/** For tickets no automation takes: acknowledge the requester and put the ticket in a human queue. */
export async function ticketHandOff(input: TicketHandOffInput): Promise<ResolutionRecord> {
  const run = new SupportRun(input.ticket);
  return run.guard(async () => {
    await run.handOff(input.comment, input.queue, input.reason);
    return run.finish('escalated', `Routed to ${input.queue}: ${input.reason}`);
  });
}
