// Real processes and real outside systems for the fault suite (`npm run test:faults`,
// vitest.faults.config.ts): the Temporal dev server the stack runs (`--db-filename`), `npm run
// worker` and `npm run api` as child processes, a restartable slapd behind a wire that counts (and
// can hold) the changes reaching it, an SMTP server and an HTTP sink that record what arrives.
// Side effects are counted here, outside the worker process, so a worker killed half-way cannot
// hide or repeat one.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client as LdapClient, type Entry } from 'ldapts';
import { SMTPServer } from 'smtp-server';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import type { EngineStore } from '../../src/activities/records/port.js';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { startDevServer, type DevServer } from '../../src/stack/devServer.js';
import { freePort } from '../../src/stack/ports.js';
import { resolveTemporalCli } from '../../src/stack/temporalCli.js';
import type { FakeJira, FakeJiraIssue } from '../integration/fakes/jira.js';
import { signedHeaders, SECRETS } from '../helpers/deliveries.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';
import { jiraIssueCreated } from '../helpers/tickets.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `ok` until it holds; fails naming `what` (and `detail()`, if given) after `ms`. */
export async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000, detail?: () => string | Promise<string>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${detail ? `\n${await detail()}` : ''}`);
    await sleep(25);
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

// ---------------------------------------------------------------------------------------------
// Temporal: the dev server the stack runs, on a SQLite file that survives a restart.
// ---------------------------------------------------------------------------------------------

export interface Temporal {
  address: string;
  dbFile: string;
  /** SIGTERM, like `npm start` stopping it; the database file stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and database file. */
  start(): Promise<void>;
  /**
   * SIGKILL, no shutdown of any kind (a power cut, the OOM killer): to every process running the
   * server on this database file and to their process groups, so it reaches the `temporal`
   * binary itself also when a wrapper started it. Resolves once they are all gone; the database
   * file stays, and `start()` starts the server again on it.
   */
  kill(): Promise<KilledTemporal>;
}

/** A live process whose command line is `… server start-dev … --db-filename <file> …`. */
export interface TemporalProcess {
  pid: number;
  ppid: number;
  pgid: number;
  argv: string[];
  /** What /proc/<pid>/exe points to: the binary that really runs. */
  exe: string | null;
}

export interface KilledTemporal {
  signal: 'SIGKILL';
  /** Every process that ran the server (the server, and any wrapper around it). */
  processes: TemporalProcess[];
  /** The server process itself: the one of them with no child among them. */
  server: TemporalProcess;
  /** The process groups that were sent SIGKILL (never the test runner's own). */
  groups: number[];
}

/** pid, state, ppid and process group from /proc/<pid>/stat; null when the process is gone. */
function procStat(pid: number): { state: string; ppid: number; pgid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid pgrp ...`: comm may hold spaces and parentheses.
    const [state = '', ppid = '0', pgid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid), pgid: Number(pgid) };
  } catch {
    return null;
  }
}

/**
 * Whether `pid` still runs. A zombie waiting to be reaped has stopped, unless it is the leader of
 * threads that are still exiting: those still hold the process's files, its listening sockets too.
 */
export function processRuns(pid: number): boolean {
  const stat = procStat(pid);
  if (!stat) return false;
  if (stat.state !== 'Z' && stat.state !== 'X') return true;
  try {
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
}

/** The live processes running a Temporal dev server on `dbFile` (found in /proc by their command line). */
export function temporalProcesses(dbFile: string): TemporalProcess[] {
  const found: TemporalProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    const db = argv.indexOf('--db-filename');
    if (!argv.includes('start-dev') || db < 0 || argv[db + 1] !== dbFile) continue;
    const stat = procStat(pid);
    if (!stat || !processRuns(pid)) continue;
    let exe: string | null = null;
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      // Not ours to read: leave it unknown.
    }
    found.push({ pid, ppid: stat.ppid, pgid: stat.pgid, argv, exe });
  }
  return found;
}

