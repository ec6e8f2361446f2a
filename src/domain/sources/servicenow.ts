import { z } from 'zod';
import { parseOrThrow } from '../errors.js';
import type { TicketEvent, TicketEventType } from '../tickets/ticket.js';

// ServiceNow has no webhook format of its own. Our Business Rule (docs/servicenow.md) posts this
// envelope: the event name, when it was sent, the instance URL and the incident as the Table API
// returns it (every value a string, references as { link, value }, dates UTC "YYYY-MM-DD HH:mm:ss").
// We define the envelope, so unknown envelope keys are refused. Instances add incident fields
// (u_* custom fields, plugins), so unknown incident keys are tolerated; the fields we read are
// checked strictly.

export const SERVICENOW_EVENTS = ['incident.created', 'incident.updated', 'incident.commented', 'incident.deleted'] as const;
export type ServiceNowEvent = (typeof SERVICENOW_EVENTS)[number];

const SN_DATE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const SN_DATE_MESSAGE = 'must be a date in YYYY-MM-DD HH:mm:ss (UTC), e.g. 2026-11-26 10:00:00';

/** A ServiceNow UTC date-time as an ISO 8601 string, or null when it is not a real date in that format. */
export function serviceNowDateToIso(value: string): string | null {
  if (!SN_DATE.test(value)) return null;
  const date = new Date(`${value.replace(' ', 'T')}Z`);
  // Date rolls 2026-02-30 over to March; a real date survives the round trip unchanged.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== value.replace(' ', 'T')) return null;
  return date.toISOString();
}

const SnDate = z.string().refine((v) => serviceNowDateToIso(v) !== null, SN_DATE_MESSAGE);
const SysId = z.string().regex(/^[0-9a-f]{32}$/, 'must be a sys_id: 32 lower-case hexadecimal characters');

/** A reference field: `{ link, value: <sys_id> }`, or "" when empty. */
const Reference = z.union([z.literal(''), z.object({ link: z.string().optional(), value: SysId })], {
  error: 'must be a reference { "link": "...", "value": "<sys_id>" } or "" when empty',
});
type Reference = z.infer<typeof Reference>;

export const PRIORITY_NAMES: Readonly<Record<string, string>> = {
  '1': '1 - Critical',
  '2': '2 - High',
  '3': '3 - Moderate',
  '4': '4 - Low',
  '5': '5 - Planning',
};

export const STATE_NAMES: Readonly<Record<string, string>> = {
  '1': 'New',
  '2': 'In Progress',
  '3': 'On Hold',
  '6': 'Resolved',
  '7': 'Closed',
  '8': 'Canceled',
};

/** A choice field: one of the documented values, or "" when empty. */
function choice(names: Readonly<Record<string, string>>, what: string) {
  const values = Object.keys(names);
  return z.string().refine((v) => v === '' || values.includes(v), {
    message: `must be a ${what} value: ${values.map((v) => `"${v}" (${names[v]})`).join(', ')}, or "" when empty`,
  });
}

export const ServiceNowIncident = z
  .object({
    sys_id: SysId,
    number: z.string().regex(/^[A-Z][A-Z0-9_]*\d+$/, 'must be a record number such as INC0010042'),
    short_description: z.string(),
    description: z.string().optional(),
    category: z.string().optional(),
    subcategory: z.string().optional(),
    priority: choice(PRIORITY_NAMES, 'priority').optional(),
    impact: z.string().optional(),
    urgency: z.string().optional(),
    state: choice(STATE_NAMES, 'state').optional(),
    caller_id: Reference,
    assignment_group: Reference.optional(),
    cmdb_ci: Reference.optional(),
    contact_type: z.string().optional(),
    sys_created_on: SnDate,
    sys_updated_on: SnDate,
  })
  .catchall(z.unknown());
export type ServiceNowIncident = z.infer<typeof ServiceNowIncident>;

const INSTANCE_MESSAGE = 'must be the instance base URL without a path, e.g. https://acme.service-now.com';

/** The origin of an instance base URL (`https://acme.service-now.com`, optionally with one trailing slash). */
function instanceOrigin(value: string): string | null {
  const origin = URL.canParse(value) ? new URL(value).origin : 'null';
  return /^https?:\/\//.test(origin) && (value === origin || value === `${origin}/`) ? origin : null;
}

