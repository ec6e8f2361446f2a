import { join } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import { parseEncryptionKeys } from './encryption.js';
import { flag, port, slice, wholeNumber } from './settings.js';

// Names follow Temporal's envconfig where they overlap.
export const temporalSettings = slice('Temporal', {
  TEMPORAL_ADDRESS: [z.string().min(1).optional(), 'connect to this cluster instead of starting the embedded dev server'],
  TEMPORAL_NAMESPACE: [z.string().min(1).default('default'), 'namespace'],
  TEMPORAL_TASK_QUEUE: [z.string().min(1).default('it-support'), 'task queue of ticket workflows, and of every other capability unless set below'],
  TASK_QUEUE_TROUBLESHOOTING: [
    z.string().min(1).optional(),
    'task queue of guided troubleshooting sessions (separate worker pools scale apart)',
    '`TEMPORAL_TASK_QUEUE`',
  ],
  TASK_QUEUE_SELF_SERVICE: [z.string().min(1).optional(), 'task queue of self-service runs', '`TEMPORAL_TASK_QUEUE`'],
  TASK_QUEUE_DEFINITIONS: [z.string().min(1).optional(), 'task queue of workflow-definition runs', '`TEMPORAL_TASK_QUEUE`'],
  WORKER_TASK_QUEUES: [
    z
      .string()
      .regex(/^[^,\s]+(,[^,\s]+)*$/, 'queue names separated by commas, e.g. it-support,it-support-definitions')
      .optional(),
    "comma-separated queues this process's worker polls (one worker per queue)",
    'every queue above',
  ],
  WORKER_MAX_CACHED_WORKFLOWS: [
    wholeNumber('50', 1, 'a whole number of workflows').default(50),
    'workflows each worker keeps in its sticky cache; one that is not cached is replayed from its history when its next event comes (a few ms) instead of holding about 3.5 MB while it waits for people',
  ],
  TEMPORAL_API_KEY: [z.string().min(1).optional(), 'API key (Temporal Cloud); turns TLS on'],
  PAYLOAD_ENCRYPTION_KEYS: [
    z.string().min(1).optional(),
    '`id:base64key[,...]` (32-byte keys, the first encrypts, all decrypt): encrypt every Temporal payload (docs/encryption.md)',
  ],
  TEMPORAL_TLS: [flag.optional(), '`true`/`false`; on by default with an API key or certificates', 'auto'],
  TEMPORAL_TLS_CLIENT_CERT_PATH: [z.string().min(1).optional(), 'mTLS client certificate (with TEMPORAL_TLS_CLIENT_KEY_PATH, or neither)'],
  TEMPORAL_TLS_CLIENT_KEY_PATH: [z.string().min(1).optional(), 'mTLS client key'],
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: [z.string().min(1).optional(), 'CA certificate of the server'],
  TEMPORAL_TLS_SERVER_NAME: [z.string().min(1).optional(), 'server name override for TLS'],
  TEMPORAL_CLI_PATH: [z.string().min(1).optional(), 'the `temporal` binary of the embedded server (else `temporal` on PATH, then the project-local install)'],
  TEMPORAL_DEV_IP: [z.string().min(1).default('127.0.0.1'), 'address of the embedded dev server'],
  TEMPORAL_DEV_PORT: [port.default(7233), 'port of the embedded dev server'],
  TEMPORAL_DEV_UI_PORT: [port.default(8233), "port of the embedded dev server's Web UI"],
  TEMPORAL_UI_URL: [z.string().min(1).optional(), '`npm run api` only: Web UI base for links in responses'],
});

type TemporalEnv = z.infer<z.ZodObject<typeof temporalSettings.shape>>;

/** The task queue each capability's workflows run on. */
export interface TaskQueues {
  tickets: string;
  troubleshooting: string;
  selfService: string;
  definitions: string;
}

function queues(e: TemporalEnv): TaskQueues {
  const fallback = e.TEMPORAL_TASK_QUEUE;
  return {
    tickets: fallback,
    troubleshooting: e.TASK_QUEUE_TROUBLESHOOTING ?? fallback,
    selfService: e.TASK_QUEUE_SELF_SERVICE ?? fallback,
    definitions: e.TASK_QUEUE_DEFINITIONS ?? fallback,
  };
}

export function temporalConfig(e: TemporalEnv, dataDir: string) {
  const tlsFiles = e.TEMPORAL_TLS_CLIENT_CERT_PATH || e.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const useTls = e.TEMPORAL_TLS ?? Boolean(e.TEMPORAL_API_KEY || tlsFiles);
  if (Boolean(e.TEMPORAL_TLS_CLIENT_CERT_PATH) !== Boolean(e.TEMPORAL_TLS_CLIENT_KEY_PATH)) {
    throw new ValidationError('configuration (environment variables)', [
      { path: 'TEMPORAL_TLS_CLIENT_CERT_PATH', message: 'set both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH, or neither' },
    ]);
  }
  const tls: false | { clientCertPath?: string; clientKeyPath?: string; serverCaCertPath?: string; serverName?: string } = useTls
    ? {
        clientCertPath: e.TEMPORAL_TLS_CLIENT_CERT_PATH,
        clientKeyPath: e.TEMPORAL_TLS_CLIENT_KEY_PATH,
        serverCaCertPath: e.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
        serverName: e.TEMPORAL_TLS_SERVER_NAME,
      }
    : false;
  const all = queues(e);
  return {
    /** Set: connect to this cluster. Unset: run the embedded dev server. */
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    /** Ticket workflows (intake, reconciliation) and the default of the other capabilities. */
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    queues: all,
    /** The queues the worker of this process polls. */
    workerQueues: e.WORKER_TASK_QUEUES ? [...new Set(e.WORKER_TASK_QUEUES.split(','))] : [...new Set(Object.values(all))],
    maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    apiKey: e.TEMPORAL_API_KEY,
    /** Payload encryption keys, the first encrypting; null: payloads go to Temporal as JSON. */
    encryptionKeys: e.PAYLOAD_ENCRYPTION_KEYS ? parseEncryptionKeys(e.PAYLOAD_ENCRYPTION_KEYS) : null,
    tls,
    cliPath: e.TEMPORAL_CLI_PATH,
    dev: { ip: e.TEMPORAL_DEV_IP, port: e.TEMPORAL_DEV_PORT, uiPort: e.TEMPORAL_DEV_UI_PORT, dbFile: join(dataDir, 'temporal.db') },
    uiUrl: e.TEMPORAL_UI_URL,
  };
}
