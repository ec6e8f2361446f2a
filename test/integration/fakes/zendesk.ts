import { z } from 'zod';
import { basicHeader, check, FakeHelpDesk, FakeHttpError, numericString } from './jira.js';

// Zendesk Support REST API v2: tickets, their comments and the cursor-based incremental export.
// The ticket update checks everything (a closed ticket, an unknown group included) before it
// returns the change, so an injected fault meets only an update Zendesk would make.

export interface FakeZendeskOptions {
  email: string;
  apiToken: string;
  /** Group ids that exist. */
  groups?: number[];
  /** Largest export page, below the requested per_page (the API may answer with fewer). */
  exportPageCap?: number;
}

export interface FakeZendeskComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  created_at: string;
}

export interface FakeZendeskTicket {
  id: number;
  url: string;
  subject: string | null;
  description: string | null;
  status: 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';
  priority: string | null;
  type: string | null;
  tags: string[];
  group_id: number | null;
  assignee_id: number | null;
  requester_id: number;
  created_at: string;
  updated_at: string;
  generated_timestamp: number;
}

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;

/** Zendesk's date format: `2026-11-26T09:00:00Z`. */
export function zdDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class FakeZendesk extends FakeHelpDesk {
  readonly tickets = new Map<number, FakeZendeskTicket>();
  readonly comments = new Map<number, FakeZendeskComment[]>();
  private nextTicketId = 100;
  private nextCommentId = 5000;
  private readonly auth: string;

  constructor(private readonly options: FakeZendeskOptions) {
    super();
    this.auth = basicHeader(`${options.email}/token`, options.apiToken);
    this.registerRoutes();
  }

  protected authorized(header: string | undefined): boolean {
    return header === this.auth;
  }

  protected errorBody(status: number, message: string, fields: Record<string, string>): unknown {
    if (status === 401) return { error: "Couldn't authenticate you" };
    if (status === 404) return { error: 'RecordNotFound', description: 'Not found' };
    if (status === 422) {
      return {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: Object.fromEntries(Object.entries(fields).map(([k, m]) => [k, [{ description: m, error: 'InvalidValue' }]])),
      };
    }
    return { error: status === 400 ? 'InvalidValue' : 'Error', description: message };
  }

  seedTicket(
    seed: Partial<Omit<FakeZendeskTicket, 'id' | 'url' | 'created_at' | 'updated_at'>> & { created?: number; updated?: number } = {},
  ): FakeZendeskTicket {
    const { created, updated, ...rest } = seed;
    const now = Date.now();
    const id = ++this.nextTicketId;
    const updatedMs = updated ?? created ?? now;
    const ticket: FakeZendeskTicket = {
      id,
      url: `${this.url}/api/v2/tickets/${id}.json`,
      subject: 'Printer on floor 3 is offline',
      description: 'It shows error 42.',
      status: 'open',
      priority: 'normal',
      type: 'incident',
      tags: ['printer', 'floor_3'],
      group_id: null,
      assignee_id: 9001,
      requester_id: 777,
      created_at: zdDate(created ?? now),
      updated_at: zdDate(updatedMs),
      generated_timestamp: Math.floor(updatedMs / 1000),
      ...rest,
    };
    this.tickets.set(id, ticket);
    this.comments.set(id, []);
    return ticket;
  }

  commentsOf(id: number): FakeZendeskComment[] {
    return this.comments.get(id) ?? [];
  }

  private ticket(id: string): FakeZendeskTicket {
    const ticket = /^\d+$/.test(id) ? this.tickets.get(Number(id)) : undefined;
    if (!ticket) throw new FakeHttpError(404, 'Not found');
    return ticket;
  }

  private registerRoutes(): void {
    this.route('PUT', /^\/api\/v2\/tickets\/([^/]+)\.json$/, ({ params, query, body }) => {
      check(z.object({}).strict(), query, 'query');
      const ticket = this.ticket(params[0]!);
      const input = check(
        z
          .object({
            ticket: z
              .object({
                comment: z
                  .object({ body: z.string().min(1), public: z.boolean() })
                  .strict()
                  .optional(),
                status: z.enum(STATUSES).optional(),
                group_id: z.number().int().positive().optional(),
                assignee_id: z.number().int().positive().nullable().optional(),
              })
              .strict()
              .refine((t) => Object.keys(t).length > 0, 'must change something'),
          })
          .strict(),
        body,
        'ticket update',
      );
      const change = input.ticket;
      if (ticket.status === 'closed') throw new FakeHttpError(422, 'closed', { status: 'Status: closed prevents ticket update' });
      if (change.group_id !== undefined && !(this.options.groups ?? []).includes(change.group_id)) {
        throw new FakeHttpError(422, 'group', { group: `Group: ${change.group_id} is invalid` });
      }
      return {
        apply: () => {
          const now = Date.now();
          const events: unknown[] = [];
          if (change.comment) {
            const comment: FakeZendeskComment = {
              id: ++this.nextCommentId,
              type: 'Comment',
              author_id: 9000,
              body: change.comment.body,
              html_body: `<div class="zd-comment"><p>${change.comment.body}</p></div>`,
              plain_body: change.comment.body,
              public: change.comment.public,
              created_at: zdDate(now),
            };
            this.commentsOf(ticket.id).push(comment);
            events.push({ id: comment.id, type: 'Comment', body: comment.body, public: comment.public });
          }
          if (change.status !== undefined) ticket.status = change.status;
          if (change.group_id !== undefined) ticket.group_id = change.group_id;
          if (change.assignee_id !== undefined) ticket.assignee_id = change.assignee_id;
          ticket.updated_at = zdDate(now);
          ticket.generated_timestamp = Math.floor(now / 1000);
          return { status: 200, body: { ticket, audit: { id: now, ticket_id: ticket.id, created_at: zdDate(now), author_id: 9000, events } } };
        },
      };
    });

    this.route('GET', /^\/api\/v2\/tickets\/([^/]+)\/comments\.json$/, ({ params, query }) => {
      const q = check(
        z
          .object({
            sort_order: z.enum(['asc', 'desc']).optional(),
            page: numericString.optional(),
            per_page: numericString.optional(),
            include_inline_images: z.enum(['true', 'false']).optional(),
          })
          .strict(),
        query,
        'query',
      );
      const ticket = this.ticket(params[0]!);
      const all = this.commentsOf(ticket.id);
      const comments = q.sort_order === 'desc' ? [...all].reverse() : all;
      return { status: 200, body: { comments: comments.slice(0, Number(q.per_page ?? 100)), next_page: null, previous_page: null, count: all.length } };
    });

    this.route('GET', /^\/api\/v2\/incremental\/tickets\/cursor\.json$/, ({ query }) => {
      const q = check(
        z
          .object({
            start_time: numericString.optional(),
            cursor: z.string().min(1).optional(),
            per_page: numericString.optional(),
            exclude_deleted: z.enum(['true', 'false']).optional(),
            include: z.string().optional(),
          })
          .strict(),
        query,
        'query',
      );
      if ((q.start_time === undefined) === (q.cursor === undefined)) {
        throw new FakeHttpError(400, 'Provide exactly one of start_time and cursor');
      }
      const perPage = Math.min(Number(q.per_page ?? 1000), 1000, this.options.exportPageCap ?? 1000);
      let startTime: number;
      let position: number;
      if (q.cursor !== undefined) {
        ({ startTime, position } = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as { startTime: number; position: number });
      } else {
        startTime = Number(q.start_time);
        position = 0;
        if (startTime > Date.now() / 1000 - 60) throw new FakeHttpError(400, 'Too recent start_time. Use a start_time older than 1 minute');
      }
      const cutoff = Math.floor(Date.now() / 1000) - 60;
      const stream = [...this.tickets.values()]
        .filter((t) => t.generated_timestamp >= startTime && t.generated_timestamp <= cutoff)
        .sort((a, b) => a.generated_timestamp - b.generated_timestamp || a.id - b.id);
      const tickets = stream.slice(position, position + perPage);
      const after = position + tickets.length;
      const afterCursor = Buffer.from(JSON.stringify({ startTime, position: after })).toString('base64url');
      return {
        status: 200,
        body: {
          tickets,
          after_url: `${this.url}/api/v2/incremental/tickets/cursor.json?cursor=${afterCursor}`,
          after_cursor: afterCursor,
          before_url: null,
          before_cursor: null,
          end_of_stream: after >= stream.length,
        },
      };
    });
  }
}
