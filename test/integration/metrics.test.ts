import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { register as globalRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDirectory } from '../../src/activities/directory/memory.js';
import { SimulatedFleet } from '../../src/activities/endpoints/memory.js';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import { buildApi, configuredApiOptions } from '../../src/client/http/app.js';
import { REJECTION_REASONS, rejectionReason } from '../../src/client/http/metrics.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { SECRETS, signedHeaders } from '../helpers/deliveries.js';
import { jwtEnv, token } from '../helpers/selfService.js';
import { demoContent, startTestServer } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// The API's Prometheus metrics after real requests: accepted ones and each kind of rejection.
const ADMIN = 'staff-token-0123456789abcdef01';
let env: TestWorkflowEnvironment;
let app: FastifyInstance;
beforeAll(async () => {
  env = await startTestServer();
  const content = await demoContent();
  const config = loadConfig({
    ...jwtEnv,
    WEBHOOK_SECRET_JIRA: SECRETS.jira,
    ALLOW_UNSIGNED_WEBHOOKS: 'false',
    ADMIN_API_TOKEN: ADMIN,
    TEMPORAL_TASK_QUEUE: 'metrics-no-worker',
  });
  app = buildApi(
    configuredApiOptions(config, content, {
      client: env.client,
      store: new SqliteEngineStore(':memory:'),
      logger: createLogger('silent'),
      directory: new MemoryDirectory(content.directory),
      endpoints: new SimulatedFleet(content.fleet),
    }),
  );
});
afterAll(async () => {
  await app?.close();
  await env?.teardown();
});

const webhook = (raw: string, headers: Record<string, string>) => app.inject({ method: 'POST', url: '/webhooks/jira', headers, payload: raw });
const selfService = async (who: string | null, body: unknown) =>
  app.inject({
    method: 'POST',
    url: '/self-service/requests',
    headers: { 'content-type': 'application/json', ...(who ? { authorization: `Bearer ${await token(who)}` } : {}) },
    payload: JSON.stringify(body),
  });

/** Value of one sample in the Prometheus text format, e.g. `itse_http_rejections_total{reason="auth"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts requests by route pattern, method and status, and rejections by reason', async () => {
    const accepted = JSON.stringify(jiraIssueCreated({ reporter: JIRA.jdoe }));
    expect((await webhook(accepted, signedHeaders('jira', accepted))).statusCode).toBe(202);
    const second = JSON.stringify(jiraIssueCreated({ reporter: JIRA.jdoe }));
    expect((await webhook(second, signedHeaders('jira', second))).statusCode).toBe(202);
    // Signed with another secret; then a signed body that is not a Jira event.
    expect((await webhook(accepted, signedHeaders('jira', accepted, 'not-the-configured-secret-000'))).statusCode).toBe(401);
    const malformed = JSON.stringify({ webhookEvent: 'jira:issue_created', issue: { key: 42 } });
    expect((await webhook(malformed, signedHeaders('jira', malformed))).statusCode).toBe(400);
    // Self-service: no token, a guardrail (someone else's device), a body the API does not accept.
    expect((await selfService(null, { automation: 'disk-cleanup' })).statusCode).toBe(401);
    const guardrail = await selfService('asmith', { automation: 'disk-cleanup', inputs: { device: 'LT-0042' } });
    expect(guardrail.json()).toMatchObject({ error: 'not_your_device' });
    expect((await selfService('asmith', { automation: 'disk-cleanup', sneaky: true })).statusCode).toBe(400);
    // Staff endpoints without the token; an unknown run; a path that is no route.
    expect((await app.inject({ method: 'GET', url: '/dead-letters' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/dead-letters', headers: { authorization: `Bearer ${ADMIN}` } })).statusCode).toBe(200);
    const staff = { authorization: `Bearer ${ADMIN}` };
    expect((await app.inject({ method: 'GET', url: '/workflows/ticket-jira-NOPE-1', headers: staff })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/wp-admin/setup.php', headers: staff })).statusCode).toBe(404);
    // A probe of a path that is no route, without a token: refused before anything is looked up.
    expect((await app.inject({ method: 'GET', url: '/wp-admin/setup.php' })).statusCode).toBe(401);

    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(sample(text, 'itse_http_requests_total{route="/webhooks/:source",method="POST",status="202"}')).toBe(2);
    expect(sample(text, 'itse_http_requests_total{route="/webhooks/:source",method="POST",status="401"}')).toBe(1);
    expect(sample(text, 'itse_http_requests_total{route="/webhooks/:source",method="POST",status="400"}')).toBe(1);
    expect(sample(text, 'itse_http_requests_total{route="/self-service/requests",method="POST",status="403"}')).toBe(1);
    expect(sample(text, 'itse_http_requests_total{route="/dead-letters",method="GET",status="200"}')).toBe(1);
    expect(sample(text, 'itse_http_requests_total{route="/workflows/:id",method="GET",status="404"}')).toBe(1);
    expect(sample(text, 'itse_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1);
    expect(sample(text, 'itse_http_requests_total{route="unmatched",method="GET",status="401"}')).toBe(1);
    expect(sample(text, 'itse_http_request_duration_seconds_count{route="/webhooks/:source",method="POST"}')).toBe(4);
    expect(sample(text, 'itse_http_request_duration_seconds_bucket{le="+Inf",route="/webhooks/:source",method="POST"}')).toBe(4);

    expect(sample(text, 'itse_http_rejections_total{reason="signature_invalid"}')).toBe(1);
    expect(sample(text, 'itse_http_rejections_total{reason="payload_invalid"}')).toBe(1);
    expect(sample(text, 'itse_http_rejections_total{reason="auth"}')).toBe(3);
    expect(sample(text, 'itse_http_rejections_total{reason="guardrail"}')).toBe(1);
    expect(sample(text, 'itse_http_rejections_total{reason="validation"}')).toBe(1);
    expect(sample(text, 'itse_http_rejections_total{reason="not_found"}')).toBe(2);
    expect(sample(text, 'itse_http_rejections_total{reason="conflict"}')).toBe(0);

    // Raw URLs never become label values (one series per route, not per id or probe).
    expect(text).not.toContain('NOPE');
    expect(text).not.toContain('wp-admin');
    // Node's process metrics on the same registry; nothing on prom-client's global one.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_heap_size_used_bytes');
    expect(await globalRegistry.metrics()).not.toContain('itse_');
  });
});

describe('rejection reasons', () => {
  it.each([
    [202, 'anything', null],
    [503, 'unavailable', null],
    [401, 'invalid_signature', 'signature_invalid'],
    [400, 'invalid_payload', 'payload_invalid'],
    [401, 'expired', 'auth'],
    [403, 'staff_api_disabled', 'auth'],
    [429, 'cooling_down', 'guardrail'],
    [404, 'unknown_automation', 'guardrail'],
    [403, 'not_in_audience', 'guardrail'],
    [409, 'answer_refused', 'update_refused'],
    [403, 'not_an_approver', 'update_refused'],
    [400, 'invalid_request', 'validation'],
    [415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'validation'],
    [413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'too_large'],
    [404, undefined, 'not_found'],
    [409, 'already_running', 'conflict'],
    [403, undefined, 'other'],
  ] as const)('%i %s -> %s', (status, error, reason) => {
    expect(rejectionReason(status, error)).toBe(reason);
    if (reason) expect(REJECTION_REASONS).toContain(reason);
  });
});
