import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { GraphMailboxSettings } from '../../config/workplace.js';
import { retryAfterMs } from '../ticketing/http.js';
import type { MailboxInfo, MailboxPort } from './port.js';

// Exchange Online mailboxes through Microsoft Graph v1.0.
//
// The model. Graph has no "create mailbox" call: Exchange Online makes a user's mailbox when the user
// is given a license whose plans include Exchange, and removing the license removes the mailbox
// (Exchange keeps it disconnected for 30 days). So:
//   create = POST /users/{upn}/assignLicense { addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] }
//   delete = POST /users/{upn}/assignLicense { addLicenses: [], removeLicenses: [skuId] }
//   read   = GET /users/{upn}?$select=id,userPrincipalName,mail,usageLocation,assignedLicenses&$expand=extensions
// Reading goes by the license, not by GET /users/{upn}/mailboxSettings: Exchange provisions the
// mailbox minutes after the license, and mailboxSettings answers an error until then, so a mailbox
// this adapter just created would read as missing and a retry could not tell it apart from none;
// it would also need a Mail* permission the adapter has no other use for.
//
// What the engine created is recorded on the user itself, in an open extension (POST
// /users/{upn}/extensions, { "@odata.type": "microsoft.graph.openTypeExtension", extensionName,
// createdBy, quotaGb }), so every worker host sees it. The record is written before the license is
// assigned: a retry after a lost answer finds its own record and still knows it created the mailbox;
// a crash between the two leaves a record without a license, which reads as no mailbox.
//
// Errors: 429 (and 503 with Retry-After) retry after the delay Graph asks for; other 5xx, timeouts
// and network errors are plain Errors (Temporal retries the activity); other 4xx are final
// (ApplicationFailure, type GraphRequestRefused). The client secret only ever travels in the token
// request's form body; the access token only in the Authorization header, and is cached until shortly
// before it expires.

/** A token is renewed this long before Graph would refuse it. */
const TOKEN_MARGIN_MS = 60_000;
const ERROR_TEXT_MAX = 300;

const TokenAnswer = z.object({ token_type: z.string(), expires_in: z.coerce.number().int().positive(), access_token: z.string().min(1) });
const GraphError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const TokenError = z.object({ error: z.string(), error_description: z.string().optional() });

const OpenExtension = z.looseObject({ id: z.string(), extensionName: z.string().optional() });
const GraphUser = z.object({
  id: z.string(),
  userPrincipalName: z.string(),
  mail: z.string().nullable().optional(),
  usageLocation: z.string().nullable().optional(),
  assignedLicenses: z.array(z.object({ skuId: z.string(), disabledPlans: z.array(z.string()).optional() })),
  extensions: z.array(OpenExtension).optional(),
});
type GraphUser = z.infer<typeof GraphUser>;

/** What the engine keeps in its open extension on the user. */
const Record_ = z.object({ createdBy: z.string().optional(), quotaGb: z.number().int().positive().optional() });

const USER_SELECT = 'id,userPrincipalName,mail,usageLocation,assignedLicenses';

type Options = Omit<GraphMailboxSettings, 'adapter'>;

interface Request {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

export class GraphMailboxes implements MailboxPort {
  private token: { value: string; renewAt: number } | undefined;
  private pendingToken: Promise<string> | undefined;
  private readonly baseUrl: string;
  private readonly loginUrl: string;

  constructor(
    private readonly options: Options,
    private readonly now: () => number = Date.now,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.loginUrl = options.loginUrl.replace(/\/+$/, '');
  }

  async createMailbox(userId: string, options: { quotaGb: number; createdBy?: string }): Promise<{ created: boolean }> {
    const user = await this.requireUser(userId);
    const record = this.recordOf(user);
    if (this.hasExchange(user)) {
      return { created: options.createdBy !== undefined && record?.createdBy === options.createdBy };
    }
    if (!user.usageLocation) {
      throw ApplicationFailure.nonRetryable(
        `user ${user.userPrincipalName} has no usageLocation: Microsoft 365 assigns no license without one; set it (e.g. in the directory sync) and retry`,
        'MailboxRefused',
      );
    }
    const data = { ...(options.createdBy ? { createdBy: options.createdBy } : {}), quotaGb: options.quotaGb };
    await this.writeRecord(user, record, data);
    await this.assignLicense(user, { addLicenses: [{ skuId: this.options.exchangeSkuId, disabledPlans: [] }], removeLicenses: [] });
    return { created: true };
  }

