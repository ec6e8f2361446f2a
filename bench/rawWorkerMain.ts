// The raw worker as a process of its own (bench/workflows/raw.ts, no-op activities, the engine's
// cache bound): what a plain SDK worker holds per open workflow, beside the engine's worker.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { clusterAddress, loadConfig } from '../src/config/index.js';
import { connectWorker } from '../src/stack/connection.js';

const config = loadConfig(process.env);
const connection = await connectWorker(config.temporal, clusterAddress(config));
const worker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  workflowBundle: await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./workflows/raw.ts', import.meta.url)), logger: new DefaultLogger('WARN') }),
  activities: { noop: async () => undefined },
  maxCachedWorkflows: config.temporal.maxCachedWorkflows,
});
await worker.run();
await connection.close();
