import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { buildAdapters } from './activities/adapters.js';
import type { SupportActivities } from './activities/index.js';
import { clusterAddress, loadConfig } from './config.js';
import { loadContent } from './content.js';
import { createLogger } from './logger.js';
import { connectWorker } from './stack/connection.js';
import { isMain } from './stack/isMain.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

/** Bundles the workflow code once (webpack, a few seconds); reuse the bundle for every worker. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
}

export interface SupportWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: SupportActivities;
  workflowBundle?: WorkflowBundleWithSourceMap;
}

export async function createSupportWorker(options: SupportWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
    // Lets running activities finish on shutdown before they are cancelled.
    shutdownGraceTime: '10 seconds',
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const content = await loadContent(config.contentDir);
  const { activities } = buildAdapters(config, content);
  const connection = await connectWorker(config.temporal, clusterAddress(config));
  const worker = await createSupportWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, activities });
  logger.info({ address: clusterAddress(config), taskQueue: config.temporal.taskQueue }, 'worker running');
  // The SDK shuts the worker down gracefully on SIGINT/SIGTERM (shutdownGraceTime lets activities finish).
  await worker.run();
  await connection.close();
  logger.info('worker stopped');
}

if (isMain(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
