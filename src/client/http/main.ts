// `npm run api`: the HTTP API alone, for deployments that run API and workers separately.
import { EngineStore } from '../../activities/records/store.js';
import { clusterAddress, loadConfig } from '../../config.js';
import { loadContent } from '../../content.js';
import { createLogger } from '../../logger.js';
import { connectClient } from '../../stack/connection.js';
import { ensureReconcileSchedule } from '../schedules.js';
import { buildApi } from './app.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const content = await loadContent(config.contentDir);
const client = await connectClient(config.temporal, clusterAddress(config));
const store = new EngineStore(config.storeFile);
const configured = (['jira', 'servicenow', 'zendesk'] as const).filter((s) => config.helpdesks[s]);
if (config.reconcile.everyMs !== null && configured.length > 0) {
  await ensureReconcileSchedule(client, {
    taskQueue: config.temporal.taskQueue,
    everyMs: config.reconcile.everyMs,
    sources: configured,
    overlapMs: config.reconcile.overlapMs,
    firstLookbackMs: config.reconcile.firstLookbackMs,
  });
}
const api = buildApi({
  client,
  taskQueue: config.temporal.taskQueue,
  routing: content.routing,
  store,
  logger,
  webhooks: config.webhooks,
  adminToken: config.adminToken,
  uiUrl: process.env.TEMPORAL_UI_URL,
  jira: { requestTypeField: content.helpdesks.jira.requestTypeField },
});
await api.listen({ host: config.http.host, port: config.http.port });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void api.close().then(() => client.connection.close()).then(() => { store.close(); process.exit(0); });
  });
}
