import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

// Microsoft Graph v1.0 and the Microsoft identity platform token endpoint, the part the mailbox
// adapter uses. Shapes follow Microsoft's documentation (microsoftgraph/microsoft-graph-docs-contrib):
// - POST /{tenant}/oauth2/v2.0/token, form-encoded client_id, scope, client_secret, grant_type
//   (concepts/auth-v2-service.md): `{ token_type: "Bearer", expires_in, ext_expires_in, access_token }`;
//   errors `{ error, error_description, error_codes, timestamp, trace_id, correlation_id }`;
// - GET /users/{id | userPrincipalName} with $select and $expand=extensions (api/user-get.md,
//   concepts/extensibility-open-users.md); 404 Request_ResourceNotFound;
// - POST /users/{id}/assignLicense { addLicenses: [{ disabledPlans, skuId }], removeLicenses: [] }
//   → 200 with the user (api/user-assignlicense.md);
// - POST /users/{id}/extensions (openTypeExtension, `@odata.type` and extensionName required) → 201;
//   PATCH /users/{id}/extensions/{name} → 204; DELETE → 204 (api/opentypeextension-post-opentypeextension.md,
//   concepts/extensibility-open-users.md);
// - errors `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`;
//   throttling is 429 with Retry-After (concepts/throttling.md).
// Stricter than Graph where that catches the adapter's mistakes: unknown query options, body
// fields and $select properties are refused with 400.
//
// Run alone (the cluster tests do): `tsx test/fakes/graph.ts --port 0 [--state F]` prints
// `{"port":N,"url":...}`; `GET /_fake/state` and `POST /_fake/faults` control it (loopback only).

export const FAKE_TENANT = 'contoso.onmicrosoft.com';
export const FAKE_CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
export const FAKE_CLIENT_SECRET = 'fake-client-secret';
/** The Exchange Online SKU the fake tenant has licenses of. */
export const EXCHANGE_SKU = '4b9405b0-7788-4568-add1-99614e613b69';
export const OTHER_SKU = 'f30db892-07e9-47e9-837c-80727f46fd3d';

export interface FakeGraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail: string | null;
  usageLocation: string | null;
  assignedLicenses: Array<{ skuId: string; disabledPlans: string[] }>;
  extensions: Array<Record<string, unknown> & { extensionName: string }>;
}

export interface RecordedGraphRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** As in the help-desk fakes: a fault meets only a request Graph would accept. */
export type GraphFault = { status: number; headers?: Record<string, string>; body?: unknown } | { hang: number } | { applyThenFail: number };

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

interface Answer {
  status: number;
  body?: unknown;
}
type Outcome = Answer | { apply(): Answer };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const Guid = z.string().regex(GUID, 'must be a GUID');
const USER_PROPERTIES = new Set(['id', 'userPrincipalName', 'displayName', 'mail', 'usageLocation', 'assignedLicenses', 'accountEnabled']);
const AssignLicenseBody = z.strictObject({
  addLicenses: z.array(z.strictObject({ disabledPlans: z.array(Guid), skuId: Guid })),
  removeLicenses: z.array(Guid),
});
const Primitive = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);
const ExtensionBody = z.object({ '@odata.type': z.literal('microsoft.graph.openTypeExtension'), extensionName: z.string().min(1) }).catchall(Primitive);
const ExtensionPatch = z.record(z.string(), Primitive);

export interface FakeGraphOptions {
  users?: Array<Partial<FakeGraphUser> & { userPrincipalName: string }>;
  /** Licenses left of each SKU the tenant subscribes to. */
  skus?: Record<string, number>;
  /** Lifetime of issued tokens, seconds. */
  tokenLifetimeS?: number;
}

export class FakeGraph {
  readonly users = new Map<string, FakeGraphUser>();
  readonly skus: Record<string, number>;
  readonly requests: RecordedGraphRequest[] = [];
  readonly tokens = new Map<string, number>();
  url = '';
  private server: Server | undefined;
  private readonly faults: Array<{ remaining: number; fault: GraphFault; method?: string; path?: RegExp }> = [];
  private readonly tokenLifetimeS: number;

  constructor(options: FakeGraphOptions = {}) {
    this.skus = options.skus ?? { [EXCHANGE_SKU]: 10, [OTHER_SKU]: 10 };
    this.tokenLifetimeS = options.tokenLifetimeS ?? 3599;
    for (const u of options.users ?? []) this.addUser(u);
  }

