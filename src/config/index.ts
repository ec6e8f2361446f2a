import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ValidationError, zodIssues } from '../domain/errors.js';
import type { TicketSource } from '../domain/tickets/ticket.js';
import { ldapConfigFromEnv, type ResolvedLdapConfig } from '../activities/directory/ldap.js';
import { jwtSettingsFromEnv, type JwtSettings } from '../client/http/auth.js';
import { parseEncryptionKeys, type EncryptionKey } from '../stack/payloadCodec.js';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const port = z.coerce.number().int().min(0).max(65535);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every setting comes from the environment; names follow Temporal's envconfig where they overlap. */
const Env = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('it-support'),
  /** Task queues per capability (default TEMPORAL_TASK_QUEUE): separate worker pools scale apart. */
  TASK_QUEUE_TROUBLESHOOTING: z.string().min(1).optional(),
  TASK_QUEUE_SELF_SERVICE: z.string().min(1).optional(),
  TASK_QUEUE_DEFINITIONS: z.string().min(1).optional(),
  /** The queues this process's worker polls, comma-separated; default every configured queue. */
  WORKER_TASK_QUEUES: z
    .string()
    .regex(/^[^,\s]+(,[^,\s]+)*$/, 'queue names separated by commas, e.g. it-support,it-support-definitions')
    .optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** `id:base64key[,...]` (32-byte keys): encrypt every Temporal payload (src/stack/payloadCodec.ts). */
  PAYLOAD_ENCRYPTION_KEYS: z.string().min(1).optional(),
  TEMPORAL_TLS: flag.optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_DEV_IP: z.string().min(1).default('127.0.0.1'),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_DEV_UI_PORT: port.default(8233),
  DATA_DIR: z.string().min(1).default('.data'),
  CONTENT_DIR: z.string().min(1).default('content'),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(3000),
  MAIL_FROM: z.string().min(3).default('IT Service Desk <servicedesk@example.com>'),
  SMTP_URL: z.url().optional(),
  SMTP_TIMEOUT: z.string().regex(/^\d+(ms|[smhd])$/, 'a duration such as 8s or 500ms').default('8s'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RUN_WORKER: flag.default(true),
  WEBHOOK_SECRET_JIRA: z.string().min(16, 'use at least 16 characters').optional(),
  WEBHOOK_SECRET_SERVICENOW: z.string().min(16, 'use at least 16 characters').optional(),
  WEBHOOK_SECRET_ZENDESK: z.string().min(16, 'use at least 16 characters').optional(),
  ALLOW_UNSIGNED_WEBHOOKS: flag.optional(),
  WEBHOOK_REFUSALS_KEPT_PER_MINUTE: z.coerce.number({ error: 'a whole number, e.g. 60' }).int('a whole number, e.g. 60').min(1, 'at least 1').default(60),
  WEBHOOK_REFUSAL_KEPT_MAX_BYTES: z.coerce.number({ error: 'a number of bytes, e.g. 65536' }).int('a number of bytes, e.g. 65536').min(1024, 'at least 1024').default(65_536),
  DEAD_LETTER_RETENTION: z.string().regex(/^\d+[smhd]$/, 'a duration such as 30d').default('30d'),
  DEAD_LETTERS_MAX_PER_SOURCE: z.coerce.number({ error: 'a whole number, e.g. 10000' }).int('a whole number, e.g. 10000').min(1, 'at least 1').default(10_000),
  ADMIN_API_TOKEN: z.string().min(24, 'use at least 24 characters').optional(),
  /** Bearer token (or basic-auth password) Alertmanager sends to POST /webhooks/alertmanager; unset: that route answers 503. */
  ALERTMANAGER_TOKEN: z.string().min(24, 'use at least 24 characters').optional(),
  RECONCILE_EVERY: z.union([z.literal('off'), z.string().regex(/^\d+[smhd]$/, 'a duration such as 5m, or off')]).default('5m'),
  RECONCILE_OVERLAP: z.string().regex(/^\d+[smhd]$/, 'a duration such as 35m').default('35m'),
  RECONCILE_FIRST_LOOKBACK: z.string().regex(/^\d+[smhd]$/, 'a duration such as 24h').default('24h'),
  GRANT_SIGNING_KEY: z.string().min(32, 'use at least 32 characters').optional(),
  GRANT_TTL: z.string().regex(/^\d+[smhd]$/, 'a duration such as 10m').default('10m'),
  SELF_SERVICE_ADMIN_GROUPS: z.string().default('it-staff'),
  DIRECTORY_RECHECK_EVERY: z.string().regex(/^\d+[smhd]$/, 'a duration such as 1m').default('1m'),
  DIRECTORY_GIVE_UP_AFTER: z.string().regex(/^\d+[smhd]$/, 'a duration such as 15m').default('15m'),
  PERMISSION_BUDGET: z.string().regex(/^\d+[smhd]$/, 'a duration such as 3s').default('3s'),
  JIRA_BASE_URL: z.url().optional(),
  JIRA_EMAIL: z.string().min(3).optional(),
  JIRA_API_TOKEN: z.string().min(1).optional(),
  SERVICENOW_INSTANCE_URL: z.url().optional(),
  SERVICENOW_USER: z.string().min(1).optional(),
  SERVICENOW_PASSWORD: z.string().min(1).optional(),
  SERVICENOW_TOKEN: z.string().min(1).optional(),
  ZENDESK_BASE_URL: z.url().optional(),
  ZENDESK_EMAIL: z.string().min(3).optional(),
  ZENDESK_API_TOKEN: z.string().min(1).optional(),
  READINESS_TIMEOUT: z.string().regex(/^\d+(ms|[smhd])$/, 'a duration such as 2s or 500ms').default('2s'),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number({ error: 'a whole number of workflows, e.g. 50' }).int('a whole number of workflows, e.g. 50').min(1, 'at least 1').default(50),
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/, 'host:port to serve the worker metrics on, e.g. 127.0.0.1:9464 or 0.0.0.0:9464')
    .optional(),
  OTEL_TRACING: flag.default(false),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console']).default('otlp'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'an http(s) URL of the OTLP/HTTP collector, e.g. http://localhost:4318' }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('it-support-engine'),
});

