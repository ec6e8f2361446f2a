import type { TicketSource } from '../../domain/tickets/ticket.js';
import type { TicketingPort, TicketRef, TicketUpdates, UpdateContext } from './port.js';

/** Sends each ticket update to the adapter of the ticket's help desk. */
export class TicketingRouter implements TicketUpdates {
  constructor(private readonly bySource: Record<TicketSource, TicketingPort>) {}

  private port(ref: TicketRef): TicketingPort {
    return this.bySource[ref.source];
  }

  addComment(ref: TicketRef, comment: { body: string; visibility: 'internal' | 'public' } & UpdateContext): Promise<void> {
    return this.port(ref).addComment(ref, comment);
  }

  resolve(ref: TicketRef, resolution: { note: string } & UpdateContext): Promise<void> {
    return this.port(ref).resolve(ref, resolution);
  }

  routeToQueue(ref: TicketRef, routing: { queue: string; reason: string } & UpdateContext): Promise<void> {
    return this.port(ref).routeToQueue(ref, routing);
  }
}
