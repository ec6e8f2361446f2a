import type { Client } from '@temporalio/client';
import { openEngineStore } from '../../activities/records/open.js';
import type { EngineStore } from '../../activities/records/port.js';
import { clusterAddress, loadConfig, type Config } from '../../config/index.js';
import { connectClient } from '../../stack/connection.js';
import type { CliIo } from './io.js';

/** Connects a Temporal client for the configured cluster, runs fn, and always closes the connection. */
export async function connected<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(config.temporal, clusterAddress(config));
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

/** Opens the engine store (ENGINE_DATABASE_URL, else DATA_DIR/engine.db), runs fn, and always closes it. */
export async function opened<T>(config: Config, fn: (store: EngineStore) => Promise<T>): Promise<T> {
  const store = await openEngineStore(config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `connected` with the configuration read from the CLI's environment. */
export async function withClient<T>(io: CliIo, fn: (client: Client, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env);
  return connected(config, (client) => fn(client, config));
}

/** `opened` with the configuration read from the CLI's environment. */
export async function withStore<T>(io: CliIo, fn: (store: EngineStore, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env);
  return opened(config, (store) => fn(store, config));
}
