import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Shared fake help-desk server (node:http). The ServiceNow and Zendesk fakes extend it too; it
// lives here because the test layout gives the fakes one file per help desk.
// ---------------------------------------------------------------------------------------------

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/**
 * An injected fault meets only a request the help desk would accept: credentials, resource,
 * method, media type and body shape (and the checks a route makes against the current state,
 * such as an unknown issue) come first, so a request the vendor refuses gets its 401/400/404...
 * and leaves the fault pending for the next valid request. A test cannot hide a broken request
 * behind an injected 5xx.
 *
 * - `{ status }`: answer this error without touching state (a proxy or the help desk failing);
 *   `body` replaces the help desk's error body, `text` sends a non-JSON page instead;
 * - `{ hang: ms }`: wait, then handle the request normally (the client may have given up by then:
 *   the change is applied but nobody hears the answer);
 * - `{ applyThenFail: status }`: apply the change, then answer the error (the answer was lost).
 */
export type Fault = { status: number; headers?: Record<string, string>; body?: unknown; text?: string } | { hang: number } | { applyThenFail: number };

export interface FaultMatch {
  method?: string;
  path?: string | RegExp;
}

export class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface FakeRequest {
  method: string;
  path: string;
  params: string[];
  query: Record<string, string>;
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
}

/**
 * A change the route has checked in full and will make: `apply` makes it (and must not refuse)
 * and gives the answer. Routes that change state return this, so that every refusal is known
 * before an injected fault is taken, and a `{ status }` fault leaves the state untouched.
 */
export interface FakeChange {
  apply(): FakeAnswer;
}

export type FakeOutcome = FakeAnswer | FakeChange;

interface Route {
  method: string;
  pattern: RegExp;
  handle(request: FakeRequest): FakeOutcome;
}

export abstract class FakeHelpDesk {
  readonly requests: RecordedRequest[] = [];
  url = '';
  private server: Server | undefined;
  private readonly faults: Array<{ remaining: number; fault: Fault; match: FaultMatch | undefined }> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly routes: Route[] = [];

  /** Whether the Authorization header is the configured one. */
  protected abstract authorized(header: string | undefined): boolean;
  /** An error body in the help desk's own shape. */
  protected abstract errorBody(status: number, message: string, fields: Record<string, string>): unknown;

