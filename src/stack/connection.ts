import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config/index.js';
import { dataConverterFor } from './payloadCodec.js';

function tlsOptions(config: Config['temporal']) {
  if (!config.tls) return undefined;
  const t = config.tls;
  return {
    serverNameOverride: t.serverName,
    serverRootCACertificate: t.serverCaCertPath ? readFileSync(t.serverCaCertPath) : undefined,
    clientCertPair: t.clientCertPath && t.clientKeyPath ? { crt: readFileSync(t.clientCertPath), key: readFileSync(t.clientKeyPath) } : undefined,
  };
}

/** Options shared by the client and the worker connection: address, TLS (mTLS) and API key. */
export function connectionOptions(config: Config['temporal'], address: string) {
  return { address, tls: tlsOptions(config), apiKey: config.apiKey };
}

/**
 * gRPC's default reconnect back-off grows to 120 s: after Temporal was down for a few seconds the
 * API would answer 503 for long after it is back. Capped at 2 s, a restarted (or failed-over)
 * cluster is used again within about 2 s; an absent one costs one connection attempt per 2 s.
 */
export const CLIENT_CHANNEL_ARGS = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000 } as const;

export async function connectClient(config: Config['temporal'], address: string): Promise<Client> {
  const connection = await Connection.connect({ ...connectionOptions(config, address), channelArgs: { ...CLIENT_CHANNEL_ARGS } });
  return new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFor(config.encryptionKeys) });
}

export async function connectWorker(config: Config['temporal'], address: string): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config, address));
}
