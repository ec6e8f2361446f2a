import type { EngineStore } from './port.js';
import { PostgresEngineStore } from './postgresStore.js';
import { SqliteEngineStore } from './sqliteStore.js';

export interface EngineStoreSettings {
  /** A PostgreSQL URL: the store every host of a deployment shares. */
  databaseUrl?: string;
  databasePoolSize: number;
  /** The SQLite file of a one-host install, used when there is no databaseUrl. */
  storeFile: string;
}

/** Opens the configured engine store, its schema migrated to this version. */
export async function openEngineStore(settings: EngineStoreSettings): Promise<EngineStore> {
  if (settings.databaseUrl) return PostgresEngineStore.open(settings.databaseUrl, { poolSize: settings.databasePoolSize });
  return new SqliteEngineStore(settings.storeFile);
}

/** Where the store is, for start-up messages: never the URL's password. */
export function describeEngineStore(settings: EngineStoreSettings): string {
  if (!settings.databaseUrl) return `SQLite ${settings.storeFile}`;
  const url = new URL(settings.databaseUrl);
  return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
}
