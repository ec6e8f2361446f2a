import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { connectClient } from '../../src/stack/connection.js';
import { startDevServer, type DevServer } from '../../src/stack/devServer.js';
import { freePort } from '../../src/stack/ports.js';
import { resolveTemporalCli } from '../../src/stack/temporalCli.js';

// The API's Temporal connection after Temporal was down for a while (restart, fail-over). gRPC's
// default reconnect back-off keeps growing while Temporal is unreachable (up to 120 s): with it,
// the first call after a 15 s outage failed its 5 s deadline in 2 of 3 runs, and CI once answered
// the first delivery after a Temporal restart with 503. The client caps it (CLIENT_CHANNEL_ARGS).
const dir = mkdtempSync(join(tmpdir(), 'itse-reconnect-'));
let server: DevServer | null = null;
let client: Client | null = null;

afterAll(async () => {
  await client?.connection.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the API connection to Temporal', () => {
  it('is usable within the intake deadline as soon as a stopped Temporal is back', async () => {
    const options = {
      cli: resolveTemporalCli({ env: process.env, projectRoot: process.cwd() }),
      ip: '127.0.0.1',
      port: await freePort(),
      uiPort: await freePort(),
      namespace: 'default',
      dbFile: join(dir, 'temporal.db'),
    };
    server = await startDevServer(options);
    const config = loadConfig({ TEMPORAL_ADDRESS: server.address });
    client = await connectClient(config.temporal, server.address);
    // What intake does: every Temporal call under the 5 s start deadline (src/client/intake.ts).
    const call = () => client!.connection.withDeadline(Date.now() + 5000, () => client!.workflowService.describeNamespace({ namespace: 'default' }));
    await call();

    await server.stop();
    server = null;
    // 15 s of outage in which the API keeps being asked (deliveries, /readyz probes): all fail.
    const outageEnd = Date.now() + 15_000;
    while (Date.now() < outageEnd) {
      await expect(call()).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 1000));
    }
    server = await startDevServer(options);

    const info = await call();
    expect(info.namespaceInfo?.name).toBe('default');
  }, 90_000);
});
