import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ValidationError, zodIssues } from './domain/errors.js';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

const port = z.coerce.number().int().min(0).max(65535);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every setting comes from the environment; names follow Temporal's envconfig where they overlap. */
const Env = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('it-support'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RUN_WORKER: flag.default(true),
});

export interface Config {
  temporal: {
    /** Set: connect to this cluster. Unset: run the embedded dev server. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    apiKey: string | undefined;
    tls:
      | false
      | { clientCertPath?: string; clientKeyPath?: string; serverCaCertPath?: string; serverName?: string };
    cliPath: string | undefined;
    dev: { ip: string; port: number; uiPort: number; dbFile: string };
  };
  http: { host: string; port: number };
  dataDir: string;
  contentDir: string;
  mail: { from: string; smtpUrl: string | undefined };
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  runWorker: boolean;
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
  const dataDir = abs(e.DATA_DIR);
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
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
    mail: { from: e.MAIL_FROM, smtpUrl: e.SMTP_URL },
    logLevel: e.LOG_LEVEL,
    runWorker: e.RUN_WORKER,
  };
}

/** Address of the cluster, or of a dev server started elsewhere (e.g. by `npm start`). */
export function clusterAddress(config: Config): string {
  return config.temporal.address ?? `${config.temporal.dev.ip}:${config.temporal.dev.port}`;
}
