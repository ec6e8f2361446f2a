import { Client, Connection, WorkflowNotFoundError, type WorkflowClient } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDirectory } from '../../src/activities/directory/memory.js';
import { SimulatedFleet } from '../../src/activities/endpoints/memory.js';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import type { EngineStore } from '../../src/activities/records/port.js';
import { buildApi, configuredApiOptions } from '../../src/client/http/app.js';
import { CLAIM_STALE_MS } from '../../src/client/selfService.js';
import { loadConfig } from '../../src/config/index.js';
import { loadContent, type Content } from '../../src/stack/content.js';
import { createLogger } from '../../src/stack/logger.js';
import { contentWithUsers, jwtEnv, token } from '../helpers/selfService.js';
import { startTestServer } from '../helpers/temporal.js';

// The self-service API when Temporal misbehaves: unreachable, a run started by another API
// instance between the check and the start, a start that fails, a run whose worker does not
// answer queries, a request that cannot get its turn. No worker polls NO_WORKER: runs the API
// starts stay RUNNING, which is what these cases need.
const NO_WORKER = 'self-service-edges-no-worker';
const contentDir = contentWithUsers(8);
let content: Content;
let env: TestWorkflowEnvironment;

/**
 * A client of a Temporal that is not there. Without the SDK's retry interceptor, so that each call
 * fails at once instead of after ~20 s of retries; the error is the SDK's own (a ServiceError).
 */
const unreachableClient = () => new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', interceptors: [] }) });

/** `real`, except for the given methods of its workflow client. */
function withWorkflowClient(real: Client, over: Partial<Pick<WorkflowClient, 'start' | 'getHandle'>>): Client {
  const workflow = Object.create(real.workflow, Object.fromEntries(Object.entries(over).map(([k, v]) => [k, { value: v }])));
  return Object.create(real, { workflow: { value: workflow } });
}

function api(client: Client, store = new SqliteEngineStore(':memory:')): { app: FastifyInstance; store: EngineStore } {
  const app = buildApi(
    configuredApiOptions(loadConfig({ ...jwtEnv, TEMPORAL_TASK_QUEUE: NO_WORKER }), content, {
      client,
      store,
      logger: createLogger('silent'),
      directory: new MemoryDirectory(content.directory),
      endpoints: new SimulatedFleet(content.fleet),
    }),
  );
  return { app, store };
}

