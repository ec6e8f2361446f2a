import { z } from 'zod';
import { textToAdf } from '../../domain/sources/adf.js';
import { basicAuth, checkSource, checkTimeZone, DEFAULT_TIMEOUT_MS, formatWallTime, HelpDeskHttp, parseConfig, queueFor } from './http.js';
import { TicketingRequestError, type ChangedTicket, type TicketingPort, type TicketRef, type UpdateContext } from './port.js';

/** Where a queue lives in Jira: an assignee (null = unassigned) and/or labels to add. */
export interface JiraQueue {
  assigneeAccountId?: string | null;
  labels?: string[];
}

export interface JiraConfig {
  /** e.g. `https://example.atlassian.net` */
  baseUrl: string;
  /** Account e-mail and API token (basic auth). */
  email: string;
  apiToken: string;
  /** Per request; default 10000. */
  timeoutMs?: number;
  queues: Record<string, JiraQueue>;
  /** Transition names that resolve an issue, in order of preference, case-insensitive. Default `['Resolve this issue', 'Resolve', 'Done']`. */
  resolveTransitions?: string[];
  /** Resolution set by the resolving transition; default `Done`. `null` sends none (transitions whose screen has no resolution field). */
  resolutionName?: string | null;
  /** JQL that restricts `listChangedSince`, e.g. `project = ITSM`; without ORDER BY. Empty: no restriction. */
  jql?: string;
  /** Time zone of the Jira user the token belongs to: JQL dates are read in it. Default `UTC`. */
  jqlTimeZone?: string;
  /** Fields listed besides the standard ones, e.g. `['customfield_10060']`. Default: all navigable fields. */
  extraFields?: string[];
  /** Issues per search page (Jira caps it, at about 100 when fields are requested). Default 100. */
  pageSize?: number;
}

const JiraConfigSchema = z
  .object({
    baseUrl: z.string().min(1),
    email: z.string().min(1),
    apiToken: z.string().min(1),
    timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
    queues: z.record(
      z.string().min(1),
      z
        .object({
          assigneeAccountId: z.string().min(1).nullable().optional(),
          labels: z.array(z.string().regex(/^\S+$/, 'Jira labels cannot contain spaces')).optional(),
        })
        .strict()
        .refine((q) => q.assigneeAccountId !== undefined || (q.labels?.length ?? 0) > 0, 'needs assigneeAccountId or labels'),
    ),
    resolveTransitions: z.array(z.string().min(1)).min(1).default(['Resolve this issue', 'Resolve', 'Done']),
    resolutionName: z.string().min(1).nullable().default('Done'),
    jql: z
      .string()
      .refine((q) => !/\border\s+by\b/i.test(q), 'must not contain ORDER BY (the adapter orders by updated)')
      .optional(),
    jqlTimeZone: z.string().min(1).default('UTC'),
    extraFields: z.array(z.string().min(1)).optional(),
    pageSize: z.number().int().min(1).max(5000).default(100),
  })
  .strict();

/** The entity property that marks a comment with the idempotency key of the activity that posted it. */
export const JIRA_IDEMPOTENCY_PROPERTY = 'itse.idempotency';
/** JSM's documented comment property for internal (agent-only) comments. */
const JSM_VISIBILITY_PROPERTY = 'sd.public.comment';
/** How far back a retry looks for its own comment. */
const RECENT_COMMENTS = 50;

const STANDARD_FIELDS = ['summary', 'description', 'issuetype', 'priority', 'reporter', 'status', 'labels', 'components', 'created', 'updated'];

const CommentPage = z.object({ comments: z.array(z.object({ id: z.string().regex(/^\d+$/) })) });
const CommentList = z.object({
  values: z.array(
    z.object({
      id: z.string(),
      properties: z.array(z.object({ key: z.string(), value: z.unknown() })).optional(),
    }),
  ),
});
const Transitions = z.object({ transitions: z.array(z.object({ id: z.string(), name: z.string() })) });
const IssueStatus = z.object({
  fields: z.object({ status: z.object({ name: z.string(), statusCategory: z.object({ key: z.string() }) }) }),
});
const jiraDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'is not a date');
const SearchPage = z.object({
  issues: z.array(
    z.looseObject({
      id: z.string(),
      key: z.string(),
      fields: z.looseObject({ created: jiraDate, updated: jiraDate }),
    }),
  ),
  nextPageToken: z.string().nullish(),
  isLast: z.boolean().optional(),
});

/** Jira Cloud (REST v3) and Jira Service Management. */
export class JiraTicketing implements TicketingPort {
  private readonly config: z.infer<typeof JiraConfigSchema>;
  private readonly http: HelpDeskHttp;

  constructor(config: JiraConfig) {
    this.config = parseConfig('Jira', JiraConfigSchema, config);
    checkTimeZone('Jira', this.config.jqlTimeZone);
    this.http = new HelpDeskHttp({
      system: 'Jira',
      baseUrl: this.config.baseUrl,
      authorization: basicAuth(this.config.email, this.config.apiToken),
      timeoutMs: this.config.timeoutMs,
      errorText: jiraErrorText,
    });
  }

  async addComment(ref: TicketRef, comment: { body: string; visibility: 'internal' | 'public' } & UpdateContext): Promise<void> {
    checkSource('Jira', 'jira', ref);
    if (comment.attempt > 1 && (await this.hasComment(ref, comment.idempotencyKey))) return;
    const properties: Array<{ key: string; value: unknown }> = [{ key: JIRA_IDEMPOTENCY_PROPERTY, value: { key: comment.idempotencyKey } }];
    if (comment.visibility === 'internal') properties.push({ key: JSM_VISIBILITY_PROPERTY, value: { internal: true } });
    await this.http.send({ method: 'POST', path: `${issuePath(ref)}/comment`, body: { body: textToAdf(comment.body), properties } });
  }

