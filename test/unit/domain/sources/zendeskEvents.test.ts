import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/domain/errors.js';
import { isIgnoredDelivery, type NormalisedDelivery } from '../../../../src/domain/sources/delivery.js';
import { normaliseZendesk } from '../../../../src/domain/sources/zendesk.js';
import { normaliseZendeskDelivery, normaliseZendeskEvent } from '../../../../src/domain/sources/zendeskEvents.js';
import { TicketEvent } from '../../../../src/domain/tickets/ticket.js';
import { toTicketUpdate } from '../../../../src/domain/tickets/ticketUpdate.js';
import { sample } from '../../../helpers/deliveries.js';

const CREATED = () => sample('zendesk/event-ticket-created.json');
const withType = (name: string) => ({ ...CREATED(), type: `zen:event-type:ticket.${name}` });

function ticketEvent(delivery: NormalisedDelivery): TicketEvent {
  if (isIgnoredDelivery(delivery)) throw new Error(`expected a ticket event, got ignored: ${delivery.reason}`);
  return delivery;
}

function issuesOf(body: unknown): Array<{ path: string; message: string }> {
  try {
    normaliseZendeskDelivery(body);
  } catch (e) {
    if (e instanceof ValidationError) return e.issues;
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('Zendesk event subscriptions (zen:event-type:ticket.*)', () => {
  it('reads ticket.created into the same TicketEvent a trigger body gives, field by field', () => {
    const event = ticketEvent(normaliseZendeskDelivery(CREATED()));
    expect(TicketEvent.parse(event)).toEqual(event);
    expect(event).toEqual({
      source: 'zendesk',
      eventType: 'created',
      sourceEventType: 'zen:event-type:ticket.created',
      occurredAt: '2026-11-26T09:20:00.672Z',
      ticket: {
        id: '4811',
        key: '4811',
        url: undefined,
        summary: 'Password reset - locked out of my laptop',
        description: CREATED().detail.description,
        issueType: 'INCIDENT',
        priority: 'NORMAL',
        status: 'NEW',
        labels: ['password', 'locked_out'],
        components: [],
        fields: { group_id: '8447320466430' },
      },
      requester: { externalId: '372104928711' },
    });
  });

  it('reads a comment as a comment, and a status change to solved as an update that stops the automation', () => {
    expect(ticketEvent(normaliseZendeskDelivery(sample('zendesk/event-ticket-comment-added.json'))).eventType).toBe('commented');
    const solved = ticketEvent(normaliseZendeskDelivery(sample('zendesk/event-ticket-status-changed.json')));
    expect(solved).toMatchObject({ eventType: 'updated', ticket: { status: 'SOLVED' }, occurredAt: '2026-11-26T09:45:20.987Z' });
    expect(toTicketUpdate(solved, 'd-1')).toMatchObject({ closed: true, status: 'SOLVED' });
  });

  it.each(['soft_deleted', 'permanently_deleted', 'marked_as_spam'])('ticket.%s is a deletion', (name) => {
    const event = ticketEvent(normaliseZendeskEvent(withType(name)));
    expect(event.eventType).toBe('deleted');
    expect(toTicketUpdate(event, 'd-2').closed).toBe(true);
  });

  it.each([
    'priority_changed',
    'subject_changed',
    'tags_changed',
    'agent_assignment_changed',
    'group_assignment_changed',
    'custom_field_changed',
    'merged',
    'undeleted',
  ])('ticket.%s carries the ticket as it now is: an update', (name) => expect(ticketEvent(normaliseZendeskEvent(withType(name))).eventType).toBe('updated'));

  it.each(['comment_made_private', 'comment_redacted', 'attachment_linked_to_comment', 'attachment_redacted_from_comment'])(
    'ticket.%s is answered ignored, with the reason',
    (name) => {
      expect(normaliseZendeskDelivery(withType(name))).toEqual({
        ignored: true,
        sourceEventType: `zen:event-type:ticket.${name}`,
        ticketRef: '4811',
        reason: expect.stringContaining('changes nothing an automation reads'),
      });
    },
  );

  it('accepts ids as numbers, and unset priority, type, tags, group and requester', () => {
    const body = CREATED();
    Object.assign(body.detail, { id: 4811, requester_id: null, priority: null, type: '', tags: null, group_id: null, description: null });
    const event = ticketEvent(normaliseZendeskDelivery(body));
    expect(event).toMatchObject({
      requester: null,
      ticket: { id: '4811', priority: undefined, issueType: undefined, labels: [], fields: {}, description: '' },
    });
    body.detail.requester_id = 372104928711;
    expect(ticketEvent(normaliseZendeskDelivery(body)).requester).toEqual({ externalId: '372104928711' });
  });

  describe('bad input names the field and what to do', () => {
    it('an event that is not about tickets says to subscribe to ticket events only', () => {
      const issues = issuesOf({ ...CREATED(), type: 'zen:event-type:user.created' });
      expect(issues).toEqual([{ path: 'type', message: expect.stringMatching(/not a ticket event; subscribe this webhook to ticket events only/) }]);
      expect(issuesOf({ ...CREATED(), type: 'ticket.created' })).toEqual([{ path: 'type', message: expect.stringContaining('zen:event-type:ticket.created') }]);
    });

    it('a subject naming another ticket than detail.id', () => {
      expect(issuesOf({ ...CREATED(), subject: 'zen:ticket:1' })).toEqual([{ path: 'subject', message: expect.stringContaining('4811') }]);
    });

    it('missing or malformed fields, all at once', () => {
      const body = CREATED();
      delete body.detail.status;
      body.detail.requester_id = 'jane';
      body.time = 'yesterday';
      delete body.account_id;
      expect(
        issuesOf(body)
          .map((i) => i.path)
          .sort(),
      ).toEqual(['account_id', 'detail.requester_id', 'detail.status', 'time']);
    });
  });
});

describe('telling trigger bodies and event subscriptions apart on /webhooks/zendesk', () => {
  it('reads a trigger body exactly as before', () => {
    const trigger = sample('zendesk/ticket-created.json');
    expect(normaliseZendeskDelivery(trigger)).toEqual(normaliseZendesk(trigger));
  });

  it('refuses what is neither as the trigger body it is missing (the documented template)', () => {
    expect(issuesOf(null)[0]?.path).toBe('(root)');
    expect(issuesOf([{ type: 'x' }])[0]?.path).toBe('(root)');
    expect(issuesOf({}).map((i) => i.path)).toEqual(['event', 'ticket']);
  });
});