/** The task queue each capability's workflows run on. */
export interface TaskQueues {
  tickets: string;
  troubleshooting: string;
  selfService: string;
  definitions: string;
}

function queues(e: z.infer<typeof Env>): TaskQueues {
  const fallback = e.TEMPORAL_TASK_QUEUE;
  return {
    tickets: fallback,
    troubleshooting: e.TASK_QUEUE_TROUBLESHOOTING ?? fallback,
    selfService: e.TASK_QUEUE_SELF_SERVICE ?? fallback,
    definitions: e.TASK_QUEUE_DEFINITIONS ?? fallback,
  };
}

export interface Config {
  temporal: {
    /** Set: connect to this cluster. Unset: run the embedded dev server. */
    address: string | undefined;
    namespace: string;
    /** Ticket workflows (intake, reconciliation) and the default of the other capabilities. */
    taskQueue: string;
    /** Where each capability's workflows are started. */
    queues: TaskQueues;
    /** The queues the worker of this process polls. */
    workerQueues: string[];
    /**
     * Workflows each worker keeps in its sticky cache (WORKER_MAX_CACHED_WORKFLOWS). Most of the
     * engine's open workflows wait for people (an answer, an approval) for minutes or days; one
     * that is not cached is replayed from its history when its next event comes, a few ms for
     * these short histories, instead of holding about 3.5 MB of worker memory while it waits.
     */
    maxCachedWorkflows: number;
    apiKey: string | undefined;
    /** Payload encryption keys, the first encrypting; null: payloads go to Temporal as JSON. */
    encryptionKeys: EncryptionKey[] | null;
    tls:
      | false
      | { clientCertPath?: string; clientKeyPath?: string; serverCaCertPath?: string; serverName?: string };
    cliPath: string | undefined;
    dev: { ip: string; port: number; uiPort: number; dbFile: string };
  };
  http: { host: string; port: number };
  dataDir: string;
  contentDir: string;
  /** timeoutMs (SMTP_TIMEOUT): the longest an SMTP connection, greeting or reply may take, below the worker's 10 s shutdown grace. */
  mail: { from: string; smtpUrl: string | undefined; timeoutMs: number };
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  runWorker: boolean;
  /** SQLite file of the audit log, dead letters and cursors. */
  storeFile: string;
  webhooks: {
    secrets: Partial<Record<TicketSource, string>>;
    /** Accept deliveries from sources without a configured secret (local development only). */
    allowUnsigned: boolean;
    /** What refusals no signature proved may store, per source (src/domain/sources/floodGuard.ts). */
    floodPolicy: { keepPerMinute: number; keepMaxBytes: number };
    /** Dead letters kept at most this long, and at most this many per source. */
    deadLetterRetention: { maxAgeMs: number; maxPerSource: number };
  };
  adminToken: string | undefined;
  /** Prometheus Alertmanager webhooks (docs/alertmanager.md): its token; unset turns the intake off (503). */
  alertmanager: { token: string | undefined };
  grants: {
    /** HMAC key of permission grants; unset: a key generated once and kept in DATA_DIR. */
    key: string | undefined;
    keyFile: string;
    ttlMs: number;
  };
  /** How long a permission check keeps retrying an unreachable directory before it denies. */
  permissionBudgetMs: number;
  /** What workflows do while the directory is unreachable: recheck this often, give up after. */
  directoryOutage: { recheckEveryMs: number; giveUpAfterMs: number };
  /** LDAP / Active Directory (LDAP_* variables); unset: the demo directory in content/directory.yaml. */
  ldap: ResolvedLdapConfig | undefined;
  /** Self-service bearer tokens (SELF_SERVICE_JWT_* / SELF_SERVICE_JWKS_URL); unset: self-service is off. */
  selfService: { jwt: JwtSettings | undefined; adminGroups: string[] };
  reconcile: { everyMs: number | null; overlapMs: number; firstLookbackMs: number };
  /** Readiness, metrics and tracing (see docs/operations.md). */
  operations: {
    /** How long GET /readyz waits for each dependency (READINESS_TIMEOUT). */
    readinessTimeoutMs: number;
    /** Serve the SDK's worker metrics (Prometheus) on this host:port (WORKER_METRICS_ADDRESS); unset: off. */
    workerMetricsAddress: string | undefined;
    /**
     * OpenTelemetry tracing through the SDK's interceptors (OTEL_TRACING); false: off. The OTLP/HTTP
     * exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318) and the other
     * standard OTEL_EXPORTER_OTLP_* variables itself; `console` prints spans instead.
     */
    tracing: false | { exporter: 'otlp' | 'console'; serviceName: string; endpoint: string | undefined };
  };
  helpdesks: {
    jira?: { baseUrl: string; email: string; apiToken: string };
    servicenow?: { instanceUrl: string; user?: string; password?: string; token?: string };
    zendesk?: { baseUrl: string; email: string; apiToken: string };
  };
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export function durationMs(text: string): number {
  if (text.endsWith('ms')) return Number(text.slice(0, -2));
  return Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS];
}

