import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineSettings, flag, setting, wholeNumber } from './settings.js';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Relative folders are the project's. */
const folder = z
  .string()
  .min(1)
  .transform((p) => (isAbsolute(p) ? p : join(PROJECT_ROOT, p)));

export const storeSettings = defineSettings(
  'Data and content',
  {
    dataDir: setting(
      'DATA_DIR',
      folder.prefault('.data'),
      'data folder: `temporal.db` of the embedded server, `engine.db` (the engine store, without ENGINE_DATABASE_URL), the grant key',
    ),
    contentDir: setting('CONTENT_DIR', folder.prefault('content'), 'routing rules, trees, catalog, definitions, policy, directory'),
    databaseUrl: setting(
      'ENGINE_DATABASE_URL',
      z.url({ protocol: /^postgres(ql)?$/, error: 'a postgres:// or postgresql:// URL' }).optional(),
      'PostgreSQL engine database shared by every worker and API host (audit log, documents, effects, vault, dead letters, cursors, quotas); required against a cluster',
      { shownDefault: 'unset: SQLite in `DATA_DIR/engine.db`, one host only' },
    ),
    databasePoolSize: setting('ENGINE_DATABASE_POOL', wholeNumber('10', 1).prefault('10'), 'connections each process keeps to the engine database'),
    singleHost: setting(
      'ENGINE_SINGLE_HOST',
      flag.prefault('false'),
      'declares that this cluster has one engine host, so SQLite is allowed against an external TEMPORAL_ADDRESS',
    ),
  },
  {
    schema: (object) =>
      object.transform((s) => ({
        ...s,
        /** SQLite file of the engine store when no ENGINE_DATABASE_URL is set. */
        storeFile: join(s.dataDir, 'engine.db'),
      })),
  },
);
