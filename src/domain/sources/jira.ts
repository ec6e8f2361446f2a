import { z } from 'zod';
import { adfToText, type AdfNode } from './adf.js';
import { parseOrThrow, ValidationError } from '../errors.js';
import type { TicketEvent, TicketEventType } from '../tickets/ticket.js';

// Jira Cloud webhook payloads (documented shape). Jira adds fields over time and instances carry
// many custom fields, so unknown keys are tolerated here (they are dropped, never trusted); the
// fields we rely on are checked strictly.

const JiraUser = z.object({
  accountId: z.string().min(1),
  displayName: z.string().optional(),
  emailAddress: z.string().optional(),
  accountType: z.string().optional(),
});

export const Named = z.object({ id: z.string().optional(), name: z.string().min(1) });

/** The numeric issue id and the issue key, the same on Cloud and Data Center. */
export const JiraIssueId = z.string().regex(/^\d+$/, 'must be the numeric issue id as a string');
export const JiraIssueKey = z.string().regex(/^[A-Z][A-Z0-9_]+-\d+$/, 'must be an issue key such as ITSM-42');

export const AdfDoc: z.ZodType<AdfNode> = z.lazy(() =>
  z.object({
    type: z.string().min(1),
    text: z.string().optional(),
    attrs: z.record(z.string(), z.unknown()).optional(),
    content: z.array(AdfDoc).optional(),
  }),
);

export const JIRA_EVENTS = ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created', 'comment_updated', 'comment_deleted'] as const;

export const JiraEventName = z.enum(JIRA_EVENTS, {
  error: (issue) => `unsupported webhookEvent ${JSON.stringify(issue.input)}; expected one of ${JIRA_EVENTS.join(', ')}`,
});

/** The issue fields both editions send; how a person and a priority look differs between them. */
export function jiraIssueFields<U extends z.ZodType, P extends z.ZodType>(user: U, priority: P) {
  return z
    .object({
      summary: z.string(),
      // ADF on Cloud, wiki markup on Data Center.
      description: z.union([z.string(), AdfDoc]).nullable().optional(),
      issuetype: Named.optional(),
      priority: priority.nullable().optional(),
      reporter: user.nullable().optional(),
      status: Named.extend({ statusCategory: z.unknown().optional() }).optional(),
      labels: z.array(z.string()).optional(),
      components: z.array(Named).optional(),
      created: z.string().optional(),
      updated: z.string().optional(),
    })
    .catchall(z.unknown());
}

export const JiraWebhook = z.object({
  timestamp: z.number().int().positive(),
  webhookEvent: JiraEventName,
  issue_event_type_name: z.string().min(1).optional(),
  user: JiraUser.optional(),
  issue: z.object({
    id: JiraIssueId,
    self: z.url().optional(),
    key: JiraIssueKey,
    fields: jiraIssueFields(JiraUser, Named),
  }),
  changelog: z
    .object({
      id: z.string().optional(),
      items: z.array(
        z.object({
          field: z.string(),
          fieldtype: z.string().optional(),
          fieldId: z.string().optional(),
          from: z.string().nullable().optional(),
          fromString: z.string().nullable().optional(),
          to: z.string().nullable().optional(),
          toString: z.string().nullable().optional(),
        }),
      ),
    })
    .optional(),
  comment: z.object({ id: z.string(), body: z.union([z.string(), AdfDoc]).optional(), author: JiraUser.optional() }).optional(),
});
export type JiraWebhook = z.infer<typeof JiraWebhook>;

function eventTypeOf(payload: JiraWebhook): TicketEventType {
  switch (payload.webhookEvent) {
    case 'jira:issue_created':
      return 'created';
    case 'jira:issue_deleted':
      return 'deleted';
    case 'comment_created':
    case 'comment_updated':
    case 'comment_deleted':
      return 'commented';
    case 'jira:issue_updated':
      return payload.issue_event_type_name === 'issue_commented' ? 'commented' : 'updated';
  }
}

/** Values of custom fields that routing can map: strings, numbers, option objects, JSM request types. */
function simpleValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.value === 'string') return v.value;
    if (typeof v.name === 'string') return v.name;
    const rt = v.requestType as Record<string, unknown> | undefined;
    if (rt && typeof rt.name === 'string') return rt.name;
  }
  return undefined;
}

export interface JiraNormaliseOptions {
  /** Custom field that holds the JSM request type, e.g. `customfield_10010`. */
  requestTypeField?: string;
}

/** Simple-valued custom fields (`customfield_NNNNN`), as strings, for routing's `field:` mappings. */
export function jiraCustomFields(issueFields: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(issueFields)) {
    if (!name.startsWith('customfield_')) continue;
    const simple = simpleValue(value);
    if (simple !== undefined) fields[name] = simple;
  }
  return fields;
}

/** A description as text: wiki markup is kept as it is, an ADF document flattened. */
export function jiraDescriptionText(description: string | AdfNode | null | undefined): string {
  return description == null ? '' : typeof description === 'string' ? description : adfToText(description);
}

/** The webhook's epoch-milliseconds `timestamp` as an ISO date-time; a 400 naming it when it is not a real time. */
export function jiraOccurredAt(timestamp: number, what: string): string {
  const occurredAt = new Date(timestamp);
  if (Number.isNaN(occurredAt.getTime()) || occurredAt.getUTCFullYear() > 9999) {
    throw new ValidationError(what, [{ path: 'timestamp', message: 'is not a valid epoch-milliseconds time' }]);
  }
  return occurredAt.toISOString();
}

export function normaliseJira(body: unknown, options: JiraNormaliseOptions = {}): TicketEvent {
  const payload = parseOrThrow(JiraWebhook, body, 'Jira webhook body');
  const f = payload.issue.fields;
  const fields = jiraCustomFields(f);
  const requestType = options.requestTypeField ? fields[options.requestTypeField] : undefined;
  return {
    source: 'jira',
    eventType: eventTypeOf(payload),
    sourceEventType: [payload.webhookEvent, payload.issue_event_type_name].filter(Boolean).join('/'),
    occurredAt: jiraOccurredAt(payload.timestamp, 'Jira webhook body'),
    ticket: {
      id: payload.issue.id,
      key: payload.issue.key,
      url: payload.issue.self,
      summary: f.summary,
      description: jiraDescriptionText(f.description),
      issueType: f.issuetype?.name,
      requestType,
      priority: f.priority?.name,
      status: f.status?.name,
      labels: f.labels ?? [],
      components: (f.components ?? []).map((c) => c.name),
      fields,
    },
    requester: f.reporter ? { externalId: f.reporter.accountId } : null,
  };
}
