import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { buildActivities, buildAdapters, type Adapters } from './adapters.js';
import { openEngineStore } from '../activities/records/open.js';
import { assertSafeDeployment } from '../config/deployment.js';
import { ensureConfiguredSchedules } from '../client/schedules.js';
import type { TicketSource } from '../domain/tickets/ticket.js';
import { buildApi, configuredApiOptions } from '../client/http/app.js';
import { PROJECT_ROOT, type Config } from '../config/index.js';
import { loadContent, type Content } from '../stack/content.js';
import type { Logger } from '../stack/logger.js';
import { engineActivityInterceptors } from '../activities/interceptors.js';
import { dataConverterFor } from '../stack/payloadCodec.js';
import { createSupportWorkers } from './supportWorker.js';
import { connectClient, connectWorker } from '../stack/connection.js';
import { startDevServer, type DevServer } from '../stack/devServer.js';
import { resolveTemporalCli } from '../stack/temporalCli.js';
import { tracedClient, type Tracing } from '../stack/telemetry.js';

export interface Stack {
  temporalAddress: string;
  /** Temporal Web UI, when the embedded dev server runs. */
  uiUrl: string | null;
  apiUrl: string;
  client: Client;
  content: Content;
  adapters: Adapters;
  stop(): Promise<void>;
}

/**
 * The whole engine in one process: the embedded Temporal dev server (unless TEMPORAL_ADDRESS
 * names a cluster), the worker and the HTTP API. Stops in reverse order.
 */
export async function startStack(config: Config, logger: Logger, options: { tracing?: Tracing | null } = {}): Promise<Stack> {
  const content = await loadContent(config.contentDir);
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse().splice(0)) {
      await cleanup().catch((e) => logger.error({ err: e }, 'error while stopping'));
    }
  };

  try {
    assertSafeDeployment(config);
    const store = await openEngineStore(config);
    cleanups.push(() => store.close());
    const adapters = buildAdapters(config, content, { store });
    let dev: DevServer | null = null;
    let address = config.temporal.address;
    if (!address) {
      const cli = resolveTemporalCli({ env: config.environment, projectRoot: PROJECT_ROOT });
      logger.info({ cli: cli.path ?? 'SDK download', source: cli.source }, 'starting Temporal dev server');
      dev = await startDevServer({
        cli,
        ...config.temporal.dev,
        namespace: config.temporal.namespace,
        onOutput: (line) => logger.debug({ component: 'temporal' }, line),
      });
      cleanups.push(() => dev!.stop());
      address = dev.address;
    }

    // With tracing on (OTEL_TRACING), every start and signal from the API and activities is traced.
    const client = tracedClient(await connectClient(config.temporal, address), options.tracing ?? null);
    cleanups.push(() => client.connection.close());

    if (config.runWorker) {
      const connection: NativeConnection = await connectWorker(config.temporal, address);
      cleanups.push(() => connection.close());
      const workers: Worker[] = await createSupportWorkers({
        connection,
        namespace: config.temporal.namespace,
        taskQueues: config.temporal.workerQueues,
        activities: buildActivities(adapters, content, { client, taskQueue: config.temporal.taskQueue, uiUrl: dev?.uiUrl, queues: config.temporal.queues }),
        activityInterceptors: engineActivityInterceptors({ store: adapters.store, redaction: content.redaction }),
        tracing: options.tracing?.worker,
        dataConverter: dataConverterFor(config.temporal.encryptionKeys),
        maxCachedWorkflows: config.temporal.maxCachedWorkflows,
      });
      for (const worker of workers) {
        const running = worker.run();
        running.catch((e) => logger.fatal({ err: e, taskQueue: worker.options.taskQueue }, 'worker stopped unexpectedly'));
        cleanups.push(async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running.catch(() => undefined);
        });
      }
    }

    await ensureConfiguredSchedules(client, config, Object.keys(adapters.reconciled) as TicketSource[]);
    const api = buildApi(
      configuredApiOptions(config, content, { client, store, logger, directory: adapters.directory, endpoints: adapters.endpointTool, uiUrl: dev?.uiUrl }),
    );
    const apiUrl = await api.listen({ host: config.http.host, port: config.http.port });
    cleanups.push(() => api.close());

    return { temporalAddress: address, uiUrl: dev?.uiUrl ?? null, apiUrl, client, content, adapters, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
