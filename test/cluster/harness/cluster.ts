// One deployment for a cluster test file, all on loopback, every part a process of its own:
//   PostgreSQL 15 (test/helpers/postgres.ts) holding Temporal's two databases and the engine database;
//   the real Temporal server on it (temporalServer.ts);
//   slapd (the directory), the Jira fake, an SMTP sink (one port per engine host), and the mail
//   system and asset tool onboarding uses: the Microsoft Graph fake (MAILBOX_ADAPTER=graph) and the
//   Snipe-IT fake (ASSETS_ADAPTER=snipeit) of test/fakes, each run as its own process;
//   N worker hosts, each reaching the Temporal frontend through its own FreezableProxy (the network
//   between that host and the cluster), and M API hosts; each host with its own DATA_DIR.
// stop() kills everything it started (process groups) and removes the temp folder; report() gives
// the tails of every log for a failure message.
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../../../src/config/index.js';
import { freePort } from '../../../src/stack/ports.js';
import { ADMIN_TOKEN, GRANT_KEY, JIRA_CREDS, startDirectory, type Directory } from '../../faults/helpers.js';
import { EXCHANGE_SKU, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT } from '../../fakes/graph.js';
import { SECRETS } from '../../helpers/deliveries.js';
import { postgresBinDir, startPostgres, type Postgres } from '../../helpers/postgres.js';
import { jwtEnv } from '../../helpers/selfService.js';
import { runCli, startApiHost, startWorkerHost, type EngineHost } from './engine.js';
import { MailLog, RemoteJira } from './outside.js';
import { describeProcs, killAll, spawnLogged, until, type Proc } from './processes.js';
import { FreezableProxy } from './tcpProxy.js';
import { installTemporalServer, startTemporalServer, type TemporalServer } from './temporalServer.js';

const run = promisify(execFile);
const TSX = ['--import', 'tsx'];

export interface ClusterOptions {
  /** Names the temp folder and task queue. */
  name: string;
  workers?: number;
  apis?: number;
  /** Extra environment for every engine host (e.g. RECONCILE_EVERY). */
  env?: Record<string, string>;
  /** Accounts the Graph fake's tenant has (their mailboxes are what onboarding makes); default the fake's own. */
  graphUsers?: string[];
}

export const SNIPEIT_TOKEN = 'cluster-snipeit-token-0123456789';

export interface Cluster {
  root: string;
  pg: Postgres;
  /** ENGINE_DATABASE_URL of every host. */
  engineDatabaseUrl: string;
  temporal: TemporalServer;
  directory: Directory;
  jira: RemoteJira;
  mail: MailLog;
  /** The Graph fake's base URL (`GET <url>/_fake/state`: users, licenses, extensions). */
  graphUrl: string;
  /** The Snipe-IT fake's base URL (`GET <url>/_fake/state` with the bearer SNIPEIT_TOKEN). */
  snipeItUrl: string;
  workers: EngineHost[];
  apis: EngineHost[];
  /** The network between each worker (same index) and the Temporal frontend. */
  proxies: FreezableProxy[];
  /** A client of the test's own, straight to the frontend. */
  client: Client;
  taskQueue: string;
  /** What every engine host is given (without DATA_DIR, HTTP_PORT, SMTP_URL and TEMPORAL_ADDRESS of its own). */
  env: Record<string, string>;
  /** Starts one more worker host, with its own proxy and SMTP port. */
  addWorker(name: string): Promise<EngineHost>;
  /** The worker host whose SDK identity is `identity`. */
  workerByIdentity(identity: string): EngineHost | undefined;
  /** The worker host whose mail arrived on `port`. */
  workerBySmtpPort(port: number): EngineHost | undefined;
  /** `npm run cli -- <args>` as a host of its own. */
  cli(args: string[]): Promise<{ code: number; out: string }>;
  /** One psql query on the engine database, its rows as `|`-separated text. */
  sql(query: string): Promise<string>;
  /** The tails of every process's log. */
  report(lines?: number): string;
  stop(): Promise<void>;
}