export async function startTemporal(dataDir: string): Promise<Temporal> {
  const options = {
    cli: resolveTemporalCli({ env: process.env, projectRoot: PROJECT_ROOT }),
    ip: '127.0.0.1',
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    dbFile: join(dataDir, 'temporal.db'),
  };
  let server: DevServer | null = await startDevServer(options);
  return {
    address: server.address,
    dbFile: options.dbFile,
    async stop() {
      await server?.stop();
      server = null;
    },
    async start() {
      if (!server) server = await startDevServer(options);
    },
    async kill() {
      const processes = temporalProcesses(options.dbFile);
      const leaves = processes.filter((p) => !processes.some((q) => q.ppid === p.pid));
      if (leaves.length !== 1) {
        throw new Error(
          `expected one Temporal server process on ${options.dbFile}, found ${JSON.stringify(processes.map((p) => ({ pid: p.pid, argv: p.argv.slice(0, 3) })))}`,
        );
      }
      // The process group too (a wrapper and what it started), but never the test runner's own.
      const ownGroup = procStat(process.pid)?.pgid;
      const groups = [...new Set(processes.map((p) => p.pgid))].filter((g) => g > 1 && g !== ownGroup);
      for (const group of groups) {
        try {
          process.kill(-group, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      for (const p of processes) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // Gone already (with its group).
        }
      }
      await until('the killed Temporal server to be gone', () => processes.every((p) => !processRuns(p.pid)), 10_000);
      // Lets the dev-server handle see the exit (nothing is left to signal) and forget it.
      await server?.stop().catch(() => undefined);
      server = null;
      return { signal: 'SIGKILL', processes, server: leaves[0]!, groups };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Engine processes: `npm run worker` (src/app/worker.ts) and `npm run api` (src/app/api.ts).
// ---------------------------------------------------------------------------------------------

export const GRANT_KEY = 'fault-suite-grant-signing-key-0123456789abcdef';
export const ADMIN_TOKEN = 'fault-suite-admin-token-0123456789abcdef';

/** What every engine process of one test file shares: cluster, task queue, data folder, keys. */
export function engineEnv(o: { temporal: string; dataDir: string; taskQueue: string }): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    TEMPORAL_ADDRESS: o.temporal,
    TEMPORAL_TASK_QUEUE: o.taskQueue,
    DATA_DIR: o.dataDir,
    // Every engine process of a test runs on this one host and shares DATA_DIR/engine.db (SQLite).
    ENGINE_SINGLE_HOST: 'true',
    GRANT_SIGNING_KEY: GRANT_KEY,
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    WEBHOOK_SECRET_JIRA: SECRETS.jira,
    // The reconciliation schedule would start runs for the seeded Jira issues on its own.
    RECONCILE_EVERY: 'off',
    LOG_LEVEL: 'info',
  };
}

/** The Jira fake as the engine's help desk (Jira Cloud REST v3 adapter). */
export const JIRA_CREDS = { email: 'automation@example.com', apiToken: 'fault-suite-jira-token' };
export function jiraEnv(jira: FakeJira): Record<string, string> {
  return { JIRA_BASE_URL: jira.url, JIRA_EMAIL: JIRA_CREDS.email, JIRA_API_TOKEN: JIRA_CREDS.apiToken };
}

export interface EngineProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  /** Its pino JSON lines. */
  lines(): Array<Record<string, unknown>>;
  exited(): boolean;
  /** Sends `signal` and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<EngineProcess>();
process.once('exit', () => {
  for (const p of running) if (!p.exited()) p.child.kill('SIGKILL');
});

async function spawnEngine(
  name: string,
  script: string,
  env: Record<string, string>,
  ready: (p: EngineProcess) => boolean | Promise<boolean>,
): Promise<EngineProcess> {
  // Straight under node (not npm, not the tsx CLI), so a signal reaches the engine itself.
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let gone = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  const proc: EngineProcess = {
    name,
    pid: child.pid!,
    child,
    output: () => output,
    lines: () =>
      output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    exited: () => gone,
    async kill(signal = 'SIGKILL') {
      if (!gone) child.kill(signal);
      await exit;
      running.delete(proc);
    },
  };
  running.add(proc);
  await until(
    `${name} to start`,
    async () => {
      if (gone) throw new Error(`${name} exited during start-up:\n${output.slice(-4000)}`);
      return ready(proc);
    },
    90_000,
    () => output.slice(-4000),
  );
  return proc;
}

/** `npm run worker`: ready once it logs "worker running". */
export function startWorker(env: Record<string, string>, name = 'worker'): Promise<EngineProcess> {
  return spawnEngine(name, 'src/app/worker.ts', env, (p) => p.lines().some((l) => l.msg === 'worker running'));
}

/** `npm run api` on a free port: ready once GET /healthz answers. */
export async function startApi(env: Record<string, string>): Promise<EngineProcess & { url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const api = await spawnEngine('api', 'src/app/api.ts', { ...env, HTTP_PORT: String(port) }, () =>
    fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ),
  );
  return Object.assign(api, { url });
}

/** Kills whatever engine process a test file left running. */
export async function stopEngines(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
}

// ---------------------------------------------------------------------------------------------
// Help desk: tickets in the Jira fake, signed deliveries to the API, and what the fake received.
// ---------------------------------------------------------------------------------------------

/**
 * Seeds `key` in the Jira fake and returns the `jira:issue_created` delivery for it (same id and
 * key), with its status changes recorded in `statusChanges`.
 */
export function jiraTicket(
  jira: FakeJira,
  key: string,
  o: { reporter: string; summary?: string; fields?: Record<string, unknown> },
): { issue: FakeJiraIssue; body: Record<string, any>; statusChanges: string[] } {
  const issue = jira.seedIssue({ key, summary: o.summary });
  const statusChanges = recordStatusChanges(issue);
  const body = jiraIssueCreated({ key, reporter: o.reporter, summary: o.summary });
  body.issue.id = issue.id;
  Object.assign(body.issue.fields, o.fields ?? {});
  return { issue, body, statusChanges };
}

/** Every status the issue is moved to, as the fake applies it (a repeated resolve would show twice). */
function recordStatusChanges(issue: FakeJiraIssue): string[] {
  const changes: string[] = [];
  let status = issue.fields.status;
  Object.defineProperty(issue.fields, 'status', {
    enumerable: true,
    get: () => status,
    set: (next: typeof status) => {
      changes.push(next.name);
      status = next;
    },
  });
  return changes;
}

/** POSTs a Jira delivery to the API, signed like Jira signs it. */
export function deliverJira(apiUrl: string, body: unknown, deliveryId: string, extraHeaders: Record<string, string> = {}): Promise<Response> {
  const raw = JSON.stringify(body);
  return fetch(`${apiUrl}/webhooks/jira`, {
    method: 'POST',
    headers: { ...signedHeaders('jira', raw), 'x-atlassian-webhook-identifier': deliveryId, ...extraHeaders },
    body: raw,
  });
}

const isInternal = (properties: Array<{ key: string; value: unknown }>) =>
  properties.some((p) => p.key === 'sd.public.comment' && (p.value as { internal?: unknown }).internal === true);
/** Comments the requester sees on `key` whose text contains `text`. */
export function publicComments(jira: FakeJira, key: string, text: string) {
  return jira.issue(key).comments.filter((c) => !isInternal(c.properties) && JSON.stringify(c.body).includes(text));
}
/** Internal comments (work notes) on `key`. */
export function workNotes(jira: FakeJira, key: string) {
  return jira.issue(key).comments.filter((c) => isInternal(c.properties));
}

/** A staff API call with the admin token. */
export async function staffCall(apiUrl: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

// ---------------------------------------------------------------------------------------------
// Mail and chat: what arrived at the SMTP server and at the chat webhook.
// ---------------------------------------------------------------------------------------------

export interface ReceivedMail {
  to: string[];
  subject: string;
  /** The text body, quoted-printable decoded. */
  text: string;
}

function decodeMail(data: string): { subject: string; text: string } {
  const [head = '', ...rest] = data.split(/\r?\n\r?\n/);
  let body = rest.join('\n\n');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    body = Buffer.from(
      body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  }
  return { subject: /^subject: (.*)$/im.exec(head)?.[1]?.trim() ?? '', text: body.replace(/\r\n/g, '\n') };
}

export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  /** Recipients of each mail whose answer was held back (see holdNext), as it arrived. */
  readonly held: string[][] = [];
  url = '';
  private readonly holds = new Map<string, number>();
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('latin1')));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const take = () => {
          this.mails.push({ to, ...decodeMail(data) });
          callback();
        };
        const holder = to.find((address) => this.holds.has(address));
        if (holder === undefined) return take();
        const ms = this.holds.get(holder)!;
        this.holds.delete(holder);
        this.held.push(to);
        setTimeout(take, ms);
      });
    },
  });

  /** The next mail to `address` is taken only `ms` after its data arrived: the sender waits for the answer that long. */
  holdNext(address: string, ms: number): void {
    this.holds.set(address, ms);
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
    return this.url;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address));
  }
}

