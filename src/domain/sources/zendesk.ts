import { z } from 'zod';
import { ALWAYS, parseOrThrow } from '../errors.js';
import type { TicketEvent, TicketEventType } from '../tickets/ticket.js';

// Zendesk trigger-connected webhooks post a JSON body that we define with placeholders
// (docs/zendesk.md). Placeholders render as text, so every value is a string: ids are digit
// strings, tags one space-separated string, an empty field "" (and possibly "-"). We define the
// body, so unknown keys are refused: a trigger body edited by hand fails loudly, naming the key.
// Custom fields are the exception by design: `"ticket_field_<id>": "{{ticket.ticket_field_<id>}}"`
// (or `ticket_field_option_title_<id>` for a drop-down's title) and a `custom_fields` array of
// `{ id, value }` as the Tickets API has it reach routing as `fields.ticket_field_<id>`.

export const ZENDESK_EVENTS = ['ticket.created', 'ticket.updated', 'ticket.commented'] as const;
export type ZendeskEvent = (typeof ZENDESK_EVENTS)[number];

// ISO 8601 with an explicit zone. `{{ticket.updated_at_with_timestamp}}` is documented as ISO 8601,
// with an example that has no seconds (`2013-12-12T05:35Z`); both forms are accepted.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A Zendesk date-time placeholder value as an ISO 8601 UTC string, or null when it is not one. */
export function zendeskDateToIso(value: string): string | null {
  if (!ISO_DATE_TIME.test(value)) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  const date = new Date(ms);
  return date.getUTCFullYear() > 9999 ? null : date.toISOString();
}

const DATE_MESSAGE = 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-26T10:00:00Z';
export const ZdDate = z.string().refine((v) => zendeskDateToIso(v) !== null, DATE_MESSAGE);

export const digits = (what: string) =>
  z
    .string({ error: `must be the ${what} as a string of digits, e.g. "12345" (keep the placeholder in quotes)` })
    .regex(/^\d+$/, `must be the ${what} as a string of digits, e.g. "12345" (is the placeholder spelt right?)`);

/** Keys a trigger body may add to `ticket` for custom fields, named after the placeholders. */
const CUSTOM_FIELD_KEY = /^ticket_field_(option_title_)?\d+$/;

/** A custom field value as the Tickets API gives it: text, number, checkbox, multi-select tags, or unset. */
const CustomFieldValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()], {
  error: 'must be the field value as the Tickets API gives it: text, a number, true/false, a list of tags, or null',
});

const TICKET_KEYS = [
  'id',
  'url',
  'subject',
  'description',
  'status',
  'priority',
  'type',
  'tags',
  'group',
  'requester_id',
  'created_at',
  'updated_at',
  'custom_fields',
];

export const ZendeskWebhook = z.strictObject({
  event: z.enum(ZENDESK_EVENTS, {
    error: (issue) => `unsupported event ${JSON.stringify(issue.input)}; expected one of ${ZENDESK_EVENTS.join(', ')}`,
  }),
  ticket: z
    .object({
      id: digits('ticket id'),
      url: z.string(),
      subject: z.string(),
      description: z.string(),
      status: z.string().min(1, 'must be the ticket status, e.g. "Open"'),
      priority: z.string(),
      type: z.string(),
      tags: z.string(),
      group: z.string(),
      requester_id: digits('requester user id'),
      created_at: ZdDate,
      updated_at: ZdDate,
      custom_fields: z.array(z.strictObject({ id: z.number().int().positive(), value: CustomFieldValue })).optional(),
    })
    .catchall(z.unknown())
    .superRefine((ticket, ctx) => {
      // Runs even when another field is invalid (ALWAYS), so that every bad key is named at once.
      if (typeof ticket !== 'object' || ticket === null || Array.isArray(ticket)) return;
      for (const [key, value] of Object.entries(ticket)) {
        if (TICKET_KEYS.includes(key)) continue;
        if (!CUSTOM_FIELD_KEY.test(key)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `unrecognized key "${key}"; a custom field goes in as "ticket_field_<id>": "{{ticket.ticket_field_<id>}}" (see docs/zendesk.md)`,
          });
        } else if (typeof value !== 'string') {
          ctx.addIssue({ code: 'custom', path: [key], message: 'must be the placeholder in quotes, e.g. "{{ticket.ticket_field_360012345}}"' });
        }
      }
    }, ALWAYS),
});
export type ZendeskWebhook = z.infer<typeof ZendeskWebhook>;

const EVENT_TYPES: Record<ZendeskEvent, TicketEventType> = {
  'ticket.created': 'created',
  'ticket.updated': 'updated',
  'ticket.commented': 'commented',
};

/** An empty placeholder: "" (documented) or "-" (how some Zendesk renderings show an unset field; unconfirmed). */
const absent = (value: string): string | undefined => (value.trim() === '' || value.trim() === '-' ? undefined : value);