function requireAll(prefix: string, values: Record<string, string | undefined>): boolean {
  const set = Object.entries(values).filter(([, v]) => v !== undefined);
  if (set.length === 0) return false;
  if (set.length < Object.keys(values).length) {
    const missing = Object.keys(values).filter((k) => values[k] === undefined);
    throw new ValidationError('configuration (environment variables)', missing.map((k) => ({ path: k, message: `required when other ${prefix}_* variables are set` })));
  }
  return true;
}

const abs = (p: string) => (isAbsolute(p) ? p : join(PROJECT_ROOT, p));

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ValidationError('configuration (environment variables)', zodIssues(parsed.error));
  const e = parsed.data;
  const tlsFiles = e.TEMPORAL_TLS_CLIENT_CERT_PATH || e.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const useTls = e.TEMPORAL_TLS ?? Boolean(e.TEMPORAL_API_KEY || tlsFiles);
  if (Boolean(e.TEMPORAL_TLS_CLIENT_CERT_PATH) !== Boolean(e.TEMPORAL_TLS_CLIENT_KEY_PATH)) {
    throw new ValidationError('configuration (environment variables)', [
      { path: 'TEMPORAL_TLS_CLIENT_CERT_PATH', message: 'set both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH, or neither' },
    ]);
  }
  if (e.SERVICENOW_INSTANCE_URL && !e.SERVICENOW_TOKEN && !(e.SERVICENOW_USER && e.SERVICENOW_PASSWORD)) {
    throw new ValidationError('configuration (environment variables)', [
      { path: 'SERVICENOW_TOKEN', message: 'set SERVICENOW_TOKEN, or SERVICENOW_USER and SERVICENOW_PASSWORD, with SERVICENOW_INSTANCE_URL' },
    ]);
  }
  const dataDir = abs(e.DATA_DIR);
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      queues: queues(e),
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      workerQueues: e.WORKER_TASK_QUEUES ? [...new Set(e.WORKER_TASK_QUEUES.split(','))] : [...new Set(Object.values(queues(e)))],
      apiKey: e.TEMPORAL_API_KEY,
      encryptionKeys: e.PAYLOAD_ENCRYPTION_KEYS ? parseEncryptionKeys(e.PAYLOAD_ENCRYPTION_KEYS) : null,
      tls: useTls
        ? {
            clientCertPath: e.TEMPORAL_TLS_CLIENT_CERT_PATH,
            clientKeyPath: e.TEMPORAL_TLS_CLIENT_KEY_PATH,
            serverCaCertPath: e.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
            serverName: e.TEMPORAL_TLS_SERVER_NAME,
          }
        : false,
      cliPath: e.TEMPORAL_CLI_PATH,
      dev: { ip: e.TEMPORAL_DEV_IP, port: e.TEMPORAL_DEV_PORT, uiPort: e.TEMPORAL_DEV_UI_PORT, dbFile: join(dataDir, 'temporal.db') },
    },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    dataDir,
    contentDir: abs(e.CONTENT_DIR),
    mail: { from: e.MAIL_FROM, smtpUrl: e.SMTP_URL, timeoutMs: durationMs(e.SMTP_TIMEOUT) },
    logLevel: e.LOG_LEVEL,
    runWorker: e.RUN_WORKER,
    storeFile: join(dataDir, 'engine.db'),
    webhooks: {
      secrets: { jira: e.WEBHOOK_SECRET_JIRA, servicenow: e.WEBHOOK_SECRET_SERVICENOW, zendesk: e.WEBHOOK_SECRET_ZENDESK },
      // Unsigned deliveries are a local-development convenience: never with a real cluster.
      allowUnsigned: e.ALLOW_UNSIGNED_WEBHOOKS ?? !e.TEMPORAL_ADDRESS,
      floodPolicy: { keepPerMinute: e.WEBHOOK_REFUSALS_KEPT_PER_MINUTE, keepMaxBytes: e.WEBHOOK_REFUSAL_KEPT_MAX_BYTES },
      deadLetterRetention: { maxAgeMs: durationMs(e.DEAD_LETTER_RETENTION), maxPerSource: e.DEAD_LETTERS_MAX_PER_SOURCE },
    },
    adminToken: e.ADMIN_API_TOKEN,
    alertmanager: { token: e.ALERTMANAGER_TOKEN },
    grants: { key: e.GRANT_SIGNING_KEY, keyFile: join(dataDir, 'grant-signing.key'), ttlMs: durationMs(e.GRANT_TTL) },
    permissionBudgetMs: durationMs(e.PERMISSION_BUDGET),
    ldap: ldapConfigFromEnv(env),
    selfService: { jwt: jwtSettingsFromEnv(env), adminGroups: e.SELF_SERVICE_ADMIN_GROUPS.split(',').map((g) => g.trim()).filter(Boolean) },
    directoryOutage: { recheckEveryMs: durationMs(e.DIRECTORY_RECHECK_EVERY), giveUpAfterMs: durationMs(e.DIRECTORY_GIVE_UP_AFTER) },
    reconcile: {
      everyMs: e.RECONCILE_EVERY === 'off' ? null : durationMs(e.RECONCILE_EVERY),
      overlapMs: durationMs(e.RECONCILE_OVERLAP),
      firstLookbackMs: durationMs(e.RECONCILE_FIRST_LOOKBACK),
    },
    operations: {
      readinessTimeoutMs: durationMs(e.READINESS_TIMEOUT),
      workerMetricsAddress: e.WORKER_METRICS_ADDRESS,
      tracing: e.OTEL_TRACING ? { exporter: e.OTEL_TRACES_EXPORTER, serviceName: e.OTEL_SERVICE_NAME, endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT } : false,
    },
    helpdesks: {
      jira: requireAll('JIRA', { JIRA_BASE_URL: e.JIRA_BASE_URL, JIRA_EMAIL: e.JIRA_EMAIL, JIRA_API_TOKEN: e.JIRA_API_TOKEN })
        ? { baseUrl: e.JIRA_BASE_URL!, email: e.JIRA_EMAIL!, apiToken: e.JIRA_API_TOKEN! }
        : undefined,
      servicenow: e.SERVICENOW_INSTANCE_URL
        ? { instanceUrl: e.SERVICENOW_INSTANCE_URL, user: e.SERVICENOW_USER, password: e.SERVICENOW_PASSWORD, token: e.SERVICENOW_TOKEN }
        : undefined,
      zendesk: requireAll('ZENDESK', { ZENDESK_BASE_URL: e.ZENDESK_BASE_URL, ZENDESK_EMAIL: e.ZENDESK_EMAIL, ZENDESK_API_TOKEN: e.ZENDESK_API_TOKEN })
        ? { baseUrl: e.ZENDESK_BASE_URL!, email: e.ZENDESK_EMAIL!, apiToken: e.ZENDESK_API_TOKEN! }
        : undefined,
    },
  };
}

/** Address of the cluster, or of a dev server started elsewhere (e.g. by `npm start`). */
export function clusterAddress(config: Config): string {
  return config.temporal.address ?? `${config.temporal.dev.ip}:${config.temporal.dev.port}`;
}
