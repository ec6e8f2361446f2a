import { join } from 'node:path';
import { z } from 'zod';
import { duration, durationMs, slice } from './settings.js';

export const permissionSettings = slice('Permissions', {
  GRANT_SIGNING_KEY: [
    z.string().min(32, 'use at least 32 characters').optional(),
    'HMAC key of permission grants (32+ characters); every worker and API host must share it',
    'generated once, in `DATA_DIR/grant-signing.key`',
  ],
  GRANT_TTL: [duration('10m').default('10m'), 'how long a grant is valid'],
  PERMISSION_BUDGET: [duration('3s').default('3s'), 'how long a permission check retries an unreachable directory before it denies'],
  DIRECTORY_RECHECK_EVERY: [duration('1m').default('1m'), 'how often workflows waiting out a directory outage check again'],
  DIRECTORY_GIVE_UP_AFTER: [duration('15m').default('15m'), 'when workflows waiting out a directory outage give up and hand the ticket to people'],
});

type PermissionEnv = z.infer<z.ZodObject<typeof permissionSettings.shape>>;

export function permissionConfig(e: PermissionEnv, dataDir: string) {
  return {
    grants: { key: e.GRANT_SIGNING_KEY, keyFile: join(dataDir, 'grant-signing.key'), ttlMs: durationMs(e.GRANT_TTL) },
    /** How long a permission check keeps retrying an unreachable directory before it denies. */
    permissionBudgetMs: durationMs(e.PERMISSION_BUDGET),
    /** What workflows do while the directory is unreachable: recheck this often, give up after. */
    directoryOutage: { recheckEveryMs: durationMs(e.DIRECTORY_RECHECK_EVERY), giveUpAfterMs: durationMs(e.DIRECTORY_GIVE_UP_AFTER) },
  };
}