  /** Whether a recent comment carries this idempotency key (properties come only from comment/list). */
  private async hasComment(ref: TicketRef, idempotencyKey: string): Promise<boolean> {
    const page = await this.http.json(
      { method: 'GET', path: `${issuePath(ref)}/comment`, query: { orderBy: '-created', maxResults: RECENT_COMMENTS } },
      CommentPage,
    );
    if (page.comments.length === 0) return false;
    const list = await this.http.json(
      {
        method: 'POST',
        path: '/rest/api/3/comment/list',
        query: { expand: 'properties' },
        body: { ids: page.comments.map((c) => Number(c.id)) },
      },
      CommentList,
    );
    return list.values.some((c) =>
      (c.properties ?? []).some((p) => p.key === JIRA_IDEMPOTENCY_PROPERTY && (p.value as { key?: unknown } | null)?.key === idempotencyKey),
    );
  }

  /**
   * Runs the first configured resolving transition the issue offers. An issue already in a done
   * status counts as resolved: a retry after a lost answer, or a person who was quicker.
   * The note is not posted: the workflows post their summary as a comment first.
   */
  async resolve(ref: TicketRef, resolution: { note: string } & UpdateContext): Promise<void> {
    checkSource('Jira', 'jira', ref);
    // A retry must not run a transition twice (workflows may offer "Done" from any status).
    if (resolution.attempt > 1 && (await this.isDone(ref))) return;
    const path = `${issuePath(ref)}/transitions`;
    const { transitions } = await this.http.json({ method: 'GET', path }, Transitions);
    const transition = this.config.resolveTransitions
      .map((name) => transitions.find((t) => t.name.toLowerCase() === name.toLowerCase()))
      .find((t) => t !== undefined);
    if (!transition) {
      if (resolution.attempt === 1 && (await this.isDone(ref))) return;
      const available = transitions.map((t) => `"${t.name}"`).join(', ') || 'none';
      throw new TicketingRequestError(
        `Jira issue ${ref.key} offers no resolving transition (configured: ${this.config.resolveTransitions.join(', ')}; available: ${available})`,
        409,
      );
    }
    const body: Record<string, unknown> = { transition: { id: transition.id } };
    if (this.config.resolutionName !== null) body.fields = { resolution: { name: this.config.resolutionName } };
    await this.http.send({ method: 'POST', path, body });
  }

  private async isDone(ref: TicketRef): Promise<boolean> {
    const issue = await this.http.json({ method: 'GET', path: issuePath(ref), query: { fields: 'status' } }, IssueStatus);
    return issue.fields.status.statusCategory.key === 'done';
  }

  async routeToQueue(ref: TicketRef, routing: { queue: string; reason: string } & UpdateContext): Promise<void> {
    checkSource('Jira', 'jira', ref);
    const queue = queueFor('Jira', this.config.queues, routing.queue);
    if (queue.assigneeAccountId !== undefined) {
      await this.http.send({ method: 'PUT', path: `${issuePath(ref)}/assignee`, body: { accountId: queue.assigneeAccountId } });
    }
    if (queue.labels && queue.labels.length > 0) {
      await this.http.send({
        method: 'PUT',
        path: issuePath(ref),
        body: { update: { labels: queue.labels.map((label) => ({ add: label })) } },
      });
    }
  }

  async listChangedSince(since: Date, limit: number): Promise<ChangedTicket[]> {
    if (limit <= 0) return [];
    // JQL has minute precision in the token user's time zone: ask from the minute that holds
    // `since`, then drop what changed before `since` within that minute.
    const from = formatWallTime(since, this.config.jqlTimeZone, 'minute');
    const base = this.config.jql?.trim();
    const jql = `${base ? `(${base}) AND ` : ''}updated >= "${from}" ORDER BY updated ASC`;
    const fields = [...STANDARD_FIELDS, ...(this.config.extraFields ?? ['*navigable'])];
    const maxResults = Math.min(this.config.pageSize, limit);
    const changed: ChangedTicket[] = [];
    let nextPageToken: string | undefined;
    do {
      const page = await this.http.json(
        { method: 'POST', path: '/rest/api/3/search/jql', body: { jql, maxResults, fields, ...(nextPageToken ? { nextPageToken } : {}) } },
        SearchPage,
      );
      for (const issue of page.issues) {
        const updated = Date.parse(issue.fields.updated);
        if (updated < since.getTime()) continue;
        const created = Date.parse(issue.fields.created) >= since.getTime();
        changed.push({
          source: 'jira',
          body: {
            timestamp: updated,
            webhookEvent: created ? 'jira:issue_created' : 'jira:issue_updated',
            issue_event_type_name: created ? 'issue_created' : 'issue_generic',
            issue,
          },
          updatedAt: new Date(updated).toISOString(),
        });
      }
      nextPageToken = page.isLast === true ? undefined : (page.nextPageToken ?? undefined);
    } while (nextPageToken && changed.length < limit);
    return changed.slice(0, limit);
  }
}

function issuePath(ref: TicketRef): string {
  return `/rest/api/3/issue/${encodeURIComponent(ref.key)}`;
}

/** Jira answers errors as `{ errorMessages: [...], errors: { field: message } }`. */
function jiraErrorText(body: unknown): string | undefined {
  const parsed = z.object({ errorMessages: z.array(z.string()).optional(), errors: z.record(z.string(), z.string()).optional() }).safeParse(body);
  if (!parsed.success) return undefined;
  const texts = [...(parsed.data.errorMessages ?? []), ...Object.entries(parsed.data.errors ?? {}).map(([field, message]) => `${field}: ${message}`)];
  return texts.length > 0 ? texts.join('; ') : undefined;
}
