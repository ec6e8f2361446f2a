import { z } from 'zod';
import { ALWAYS } from '../domain/errors.js';
import { defineSettings, flag, port, setting, wholeNumber } from './settings.js';

/** The task queue each capability's workflows run on. */
export interface TaskQueues {
  tickets: string;
  troubleshooting: string;
  selfService: string;
  definitions: string;
}

const name = z.string().min(1);
const queueList = z
  .string()
  .regex(/^[^,\s]+(,[^,\s]+)*$/, 'queue names separated by commas, e.g. it-support,it-support-definitions')
  .transform((text) => [...new Set(text.split(','))]);

// Names follow Temporal's envconfig where they overlap. The data folder of the embedded server's
// database is the store slice's (loadConfig adds dev.dbFile).
export const temporalSettings = defineSettings(
  'Temporal',
  {
    /** Set: connect to this cluster. Unset: run the embedded dev server. */
    address: setting('TEMPORAL_ADDRESS', name.optional(), 'connect to this cluster instead of starting the embedded dev server'),
    namespace: setting('TEMPORAL_NAMESPACE', name.default('default'), 'namespace'),
    /** Ticket workflows (intake, reconciliation) and the default of the other capabilities. */
    taskQueue: setting('TEMPORAL_TASK_QUEUE', name.default('it-support'), 'task queue of ticket workflows, and of every other capability unless set below'),
    queues: {
      troubleshooting: setting(
        'TASK_QUEUE_TROUBLESHOOTING',
        name.optional(),
        'task queue of guided troubleshooting sessions (separate worker pools scale apart)',
        { shownDefault: '`TEMPORAL_TASK_QUEUE`' },
      ),
      selfService: setting('TASK_QUEUE_SELF_SERVICE', name.optional(), 'task queue of self-service runs', { shownDefault: '`TEMPORAL_TASK_QUEUE`' }),
      definitions: setting('TASK_QUEUE_DEFINITIONS', name.optional(), 'task queue of workflow-definition runs', { shownDefault: '`TEMPORAL_TASK_QUEUE`' }),
    },
    /** The queues the worker of this process polls. */
    workerQueues: setting('WORKER_TASK_QUEUES', queueList.optional(), "comma-separated queues this process's worker polls (one worker per queue)", {
      shownDefault: 'every queue above',
    }),
    maxCachedWorkflows: setting(
      'WORKER_MAX_CACHED_WORKFLOWS',
      wholeNumber('50', 1, 'a whole number of workflows').default(50),
      'workflows each worker keeps in its sticky cache; one that is not cached is replayed from its history when its next event comes (a few ms) instead of holding about 3.5 MB while it waits for people',
    ),
    apiKey: setting('TEMPORAL_API_KEY', name.optional(), 'API key (Temporal Cloud); turns TLS on'),
    tls: {
      enabled: setting('TEMPORAL_TLS', flag.optional(), '`true`/`false`; on by default with an API key or certificates', { shownDefault: 'auto' }),
      clientCertPath: setting('TEMPORAL_TLS_CLIENT_CERT_PATH', name.optional(), 'mTLS client certificate (with TEMPORAL_TLS_CLIENT_KEY_PATH, or neither)'),
      clientKeyPath: setting('TEMPORAL_TLS_CLIENT_KEY_PATH', name.optional(), 'mTLS client key'),
      serverCaCertPath: setting('TEMPORAL_TLS_SERVER_CA_CERT_PATH', name.optional(), 'CA certificate of the server'),
      serverName: setting('TEMPORAL_TLS_SERVER_NAME', name.optional(), 'server name override for TLS'),
    },
    cliPath: setting(
      'TEMPORAL_CLI_PATH',
      name.optional(),
      'the `temporal` binary of the embedded server (else `temporal` on PATH, then the project-local install)',
    ),
    dev: {
      ip: setting('TEMPORAL_DEV_IP', name.default('127.0.0.1'), 'address of the embedded dev server'),
      port: setting('TEMPORAL_DEV_PORT', port.default(7233), 'port of the embedded dev server'),
      uiPort: setting('TEMPORAL_DEV_UI_PORT', port.default(8233), "port of the embedded dev server's Web UI"),
    },
    uiUrl: setting('TEMPORAL_UI_URL', name.optional(), '`npm run api` only: Web UI base for links in responses'),
  },
  {
    schema: (object, nameOf) =>
      object
        .superRefine(({ tls }, ctx) => {
          if (Boolean(tls?.clientCertPath) !== Boolean(tls?.clientKeyPath)) {
            ctx.addIssue({
              code: 'custom',
              path: ['tls', 'clientCertPath'],
              message: `set both ${nameOf('tls.clientCertPath')} and ${nameOf('tls.clientKeyPath')}, or neither`,
            });
          }
        }, ALWAYS)
        .transform(({ queues, workerQueues, tls: { enabled, ...files }, ...rest }) => {
          const all: TaskQueues = {
            tickets: rest.taskQueue,
            troubleshooting: queues.troubleshooting ?? rest.taskQueue,
            selfService: queues.selfService ?? rest.taskQueue,
            definitions: queues.definitions ?? rest.taskQueue,
          };
          const tls: false | typeof files = (enabled ?? Boolean(rest.apiKey || files.clientCertPath || files.serverCaCertPath)) ? files : false;
          return { ...rest, queues: all, workerQueues: workerQueues ?? [...new Set(Object.values(all))], tls };
        }),
  },
);
