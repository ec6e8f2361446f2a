import { fileURLToPath } from 'node:url';
import type { WorkerTracing } from '../stack/telemetry.js';
import type { DataConverter } from '@temporalio/common';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Worker,
  type ActivityInterceptorsFactory,
  type NativeConnection,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** Links each step of a resolution record to its activity (see src/workflows/interceptors.ts). */
export const WORKFLOW_INTERCEPTORS = fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url));

/**
 * Modules evaluated once per worker and shared by every workflow context (the SDK's
 * `preloadModules`) instead of once per workflow: zod, the largest, with src/workflows/zodDefaults.ts
 * setting its global defaults before the freeze. The SDK deep-freezes
 * what it shares, and zod 4 binds a schema's methods and memoizes its internals on the schema the
 * first time they are used, which a frozen schema refuses ("object is not extensible"). So modules
 * that hold schemas (all of src/domain's that would be worth sharing) stay per workflow; zod's own
 * exports survive freezing (test/unit/app/supportWorker.test.ts).
 */
export const PRELOADED_MODULES = ['zod', fileURLToPath(new URL('../workflows/zodDefaults.ts', import.meta.url))];

/** Bundles the workflow code once (webpack, a few seconds); reuse the bundle for every worker. */
export function bundleWorkflows(options: { workflowsPath?: string; interceptorModules?: string[] } = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: options.workflowsPath ?? WORKFLOWS_PATH,
    workflowInterceptorModules: [WORKFLOW_INTERCEPTORS, ...(options.interceptorModules ?? [])],
    preloadModules: PRELOADED_MODULES,
    logger: new DefaultLogger('WARN'),
  });
}

export interface SupportWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Activity interceptors, e.g. the audit log's (auditInterceptors in src/activities/auditInterceptor.ts). */
  activityInterceptors?: ActivityInterceptorsFactory[];
  /**
   * OpenTelemetry tracing (startTracing in src/stack/telemetry.ts): its activity interceptors run
   * first (the activity span encloses the others), its sink receives the workflow spans, and the
   * bundle made here includes its workflow interceptors. A `workflowBundle` passed in must have
   * been bundled with `tracing.workflowInterceptorModules` for workflow spans to appear.
   */
  tracing?: WorkerTracing | null;
  /** The payload codec (dataConverterFor in src/stack/payloadCodec.ts); the same as the clients'. */
  dataConverter?: DataConverter;
  /** The sticky cache's size (config.temporal.maxCachedWorkflows); unset: the SDK's default. */
  maxCachedWorkflows?: number;
}

/**
 * One worker per task queue, sharing the connection, the activities and one workflow bundle: a
 * process can serve several capabilities' queues (TEMPORAL_TASK_QUEUE, TASK_QUEUE_*), and a
 * deployment can give a capability its own pool by polling only its queue (WORKER_TASK_QUEUES).
 */
export async function createSupportWorkers(options: Omit<SupportWorkerOptions, 'taskQueue'> & { taskQueues: string[] }): Promise<Worker[]> {
  const workflowBundle = options.workflowBundle ?? (await bundleWorkflows({ interceptorModules: options.tracing?.workflowInterceptorModules }));
  return Promise.all(options.taskQueues.map((taskQueue) => createSupportWorker({ ...options, taskQueue, workflowBundle })));
}

export async function createSupportWorker(options: SupportWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    interceptors: { activity: [...(options.tracing?.activityInterceptors ?? []), ...(options.activityInterceptors ?? [])] },
    ...(options.tracing ? { sinks: options.tracing.sinks } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    workflowBundle: options.workflowBundle ?? (await bundleWorkflows({ interceptorModules: options.tracing?.workflowInterceptorModules })),
    // Lets running activities finish on shutdown before they are cancelled.
    shutdownGraceTime: '10 seconds',
  });
}