  addUser(u: Partial<FakeGraphUser> & { userPrincipalName: string }): FakeGraphUser {
    const user: FakeGraphUser = {
      id: randomUUID(),
      displayName: u.userPrincipalName.split('@')[0]!,
      mail: null,
      usageLocation: 'US',
      assignedLicenses: [],
      extensions: [],
      ...u,
    };
    this.users.set(user.id, user);
    return user;
  }

  user(upn: string): FakeGraphUser | undefined {
    return [...this.users.values()].find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase());
  }

  /** The next `n` acceptable requests matching `method` / `path` meet `fault`. */
  failNext(n: number, fault: GraphFault, match: { method?: string; path?: RegExp } = {}): void {
    this.faults.push({ remaining: n, fault, ...match });
  }

  pendingFaults(): number {
    return this.faults.reduce((sum, f) => sum + f.remaining, 0);
  }

  requestsTo(method: string, path: RegExp): RecordedGraphRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  state() {
    return { users: [...this.users.values()], skus: { ...this.skus }, requests: this.requests.length, pendingFaults: this.pendingFaults() };
  }

  /** Makes every issued token expire now (Graph then answers 401 InvalidAuthenticationToken). */
  expireTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const raw = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://fake');
        const method = req.method ?? 'GET';
        const query = Object.fromEntries(url.searchParams);
        this.requests.push({ method, path: url.pathname, query, headers: req.headers, body: raw.length > 0 ? tryJson(raw) : undefined });
        const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
          if (res.destroyed) return;
          if (body === undefined) res.writeHead(status, headers).end();
          else res.writeHead(status, { 'content-type': 'application/json;odata.metadata=minimal;charset=utf-8', ...headers }).end(JSON.stringify(body));
        };
        const decide = (): { refusal: Answer } | { outcome: Outcome } => {
          try {
            return { outcome: this.dispatch(method, url.pathname, query, req.headers, raw) };
          } catch (error) {
            if (!(error instanceof Refusal)) throw error;
            return { refusal: { status: error.status, body: error.body ?? graphError(error.code, error.message) } };
          }
        };
        let decision = decide();
        if ('refusal' in decision) return reply(decision.refusal.status, decision.refusal.body);
        const fault = this.takeFault(method, url.pathname);
        if (fault && 'status' in fault) return reply(fault.status, fault.body ?? graphError('ServiceUnavailable', 'Injected failure'), fault.headers);
        if (fault && 'hang' in fault) {
          await new Promise((resolve) => setTimeout(resolve, fault.hang));
          decision = decide();
          if ('refusal' in decision) return reply(decision.refusal.status, decision.refusal.body);
        }
        const answer = 'apply' in decision.outcome ? decision.outcome.apply() : decision.outcome;
        if (fault && 'applyThenFail' in fault) return reply(fault.applyThenFail, graphError('ServiceUnavailable', 'Injected failure after the change'));
        reply(answer.status, answer.body);
      })().catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private takeFault(method: string, path: string): GraphFault | undefined {
    if (path.startsWith('/_fake/')) return undefined;
    const entry = this.faults.find((f) => f.remaining > 0 && (!f.method || f.method === method) && (!f.path || f.path.test(path)));
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.faults.splice(this.faults.indexOf(entry), 1);
    return entry.fault;
  }

  private dispatch(method: string, path: string, query: Record<string, string>, headers: IncomingHttpHeaders, raw: string): Outcome {
    if (path === '/_fake/state' && method === 'GET') return { status: 200, body: this.state() };
    if (path === '/_fake/faults' && method === 'POST') {
      const f = z
        .strictObject({ n: z.number().int().min(1), fault: z.record(z.string(), z.unknown()), method: z.string().optional(), path: z.string().optional() })
        .parse(JSON.parse(raw));
      this.failNext(f.n, f.fault as GraphFault, { method: f.method, path: f.path ? new RegExp(f.path) : undefined });
      return { status: 200, body: { pending: this.pendingFaults() } };
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (token) {
      if (method !== 'POST') throw new Refusal(405, 'MethodNotAllowed', 'token endpoint takes POST');
      return this.token(decodeURIComponent(token[1]!), headers, raw);
    }
    if (!path.startsWith('/v1.0/')) throw new Refusal(404, 'BadRequest', `Invalid version: ${path}`);
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (!bearer) throw new Refusal(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const expires = this.tokens.get(bearer);
    if (expires === undefined) throw new Refusal(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    if (expires <= Date.now()) throw new Refusal(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    if (!/^application\/json/.test(headers.accept ?? '')) throw new Refusal(406, 'BadRequest', 'Accept must be application/json');

    const withBody = method === 'POST' || method === 'PATCH';
    let body: unknown;
    if (withBody) {
      if (!/^application\/json(;|$)/.test(headers['content-type'] ?? '')) throw new Refusal(415, 'BadRequest', 'Content-Type must be application/json');
      body = tryJson(raw);
      if (body === undefined) throw new Refusal(400, 'BadRequest', 'Unable to read JSON request payload.');
    } else if (raw.length > 0) throw new Refusal(400, 'BadRequest', `${method} takes no body`);

    const rest = path.slice('/v1.0'.length);
    let m = /^\/users\/([^/]+)$/.exec(rest);
    if (m && method === 'GET') return this.getUser(decodeURIComponent(m[1]!), query);
    if (Object.keys(query).length > 0) throw new Refusal(400, 'BadRequest', `query options are not supported on ${method} ${rest}`);
    m = /^\/users\/([^/]+)\/assignLicense$/.exec(rest);
    if (m && method === 'POST') return this.assignLicense(this.existing(m[1]!), body);
    m = /^\/users\/([^/]+)\/extensions$/.exec(rest);
    if (m && method === 'POST') return this.createExtension(this.existing(m[1]!), body);
    m = /^\/users\/([^/]+)\/extensions\/([^/]+)$/.exec(rest);
    if (m && (method === 'PATCH' || method === 'DELETE')) return this.changeExtension(this.existing(m[1]!), decodeURIComponent(m[2]!), method, body);
    throw new Refusal(400, 'BadRequest', `Resource not found for the segment '${rest}'.`);
  }

  private token(tenant: string, headers: IncomingHttpHeaders, raw: string): Outcome {
    const error = (status: number, code: string, description: string) =>
      new Refusal(status, code, description, {
        error: code,
        error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
        error_codes: [status === 401 ? 7000215 : 900144],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      });
    if (!/^application\/x-www-form-urlencoded/.test(headers['content-type'] ?? ''))
      throw error(400, 'invalid_request', 'AADSTS900144: The request body must contain the following parameter: grant_type.');
    if (tenant !== FAKE_TENANT) throw error(400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
    const form = Object.fromEntries(new URLSearchParams(raw));
    const unknown = Object.keys(form).filter((k) => !['client_id', 'scope', 'client_secret', 'grant_type'].includes(k));
    if (unknown.length > 0) throw error(400, 'invalid_request', `unexpected parameter(s) ${unknown.join(', ')}`);
    if (form.grant_type !== 'client_credentials') throw error(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
    if (form.scope !== 'https://graph.microsoft.com/.default') throw error(400, 'invalid_scope', 'AADSTS1002012: The provided value for scope is not valid.');
    if (form.client_id !== FAKE_CLIENT_ID)
      throw error(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.client_id}' was not found.`);
    if (form.client_secret !== FAKE_CLIENT_SECRET) throw error(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    const accessToken = `eyJ0eXAiOiJKV1QifQ.${randomUUID()}`;
    return {
      apply: () => {
        this.tokens.set(accessToken, Date.now() + this.tokenLifetimeS * 1000);
        return { status: 200, body: { token_type: 'Bearer', expires_in: this.tokenLifetimeS, ext_expires_in: this.tokenLifetimeS, access_token: accessToken } };
      },
    };
  }

  private find(idOrUpn: string): FakeGraphUser | undefined {
    return this.users.get(idOrUpn) ?? this.user(decodeURIComponent(idOrUpn));
  }

  private existing(idOrUpn: string): FakeGraphUser {
    const user = this.find(decodeURIComponent(idOrUpn));
    if (!user) throw notFound(idOrUpn);
    return user;
  }

  private getUser(idOrUpn: string, query: Record<string, string>): Outcome {
    const unknown = Object.keys(query).filter((k) => k !== '$select' && k !== '$expand');
    if (unknown.length > 0) throw new Refusal(400, 'BadRequest', `Query option '${unknown[0]}' is not allowed.`);
    const select = query.$select?.split(',') ?? ['id', 'userPrincipalName', 'displayName', 'mail'];
    const bad = select.find((p) => !USER_PROPERTIES.has(p));
    if (bad) throw new Refusal(400, 'BadRequest', `Could not find a property named '${bad}' on type 'microsoft.graph.user'.`);
    if (query.$expand !== undefined && query.$expand !== 'extensions')
      throw new Refusal(400, 'BadRequest', `Parsing OData Select and Expand failed: ${query.$expand}`);
    const user = this.find(idOrUpn);
    if (!user) throw notFound(idOrUpn);
    const view: Record<string, unknown> = { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users(...)/$entity' };
    for (const p of select) view[p] = (user as unknown as Record<string, unknown>)[p] ?? null;
    if (query.$expand === 'extensions') {
      view['extensions@odata.context'] = `https://graph.microsoft.com/v1.0/$metadata#users('${user.id}')/extensions`;
      view.extensions = user.extensions.map((e) => ({ '@odata.type': '#microsoft.graph.openTypeExtension', id: e.extensionName, ...e }));
    }
    return { status: 200, body: view };
  }

  private assignLicense(user: FakeGraphUser, raw: unknown): Outcome {
    const parsed = AssignLicenseBody.safeParse(raw);
    if (!parsed.success)
      throw new Refusal(
        400,
        'Request_BadRequest',
        `Invalid assignLicense body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const { addLicenses, removeLicenses } = parsed.data;
    for (const add of addLicenses) {
      if (!(add.skuId in this.skus)) throw new Refusal(400, 'Request_BadRequest', `License ${add.skuId} does not correspond to a valid company License.`);
      if (!user.usageLocation) throw new Refusal(400, 'Request_BadRequest', 'License assignment cannot be done for user with invalid usage location.');
      const already = user.assignedLicenses.some((l) => l.skuId === add.skuId);
      if (!already && this.skus[add.skuId]! <= 0) throw new Refusal(400, 'Request_BadRequest', `License ${add.skuId} has no available units.`);
    }
    for (const sku of removeLicenses) {
      if (!user.assignedLicenses.some((l) => l.skuId === sku)) throw new Refusal(400, 'Request_BadRequest', 'User does not have a corresponding license.');
    }
    return {
      apply: () => {
        for (const add of addLicenses) {
          const existing = user.assignedLicenses.find((l) => l.skuId === add.skuId);
          if (existing) existing.disabledPlans = add.disabledPlans;
          else {
            user.assignedLicenses.push({ skuId: add.skuId, disabledPlans: add.disabledPlans });
            this.skus[add.skuId]! -= 1;
          }
        }
        for (const sku of removeLicenses) {
          user.assignedLicenses = user.assignedLicenses.filter((l) => l.skuId !== sku);
          this.skus[sku]! += 1;
        }
        return { status: 200, body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity', ...user, extensions: undefined } };
      },
    };
  }

  private createExtension(user: FakeGraphUser, raw: unknown): Outcome {
    const parsed = ExtensionBody.safeParse(raw);
    if (!parsed.success)
      throw new Refusal(400, 'BadRequest', `Invalid openTypeExtension: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const { '@odata.type': _type, ...data } = parsed.data;
    if (user.extensions.some((e) => e.extensionName === data.extensionName)) {
      throw new Refusal(409, 'NameAlreadyExists', `An extension with the name ${data.extensionName} already exists.`);
    }
    return {
      apply: () => {
        user.extensions.push(data as FakeGraphUser['extensions'][number]);
        return { status: 201, body: { '@odata.type': '#microsoft.graph.openTypeExtension', id: data.extensionName, ...data } };
      },
    };
  }

  private changeExtension(user: FakeGraphUser, name: string, method: 'PATCH' | 'DELETE', raw: unknown): Outcome {
    const extension = user.extensions.find((e) => e.extensionName === name);
    if (!extension) throw new Refusal(404, 'ResourceNotFound', `Extension ${name} was not found.`);
    if (method === 'DELETE') {
      return {
        apply: () => {
          user.extensions = user.extensions.filter((e) => e !== extension);
          return { status: 204 };
        },
      };
    }
    const parsed = ExtensionPatch.safeParse(raw);
    if (!parsed.success || 'extensionName' in (raw as object) || '@odata.type' in (raw as object)) {
      throw new Refusal(400, 'BadRequest', 'an open extension update takes custom properties only');
    }
    return {
      apply: () => {
        Object.assign(extension, parsed.data);
        return { status: 204 };
      },
    };
  }
}

function graphError(code: string, message: string): unknown {
  return {
    error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() } },
  };
}

function notFound(id: string): Refusal {
  return new Refusal(
    404,
    'Request_ResourceNotFound',
    `Resource '${decodeURIComponent(id)}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

function tryJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1]! : fallback;
  };
  const fake = new FakeGraph({
    users: arg('users', 'new.hire,jdoe,asmith')
      .split(',')
      .map((id) => ({ userPrincipalName: `${id}@example.com`, mail: `${id}@example.com` })),
  });
  const url = await fake.start(Number(arg('port', '0')));
  const stateFile = arg('state', '');
  if (stateFile) setInterval(() => writeFileSync(stateFile, JSON.stringify(fake.state())), 200).unref();
  process.stdout.write(`${JSON.stringify({ port: Number(new URL(url).port), url })}\n`);
  const stop = () => void fake.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
