import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { buildAdapters, type Adapters } from '../../src/activities/adapters.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadContent } from '../../src/content.js';
import { resolveTemporalCli, sdkExecutable } from '../../src/stack/temporalCli.js';
import { bundleWorkflows } from '../../src/stack/supportWorker.js';

let runtimeInstalled = false;

/** One real Temporal dev server per test file, started through the resolved CLI. */
export async function startTestServer(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const cli = resolveTemporalCli({ projectRoot: PROJECT_ROOT });
  return TestWorkflowEnvironment.createLocal({ server: { executable: sdkExecutable(cli), log: { format: 'pretty', level: 'warn' } } });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows();
  return bundle;
}

export async function demoAdapters(): Promise<Adapters> {
  const content = await loadContent(`${PROJECT_ROOT}/content`);
  return buildAdapters({ mail: { from: 'IT Service Desk <servicedesk@example.com>', smtpUrl: undefined } }, content);
}

/** Runs `fn` with a worker on a fresh task queue, then shuts the worker down. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  adapters: Adapters,
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: adapters.activities,
    workflowBundle: await workflowBundle(),
  });
  return worker.runUntil(fn(taskQueue));
}
