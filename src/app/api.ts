// `npm run api`: the HTTP API alone, for deployments that run API and workers separately.
import { createAssetTool, createDirectory, endpointsOwnedBy } from './adapters.js';
import { MemoryAssets } from '../activities/assets/memory.js';
import { SimulatedFleet } from '../activities/endpoints/memory.js';
import { openEngineStore } from '../activities/records/open.js';
import { assertSafeDeployment } from '../config/deployment.js';
import { clusterAddress, loadConfig } from '../config/index.js';
import { loadContent } from '../stack/content.js';
import { createLogger } from '../stack/logger.js';
import { connectClient } from '../stack/connection.js';
import { configuredTracing, tracedClient } from '../stack/telemetry.js';
import { ensureConfiguredSchedules } from '../client/schedules.js';
import { buildApi, configuredApiOptions } from '../client/http/app.js';

const config = loadConfig(process.env);
assertSafeDeployment(config);
const logger = createLogger(config.logLevel);
const content = await loadContent(config.contentDir);
const tracing = configuredTracing(config);
// With OTEL_TRACING=true every start and signal of this API is traced, like in `npm start`.
const client = tracedClient(await connectClient(config.temporal, clusterAddress(config)), tracing);
const store = await openEngineStore(config);
// Reconcile the help desks that have REST credentials here.
await ensureConfiguredSchedules(
  client,
  config,
  (['jira', 'servicenow', 'zendesk'] as const).filter((s) => config.helpdesks[s]),
);
// Self-service lists a caller's devices: with Snipe-IT, who holds one is read there.
const fleet = new SimulatedFleet(content.fleet);
const api = buildApi(
  configuredApiOptions(config, content, {
    client,
    store,
    logger,
    directory: createDirectory(config, content),
    endpoints: endpointsOwnedBy(createAssetTool(config, new MemoryAssets(fleet)), fleet),
    uiUrl: config.temporal.uiUrl,
  }),
);
await api.listen({ host: config.http.host, port: config.http.port });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void api
      .close()
      .then(() => client.connection.close())
      .then(() => tracing?.shutdown())
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
