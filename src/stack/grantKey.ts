import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config/index.js';

/**
 * The grant signing key: GRANT_SIGNING_KEY, or one generated on first start and kept (mode 0600)
 * in the data folder, so grants issued before a restart still verify after it. Several workers
 * on different hosts must share GRANT_SIGNING_KEY.
 */
export function resolveGrantKey(config: Pick<Config, 'grants'>): string {
  if (config.grants.key) return config.grants.key;
  try {
    return readFileSync(config.grants.keyFile, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const key = randomBytes(32).toString('hex');
  mkdirSync(dirname(config.grants.keyFile), { recursive: true });
  // 'wx': never overwrite a key another process wrote meanwhile.
  try {
    writeFileSync(config.grants.keyFile, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readFileSync(config.grants.keyFile, 'utf8').trim();
  }
}
