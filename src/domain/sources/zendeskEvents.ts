import { z } from 'zod';
import { parseOrThrow } from '../errors.js';
import type { TicketEvent, TicketEventType } from '../tickets/ticket.js';
import type { IgnoredDelivery, NormalisedDelivery } from './delivery.js';
import { normaliseZendesk, zendeskDateToIso, ZdDate } from './zendesk.js';

// Zendesk webhooks subscribed to ticket events (developer.zendesk.com/api-reference/webhooks/
// event-types/ticket-events/): no trigger and no template, Zendesk's own JSON. Every event type
// has the same envelope (`type`, `account_id`, `id`, `time`, `zendesk_event_version`, `subject`,
// `detail`, `event`); `detail` is the ticket as it is after the change and `event` what changed
// (its keys differ by type). Zendesk defines this body, so unknown keys are tolerated (dropped);
// the fields read are checked strictly. Signed exactly like trigger webhooks.

const WHAT = 'Zendesk event webhook body';

const EVENT_TYPE = /^zen:event-type:([a-z_]+)\.([a-z_]+)$/;

/** An id as these payloads send it: a string of digits (documented), or a number. */
const Id = (what: string) =>
  z.union([z.string().regex(/^\d+$/), z.number().int().positive()], { error: `must be the ${what}, a string of digits such as "5158"` }).transform(String);

export const ZendeskEventWebhook = z
  .object({
    type: z.string().superRefine((type, ctx) => {
      const match = EVENT_TYPE.exec(type);
      if (match?.[1] === 'ticket') return;
      ctx.addIssue({
        code: 'custom',
        message: match
          ? `"${type}" is not a ticket event; subscribe this webhook to ticket events only (zen:event-type:ticket.created, zen:event-type:ticket.comment_added, ...), see docs/zendesk.md`
          : `must be a Zendesk event type such as "zen:event-type:ticket.created"`,
      });
    }),
    account_id: z.number().int().positive(),
    id: z.string().min(1),
    time: ZdDate,
    zendesk_event_version: z.string().min(1),
    subject: z.string().regex(/^zen:ticket:\d+$/, 'must name the ticket, e.g. "zen:ticket:5158"'),
    detail: z.object({
      id: Id('ticket id'),
      subject: z.string(),
      description: z.string().nullable().optional(),
      status: z.string().min(1),
      priority: z.string().nullable().optional(),
      type: z.string().nullable().optional(),
      tags: z.array(z.string()).nullable().optional(),
      requester_id: Id('requester user id').nullable().optional(),
      group_id: Id('group id').nullable().optional(),
      created_at: ZdDate,
      updated_at: ZdDate,
    }),
    event: z.record(z.string(), z.unknown()),
  })
  .superRefine((payload, ctx) => {
    if (payload.subject !== `zen:ticket:${payload.detail.id}`) {
      ctx.addIssue({ code: 'custom', path: ['subject'], message: `names another ticket than detail.id (${payload.detail.id})` });
    }
  });
export type ZendeskEventWebhook = z.infer<typeof ZendeskEventWebhook>;

/** Removal of the ticket from people's view: the automation must stop. */
const DELETING = new Set(['soft_deleted', 'permanently_deleted', 'marked_as_spam']);

/** Events about a comment's visibility or attachments: nothing an automation reads changes. */
const NOTHING_TO_ACT_ON = new Set(['comment_made_private', 'comment_redacted', 'attachment_linked_to_comment', 'attachment_redacted_from_comment']);

/** Every other ticket event carries the ticket as it now is (status included), so it is an update. */
function eventTypeOf(name: string): TicketEventType | null {
  if (name === 'created') return 'created';
  if (name === 'comment_added') return 'commented';
  if (DELETING.has(name)) return 'deleted';
  return NOTHING_TO_ACT_ON.has(name) ? null : 'updated';
}

const present = (value: string | null | undefined): string | undefined => (value == null || value.trim() === '' ? undefined : value);

export function normaliseZendeskEvent(body: unknown): TicketEvent | IgnoredDelivery {
  const payload = parseOrThrow(ZendeskEventWebhook, body, WHAT);
  const name = EVENT_TYPE.exec(payload.type)![2]!;
  const d = payload.detail;
  const eventType = eventTypeOf(name);
  if (eventType === null) {
    return {
      ignored: true,
      sourceEventType: payload.type,
      ticketRef: d.id,
      reason: `${payload.type} changes nothing an automation reads (status, fields, comments)`,
    };
  }
  return {
    source: 'zendesk',
    eventType,
    sourceEventType: payload.type,
    // Validated by the schema, so never null here.
    occurredAt: zendeskDateToIso(payload.time)!,
    ticket: {
      id: d.id,
      key: d.id,
      url: undefined,
      summary: d.subject,
      description: d.description ?? '',
      issueType: present(d.type),
      priority: present(d.priority),
      status: d.status,
      labels: d.tags ?? [],
      components: [],
      // The event carries the group's id, not its name, and no custom fields.
      fields: d.group_id ? { group_id: d.group_id } : {},
    },
    requester: d.requester_id ? { externalId: d.requester_id } : null,
  };
}

/**
 * A delivery to /webhooks/zendesk: an event subscription's body has a `type`; a trigger body (the
 * template in docs/zendesk.md) has `event` and `ticket`, and is read exactly as before.
 */
export function normaliseZendeskDelivery(body: unknown): NormalisedDelivery {
  const isEventSubscription = typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, 'type');
  return isEventSubscription ? normaliseZendeskEvent(body) : normaliseZendesk(body);
}
