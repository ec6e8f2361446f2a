import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { zodIssues } from '../../domain/errors.js';
import type { TicketSource } from '../../domain/tickets/ticket.js';
import { TicketingConfigError, TicketingRequestError, type TicketRef } from './port.js';

// Shared by the Jira, ServiceNow and Zendesk adapters: one place decides which help-desk answers
// a retry can fix (plain Error, Temporal retries the activity) and which it cannot
// (TicketingRequestError, the workflow gives up). Credentials live only in the Authorization
// header: never in a URL, a message or a log line.

export const DEFAULT_TIMEOUT_MS = 10_000;
const ERROR_TEXT_MAX = 300;

export interface HttpClientOptions {
  /** Help-desk name used in messages, e.g. `Jira`. */
  system: string;
  baseUrl: string;
  /** The Authorization header value. */
  authorization: string;
  timeoutMs: number;
  /** The help desk's own error text from an error answer's JSON body, if it has the usual shape. */
  errorText(body: unknown): string | undefined;
  /** Statuses besides 408, 425, 429 and 5xx that a later try can succeed on. */
  retryableStatuses?: readonly number[];
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** Path below the base URL, segments already encoded. */
  path: string;
  query?: Record<string, string | number>;
  body?: unknown;
}

/** A JSON-over-HTTPS client for one help desk, with the error classification the workflows rely on. */
export class HelpDeskHttp {
  readonly baseUrl: string;

  constructor(private readonly options: HttpClientOptions) {
    this.baseUrl = checkBaseUrl(options.system, options.baseUrl);
  }

  /** Sends the request and checks the JSON answer against `schema`. */
  async json<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<z.infer<S>> {
    const text = await this.exchange(request);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${this.describe(request)} answered with a body that is not JSON: ${truncate(text)}`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error)
        .slice(0, 3)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ');
      throw new Error(`${this.describe(request)} answered in an unexpected shape (${issues})`);
    }
    return parsed.data;
  }

  /** Sends the request; any 2xx answer is success and its body is not read further. */
  async send(request: HttpRequest): Promise<void> {
    await this.exchange(request);
  }

  private describe(request: HttpRequest): string {
    return `${this.options.system} ${request.method} ${request.path}`;
  }

  private async exchange(request: HttpRequest): Promise<string> {
    const { system, timeoutMs } = this.options;
    const url = new URL(this.baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { authorization: this.options.authorization, accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        // A redirect would be followed without the Authorization header (cross-origin) or to a
        // login page: better to report it than to read a wrong answer.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new Error(`${this.describe(request)} timed out after ${timeoutMs} ms`);
      }
      const reason = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new Error(`${this.describe(request)} failed before an answer (network error: ${reason})`);
    }
    const { status } = response;
    if (status >= 200 && status < 300) return text;

    const detail = errorDetail(text, this.options.errorText);
    const message = `${this.describe(request)} answered ${status}${detail ? `: ${detail}` : ''}`;
    if (status === 429) {
      const delayMs = retryAfterMs(response.headers.get('retry-after'));
      if (delayMs !== undefined) {
        throw ApplicationFailure.create({ message, type: `${system}RateLimited`, nextRetryDelay: delayMs });
      }
      throw new Error(message);
    }
    if (status === 408 || status === 425 || status >= 500 || this.options.retryableStatuses?.includes(status)) {
      throw new Error(message);
    }
    throw new TicketingRequestError(message, status);
  }
}

function checkBaseUrl(system: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TicketingConfigError(`${system} baseUrl is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TicketingConfigError(`${system} baseUrl must be an http(s) URL, not ${url.protocol}`);
  }
  // Not echoed: whatever is in it may be a secret.
  if (url.username || url.password) {
    throw new TicketingConfigError(`${system} baseUrl must not carry credentials; configure them separately`);
  }
  if (url.search || url.hash) throw new TicketingConfigError(`${system} baseUrl must not have a query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function errorDetail(text: string, errorText: (body: unknown) => string | undefined): string {
  let detail: string | undefined;
  try {
    detail = errorText(JSON.parse(text));
  } catch {
    detail = undefined;
  }
  return truncate(detail ?? text);
}

function truncate(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > ERROR_TEXT_MAX ? `${flat.slice(0, ERROR_TEXT_MAX)}…` : flat;
}

/** Retry-After is delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function basicAuth(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`;
}

/** Validates an adapter configuration, naming each bad field (never its value). */
export function parseConfig<S extends z.ZodType>(system: string, schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error).map((i) => `${i.path}: ${i.message}`);
  throw new TicketingConfigError(`${system} adapter configuration is invalid: ${issues.join('; ')}`);
}

export function checkSource(system: string, source: TicketSource, ref: TicketRef): void {
  if (ref.source !== source) {
    throw new TicketingConfigError(`${system} adapter was given a ${ref.source} ticket (${ref.key}); check the adapter wiring`);
  }
}

export function queueFor<Q>(system: string, queues: Record<string, Q>, name: string): Q {
  const queue = Object.hasOwn(queues, name) ? queues[name] : undefined;
  if (queue === undefined) {
    const known = Object.keys(queues).sort().join(', ') || '(none)';
    throw new TicketingConfigError(`unknown queue "${name}" for ${system}; configured queues: ${known}`);
  }
  return queue;
}

/**
 * A short, stable marker of one update, written into the text posted to help desks that keep no
 * properties on comments, so a retried activity can find what an earlier try posted.
 */
export function automationRef(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 12);
}

export function withAutomationRef(text: string, shortRef: string): string {
  return `${text}\n\n${automationRefLine(shortRef)}`;
}

export function automationRefLine(shortRef: string): string {
  return `[automation ref ${shortRef}]`;
}

export function checkTimeZone(system: string, timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new TicketingConfigError(`${system} time zone "${timeZone}" is not an IANA time zone name`);
  }
}

/** `YYYY-MM-DD HH:mm` (or `…:ss`) wall-clock time of `date` in `timeZone`, truncated (never rounded up). */
export function formatWallTime(date: Date, timeZone: string, precision: 'minute' | 'second'): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '00';
  const minute = `${get('year').padStart(4, '0')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
  return precision === 'minute' ? minute : `${minute}:${get('second')}`;
}

/** `since` truncated to whole seconds: help desks that keep second precision compare against this. */
export function floorToSecond(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}