/** Starts a process that prints one JSON line when it is ready, and returns that line parsed. */
async function startReporting<T>(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  logDir: string,
): Promise<{ proc: Proc; ready: T }> {
  const proc = spawnLogged({ name, command: process.execPath, args: [...TSX, script, ...args], env, cwd: PROJECT_ROOT, logDir });
  let ready: T | undefined;
  await until(
    `${name} to start`,
    () => {
      if (proc.exited()) throw new Error(`${name} exited during start-up:\n${proc.tail(40)}`);
      const line = proc
        .log()
        .split('\n')
        .find((l) => l.startsWith('{'));
      if (line) ready = JSON.parse(line) as T;
      return ready !== undefined;
    },
    120_000,
    () => proc.tail(40),
  );
  return { proc, ready: ready! };
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), `itse-cluster-${o.name}-`));
  const others: Proc[] = [];
  const hosts: EngineHost[] = [];
  const proxies: FreezableProxy[] = [];
  let pg: Postgres | undefined;
  let temporal: TemporalServer | undefined;
  let directory: Directory | undefined;
  let client: Client | undefined;

  const report = (lines = 30) => describeProcs([...(temporal ? [temporal.proc] : []), ...others, ...hosts], lines);
  const stop = async () => {
    await client?.connection.close().catch(() => undefined);
    await Promise.all(hosts.map((h) => h.kill('SIGKILL')));
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(others.map((p) => p.kill('SIGTERM')));
    await temporal?.stop().catch(() => undefined);
    await directory?.close().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    await killAll();
    rmSync(root, { recursive: true, force: true });
  };

  try {
    const install = installTemporalServer();
    [pg, directory] = await Promise.all([startPostgres(), startDirectory()]);
    await pg.createDatabase('engine');
    temporal = await startTemporalServer({ install, pg, dir: root });

    const workerCount = o.workers ?? 2;
    const mailFile = join(root, 'mail.jsonl');
    const nodeEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR };
    // One SMTP port per worker host, and a few for workers added later.
    const [jiraProc, smtpProc] = await Promise.all([
      startReporting<{ url: string; control: string }>(
        'jira-fake',
        'test/cluster/harness/fakes/jiraProcess.ts',
        [],
        { ...nodeEnv, FAKE_JIRA_EMAIL: JIRA_CREDS.email, FAKE_JIRA_TOKEN: JIRA_CREDS.apiToken },
        root,
      ),
      startReporting<{ ports: number[] }>('smtp-sink', 'test/cluster/harness/fakes/smtpProcess.ts', [mailFile, String(workerCount + 3)], nodeEnv, root),
    ]);
    others.push(jiraProc.proc, smtpProc.proc);
    const [graphProc, snipeProc] = await Promise.all([
      startReporting<{ url: string }>(
        'graph-fake',
        'test/fakes/graph.ts',
        ['--port', '0', ...(o.graphUsers ? ['--users', o.graphUsers.join(',')] : [])],
        nodeEnv,
        root,
      ),
      startReporting<{ url: string }>('snipeit-fake', 'test/fakes/snipeit.ts', ['--port', '0', '--token', SNIPEIT_TOKEN], nodeEnv, root),
    ]);
    others.push(graphProc.proc, snipeProc.proc);
    const jira = new RemoteJira(jiraProc.ready.url, jiraProc.ready.control);
    const mail = new MailLog(mailFile, smtpProc.ready.ports);

    const taskQueue = `cluster-${o.name}-${randomUUID().slice(0, 8)}`;
    const engineDatabaseUrl = pg.url('engine');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ENGINE_DATABASE_URL: engineDatabaseUrl,
      GRANT_SIGNING_KEY: GRANT_KEY,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      WEBHOOK_SECRET_JIRA: SECRETS.jira,
      JIRA_BASE_URL: jira.url,
      JIRA_EMAIL: JIRA_CREDS.email,
      JIRA_API_TOKEN: JIRA_CREDS.apiToken,
      ...directory.env(),
      ...jwtEnv,
      MAILBOX_ADAPTER: 'graph',
      GRAPH_TENANT_ID: FAKE_TENANT,
      GRAPH_CLIENT_ID: FAKE_CLIENT_ID,
      GRAPH_CLIENT_SECRET: FAKE_CLIENT_SECRET,
      GRAPH_EXCHANGE_SKU_ID: EXCHANGE_SKU,
      GRAPH_USER_DOMAIN: 'example.com',
      GRAPH_BASE_URL: `${graphProc.ready.url}/v1.0`,
      GRAPH_LOGIN_URL: graphProc.ready.url,
      ASSETS_ADAPTER: 'snipeit',
      SNIPEIT_URL: snipeProc.ready.url,
      SNIPEIT_API_TOKEN: SNIPEIT_TOKEN,
      SNIPEIT_CLAIM_FIELD: '_snipeit_onboarding_claim_7',
      SNIPEIT_PLATFORM_FIELD: '_snipeit_platform_8',
      // Reconciliation would start runs for the seeded issues on its own; a test that wants it says so.
      RECONCILE_EVERY: 'off',
      LOG_LEVEL: 'info',
      ...o.env,
    };
    const myHost = hostname();
    const smtpPorts = [...mail.ports];

    const addWorker = async (name: string) => {
      const proxy = FreezableProxy.to(temporal!.address, `${name} -> temporal`);
      await proxy.start();
      proxies.push(proxy);
      const port = smtpPorts.shift();
      if (port === undefined) throw new Error('no SMTP sink port left for another worker');
      const host = await startWorkerHost({
        name,
        env: { ...env, TEMPORAL_ADDRESS: proxy.address, SMTP_URL: `smtp://127.0.0.1:${port}` },
        root,
        hostname: myHost,
      });
      hosts.push(host);
      return host;
    };

    const workers: EngineHost[] = [];
    const apis: EngineHost[] = [];
    // Started together, as replicas of a deployment come up (and to spend less of the test's time).
    const started = await Promise.all([
      ...Array.from({ length: workerCount }, (_, i) => addWorker(`worker-${String.fromCharCode(97 + i)}`)),
      ...Array.from({ length: o.apis ?? 2 }, async (_, i) => {
        const host = await startApiHost({ name: `api-${i + 1}`, env: { ...env, TEMPORAL_ADDRESS: temporal!.address }, root, port: await freePort() });
        hosts.push(host);
        return host;
      }),
    ]);
    for (const h of started) (h.kind === 'worker' ? workers : apis).push(h);
    client = new Client({ connection: await Connection.connect({ address: temporal.address }), namespace: temporal.namespace });
    const cliEnv = { ...env, TEMPORAL_ADDRESS: temporal.address };
    const psql = join(postgresBinDir(), 'psql');

    return {
      root,
      pg,
      engineDatabaseUrl,
      temporal,
      directory,
      jira,
      mail,
      graphUrl: graphProc.ready.url,
      snipeItUrl: snipeProc.ready.url,
      workers,
      apis,
      proxies,
      client,
      taskQueue,
      env,
      async addWorker(name) {
        const host = await addWorker(name);
        workers.push(host);
        return host;
      },
      workerByIdentity: (identity) => workers.find((w) => w.identity === identity),
      workerBySmtpPort: (port) => workers.find((w) => w.env.SMTP_URL === `smtp://127.0.0.1:${port}`),
      cli: (args) => runCli(args, cliEnv, join(root, `cli-${randomUUID().slice(0, 8)}`)),
      async sql(query) {
        const { stdout } = await run(psql, ['-h', pg!.host, '-p', String(pg!.port), '-U', pg!.user, '-d', 'engine', '-At', '-c', query], { timeout: 60_000 });
        return stdout.trim();
      },
      report,
      stop,
    };
  } catch (e) {
    const tails = report(60);
    await stop();
    throw new Error(`the cluster did not start: ${e instanceof Error ? e.message : String(e)}\n${tails}`);
  }
}