  protected route(method: string, pattern: RegExp, handle: (request: FakeRequest) => FakeOutcome): void {
    this.routes.push({ method, pattern, handle });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const done = this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
        }
      });
      this.inFlight.add(done);
      void done.finally(() => this.inFlight.delete(done));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `n` requests (that match, and that the help desk would accept) meet `fault`. */
  failNext(n: number, fault: Fault, match?: FaultMatch): void {
    this.faults.push({ remaining: n, fault, match });
  }

  /** How many injected failures are still to be met, over every `failNext` call. */
  pendingFaults(): number {
    return this.faults.reduce((sum, f) => sum + f.remaining, 0);
  }

  /** Resolves when every request received so far has been handled (hanging ones included). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const entry = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (!f.match?.method || f.match.method === method) &&
        (!f.match?.path || (typeof f.match.path === 'string' ? f.match.path === path : f.match.path.test(path))),
    );
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.faults.splice(this.faults.indexOf(entry), 1);
    return entry.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams);
    let body: unknown;
    let badJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
        body = raw;
      }
    }
    this.requests.push({ method, path: url.pathname, query, headers: req.headers, body });

    // The help desk's own refusals first: a request it would refuse never meets (nor uses up) an
    // injected fault.
    let outcome = this.decide(req, method, url.pathname, query, body, badJson);
    if ('refusal' in outcome) return this.answer(res, outcome.refusal.status, outcome.refusal.body);

    const fault = this.takeFault(method, url.pathname);
    if (fault && 'status' in fault) {
      if (fault.text !== undefined) {
        res.writeHead(fault.status, { 'content-type': 'text/html', ...fault.headers }).end(fault.text);
        return;
      }
      return this.answer(res, fault.status, fault.body ?? this.errorBody(fault.status, 'Injected failure', {}), fault.headers);
    }
    if (fault && 'hang' in fault) {
      await new Promise((resolve) => setTimeout(resolve, fault.hang));
      // Handled as it stands after the wait (another request may have changed the state).
      outcome = this.decide(req, method, url.pathname, query, body, badJson);
      if ('refusal' in outcome) return this.answer(res, outcome.refusal.status, outcome.refusal.body);
    }

    const answer = 'apply' in outcome.accepted ? outcome.accepted.apply() : outcome.accepted;
    if (fault && 'applyThenFail' in fault) {
      return this.answer(res, fault.applyThenFail, this.errorBody(fault.applyThenFail, 'Injected failure after the change', {}));
    }
    this.answer(res, answer.status, answer.body);
  }

  /** The help desk's verdict on a request, without changing anything: its refusal, or what it accepted. */
  private decide(
    req: IncomingMessage,
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    badJson: boolean,
  ): { refusal: FakeAnswer } | { accepted: FakeOutcome } {
    try {
      return { accepted: this.dispatch(req, method, path, query, body, badJson) };
    } catch (error) {
      if (!(error instanceof FakeHttpError)) throw error;
      return { refusal: { status: error.status, body: this.errorBody(error.status, error.message, error.fields) } };
    }
  }

  private dispatch(req: IncomingMessage, method: string, path: string, query: Record<string, string>, body: unknown, badJson: boolean): FakeOutcome {
    if (!this.authorized(req.headers.authorization)) throw new FakeHttpError(401, 'Authentication required');
    const candidates = this.routes.filter((r) => r.pattern.test(path));
    if (candidates.length === 0) throw new FakeHttpError(404, `No resource at ${path}`);
    const route = candidates.find((r) => r.method === method);
    if (!route) throw new FakeHttpError(405, `Method ${method} is not allowed on ${path}`);
    if (method !== 'GET') {
      if (!/^application\/json(;|$)/.test(req.headers['content-type'] ?? '')) {
        throw new FakeHttpError(415, `Unsupported media type ${req.headers['content-type'] ?? '(none)'}`);
      }
      if (badJson || body === undefined) throw new FakeHttpError(400, 'The request body is not valid JSON');
    } else if (body !== undefined) {
      throw new FakeHttpError(400, 'GET requests take no body');
    }
    const params = (route.pattern.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
    return route.handle({ method, path, params, query, body });
  }

  private answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    if (body === undefined) {
      res.writeHead(status, headers).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers }).end(JSON.stringify(body));
  }
}

/** Checks a body or query with a strict schema; a mismatch is a 400 naming the fields. */
export function check<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : what;
    const message = issue.code === 'unrecognized_keys' ? `unrecognized field(s) ${issue.keys.join(', ')}` : issue.message;
    fields[key] = fields[key] ? `${fields[key]}; ${message}` : message;
  }
  throw new FakeHttpError(
    400,
    `Invalid ${what}: ${Object.entries(fields)
      .map(([k, m]) => `${k}: ${m}`)
      .join('; ')}`,
    fields,
  );
}