  async deleteMailbox(userId: string, options: { createdBy?: string } = {}): Promise<{ deleted: boolean }> {
    const user = await this.findUser(userId);
    if (!user) return { deleted: false };
    const record = this.recordOf(user);
    const ours = options.createdBy === undefined || record?.createdBy === options.createdBy;
    if (!this.hasExchange(user)) {
      // A record left by a create that never got its license, or by a delete whose answer was lost.
      if (record && ours) await this.deleteRecord(user);
      return { deleted: false };
    }
    if (!ours) return { deleted: false };
    await this.assignLicense(user, { addLicenses: [], removeLicenses: [this.options.exchangeSkuId] });
    if (record) await this.deleteRecord(user);
    return { deleted: true };
  }

  async mailbox(userId: string): Promise<MailboxInfo | null> {
    const user = await this.findUser(userId);
    if (!user || !this.hasExchange(user)) return null;
    const record = this.recordOf(user);
    return {
      userId,
      quotaGb: record?.quotaGb ?? this.options.quotaGb,
      ...(record?.createdBy ? { createdBy: record.createdBy } : {}),
    };
  }

  private upn(userId: string): string {
    return `${userId}@${this.options.userDomain}`;
  }

  private hasExchange(user: GraphUser): boolean {
    const sku = this.options.exchangeSkuId.toLowerCase();
    return user.assignedLicenses.some((l) => l.skuId.toLowerCase() === sku);
  }

  private recordOf(user: GraphUser): z.infer<typeof Record_> | undefined {
    const name = this.options.extensionName;
    const extension = user.extensions?.find((e) => e.extensionName === name || e.id === name || e.id.endsWith(`.${name}`));
    if (!extension) return undefined;
    const parsed = Record_.safeParse(extension);
    return parsed.success ? parsed.data : {};
  }

  private async findUser(userId: string): Promise<GraphUser | null> {
    const answer = await this.request({
      method: 'GET',
      path: `/users/${encodeURIComponent(this.upn(userId))}`,
      query: { $select: USER_SELECT, $expand: 'extensions' },
    });
    if (answer.status === 404) return null;
    return this.parse(answer, GraphUser, 'GET /users/{upn}');
  }

  private async requireUser(userId: string): Promise<GraphUser> {
    const user = await this.findUser(userId);
    if (!user) {
      throw ApplicationFailure.nonRetryable(
        `Microsoft 365 has no user ${this.upn(userId)}: create the account (or let the directory sync it) first`,
        'MailboxUserUnknown',
      );
    }
    return user;
  }

  private async writeRecord(user: GraphUser, existing: unknown, data: Record<string, unknown>): Promise<void> {
    const path = `/users/${encodeURIComponent(user.id)}/extensions`;
    if (existing) {
      await this.expect(
        { method: 'PATCH', path: `${path}/${encodeURIComponent(this.options.extensionName)}`, body: { ...data, createdBy: data.createdBy ?? null } },
        [204],
      );
      return;
    }
    const answer = await this.request({
      method: 'POST',
      path,
      body: { '@odata.type': 'microsoft.graph.openTypeExtension', extensionName: this.options.extensionName, ...data },
    });
    // 409: another host wrote it between our read and this write; the retry reads it back.
    if (answer.status === 409) throw new Error(`Graph POST ${path} answered 409: the extension was written concurrently; retrying`);
    this.check(answer, [201], `POST ${path}`);
  }

  private async deleteRecord(user: GraphUser): Promise<void> {
    const path = `/users/${encodeURIComponent(user.id)}/extensions/${encodeURIComponent(this.options.extensionName)}`;
    const answer = await this.request({ method: 'DELETE', path });
    if (answer.status === 404) return;
    this.check(answer, [204], `DELETE ${path}`);
  }

  private async assignLicense(
    user: GraphUser,
    body: { addLicenses: Array<{ skuId: string; disabledPlans: string[] }>; removeLicenses: string[] },
  ): Promise<void> {
    await this.expect({ method: 'POST', path: `/users/${encodeURIComponent(user.id)}/assignLicense`, body }, [200]);
  }

  private async expect(request: Request, statuses: number[]): Promise<void> {
    const answer = await this.request(request);
    this.check(answer, statuses, `${request.method} ${request.path}`);
  }

