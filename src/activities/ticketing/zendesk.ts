import { z } from 'zod';
import {
  automationRef,
  automationRefLine,
  basicAuth,
  checkSource,
  DEFAULT_TIMEOUT_MS,
  floorToSecond,
  HelpDeskHttp,
  parseConfig,
  queueFor,
  withAutomationRef,
} from './http.js';
import type { ChangedTicket, TicketingPort, TicketRef, UpdateContext } from './port.js';

/** A queue is a Zendesk group. */
export interface ZendeskQueue {
  groupId: number;
}

export interface ZendeskConfig {
  /** e.g. `https://example.zendesk.com` */
  baseUrl: string;
  /** Agent e-mail and API token (basic auth as `email/token:apiToken`). */
  email: string;
  apiToken: string;
  /** Per request; default 10000. */
  timeoutMs?: number;
  queues: Record<string, ZendeskQueue>;
}

const ZendeskConfigSchema = z
  .object({
    baseUrl: z.string().min(1),
    email: z.string().min(1),
    apiToken: z.string().min(1),
    timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
    queues: z.record(z.string().min(1), z.object({ groupId: z.number().int().positive() }).strict()),
  })
  .strict();

/** Zendesk's incremental exports leave out the last minute and refuse a start_time inside it. */
const EXPORT_LAG_SECONDS = 61;
const EXPORT_PAGE_MAX = 1000;

const Comments = z.object({ comments: z.array(z.object({ body: z.string() })) });
const zdDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'is not a date');
const ExportPage = z.object({
  tickets: z.array(
    z.looseObject({
      id: z.number(),
      url: z.string(),
      subject: z.string().nullish(),
      description: z.string().nullish(),
      status: z.string(),
      priority: z.string().nullish(),
      type: z.string().nullish(),
      tags: z.array(z.string()).nullish(),
      requester_id: z.number().nullish(),
      created_at: zdDate,
      updated_at: zdDate,
    }),
  ),
  after_cursor: z.string().nullish(),
  end_of_stream: z.boolean(),
});

/** Zendesk Support tickets through the REST API v2. */
export class ZendeskTicketing implements TicketingPort {
  private readonly config: z.infer<typeof ZendeskConfigSchema>;
  private readonly http: HelpDeskHttp;

  constructor(config: ZendeskConfig) {
    this.config = parseConfig('Zendesk', ZendeskConfigSchema, config);
    this.http = new HelpDeskHttp({
      system: 'Zendesk',
      baseUrl: this.config.baseUrl,
      authorization: basicAuth(`${this.config.email}/token`, this.config.apiToken),
      timeoutMs: this.config.timeoutMs,
      errorText: zendeskErrorText,
      // 409: another update of the same ticket won the race; the next try goes through.
      retryableStatuses: [409],
    });
  }

  async addComment(ref: TicketRef, comment: { body: string; visibility: 'internal' | 'public' } & UpdateContext): Promise<void> {
    checkSource('Zendesk', 'zendesk', ref);
    const shortRef = automationRef(comment.idempotencyKey);
    if (comment.attempt > 1 && (await this.hasComment(ref, shortRef))) return;
    await this.updateTicket(ref, { comment: { body: withAutomationRef(comment.body, shortRef), public: comment.visibility === 'public' } });
  }

  private async hasComment(ref: TicketRef, shortRef: string): Promise<boolean> {
    const { comments } = await this.http.json({ method: 'GET', path: `${ticketPath(ref)}/comments.json`, query: { sort_order: 'desc' } }, Comments);
    const line = automationRefLine(shortRef);
    return comments.some((c) => c.body.includes(line));
  }

  /** Solving a solved ticket changes nothing, so a retry repeats it. The workflows post the note as a comment first. */
  async resolve(ref: TicketRef, _resolution: { note: string } & UpdateContext): Promise<void> {
    checkSource('Zendesk', 'zendesk', ref);
    await this.updateTicket(ref, { status: 'solved' });
  }

  async routeToQueue(ref: TicketRef, routing: { queue: string; reason: string } & UpdateContext): Promise<void> {
    checkSource('Zendesk', 'zendesk', ref);
    const queue = queueFor('Zendesk', this.config.queues, routing.queue);
    await this.updateTicket(ref, { group_id: queue.groupId, assignee_id: null });
  }

  async listChangedSince(since: Date, limit: number): Promise<ChangedTicket[]> {
    if (limit <= 0) return [];
    const threshold = floorToSecond(since);
    const startTime = Math.min(threshold / 1000, Math.floor(Date.now() / 1000) - EXPORT_LAG_SECONDS);
    const perPage = Math.min(limit, EXPORT_PAGE_MAX);
    const changed: ChangedTicket[] = [];
    let query: Record<string, string | number> = { start_time: startTime, per_page: perPage };
    for (;;) {
      const page = await this.http.json({ method: 'GET', path: '/api/v2/incremental/tickets/cursor.json', query }, ExportPage);
      for (const t of page.tickets) {
        const updated = Date.parse(t.updated_at);
        if (updated < threshold) continue;
        changed.push({
          source: 'zendesk',
          body: {
            event: Date.parse(t.created_at) >= threshold ? 'ticket.created' : 'ticket.updated',
            ticket: {
              id: String(t.id),
              url: t.url,
              subject: t.subject ?? '',
              description: t.description ?? '',
              status: t.status,
              priority: t.priority ?? '',
              type: t.type ?? '',
              tags: (t.tags ?? []).join(' '),
              group: '',
              requester_id: String(t.requester_id),
              created_at: t.created_at,
              updated_at: t.updated_at,
            },
          },
          updatedAt: new Date(updated).toISOString(),
        });
      }
      // An empty page that is not the end would only repeat itself.
      if (page.end_of_stream || !page.after_cursor || page.tickets.length === 0 || changed.length >= limit) break;
      query = { cursor: page.after_cursor, per_page: perPage };
    }
    return changed.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt)).slice(0, limit);
  }

  private async updateTicket(ref: TicketRef, ticket: Record<string, unknown>): Promise<void> {
    await this.http.send({ method: 'PUT', path: `${ticketPath(ref)}.json`, body: { ticket } });
  }
}

function ticketPath(ref: TicketRef): string {
  return `/api/v2/tickets/${encodeURIComponent(ref.id)}`;
}

/** Zendesk answers errors as `{ error, description, details? }`; `error` may be a string or `{ title, message }`. */
function zendeskErrorText(body: unknown): string | undefined {
  const parsed = z
    .object({
      error: z.union([z.string(), z.object({ title: z.string().optional(), message: z.string().optional() })]),
      description: z.string().optional(),
      details: z.record(z.string(), z.array(z.object({ description: z.string() }).loose())).optional(),
    })
    .safeParse(body);
  if (!parsed.success) return undefined;
  const { error, description, details } = parsed.data;
  const head = typeof error === 'string' ? error : [error.title, error.message].filter(Boolean).join(': ');
  const fields = Object.values(details ?? {})
    .flat()
    .map((d) => d.description);
  return [head, description, ...fields].filter(Boolean).join('; ');
}