async function call(app: FastifyInstance, method: 'GET' | 'POST', url: string, who: string, body?: unknown) {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${await token(who)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}
const cleanup = (app: FastifyInstance, who: string, device: string) =>
  call(app, 'POST', '/self-service/requests', who, { automation: 'disk-cleanup', inputs: { device } });
const auditOf = async (store: EngineStore, who: string) =>
  (await store.auditEntries({ subject: 'self-service:disk-cleanup' })).map((e) => e.entry).filter((e) => e.actor === who);

beforeAll(async () => {
  content = await loadContent(contentDir);
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
  rmSync(contentDir, { recursive: true, force: true });
});

describe('self-service while Temporal cannot be reached', () => {
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('a request is 503 with Retry-After, records no start, and leaves no claim behind', async () => {
    const { app, store } = api(unreachableClient());
    apps.push(app);
    const first = await cleanup(app, 'user-0001', 'LT-U0001');
    expect(first).toMatchObject({ status: 503, body: { error: 'unavailable' } });
    expect(first.headers['retry-after']).toBe('5');
    expect(await store.selfServiceStarts('user-0001', 'disk-cleanup', new Date(0))).toEqual([]);
    expect(await auditOf(store, 'user-0001')).toEqual([]);
    // The claim was given back: the same request can take it at once (a held one would be
    // refused 409 already_running).
    expect(await store.claimSelfService('user-0001', 'disk-cleanup', new Date(), CLAIM_STALE_MS)).not.toBeNull();
  });

  it('status, cancel and approval of a request are 503, not 404 (the run may well exist)', async () => {
    const { app } = api(unreachableClient());
    apps.push(app);
    const id = 'self-reinstall-software-user-0002';
    for (const [method, url, who, body] of [
      ['GET', `/self-service/requests/${id}`, 'user-0002', undefined],
      ['POST', `/self-service/requests/${id}/cancel`, 'user-0002', undefined],
      ['POST', `/self-service/requests/${id}/approval`, 'asmith', { approve: true }],
    ] as const) {
      const r = await call(app, method, url, who, body);
      expect(r, `${method} ${url}`).toMatchObject({ status: 503, body: { error: 'unavailable' } });
      expect(r.headers['retry-after']).toBe('5');
    }
  });
});

describe('self-service against a live Temporal', () => {
  it('a start that fails is 503 and counts for nothing: the next request starts the run', async () => {
    let failures = 1;
    const unreachable = unreachableClient();
    const client = withWorkflowClient(env.client, {
      start: ((...args: Parameters<WorkflowClient['start']>) =>
        failures-- > 0 ? unreachable.workflow.start(...args) : env.client.workflow.start(...args)) as WorkflowClient['start'],
    });
    const { app, store } = api(client);
    try {
      expect(await cleanup(app, 'user-0003', 'LT-U0003')).toMatchObject({ status: 503, body: { error: 'unavailable' } });
      expect(await store.selfServiceStarts('user-0003', 'disk-cleanup', new Date(0))).toEqual([]);
      const second = await cleanup(app, 'user-0003', 'LT-U0003');
      expect(second).toMatchObject({ status: 202, body: { requestId: 'self-disk-cleanup-user-0003', status: 'started' } });
      expect((await env.client.workflow.getHandle('self-disk-cleanup-user-0003').describe()).status.name).toBe('RUNNING');
      expect(await store.selfServiceStarts('user-0003', 'disk-cleanup', new Date(0))).toHaveLength(1);
      expect((await auditOf(store, 'user-0003')).map((e) => e.outcome)).toEqual(['accepted']);
    } finally {
      await app.close();
    }
  });

  it('a run another API instance starts between the check and the start is a 409 naming it, not a second run or a 503', async () => {
    const id = 'self-disk-cleanup-user-0004';
    let rivalRunId: string | undefined;
    // The other instance (whose claim had gone stale) starts the run right after this one found none.
    const client = withWorkflowClient(env.client, {
      getHandle: ((workflowId: string, ...rest: unknown[]) => {
        const handle = env.client.workflow.getHandle(workflowId, ...(rest as []));
        if (workflowId !== id || rivalRunId) return handle;
        return {
          ...handle,
          describe: () =>
            handle.describe().finally(async () => {
              const rival = await env.client.workflow.start('diskCleanup', { workflowId: id, taskQueue: NO_WORKER, args: [{ rival: true }] });
              rivalRunId = rival.firstExecutionRunId;
            }),
        };
      }) as WorkflowClient['getHandle'],
    });
    const { app, store } = api(client);
    try {
      const r = await cleanup(app, 'user-0004', 'LT-U0004');
      expect(rivalRunId).toBeDefined();
      expect(r).toMatchObject({ status: 409, body: { error: 'already_running', requestId: id } });
      // Only the rival's run exists; this instance recorded no start of its own.
      let runs = 0;
      for await (const w of env.client.workflow.list({ query: `WorkflowId = '${id}'` })) {
        runs++;
        expect(w.runId).toBe(rivalRunId);
      }
      expect(runs).toBe(1);
      expect(await store.selfServiceStarts('user-0004', 'disk-cleanup', new Date(0))).toEqual([]);
      expect(await auditOf(store, 'user-0004')).toEqual([
        expect.objectContaining({ outcome: 'rejected', reason: 'already_running', details: { status: 409, requestId: id } }),
      ]);
    } finally {
      await app.close();
    }
  });

  it('a request that cannot get its turn (an identical one holds the claim) is 409 already_running, audited, and starts nothing', async () => {
    const { app, store } = api(env.client);
    try {
      const held = await store.claimSelfService('user-0005', 'disk-cleanup', new Date(), CLAIM_STALE_MS);
      expect(held).not.toBeNull();
      const r = await cleanup(app, 'user-0005', 'LT-U0005');
      expect(r).toMatchObject({ status: 409, body: { error: 'already_running', requestId: 'self-disk-cleanup-user-0005' } });
      await expect(env.client.workflow.getHandle('self-disk-cleanup-user-0005').describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      expect(await auditOf(store, 'user-0005')).toEqual([expect.objectContaining({ outcome: 'rejected', reason: 'already_running' })]);
      // Its own attempt did not take the claim over: the holder still has it.
      expect(await store.claimSelfService('user-0005', 'disk-cleanup', new Date(), CLAIM_STALE_MS)).toBeNull();
      await store.releaseSelfService('user-0005', 'disk-cleanup', held!);
      expect(await cleanup(app, 'user-0005', 'LT-U0005')).toMatchObject({ status: 202 });
    } finally {
      await app.close();
    }
  });

  it('the status of a running request whose worker does not answer is RUNNING without progress, not an error', async () => {
    const { app } = api(env.client);
    try {
      const started = await cleanup(app, 'user-0006', 'LT-U0006');
      expect(started.status).toBe(202);
      const status = await call(app, 'GET', `/self-service/requests/${started.body.requestId}`, 'user-0006');
      expect(status).toMatchObject({
        status: 200,
        body: { requestId: 'self-disk-cleanup-user-0006', automation: 'disk-cleanup', status: 'RUNNING', progress: null, outcome: null, summary: null },
      });
      // Someone else asking about it is told it does not exist.
      expect(await call(app, 'GET', `/self-service/requests/${started.body.requestId}`, 'user-0007')).toMatchObject({
        status: 404,
        body: { error: 'not_found' },
      });
    } finally {
      await app.close();
    }
  });
});
