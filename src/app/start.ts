// `npm start`: Temporal (embedded dev server unless TEMPORAL_ADDRESS is set), worker and HTTP API.
import { describeEngineStore } from '../activities/records/open.js';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../stack/logger.js';
import { startStack } from './stack.js';
import { configuredTracing, installRuntime, tracingTarget } from '../stack/telemetry.js';

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
installRuntime(config, logger);
const tracing = configuredTracing(config);

const stack = await startStack(config, logger, { tracing }).catch((e: unknown) => {
  logger.fatal({ err: e }, 'could not start');
  process.exit(1);
});

console.log(
  [
    'IT-support engine is running',
    `  Temporal   ${stack.temporalAddress}${config.temporal.address ? ' (external cluster)' : ` (embedded dev server, data in ${config.temporal.dev.dbFile})`}`,
    stack.uiUrl ? `  Web UI     ${stack.uiUrl}` : null,
    `  HTTP API   ${stack.apiUrl}   (POST /webhooks/{jira,servicenow,zendesk}, GET /workflows/:id, GET /healthz)`,
    `  Webhooks   ${webhookMode()}`,
    `  Data       ${describeEngineStore(config)} (audit log, records, dead letters)`,
    config.runWorker
      ? `  Worker     task queue${config.temporal.workerQueues.length > 1 ? 's' : ''} ${config.temporal.workerQueues.map((q) => `"${q}"`).join(', ')}`
      : '  Worker     not started (RUN_WORKER=false)',
    `  Ops        GET /readyz, GET /metrics${config.runWorker && config.operations.workerMetricsAddress ? `; worker metrics http://${config.operations.workerMetricsAddress}/metrics` : ''}; tracing ${tracingTarget(config)}`,
    'Press Ctrl-C to stop.',
  ]
    .filter(Boolean)
    .join('\n'),
);

function webhookMode(): string {
  const sources = ['jira', 'servicenow', 'zendesk'] as const;
  const signed = sources.filter((s) => config.webhooks.secrets[s]);
  const unsigned = sources.filter((s) => !config.webhooks.secrets[s]);
  const parts = [signed.length ? `signature required: ${signed.join(', ')}` : null];
  if (unsigned.length)
    parts.push(
      config.webhooks.allowUnsigned
        ? `UNSIGNED accepted (development mode): ${unsigned.join(', ')}`
        : `refused until WEBHOOK_SECRET_* is set: ${unsigned.join(', ')}`,
    );
  return parts.filter(Boolean).join('; ');
}

// A terminal's Ctrl-C reaches npm, tsx and this process at once, and tsx relays it too: a repeat
// within a moment is the same key press. A later one means "stop now".
let stoppingSince: number | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stoppingSince !== null) {
      if (Date.now() - stoppingSince < 2000) return;
      console.log('second signal: exiting without waiting (running activities are retried by Temporal)');
      process.exit(130);
    }
    stoppingSince = Date.now();
    console.log(`\n${signal} received: stopping API, worker and Temporal...`);
    stack
      .stop()
      .then(() => tracing?.shutdown())
      .then(
        () => {
          console.log('stopped cleanly');
          process.exit(0);
        },
        (e: unknown) => {
          logger.error({ err: e }, 'unclean stop');
          process.exit(1);
        },
      );
  });
}