export function basicHeader(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

export const numericString = z.string().regex(/^\d+$/, 'must be a number');

// ---------------------------------------------------------------------------------------------
// Jira Cloud REST v3 (plus the JSM comment property for internal comments).
// ---------------------------------------------------------------------------------------------

export interface JiraStatus {
  id: string;
  name: string;
  statusCategory: { id: number; key: 'new' | 'indeterminate' | 'done'; name: string };
}

export const JIRA_STATUSES: Record<string, JiraStatus> = {
  Open: { id: '1', name: 'Open', statusCategory: { id: 2, key: 'new', name: 'To Do' } },
  'In Progress': { id: '3', name: 'In Progress', statusCategory: { id: 4, key: 'indeterminate', name: 'In Progress' } },
  Resolved: { id: '5', name: 'Resolved', statusCategory: { id: 3, key: 'done', name: 'Done' } },
};

export interface JiraTransitionDef {
  id: string;
  name: string;
  to: keyof typeof JIRA_STATUSES;
}

/** A JSM-like workflow: transitions offered per status. */
export const JSM_WORKFLOW: Record<string, JiraTransitionDef[]> = {
  Open: [
    { id: '11', name: 'Start work', to: 'In Progress' },
    { id: '21', name: 'Resolve this issue', to: 'Resolved' },
  ],
  'In Progress': [
    { id: '31', name: 'Stop work', to: 'Open' },
    { id: '21', name: 'Resolve this issue', to: 'Resolved' },
  ],
  Resolved: [{ id: '41', name: 'Reopen', to: 'Open' }],
};

export const JIRA_RESOLUTIONS = ['Done', "Won't Do", 'Duplicate', 'Declined'];

export interface FakeJiraComment {
  id: string;
  body: unknown;
  created: string;
  properties: Array<{ key: string; value: unknown }>;
}

export interface FakeJiraIssue {
  id: string;
  key: string;
  fields: Record<string, unknown> & {
    summary: string;
    status: JiraStatus;
    labels: string[];
    assignee: { accountId: string } | null;
    resolution: { name: string } | null;
    created: string;
    updated: string;
  };
  comments: FakeJiraComment[];
  workflow: Record<string, JiraTransitionDef[]>;
}

export interface FakeJiraOptions {
  email: string;
  apiToken: string;
  /** Time zone of the token's user: JQL dates are read in it. */
  timeZone?: string;
  /** Account ids that may be assigned. */
  accounts?: string[];
  /** Largest page the search answers with. */
  searchPageCap?: number;
}

const AdfNode: z.ZodType = z.lazy(() =>
  z
    .object({
      type: z.string().min(1),
      text: z.string().optional(),
      attrs: z.record(z.string(), z.unknown()).optional(),
      marks: z.array(z.unknown()).optional(),
      content: z.array(AdfNode).optional(),
    })
    .strict(),
);
const AdfDoc = z.object({ type: z.literal('doc'), version: z.literal(1), content: z.array(AdfNode) }).strict();
const EntityProperty = z.object({ key: z.string().min(1).max(255), value: z.unknown().refine((v) => v !== undefined, 'is required') }).strict();

/** Jira's date format: `2026-11-26T09:00:12.345+0000`. */
export function jiraDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Wall-clock `YYYY-MM-DD HH:mm` in `timeZone` → epoch ms. */
function zonedToEpoch(wall: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(wall)!;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  const offsetAt = (ms: number) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
        .formatToParts(ms)
        .map((x) => [x.type, x.value]),
    );
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute)) - Math.floor(ms / 60_000) * 60_000;
  };
  let guess = asUtc - offsetAt(asUtc);
  guess = asUtc - offsetAt(guess);
  return guess;
}

export class FakeJira extends FakeHelpDesk {
  readonly issues = new Map<string, FakeJiraIssue>();
  private nextId = 10000;
  private nextCommentId = 10000;
  private readonly auth: string;

  constructor(private readonly options: FakeJiraOptions) {
    super();
    this.auth = basicHeader(options.email, options.apiToken);
    this.registerRoutes();
  }

  protected authorized(header: string | undefined): boolean {
    return header === this.auth;
  }

  protected errorBody(status: number, message: string, fields: Record<string, string>): unknown {
    // Jira puts field problems under `errors` and the rest under `errorMessages`.
    return Object.keys(fields).length > 0 && status === 400 ? { errorMessages: [], errors: fields } : { errorMessages: [message], errors: {} };
  }

