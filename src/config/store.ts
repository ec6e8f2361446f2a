import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineSettings, setting } from './settings.js';

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
      'data folder: `temporal.db` of the embedded server, `engine.db` (audit log, documents, dead letters, cursors), the grant key',
    ),
    contentDir: setting('CONTENT_DIR', folder.prefault('content'), 'routing rules, trees, catalog, definitions, policy, directory'),
  },
  {
    schema: (object) =>
      object.transform((s) => ({
        ...s,
        /** SQLite file of the audit log, documents, dead letters and cursors. */
        storeFile: join(s.dataDir, 'engine.db'),
      })),
  },
);