  private parse<S extends z.ZodType>(answer: { status: number; text: string; retryAfter: string | null }, schema: S, what: string): z.infer<S> {
    this.check(answer, [200], what);
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw new Error(`Graph ${what} answered with a body that is not JSON`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new Error(`Graph ${what} answered in an unexpected shape (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
    return parsed.data;
  }

  /** Turns an unexpected answer into the error the workflows act on. */
  private check(answer: { status: number; text: string; retryAfter: string | null }, statuses: number[], what: string): void {
    if (statuses.includes(answer.status)) return;
    const detail = errorText(answer.text, GraphError, (e) => `${e.error.code}: ${e.error.message}`);
    const message = `Graph ${what} answered ${answer.status}${detail ? `: ${detail}` : ''}`;
    throw classify(answer.status, answer.retryAfter, message, 'Graph');
  }

  private async request(request: Request, renewed = false): Promise<{ status: number; text: string; retryAfter: string | null }> {
    const token = await this.accessToken();
    const url = new URL(this.baseUrl + request.path);
    for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const answer = await send(`Graph ${request.method} ${request.path}`, url, this.options.timeoutMs, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    // A token revoked or expired early: one more try with a new one.
    if (answer.status === 401 && !renewed) {
      this.token = undefined;
      return this.request(request, true);
    }
    return answer;
  }

  /** The cached app-only token, or a new one by the client-credentials grant (one request at a time). */
  private async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.renewAt) return this.token.value;
    this.pendingToken ??= this.fetchToken().finally(() => {
      this.pendingToken = undefined;
    });
    return this.pendingToken;
  }

  private async fetchToken(): Promise<string> {
    const { tenantId, clientId, clientSecret, timeoutMs } = this.options;
    const path = `/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    const what = `Microsoft identity platform POST ${path}`;
    const body = new URLSearchParams({
      client_id: clientId,
      scope: 'https://graph.microsoft.com/.default',
      client_secret: clientSecret,
      grant_type: 'client_credentials',
    });
    const answer = await send(what, new URL(this.loginUrl + path), timeoutMs, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
    });
    if (answer.status !== 200) {
      const detail = errorText(answer.text, TokenError, (e) => `${e.error}${e.error_description ? `: ${e.error_description.split(/\r?\n/)[0]}` : ''}`);
      throw classify(answer.status, answer.retryAfter, `${what} answered ${answer.status}${detail ? `: ${detail}` : ''}`, 'GraphToken');
    }
    let parsed: z.infer<typeof TokenAnswer>;
    try {
      parsed = TokenAnswer.parse(JSON.parse(answer.text));
    } catch {
      throw new Error(`${what} answered 200 without an access token`);
    }
    const lifetimeMs = parsed.expires_in * 1000;
    this.token = { value: parsed.access_token, renewAt: this.now() + Math.max(lifetimeMs - TOKEN_MARGIN_MS, lifetimeMs / 2) };
    return parsed.access_token;
  }
}

/** One HTTP exchange; a timeout or network failure is a retryable Error naming the request. */
async function send(what: string, url: URL, timeoutMs: number, init: RequestInit): Promise<{ status: number; text: string; retryAfter: string | null }> {
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Error(`${what} timed out after ${timeoutMs} ms`);
    throw new Error(`${what} failed before an answer (network error: ${e.cause?.code ?? e.cause?.message ?? e.message})`);
  }
}

/** 429 and 5xx (and 408) are worth another try, after Retry-After when given; other statuses are final. */
function classify(status: number, retryAfter: string | null, message: string, system: string): Error {
  const delayMs = retryAfterMs(retryAfter);
  if (status === 429 || (status >= 500 && delayMs !== undefined)) {
    return delayMs === undefined ? new Error(message) : ApplicationFailure.create({ message, type: `${system}RateLimited`, nextRetryDelay: delayMs });
  }
  if (status >= 500 || status === 408) return new Error(message);
  return ApplicationFailure.nonRetryable(message, `${system}RequestRefused`);
}

function errorText<S extends z.ZodType>(text: string, schema: S, format: (body: z.infer<S>) => string): string {
  let detail = text;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) detail = format(parsed.data);
  } catch {
    // not JSON: the text itself (an HTML error page from a proxy, say)
  }
  const flat = detail.replace(/\s+/g, ' ').trim();
  return flat.length > ERROR_TEXT_MAX ? `${flat.slice(0, ERROR_TEXT_MAX)}…` : flat;
}
