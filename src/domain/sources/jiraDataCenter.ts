import { z } from 'zod';
import { parseOrThrow } from '../errors.js';
import type { TicketEvent, TicketEventType } from '../tickets/ticket.js';
import type { IgnoredDelivery, NormalisedDelivery } from './delivery.js';
import {
  JiraEventName,
  JiraIssueId,
  JiraIssueKey,
  jiraCustomFields,
  jiraDescriptionText,
  jiraIssueFields,
  jiraOccurredAt,
  Named,
  normaliseJira,
  type JiraNormaliseOptions,
} from './jira.js';

// Jira Server / Data Center webhooks (developer.atlassian.com/server/jira/platform/webhooks/,
// confluence.atlassian.com/adminjiraserver/managing-webhooks-938846912.html). The envelope is
// Cloud's, but people are identified by username: users carry `name` and `key` (plus
// `emailAddress`, `displayName`), never `accountId`. Comment events (`comment_created`, ...) carry
// the `comment` alone, its `self` URL holding the numeric issue id; the same change also arrives as
// `jira:issue_updated` with `issue_event_type_name` `issue_commented` / `issue_comment_edited` /
// `issue_comment_deleted`, which has the issue. As for Cloud, unknown keys are dropped, the fields
// read are checked strictly.

const WHAT = 'Jira Data Center webhook body';

const DcUser = z.object({
  // The username: what people sign in with, and what the directory maps (`externalIds.jira`).
  name: z.string({ error: 'must be the Jira Data Center username (Data Center users carry name and key, not accountId)' }).min(1),
  key: z.string().min(1).optional(),
  emailAddress: z.string().optional(),
  displayName: z.string().optional(),
});

/** `https://jira.example.com/rest/api/2/issue/10013/comment/10082`: the issue id of a comment event. */
const COMMENT_SELF = /\/rest\/api\/2\/issue\/(\d+)\/comment\/\d+$/;

const ChangelogItem = z.object({
  field: z.string(),
  fieldtype: z.string().optional(),
  from: z.string().nullable().optional(),
  fromString: z.string().nullable().optional(),
  to: z.string().nullable().optional(),
  toString: z.string().nullable().optional(),
});

export const JiraDataCenterWebhook = z
  .object({
    timestamp: z.number().int().positive(),
    webhookEvent: JiraEventName,
    issue_event_type_name: z.string().min(1).optional(),
    user: DcUser.optional(),
    issue: z
      .object({
        id: JiraIssueId,
        self: z.url().optional(),
        key: JiraIssueKey,
        // The documented example sends the priority's name as a plain string.
        fields: jiraIssueFields(DcUser, z.union([z.string().min(1), Named])),
      })
      .optional(),
    changelog: z
      .object({
        // A number in the documented example, a string in deliveries.
        id: z.union([z.string(), z.number()]).optional(),
        items: z.array(ChangelogItem),
      })
      .optional(),
    comment: z
      .object({
        id: z.string(),
        self: z.string().optional(),
        body: z.string().optional(),
        author: DcUser.optional(),
      })
      .optional(),
  })
  .superRefine((payload, ctx) => {
    if (payload.issue) return;
    if (!payload.webhookEvent.startsWith('comment_')) {
      ctx.addIssue({ code: 'custom', path: ['issue'], message: `is required for ${payload.webhookEvent}` });
    } else if (!payload.comment) {
      ctx.addIssue({ code: 'custom', path: ['comment'], message: `is required for ${payload.webhookEvent} without an issue` });
    } else if (!COMMENT_SELF.test(payload.comment.self ?? '')) {
      ctx.addIssue({
        code: 'custom',
        path: ['comment', 'self'],
        message: 'must be the comment URL, e.g. https://jira.example.com/rest/api/2/issue/10013/comment/10082',
      });
    }
  });
export type JiraDataCenterWebhook = z.infer<typeof JiraDataCenterWebhook>;

/** Issue events that report a comment (Data Center has no separate `issue_comment_*` webhook event). */
const COMMENT_EVENT_TYPES = new Set(['issue_commented', 'issue_comment_edited', 'issue_comment_deleted']);

function eventTypeOf(payload: JiraDataCenterWebhook): TicketEventType {
  switch (payload.webhookEvent) {
    case 'jira:issue_created':
      return 'created';
    case 'jira:issue_deleted':
      return 'deleted';
    case 'jira:issue_updated':
      return COMMENT_EVENT_TYPES.has(payload.issue_event_type_name ?? '') ? 'commented' : 'updated';
    default:
      return 'commented';
  }
}

export function normaliseJiraDataCenter(body: unknown, options: JiraNormaliseOptions = {}): TicketEvent | IgnoredDelivery {
  const payload = parseOrThrow(JiraDataCenterWebhook, body, WHAT);
  const occurredAt = jiraOccurredAt(payload.timestamp, WHAT);
  const issue = payload.issue;
  if (!issue) {
    // Validated above: a comment event whose comment URL holds the issue id.
    const issueId = COMMENT_SELF.exec(payload.comment!.self!)![1];
    return {
      ignored: true,
      sourceEventType: payload.webhookEvent,
      ticketRef: `issue-id:${issueId}`,
      reason:
        `Jira Data Center sends ${payload.webhookEvent} without the issue, so the ticket cannot be found; ` +
        'the same comment arrives as jira:issue_updated (issue_commented), which the engine handles: subscribe the webhook to "Issue: updated".',
    };
  }
  const f = issue.fields;
  const fields = jiraCustomFields(f);
  return {
    source: 'jira',
    eventType: eventTypeOf(payload),
    sourceEventType: [payload.webhookEvent, payload.issue_event_type_name].filter(Boolean).join('/'),
    occurredAt,
    ticket: {
      id: issue.id,
      key: issue.key,
      url: issue.self,
      summary: f.summary,
      description: jiraDescriptionText(f.description),
      issueType: f.issuetype?.name,
      requestType: options.requestTypeField ? fields[options.requestTypeField] : undefined,
      priority: typeof f.priority === 'string' ? f.priority : f.priority?.name,
      status: f.status?.name,
      labels: f.labels ?? [],
      components: (f.components ?? []).map((c) => c.name),
      fields,
    },
    requester: f.reporter ? { externalId: f.reporter.name } : null,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether a body posted to /webhooks/jira comes from Data Center: a person in it (the acting user,
 * the reporter, a comment's author) is named by username (`name` / `key`) and none carries a Cloud
 * `accountId`. Cloud has sent only `accountId` since 2019, so a Cloud body is never taken for a
 * Data Center one; a body with no person at all is read as Cloud, as before.
 */
export function isJiraDataCenterBody(body: unknown): boolean {
  if (!isRecord(body)) return false;
  const issue = isRecord(body.issue) ? body.issue : {};
  const fields = isRecord(issue.fields) ? issue.fields : {};
  const comment = isRecord(body.comment) ? body.comment : {};
  const people = [body.user, fields.reporter, comment.author].filter(isRecord);
  if (people.some((p) => 'accountId' in p)) return false;
  return people.some((p) => typeof p.name === 'string' || typeof p.key === 'string');
}

/** A delivery to /webhooks/jira from either Jira: Cloud bodies are read exactly as before. */
export function normaliseJiraDelivery(body: unknown, options: JiraNormaliseOptions = {}): NormalisedDelivery {
  return isJiraDataCenterBody(body) ? normaliseJiraDataCenter(body, options) : normaliseJira(body, options);
}
