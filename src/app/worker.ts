// `npm run worker`: a worker alone, for deployments that scale workers apart from the API.
// It connects to TEMPORAL_ADDRESS (or the dev server `npm start` runs) and polls the task queue.
import { buildActivities, buildAdapters } from './adapters.js';
import { engineActivityInterceptors } from '../activities/interceptors.js';
import { openEngineStore } from '../activities/records/open.js';
import { assertSafeDeployment } from '../config/deployment.js';
import { clusterAddress, loadConfig } from '../config/index.js';
import { loadContent } from '../stack/content.js';
import { createLogger } from '../stack/logger.js';
import { connectClient, connectWorker } from '../stack/connection.js';
import { dataConverterFor } from '../stack/payloadCodec.js';
import { createSupportWorkers } from './supportWorker.js';
import { configuredTracing, installRuntime, tracedClient } from '../stack/telemetry.js';

const config = loadConfig(process.env);
assertSafeDeployment(config);
const logger = createLogger(config.logLevel);
installRuntime(config, logger);
const tracing = configuredTracing(config);
const content = await loadContent(config.contentDir);
const adapters = buildAdapters(config, content, { store: await openEngineStore(config) });
const client = tracedClient(await connectClient(config.temporal, clusterAddress(config)), tracing);
const connection = await connectWorker(config.temporal, clusterAddress(config));
const activities = buildActivities(adapters, content, { client, taskQueue: config.temporal.taskQueue, queues: config.temporal.queues });
const workers = await createSupportWorkers({
  connection,
  namespace: config.temporal.namespace,
  taskQueues: config.temporal.workerQueues,
  activities,
  activityInterceptors: engineActivityInterceptors({ store: adapters.store, redaction: content.redaction }),
  tracing: tracing?.worker,
  dataConverter: dataConverterFor(config.temporal.encryptionKeys),
  maxCachedWorkflows: config.temporal.maxCachedWorkflows,
});
logger.info({ address: clusterAddress(config), taskQueues: config.temporal.workerQueues }, 'worker running');
// The SDK shuts the workers down on SIGINT/SIGTERM; shutdownGraceTime lets running activities finish.
await Promise.all(workers.map((worker) => worker.run()));
await connection.close();
await client.connection.close();
await adapters.store.close();
await tracing?.shutdown();
logger.info('worker stopped');
