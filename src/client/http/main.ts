// `npm run api`: the HTTP API alone, for deployments that run API and workers separately.
import { clusterAddress, loadConfig } from '../../config.js';
import { loadContent } from '../../content.js';
import { createLogger } from '../../logger.js';
import { connectClient } from '../../stack/connection.js';
import { buildApi } from './app.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const content = await loadContent(config.contentDir);
const client = await connectClient(config.temporal, clusterAddress(config));
const api = buildApi({ client, taskQueue: config.temporal.taskQueue, routing: content.routing, logger, uiUrl: process.env.TEMPORAL_UI_URL });
await api.listen({ host: config.http.host, port: config.http.port });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void api.close().then(() => client.connection.close()).then(() => process.exit(0));
  });
}
