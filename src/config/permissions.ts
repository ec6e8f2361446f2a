import { z } from 'zod';
import { defineSettings, duration, setting } from './settings.js';

// The grant key file lives in the data folder (loadConfig adds grants.keyFile).
export const permissionSettings = defineSettings('Permissions', {
  grants: {
    key: setting(
      'GRANT_SIGNING_KEY',
      z.string().min(32, 'use at least 32 characters').optional(),
      'HMAC key of permission grants (32+ characters); every worker and API host must share it',
      { shownDefault: 'generated once, in `DATA_DIR/grant-signing.key`' },
    ),
    ttlMs: setting('GRANT_TTL', duration('10m').prefault('10m'), 'how long a grant is valid'),
  },
  /** How long a permission check keeps retrying an unreachable directory before it denies. */
  permissionBudgetMs: setting(
    'PERMISSION_BUDGET',
    duration('3s').prefault('3s'),
    'how long a permission check retries an unreachable directory before it denies',
  ),
  /** What workflows do while the directory is unreachable: recheck this often, give up after. */
  directoryOutage: {
    recheckEveryMs: setting('DIRECTORY_RECHECK_EVERY', duration('1m').prefault('1m'), 'how often workflows waiting out a directory outage check again'),
    giveUpAfterMs: setting(
      'DIRECTORY_GIVE_UP_AFTER',
      duration('15m').prefault('15m'),
      'when workflows waiting out a directory outage give up and hand the ticket to people',
    ),
  },
});