/** A Slack-style incoming webhook that records each post. */
export class ChatSink {
  readonly posts: unknown[] = [];
  url = '';
  private readonly server: HttpServer = createHttpServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      this.posts.push(JSON.parse(raw || 'null'));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this.url;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// Directory: a real slapd that can be stopped and started on its data, and a wire in front of it.
// ---------------------------------------------------------------------------------------------

const run = promisify(execFile);
const FIXTURE = join(PROJECT_ROOT, 'test/fixtures/ldap/directory.ldif');
/** Beyond the shared fixture: the groups of the onboarding roles, and lee.locked as staff (self-service audience). */
const FAULT_LDIF = `
dn: cn=sales,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: sales
member: uid=asmith,ou=people,dc=example,dc=com

dn: cn=engineering,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: engineering
member: uid=asmith,ou=people,dc=example,dc=com

dn: cn=staff,ou=groups,dc=example,dc=com
changetype: modify
add: member
member: uid=lee.locked,ou=people,dc=example,dc=com
`;

export interface Directory {
  url: string;
  port: number;
  baseDn: string;
  /** Stops slapd (SIGTERM); its database stays. */
  stop(): Promise<void>;
  /** Starts slapd again on the same port and database. */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  close(): Promise<void>;
  /** The entry at `dn`, or null. */
  entry(dn: string, attributes?: string[]): Promise<Entry | null>;
  /** Whether `uid` can sign in with `password`. */
  canBind(uid: string, password: string): Promise<boolean>;
  /** LDAP_* variables for the engine. */
  env(url?: string): Record<string, string>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function startDirectory(): Promise<Directory> {
  const extraDir = tempDir('itse-faults-ldif-');
  const extra = join(extraDir, 'faults.ldif');
  writeFileSync(extra, FAULT_LDIF);
  let slapd: Slapd;
  try {
    slapd = await startSlapd({ ldif: [FIXTURE, extra] });
  } finally {
    rmSync(extraDir, { recursive: true, force: true });
  }
  // The command line slapd was started with (config file, listen URL), to start it again the same way.
  const argv = readFileSync(`/proc/${slapd.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const conf = argv[argv.indexOf('-f') + 1]!;
  const pidFile = /^pidfile (.+)$/m.exec(readFileSync(conf, 'utf8'))![1]!;
  let pid = slapd.pid;

  async function withAdmin<T>(work: (client: LdapClient) => Promise<T>): Promise<T> {
    const client = new LdapClient({ url: slapd.url, timeout: 2000, connectTimeout: 2000 });
    try {
      await client.bind(slapd.bindDn, slapd.bindPassword);
      return await work(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
  const canBind = async (dn: string, password: string) => {
    const client = new LdapClient({ url: slapd.url, timeout: 2000, connectTimeout: 2000 });
    try {
      await client.bind(dn, password);
      return true;
    } catch {
      return false;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  };
  const stop = async () => {
    if (!alive(pid)) return;
    process.kill(pid, 'SIGTERM');
    await until('slapd to stop', () => !alive(pid), 10_000);
  };

  return {
    url: slapd.url,
    port: slapd.port,
    baseDn: slapd.baseDn,
    stop,
    async start() {
      if (alive(pid)) return;
      rmSync(pidFile, { force: true });
      await run(argv[0]!, argv.slice(1), { timeout: 10_000 });
      await until(
        'slapd to accept binds again',
        async () => {
          try {
            pid = Number(readFileSync(pidFile, 'utf8').trim());
          } catch {
            return false;
          }
          return canBind(slapd.bindDn, slapd.bindPassword);
        },
        15_000,
      );
    },
    async close() {
      if (pid !== slapd.pid) await stop();
      await slapd.stop();
    },
    entry: (dn, attributes = ['*', '+']) =>
      withAdmin(async (client) => {
        try {
          return (await client.search(dn, { scope: 'base', attributes })).searchEntries[0] ?? null;
        } catch {
          return null;
        }
      }),
    canBind: (uid, password) => canBind(`uid=${uid},ou=people,${slapd.baseDn}`, password),
    env: (url = slapd.url) => ({
      LDAP_URL: url,
      LDAP_BIND_DN: slapd.bindDn,
      LDAP_BIND_PASSWORD: slapd.bindPassword,
      LDAP_BASE_DN: slapd.baseDn,
      LDAP_USER_BASE_DN: `ou=people,${slapd.baseDn}`,
      LDAP_GROUP_BASE_DN: `ou=groups,${slapd.baseDn}`,
      LDAP_EXTERNAL_ID_ATTRIBUTES: '{"jira":"employeeNumber"}',
    }),
  };
}

/** One LDAP request as it crossed the wire. */
export interface LdapRequest {
  connection: number;
  op: string;
  /** The entry (add, modify, delete, compare, modifyDN) or search base the request names. */
  dn: string | null;
  raw: Buffer;
}

const LDAP_OPS: Record<number, string> = {
  96: 'bind',
  66: 'unbind',
  99: 'search',
  102: 'modify',
  104: 'add',
  74: 'delete',
  108: 'modifyDN',
  110: 'compare',
  80: 'abandon',
  119: 'extended',
};
const CHANGES = new Set(['add', 'modify', 'delete', 'modifyDN', 'extended']);

/** BER length at `at`: its value and where the content starts; null when more bytes are needed. */
function berLength(buf: Buffer, at: number): { length: number; start: number } | null {
  if (at >= buf.length) return null;
  const first = buf[at]!;
  if (first < 0x80) return { length: first, start: at + 1 };
  const n = first & 0x7f;
  if (at + 1 + n > buf.length) return null;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + buf[at + 1 + i]!;
  return { length, start: at + 1 + n };
}

/** The operation and DN of one whole LDAPMessage (SEQUENCE { messageID, protocolOp, ... }). */
function describeLdap(message: Buffer): { op: string; dn: string | null } {
  const outer = berLength(message, 1)!;
  const id = berLength(message, outer.start + 1)!;
  const at = id.start + id.length;
  const tag = message[at]!;
  const op = berLength(message, at + 1)!;
  const name = LDAP_OPS[tag] ?? `0x${tag.toString(16)}`;
  if (tag === 0x4a) return { op: name, dn: message.subarray(op.start, op.start + op.length).toString('utf8') };
  if ([0x63, 0x66, 0x68, 0x6c, 0x6e].includes(tag) && message[op.start] === 0x04) {
    const dn = berLength(message, op.start + 1)!;
    return { op: name, dn: message.subarray(dn.start, dn.start + dn.length).toString('utf8') };
  }
  return { op: name, dn: null };
}

/**
 * A TCP relay between the engine and slapd that reads each LDAP request: it records the ones it
 * forwards (so the changes that reached the directory can be counted) and holds back a connection
 * from the first request a rule matches (so a test can stop the engine while that request is in
 * flight, and drop it: it never reaches the directory).
 */
export class LdapWire {
  readonly forwarded: LdapRequest[] = [];
  readonly held: LdapRequest[] = [];
  url = '';
  private readonly rules: Array<(request: LdapRequest, wire: LdapWire) => boolean> = [];
  private readonly heldSockets = new Set<Socket>();
  private readonly sockets = new Set<Socket>();
  private nextConnection = 1;
  private server: TcpServer | undefined;

  constructor(private readonly upstreamPort: number) {}

  async start(): Promise<string> {
    this.server = createTcpServer((client) => this.relay(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `ldap://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** From now on, hold back a connection from the first request `rule` matches. */
  holdWhen(rule: (request: LdapRequest, wire: LdapWire) => boolean): void {
    this.rules.push(rule);
  }

  /** Closes the held connections without forwarding their requests, and forgets the rules. */
  dropHeld(): number {
    const n = this.heldSockets.size;
    for (const s of this.heldSockets) s.destroy();
    this.heldSockets.clear();
    this.rules.length = 0;
    return n;
  }

  /** Changes (add, modify, delete, rename, extended operations such as a password change) that reached slapd. */
  changes(match: (r: LdapRequest) => boolean = () => true): LdapRequest[] {
    return this.forwarded.filter((r) => CHANGES.has(r.op) && match(r));
  }

  private relay(client: Socket): void {
    const connection = this.nextConnection++;
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    this.sockets.add(client);
    this.sockets.add(upstream);
    let pending = Buffer.alloc(0);
    let holding = false;
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      this.heldSockets.delete(client);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    upstream.on('data', (d: Buffer) => client.write(d));
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const length = berLength(pending, 1);
        if (!length || pending.length < length.start + length.length) return;
        const raw = pending.subarray(0, length.start + length.length);
        pending = pending.subarray(raw.length);
        const request: LdapRequest = { connection, ...describeLdap(raw), raw };
        if (!holding && this.rules.some((rule) => rule(request, this))) {
          holding = true;
          this.heldSockets.add(client);
        }
        if (holding) {
          this.held.push(request);
          continue;
        }
        this.forwarded.push(request);
        upstream.write(raw);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The engine database (DATA_DIR/engine.db): the audit log and the filed resolution documents.
// ---------------------------------------------------------------------------------------------

export interface ActionEntry {
  action: string;
  activityId: string;
  attempts: number;
  outcome: string;
}

/** The audit log's action entries of one workflow, in order (one per activity execution, written when it ended). */
export async function actionEntries(store: EngineStore, workflowId: string): Promise<ActionEntry[]> {
  return (await store.auditEntries({ kind: 'action' }))
    .map((e) => ({ details: e.entry.details as Record<string, unknown>, outcome: e.entry.outcome }))
    .filter((e) => e.details.workflowId === workflowId)
    .map((e) => ({ action: String(e.details.action), activityId: String(e.details.activityId), attempts: Number(e.details.attempts), outcome: e.outcome }));
}

/** How many action entries each activity execution has (every value should be 1). */
export function entriesPerActivity(entries: ActionEntry[]): number[] {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.activityId, (counts.get(e.activityId) ?? 0) + 1);
  return [...counts.values()];
}

/** Permission decisions the audit log holds for a workflow: `allowed`/`denied` and the rule. */
export async function decisions(store: EngineStore, workflowId: string): Promise<Array<{ outcome: string; rule: string }>> {
  return (await store.auditEntries({ kind: 'permission.decision', subject: workflowId })).map((e) => ({
    outcome: e.entry.outcome,
    rule: String(e.entry.reason),
  }));
}

export function openStore(dataDir: string): EngineStore {
  return new SqliteEngineStore(join(dataDir, 'engine.db'));
}

/** Answers a troubleshooting session's question at `node` as sam.helper, once the session waits there. */
export async function answerSession(apiUrl: string, workflowId: string, node: string, choice: string): Promise<{ status: number; body: any }> {
  await until(`the session to ask "${node}"`, async () => {
    const shown = await staffCall(apiUrl, 'GET', `/troubleshooting/${workflowId}`);
    return shown.status === 200 && shown.body.running && shown.body.view.status === 'waiting' && shown.body.view.node === node;
  });
  return staffCall(apiUrl, 'POST', `/troubleshooting/${workflowId}/answer`, { node, choice, responder: 'sam.helper' });
}
