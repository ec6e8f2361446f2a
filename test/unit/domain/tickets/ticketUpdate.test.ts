import { describe, expect, it } from 'vitest';
import { normaliseJira } from '../../../../src/domain/sources/jira.js';
import type { TicketEvent } from '../../../../src/domain/tickets/ticket.js';
import { toTicketUpdate } from '../../../../src/domain/tickets/ticketUpdate.js';
import { jiraIssueCreated } from '../../../helpers/tickets.js';

const event = (source: TicketEvent['source'], eventType: TicketEvent['eventType'], status?: string): TicketEvent => {
  const base = normaliseJira(jiraIssueCreated());
  return { ...base, source, eventType, ticket: { ...base.ticket, status } };
};

describe('ticket updates for running workflows', () => {
  it.each([
    ['jira', 'Done', true],
    ['jira', "Won't Do", true],
    ['jira', 'Waiting for support', false],
    ['servicenow', 'Canceled', true],
    ['servicenow', 'In Progress', false],
    ['zendesk', 'solved', true],
    ['zendesk', 'open', false],
  ] as const)('%s status %s closes the automation: %s', (source, status, closed) => {
    expect(toTicketUpdate(event(source, 'updated', status), 'd-1')).toEqual({
      deliveryId: 'd-1',
      eventType: 'updated',
      occurredAt: '2026-11-26T10:00:00.000Z',
      status,
      closed,
    });
  });

  it('a deleted ticket always closes it, with or without a status', () => {
    expect(toTicketUpdate(event('jira', 'deleted'), 'd-2')).toMatchObject({ closed: true, status: null });
  });
});
