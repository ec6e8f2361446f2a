import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { buildActivities, buildAdapters, type Adapters, type EngineActivities } from '../../src/app/adapters.js';
import { engineActivityInterceptors } from '../../src/activities/interceptors.js';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { loadContent, type Content } from '../../src/stack/content.js';
import { dynamicConfigArgs } from '../../src/stack/serverSettings.js';
import { resolveTemporalCli, sdkExecutable } from '../../src/stack/temporalCli.js';
import { bundleWorkflows } from '../../src/app/supportWorker.js';

let runtimeInstalled = false;

/** One real Temporal dev server per test file, started through the resolved CLI. */
export async function startTestServer(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const cli = resolveTemporalCli({ env: process.env, projectRoot: PROJECT_ROOT });
  return TestWorkflowEnvironment.createLocal({ server: testServerOptions(cli) });
}

/** The tests' dev server: the resolved CLI, with the dynamic config every engine server gets. */
export function testServerOptions(cli = resolveTemporalCli({ env: process.env, projectRoot: PROJECT_ROOT })) {
  return { executable: sdkExecutable(cli), log: { format: 'pretty' as const, level: 'warn' }, extraArgs: dynamicConfigArgs() };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows();
  return bundle;
}

export const TEST_GRANT_KEY = 'test-grant-signing-key-0123456789abcdef';

let content: Promise<Content> | undefined;
export function demoContent(): Promise<Content> {
  content ??= loadContent(`${PROJECT_ROOT}/content`);
  return content;
}

/** Demo adapters: in-memory directory and help desk, JSON mail transport, SQLite in memory. */
export async function demoAdapters(): Promise<Adapters> {
  return buildAdapters(
    {
      mail: { from: 'IT Service Desk <servicedesk@example.com>', smtpUrl: undefined, timeoutMs: 8_000 },
      helpdesks: {},
      grants: { key: TEST_GRANT_KEY, keyFile: '/nonexistent', ttlMs: 600_000 },
      permissionBudgetMs: 300,
    },
    await demoContent(),
    { store: new SqliteEngineStore(':memory:') },
  );
}

/** Runs `fn` with a worker on a fresh task queue, then shuts the worker down. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  adapters: Adapters,
  fn: (taskQueue: string) => Promise<T>,
  wrap: (activities: EngineActivities) => EngineActivities = (a) => a,
  /** A given queue lets a later worker take over the runs of an earlier one. */
  taskQueue = `test-${randomUUID()}`,
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: wrap(buildActivities(adapters, await demoContent(), { client: env.client, taskQueue })),
    workflowBundle: await workflowBundle(),
    interceptors: { activity: engineActivityInterceptors({ store: adapters.store, redaction: (await demoContent()).redaction }) },
  });
  return worker.runUntil(fn(taskQueue));
}

/**
 * A workflow history as searchable text: payload data (base64 in the history's JSON form) decoded
 * as UTF-8, so a check that a secret or a name is not in the history reads the actual inputs,
 * results and arguments.
 */
export function historyText(history: unknown): string {
  return JSON.stringify(history).replace(
    /"data":"([A-Za-z0-9+/=]*)"/g,
    (_m, b64: string) => `"data":${JSON.stringify(Buffer.from(b64, 'base64').toString('utf8'))}`,
  );
}