export const ServiceNowWebhook = z.strictObject({
  event: z.enum(SERVICENOW_EVENTS, {
    error: (issue) => `unsupported event ${JSON.stringify(issue.input)}; expected one of ${SERVICENOW_EVENTS.join(', ')}`,
  }),
  sent_at: SnDate,
  instance: z
    .string()
    .refine((v) => instanceOrigin(v) !== null, INSTANCE_MESSAGE)
    .optional(),
  incident: ServiceNowIncident,
});
export type ServiceNowWebhook = z.infer<typeof ServiceNowWebhook>;

const EVENT_TYPES: Record<ServiceNowEvent, TicketEventType> = {
  'incident.created': 'created',
  'incident.updated': 'updated',
  'incident.commented': 'commented',
  'incident.deleted': 'deleted',
};

/** Incident fields that have a place of their own in TicketEvent; everything else goes to `fields`. */
const MAPPED = new Set(['sys_id', 'number', 'short_description', 'description', 'category', 'subcategory', 'priority', 'state', 'caller_id', 'sys_updated_on']);

/** A non-empty string value, or the sys_id of a set reference; undefined for anything else. */
function simpleValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (value && typeof value === 'object' && typeof (value as { value?: unknown }).value === 'string') {
    return simpleValue((value as { value: string }).value);
  }
  return undefined;
}

const orUndefined = (value: string | undefined) => (value === '' ? undefined : value);

function referenceId(ref: Reference): string | null {
  return ref === '' ? null : ref.value;
}

export function normaliseServiceNow(body: unknown): TicketEvent {
  const payload = parseOrThrow(ServiceNowWebhook, body, 'ServiceNow webhook body');
  const incident = payload.incident;
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(incident)) {
    if (MAPPED.has(name)) continue;
    const simple = simpleValue(value);
    if (simple !== undefined) fields[name] = simple;
  }
  const callerId = referenceId(incident.caller_id);
  return {
    source: 'servicenow',
    eventType: EVENT_TYPES[payload.event],
    sourceEventType: payload.event,
    // Validated by the schema, so never null here.
    occurredAt: serviceNowDateToIso(incident.sys_updated_on)!,
    ticket: {
      id: incident.sys_id,
      key: incident.number,
      url: payload.instance ? `${instanceOrigin(payload.instance)}/nav_to.do?uri=incident.do?sys_id=${incident.sys_id}` : undefined,
      summary: incident.short_description,
      description: incident.description ?? '',
      category: orUndefined(incident.category),
      subcategory: orUndefined(incident.subcategory),
      priority: incident.priority ? PRIORITY_NAMES[incident.priority] : undefined,
      status: incident.state ? STATE_NAMES[incident.state] : undefined,
      labels: [],
      components: [],
      fields,
    },
    requester: callerId ? { externalId: callerId } : null,
  };
}

const REFERENCE_FIELDS = ['caller_id', 'assignment_group', 'cmdb_ci'] as const;

/**
 * Wraps an incident record from the Table API (`GET /api/now/table/incident`) into the webhook
 * envelope, so the reconciliation job feeds missed changes through the same normaliser.
 * There is no delivery time for a record read back later: its own `sys_updated_on` stands in for
 * `sent_at`. Records read with `sysparm_exclude_reference_link=true` may carry bare sys_ids in
 * reference fields; those are wrapped as `{ value }`.
 */
export function incidentToWebhookBody(record: unknown, event: ServiceNowEvent, instance?: string): ServiceNowWebhook {
  let input = record;
  if (record !== null && typeof record === 'object' && !Array.isArray(record)) {
    const copy: Record<string, unknown> = { ...record };
    for (const name of REFERENCE_FIELDS) {
      const value = copy[name];
      if (typeof value === 'string' && value !== '') copy[name] = { value };
    }
    input = copy;
  }
  const incident = parseOrThrow(ServiceNowIncident, input, 'ServiceNow incident record');
  const body = { event, sent_at: incident.sys_updated_on, ...(instance === undefined ? {} : { instance }), incident };
  return parseOrThrow(ServiceNowWebhook, body, 'ServiceNow webhook body');
}
