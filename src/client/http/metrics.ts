import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { REFUSAL_STATUS } from '../../domain/selfService/refusals.js';

/**
 * Why the API turned a request away (4xx), as a small fixed set of label values:
 * - `signature_invalid`: a webhook whose signature is missing, wrong or too old;
 * - `payload_invalid`: a webhook body that is not JSON or not the help desk's documented shape;
 * - `validation`: any other request body, parameter or query that does not match the API;
 * - `auth`: a missing, expired or forged bearer token (self-service JWT or staff token), or staff endpoints turned off;
 * - `guardrail`: a self-service request refused by the catalog's guardrails (audience, ownership, inputs, rate limit...);
 * - `update_refused`: an approval or troubleshooting answer refused by the workflow's validator;
 * - `conflict`: a request that clashes with the current state (already running, not running, not open);
 * - `not_found`: unknown route, workflow, session, record or source;
 * - `too_large`: a body over the size limit;
 * - `other`: any other 4xx.
 */
export const REJECTION_REASONS = [
  'signature_invalid',
  'payload_invalid',
  'validation',
  'auth',
  'guardrail',
  'update_refused',
  'conflict',
  'not_found',
  'too_large',
  'other',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Self-service refusals; `unknown_automation` is also what an unpublished one is shown as. */
const GUARDRAIL = new Set<string>([...Object.keys(REFUSAL_STATUS), 'unknown_automation']);
const UPDATE_REFUSED = new Set(['approval_refused', 'answer_refused', 'not_an_approver']);

/** The reason label of a response, from its status and the `error` code of its JSON body; null when it is not a rejection. */
export function rejectionReason(status: number, error: string | undefined): RejectionReason | null {
  if (status < 400 || status >= 500) return null;
  if (error === 'invalid_signature') return 'signature_invalid';
  if (error === 'invalid_payload') return 'payload_invalid';
  if (status === 401 || error === 'staff_api_disabled') return 'auth';
  if (error !== undefined && GUARDRAIL.has(error)) return 'guardrail';
  if (error !== undefined && UPDATE_REFUSED.has(error)) return 'update_refused';
  if (status === 400 || status === 415) return 'validation';
  if (status === 413) return 'too_large';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  return 'other';
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface ApiMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  duration: Histogram<'route' | 'method'>;
  rejections: Counter<'reason'>;
  refusalsNotKept: Counter<'source' | 'why'>;
}

/**
 * The API's metrics on a registry of their own (not prom-client's global one), with Node's
 * default process metrics (`process_*`, `nodejs_*`) unless turned off.
 */
export function createApiMetrics(options: { defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'itse_http_requests_total',
    help: 'HTTP requests answered, by route pattern (unmatched for unknown paths), method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'itse_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern and method',
    labelNames: ['route', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rejections = new Counter({
    name: 'itse_http_rejections_total',
    help: `Requests turned away (4xx), by reason: ${REJECTION_REASONS.join(', ')}`,
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Every reason exists from the start, so rate() and alerts see a 0 rather than no series.
  for (const reason of REJECTION_REASONS) rejections.inc({ reason }, 0);
  const refusalsNotKept = new Counter({
    name: 'itse_webhook_refusals_not_kept_total',
    help: 'Webhook refusals no sender proved, answered but not stored (over the per-source rate or size bound), by source and why (rate, size)',
    labelNames: ['source', 'why'] as const,
    registers: [registry],
  });
  return { registry, requests, duration, rejections, refusalsNotKept };
}

/** Counts every request (onResponse) and serves `GET /metrics` in the Prometheus text format. */
export function registerMetrics(app: FastifyInstance, metrics: ApiMetrics): void {
  // The `error` code of a JSON error body, seen before serialisation.
  const errorCodes = new WeakMap<FastifyRequest, string>();
  app.addHook('preSerialization', async (request, reply, payload: unknown) => {
    if (reply.statusCode >= 400 && payload !== null && typeof payload === 'object' && typeof (payload as { error?: unknown }).error === 'string') {
      errorCodes.set(request, (payload as { error: string }).error);
    }
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const method = METHODS.has(request.method) ? request.method : 'other';
    metrics.requests.inc({ route, method, status: String(reply.statusCode) });
    metrics.duration.observe({ route, method }, reply.elapsedTime / 1000);
    const reason = rejectionReason(reply.statusCode, errorCodes.get(request));
    if (reason) metrics.rejections.inc({ reason });
  });
  // A plugin, so that it loads after the OpenAPI plugin registered before it and is described there.
  app.register(async (scope) => {
    scope.get('/metrics', { config: { access: 'public' } }, async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  });
}
