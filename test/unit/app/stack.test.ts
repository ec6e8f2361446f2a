import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { connectionOptions } from '../../../src/stack/connection.js';
import { startDevServer } from '../../../src/stack/devServer.js';
import { freePort } from '../../../src/stack/ports.js';

describe('connection options', () => {
  it('read mTLS certificates and pass the API key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'itse-tls-'));
    for (const f of ['ca.pem', 'crt.pem', 'key.pem']) writeFileSync(join(dir, f), `-----${f}-----`);
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_API_KEY: 'key-1',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'crt.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'key.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const options = connectionOptions(config.temporal, 'temporal.internal:7233');
    expect(options.apiKey).toBe('key-1');
    expect(options.tls).toEqual({
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: Buffer.from('-----ca.pem-----'),
      clientCertPair: { crt: Buffer.from('-----crt.pem-----'), key: Buffer.from('-----key.pem-----') },
    });
    expect(connectionOptions(loadConfig({ TEMPORAL_TLS: 'true' }).temporal, 'x:1').tls).toEqual({
      serverNameOverride: undefined,
      serverRootCACertificate: undefined,
      clientCertPair: undefined,
    });
    expect(connectionOptions(loadConfig({}).temporal, 'x:1').tls).toBeUndefined();
  });
});

describe('embedded dev server start-up', () => {
  it('reports what the CLI printed when it exits during start-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'itse-cli-'));
    const cli = join(dir, 'temporal');
    writeFileSync(cli, '#!/bin/sh\necho "address already in use" >&2\nexit 1\n');
    chmodSync(cli, 0o755);
    await expect(
      startDevServer({
        cli: { source: 'TEMPORAL_CLI_PATH', path: cli },
        ip: '127.0.0.1',
        port: await freePort(),
        uiPort: await freePort(),
        namespace: 'default',
        dbFile: join(dir, 'db', 'temporal.db'),
      }),
    ).rejects.toThrow(/exited during start-up:\naddress already in use/);
  });
});