  seedIssue(seed: {
    key: string;
    summary?: string;
    status?: keyof typeof JIRA_STATUSES;
    created?: number;
    updated?: number;
    fields?: Record<string, unknown>;
    workflow?: Record<string, JiraTransitionDef[]>;
  }): FakeJiraIssue {
    const now = Date.now();
    const id = String(++this.nextId);
    const issue: FakeJiraIssue = {
      id,
      key: seed.key,
      fields: {
        summary: seed.summary ?? `Issue ${seed.key}`,
        description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Please help.' }] }] },
        issuetype: { id: '10001', name: 'Service Request' },
        priority: { id: '3', name: 'Medium' },
        reporter: { accountId: '712020:reporter', displayName: 'Rita Reporter' },
        status: JIRA_STATUSES[seed.status ?? 'Open']!,
        labels: [],
        components: [],
        assignee: null,
        resolution: null,
        customfield_10060: 'jdoe',
        created: jiraDate(seed.created ?? now),
        updated: jiraDate(seed.updated ?? seed.created ?? now),
        ...seed.fields,
      },
      comments: [],
      workflow: seed.workflow ?? JSM_WORKFLOW,
    };
    this.issues.set(seed.key, issue);
    return issue;
  }

  issue(key: string): FakeJiraIssue {
    const issue = this.issues.get(key) ?? [...this.issues.values()].find((i) => i.id === key);
    if (!issue) throw new FakeHttpError(404, 'Issue does not exist or you do not have permission to see it.');
    return issue;
  }

