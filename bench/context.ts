// The one embedded stack every phase of the bench uses (Temporal dev server, worker, HTTP API),
// configured like the demo: signed webhooks of the three help desks, a staff token, self-service
// JWTs. Its content is the shipped one plus generated users with laptops for the load figures.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, PROJECT_ROOT, type Config } from '../src/config/index.js';
import { loadContent, type Content } from '../src/stack/content.js';
import { helpdeskSignatureHeaders } from '../src/domain/sources/signatures.js';
import type { TicketSource } from '../src/domain/tickets/ticket.js';
import { createLogger } from '../src/stack/logger.js';
import { isolatedStackEnv } from '../src/stack/ports.js';
import { startStack, type Stack } from '../src/app/stack.js';
import { contentWithUsers, jwtEnv } from '../test/helpers/selfService.js';
import { startRawLimit, type RawLimit } from './raw.js';
import type { Figure } from './report.js';
import type { BenchSettings } from './settings.js';

export interface BenchContext {
  settings: BenchSettings;
  stack: Stack;
  config: Config;
  /** The content as shipped (content/): intake routing, permission policy, redaction. */
  shipped: Content;
  secrets: Record<TicketSource, string>;
  adminToken: string;
  /** Generated users user-0001 ... with laptops LT-U0001 ...: the self-service load uses the first ones. */
  users: number;
  /** The first generated user no load phase uses (the demo scenarios' self-service requests start here). */
  firstFreeUser: number;
  /** The raw Temporal limit: workflows of the same shapes on a plain worker (bench/raw.ts). */
  raw: RawLimit;
  figures: Figure[];
  log(message: string): void;
}

export const userId = (i: number) => `user-${String(i).padStart(4, '0')}`;
export const deviceOf = (i: number) => `LT-U${String(i).padStart(4, '0')}`;

/** Headers of a delivery as each help desk signs it. */
export function signedHeaders(secrets: Record<TicketSource, string>, source: TicketSource, raw: string): Record<string, string> {
  return { 'content-type': 'application/json', ...helpdeskSignatureHeaders(source, raw, secrets[source], new Date()) };
}

export async function startBenchContext(settings: BenchSettings, log: (message: string) => void): Promise<{ ctx: BenchContext; stop: () => Promise<void> }> {
  const selfServiceUsers = Math.max(...settings.selfService);
  const users = selfServiceUsers + 2 * settings.demoReps + 2;
  const contentDir = contentWithUsers(users);
  const dataDir = mkdtempSync(join(tmpdir(), 'itse-bench-'));
  const secrets = { jira: randomBytes(24).toString('hex'), servicenow: randomBytes(24).toString('hex'), zendesk: randomBytes(24).toString('hex') };
  const adminToken = randomBytes(24).toString('hex');
  const config = loadConfig({
    ...(await isolatedStackEnv(dataDir, process.env)),
    ...jwtEnv,
    CONTENT_DIR: contentDir,
    RECONCILE_EVERY: 'off',
    WEBHOOK_SECRET_JIRA: secrets.jira,
    WEBHOOK_SECRET_SERVICENOW: secrets.servicenow,
    WEBHOOK_SECRET_ZENDESK: secrets.zendesk,
    ALLOW_UNSIGNED_WEBHOOKS: 'false',
    ADMIN_API_TOKEN: adminToken,
  });
  const cleanup = () => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(contentDir, { recursive: true, force: true });
  };
  let stack: Stack;
  try {
    const t = performance.now();
    stack = await startStack(config, createLogger('silent'));
    log(`embedded stack up in ${((performance.now() - t) / 1000).toFixed(1)} s: Temporal ${stack.temporalAddress}, API ${stack.apiUrl}`);
  } catch (e) {
    cleanup();
    throw e;
  }
  const shipped = await loadContent(join(PROJECT_ROOT, 'content'));
  const partial = { settings, stack, config, shipped, secrets, adminToken, users, firstFreeUser: selfServiceUsers + 1, figures: [], log };
  const raw = await startRawLimit(partial);
  const ctx: BenchContext = { ...partial, raw };
  return {
    ctx,
    stop: async () => {
      await raw.stop();
      await stack.stop();
      cleanup();
    },
  };
}
