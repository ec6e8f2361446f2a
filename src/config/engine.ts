import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { durationMs, flag, port, shortDuration, slice } from './settings.js';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const abs = (p: string) => (isAbsolute(p) ? p : join(PROJECT_ROOT, p));

export const engineSettings = slice('Engine process', {
  DATA_DIR: [
    z.string().min(1).default('.data'),
    'data folder: `temporal.db` of the embedded server, `engine.db` (audit log, documents, dead letters, cursors), the grant key',
  ],
  CONTENT_DIR: [z.string().min(1).default('content'), 'routing rules, trees, catalog, definitions, policy, directory'],
  HTTP_HOST: [z.string().min(1).default('127.0.0.1'), 'address of the HTTP API'],
  HTTP_PORT: [port.default(3000), 'port of the HTTP API'],
  LOG_LEVEL: [z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'pino level (`silent` … `trace`)'],
  RUN_WORKER: [flag.default(true), '`npm start` without its worker (for API-only nodes)'],
  ADMIN_API_TOKEN: [
    z.string().min(24, 'use at least 24 characters').optional(),
    'bearer token of the staff endpoints (24+ characters); unset: they answer 403',
  ],
  MAIL_FROM: [z.string().min(3).default('IT Service Desk <servicedesk@example.com>'), 'sender of e-mails'],
  SMTP_URL: [z.url().optional(), "send mail over SMTP (`smtp://user:pass@host:587`); unset: nodemailer's JSON transport, kept in memory (demo)"],
  SMTP_TIMEOUT: [
    shortDuration('8s').default('8s'),
    "the longest an SMTP connection, greeting or reply may take (nodemailer's own limits are minutes): below the worker's 10 s shutdown grace",
  ],
});

type EngineEnv = z.infer<z.ZodObject<typeof engineSettings.shape>>;

export function engineConfig(e: EngineEnv) {
  const dataDir = abs(e.DATA_DIR);
  return {
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    dataDir,
    contentDir: abs(e.CONTENT_DIR),
    /** timeoutMs (SMTP_TIMEOUT): the longest an SMTP connection, greeting or reply may take. */
    mail: { from: e.MAIL_FROM, smtpUrl: e.SMTP_URL, timeoutMs: durationMs(e.SMTP_TIMEOUT) },
    logLevel: e.LOG_LEVEL,
    runWorker: e.RUN_WORKER,
    /** SQLite file of the audit log, documents, dead letters and cursors. */
    storeFile: join(dataDir, 'engine.db'),
    adminToken: e.ADMIN_API_TOKEN,
  };
}