/** `{{ticket.url}}` renders without a scheme (`acme.zendesk.com/agent/tickets/42`); links need one. */
function ticketUrl(value: string): string | undefined {
  if (value === '') return undefined;
  return /^https?:\/\//i.test(value) ? value : `https://${value}`;
}

/** A Tickets API custom field value as text for routing; undefined when unset. */
function customFieldText(value: z.infer<typeof CustomFieldValue>): string | undefined {
  if (value === null) return undefined;
  const text = Array.isArray(value) ? value.join(' ') : String(value);
  return absent(text);
}

/** Custom fields of a trigger body, keyed `ticket_field_<id>` as routing's `field:` names them. */
function customFields(ticket: ZendeskWebhook['ticket']): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const { id, value } of ticket.custom_fields ?? []) {
    const text = customFieldText(value);
    if (text !== undefined) fields[`ticket_field_${id}`] = text;
  }
  // A placeholder key wins over the array: it is what the admin wrote for this trigger.
  for (const [key, value] of Object.entries(ticket)) {
    if (!CUSTOM_FIELD_KEY.test(key)) continue;
    const text = absent(value as string);
    if (text !== undefined) fields[key] = text;
  }
  return fields;
}

export function normaliseZendesk(body: unknown): TicketEvent {
  const { event, ticket } = parseOrThrow(ZendeskWebhook, body, 'Zendesk webhook body');
  const group = absent(ticket.group);
  const fields = customFields(ticket);
  if (group) fields.group = group;
  return {
    source: 'zendesk',
    eventType: EVENT_TYPES[event],
    sourceEventType: event,
    // Validated by the schema, so never null here.
    occurredAt: zendeskDateToIso(ticket.updated_at)!,
    ticket: {
      id: ticket.id,
      key: ticket.id,
      url: ticketUrl(ticket.url),
      summary: ticket.subject,
      description: ticket.description,
      issueType: absent(ticket.type),
      priority: absent(ticket.priority),
      status: ticket.status,
      labels: ticket.tags.split(/\s+/).filter((tag) => tag !== ''),
      components: [],
      fields,
    },
    requester: { externalId: ticket.requester_id },
  };
}

/** The fields of a Zendesk REST API ticket (`GET /api/v2/tickets/{id}` or the incremental export) that the body needs. */
export const ZendeskApiTicket = z.object({
  id: z.number().int().positive(),
  url: z.string(),
  subject: z.string().nullable(),
  description: z.string().nullable(),
  status: z.string().min(1),
  priority: z.string().nullable(),
  type: z.string().nullable(),
  tags: z.array(z.string()),
  group_id: z.number().int().positive().nullable(),
  requester_id: z.number().int().positive(),
  custom_fields: z.array(z.object({ id: z.number().int().positive(), value: CustomFieldValue })).optional(),
  created_at: ZdDate,
  updated_at: ZdDate,
});
export type ZendeskApiTicket = z.infer<typeof ZendeskApiTicket>;

export interface ZendeskBodyOptions {
  /** Group names by group id (`GET /api/v2/groups`); the API ticket carries only `group_id`. */
  groupNames?: Readonly<Record<string, string>>;
}

/** `https://acme.zendesk.com/api/v2/tickets/42.json` to the agent URL `https://acme.zendesk.com/agent/tickets/42`. */
function agentUrl(apiUrl: string, id: number): string {
  const match = /^(https?:\/\/[^/]+)\/api\/v2\/tickets\/\d+\.json$/.exec(apiUrl);
  return match ? `${match[1]}/agent/tickets/${id}` : apiUrl;
}

/**
 * Converts a Zendesk REST API ticket into the trigger body, so the reconciliation job feeds missed
 * changes through the same normaliser. Status, priority and type keep the API's lower-case values
 * ("open", "normal", "incident") where a trigger renders display names ("Open"); routing compares
 * case-insensitively. The group name comes from `options.groupNames`; without it the group is "".
 */
export function zendeskTicketToWebhookBody(apiTicket: unknown, event: ZendeskEvent, options: ZendeskBodyOptions = {}): ZendeskWebhook {
  const t = parseOrThrow(ZendeskApiTicket, apiTicket, 'Zendesk API ticket');
  const body: ZendeskWebhook = {
    event,
    ticket: {
      id: String(t.id),
      url: agentUrl(t.url, t.id),
      subject: t.subject ?? '',
      description: t.description ?? '',
      status: t.status,
      priority: t.priority ?? '',
      type: t.type ?? '',
      tags: t.tags.join(' '),
      group: t.group_id === null ? '' : (options.groupNames?.[String(t.group_id)] ?? ''),
      requester_id: String(t.requester_id),
      created_at: t.created_at,
      updated_at: t.updated_at,
      ...(t.custom_fields ? { custom_fields: t.custom_fields.map(({ id, value }) => ({ id, value })) } : {}),
    },
  };
  return parseOrThrow(ZendeskWebhook, body, 'Zendesk webhook body');
}