  /** Adds a comment as a person would (no automation properties). */
  addHumanComment(key: string, text: string): void {
    const issue = this.issue(key);
    issue.comments.push({
      id: String(++this.nextCommentId),
      body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] },
      created: jiraDate(Date.now()),
      properties: [],
    });
  }

  private touch(issue: FakeJiraIssue): void {
    issue.fields.updated = jiraDate(Date.now());
  }

  private commentJson(issue: FakeJiraIssue, c: FakeJiraComment, withProperties: boolean): Record<string, unknown> {
    const internal = c.properties.some((p) => p.key === 'sd.public.comment' && (p.value as { internal?: unknown }).internal === true);
    return {
      self: `${this.url}/rest/api/3/issue/${issue.id}/comment/${c.id}`,
      id: c.id,
      author: { accountId: '557058:automation', displayName: 'IT automation' },
      body: c.body,
      created: c.created,
      updated: c.created,
      jsdPublic: !internal,
      ...(withProperties ? { properties: c.properties } : {}),
    };
  }

  private registerRoutes(): void {
    const issuePath = /^\/rest\/api\/3\/issue\/([^/]+)$/;

    this.route('POST', /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/, ({ params, query, body }) => {
      check(z.object({ expand: z.string().optional() }).strict(), query, 'query');
      const issue = this.issue(params[0]!);
      const input = check(
        z
          .object({
            body: AdfDoc,
            properties: z.array(EntityProperty).optional(),
            visibility: z
              .object({ type: z.enum(['group', 'role']), value: z.string() })
              .strict()
              .optional(),
          })
          .strict(),
        body,
        'comment',
      );
      return {
        apply: () => {
          const comment: FakeJiraComment = {
            id: String(++this.nextCommentId),
            body: input.body,
            created: jiraDate(Date.now()),
            properties: input.properties ?? [],
          };
          issue.comments.push(comment);
          this.touch(issue);
          return { status: 201, body: this.commentJson(issue, comment, false) };
        },
      };
    });

    this.route('GET', /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/, ({ params, query }) => {
      const q = check(
        z
          .object({
            orderBy: z.enum(['created', '-created', '+created']).optional(),
            maxResults: numericString.optional(),
            startAt: numericString.optional(),
            expand: z.string().optional(),
          })
          .strict(),
        query,
        'query',
      );
      const issue = this.issue(params[0]!);
      const ordered = q.orderBy === '-created' ? [...issue.comments].reverse() : issue.comments;
      const startAt = Number(q.startAt ?? 0);
      const maxResults = Math.min(Number(q.maxResults ?? 5000), 5000);
      return {
        status: 200,
        body: {
          startAt,
          maxResults,
          total: issue.comments.length,
          comments: ordered.slice(startAt, startAt + maxResults).map((c) => this.commentJson(issue, c, false)),
        },
      };
    });

    this.route('POST', /^\/rest\/api\/3\/comment\/list$/, ({ query, body }) => {
      const q = check(z.object({ expand: z.string().optional() }).strict(), query, 'query');
      const input = check(z.object({ ids: z.array(z.number().int().positive()).min(1).max(1000) }).strict(), body, 'comment list request');
      const wanted = new Set(input.ids.map(String));
      const withProperties = (q.expand ?? '').split(',').includes('properties');
      const values = [...this.issues.values()].flatMap((issue) =>
        issue.comments.filter((c) => wanted.has(c.id)).map((c) => this.commentJson(issue, c, withProperties)),
      );
      return { status: 200, body: { maxResults: 1000, startAt: 0, total: values.length, isLast: true, values } };
    });

    this.route('GET', /^\/rest\/api\/3\/issue\/([^/]+)\/transitions$/, ({ params, query }) => {
      check(z.object({ expand: z.string().optional() }).strict(), query, 'query');
      const issue = this.issue(params[0]!);
      const transitions = (issue.workflow[issue.fields.status.name] ?? []).map((t) => ({
        id: t.id,
        name: t.name,
        hasScreen: t.to === 'Resolved',
        isGlobal: false,
        isInitial: false,
        isAvailable: true,
        isConditional: false,
        to: { self: `${this.url}/rest/api/3/status/${JIRA_STATUSES[t.to]!.id}`, ...JIRA_STATUSES[t.to]! },
      }));
      return { status: 200, body: { expand: 'transitions', transitions } };
    });

    this.route('POST', /^\/rest\/api\/3\/issue\/([^/]+)\/transitions$/, ({ params, query, body }) => {
      check(z.object({}).strict(), query, 'query');
      const issue = this.issue(params[0]!);
      const input = check(
        z
          .object({
            transition: z.object({ id: numericString }).strict(),
            fields: z
              .object({ resolution: z.object({ name: z.string() }).strict().optional() })
              .strict()
              .optional(),
          })
          .strict(),
        body,
        'transition request',
      );
      const transition = (issue.workflow[issue.fields.status.name] ?? []).find((t) => t.id === input.transition.id);
      if (!transition) throw new FakeHttpError(400, `Transition id '${input.transition.id}' is not valid for this issue.`);
      const target = JIRA_STATUSES[transition.to]!;
      const resolution = input.fields?.resolution;
      if (resolution) {
        if (target.statusCategory.key !== 'done') {
          throw new FakeHttpError(400, 'resolution', { resolution: "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown." });
        }
        if (!JIRA_RESOLUTIONS.includes(resolution.name)) {
          throw new FakeHttpError(400, 'resolution', { resolution: `Resolution '${resolution.name}' does not exist.` });
        }
      }
      return {
        apply: () => {
          issue.fields.status = target;
          issue.fields.resolution = target.statusCategory.key === 'done' ? { name: resolution?.name ?? 'Done' } : null;
          this.touch(issue);
          return { status: 204 };
        },
      };
    });

    this.route('GET', issuePath, ({ params, query }) => {
      const q = check(z.object({ fields: z.string().optional(), expand: z.string().optional() }).strict(), query, 'query');
      const issue = this.issue(params[0]!);
      return { status: 200, body: this.issueJson(issue, q.fields ? q.fields.split(',') : ['*all']) };
    });

    this.route('PUT', /^\/rest\/api\/3\/issue\/([^/]+)\/assignee$/, ({ params, query, body }) => {
      check(z.object({}).strict(), query, 'query');
      const issue = this.issue(params[0]!);
      const input = check(z.object({ accountId: z.string().min(1).nullable() }).strict(), body, 'assignee');
      if (input.accountId !== null && !(this.options.accounts ?? []).includes(input.accountId)) {
        throw new FakeHttpError(400, 'assignee', { assignee: `User '${input.accountId}' cannot be assigned issues.` });
      }
      return {
        apply: () => {
          issue.fields.assignee = input.accountId === null ? null : { accountId: input.accountId };
          this.touch(issue);
          return { status: 204 };
        },
      };
    });

    this.route('PUT', issuePath, ({ params, query, body }) => {
      check(z.object({ notifyUsers: z.enum(['true', 'false']).optional() }).strict(), query, 'query');
      const issue = this.issue(params[0]!);
      const label = z.string().min(1).max(255).regex(/^\S+$/, 'The label must not contain spaces.');
      const input = check(
        z
          .object({ update: z.object({ labels: z.array(z.union([z.object({ add: label }).strict(), z.object({ remove: label }).strict()])).min(1) }).strict() })
          .strict(),
        body,
        'issue update',
      );
      return {
        apply: () => {
          for (const op of input.update.labels) {
            if ('add' in op && !issue.fields.labels.includes(op.add)) issue.fields.labels.push(op.add);
            if ('remove' in op) issue.fields.labels = issue.fields.labels.filter((l) => l !== op.remove);
          }
          this.touch(issue);
          return { status: 204 };
        },
      };
    });

    this.route('POST', /^\/rest\/api\/3\/search\/jql$/, ({ query, body }) => {
      check(z.object({}).strict(), query, 'query');
      const input = check(
        z
          .object({
            jql: z.string().min(1),
            maxResults: z.number().int().min(1).max(5000).optional(),
            fields: z.array(z.string().min(1)).optional(),
            nextPageToken: z.string().optional(),
            expand: z.string().optional(),
            properties: z.array(z.string()).optional(),
            fieldsByKeys: z.boolean().optional(),
            reconcileIssues: z.array(z.number()).optional(),
          })
          .strict(),
        body,
        'search request',
      );
      const parsed = /^(?:\(project = ([A-Z][A-Z0-9_]*)\) AND )?updated >= "(\d{4}-\d{2}-\d{2} \d{2}:\d{2})" ORDER BY updated ASC$/.exec(input.jql);
      if (!parsed)
        throw new FakeHttpError(
          400,
          `Error in the JQL Query: the fake understands only [(project = X) AND ]updated >= "yyyy-MM-dd HH:mm" ORDER BY updated ASC, got ${input.jql}`,
        );
      const project = parsed[1];
      const from = zonedToEpoch(parsed[2]!, this.options.timeZone ?? 'UTC');
      const matching = [...this.issues.values()]
        .filter((i) => (!project || i.key.startsWith(`${project}-`)) && Date.parse(i.fields.updated) >= from)
        .sort((a, b) => Date.parse(a.fields.updated) - Date.parse(b.fields.updated) || Number(a.id) - Number(b.id));
      let offset = 0;
      if (input.nextPageToken !== undefined) {
        const token = JSON.parse(Buffer.from(input.nextPageToken, 'base64url').toString('utf8')) as { offset: number; jql: string };
        if (token.jql !== input.jql) throw new FakeHttpError(400, 'The nextPageToken does not belong to this query.');
        offset = token.offset;
      }
      const pageSize = Math.min(input.maxResults ?? 50, this.options.searchPageCap ?? 100);
      const page = matching.slice(offset, offset + pageSize);
      const next = offset + page.length;
      const isLast = next >= matching.length;
      return {
        status: 200,
        body: {
          issues: page.map((i) => this.issueJson(i, input.fields ?? ['*navigable'])),
          ...(isLast ? {} : { nextPageToken: Buffer.from(JSON.stringify({ offset: next, jql: input.jql })).toString('base64url') }),
          isLast,
        },
      };
    });
  }

  private issueJson(issue: FakeJiraIssue, fields: string[]): Record<string, unknown> {
    const all = fields.includes('*all') || fields.includes('*navigable');
    const selected = Object.fromEntries(Object.entries(issue.fields).filter(([name]) => all || fields.includes(name)));
    return {
      expand: 'renderedFields,names,schema,operations',
      id: issue.id,
      self: `${this.url}/rest/api/3/issue/${issue.id}`,
      key: issue.key,
      fields: selected,
    };
  }
}

export const fakeId = (): string => randomUUID().replace(/-/g, '');
