// Wiring of the production-like stack: docker-compose.yml, Dockerfile and .dockerignore.
// No Docker engine runs here, so the checks read the files: every dependency names a service,
// every Temporal client points at the Temporal service's gRPC port, the server points at the
// database, the image runs npm scripts that exist. Each check is also run against a broken copy
// to prove it would notice. The `docker-compose` binary (Debian package, 1.29, which
// scripts/test-prerequisites.mjs makes sure of) validates the real file and rejects a broken one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

const repoFile = (name: string) => fileURLToPath(new URL(`../../../${name}`, import.meta.url));
const REPO_ROOT = repoFile('');
const COMPOSE_FILE = repoFile('docker-compose.yml');

type EnvValue = string | number | boolean | null;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: string[] | Record<string, EnvValue>;
  ports?: (string | number | { target: number; published?: number | string })[];
  expose?: (string | number)[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}
interface PackageJson {
  scripts: Record<string, string>;
}

const readCompose = (): Compose => parse(readFileSync(COMPOSE_FILE, 'utf8')) as Compose;
const readPackage = (): PackageJson => JSON.parse(readFileSync(repoFile('package.json'), 'utf8')) as PackageJson;
const readDockerfile = (): string => readFileSync(repoFile('Dockerfile'), 'utf8');
const readDockerignore = (): string => readFileSync(repoFile('.dockerignore'), 'utf8');

// ---------- helpers over compose's alternative syntaxes ----------

function envOf(service: Service): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    for (const entry of env) {
      const i = entry.indexOf('=');
      if (i < 0) out[entry] = null;
      else out[entry.slice(0, i)] = entry.slice(i + 1);
    }
  } else {
    for (const [k, v] of Object.entries(env)) out[k] = v === null ? null : String(v);
  }
  return out;
}

function dependsOn(service: Service): Record<string, string> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([d, v]) => [d, v?.condition ?? 'service_started']));
}

/** Container port of a `ports` entry: "7233", "7233:7233", "127.0.0.1:3000:3000/tcp" or long form. */
function targetPort(entry: string | number | { target: number }): number {
  if (typeof entry === 'number') return entry;
  if (typeof entry === 'object') return Number(entry.target);
  const parts = entry.split('/')[0]!.split(':');
  return Number(parts[parts.length - 1]);
}

/** Host ports published for `containerPort`: one, or a range ("3000-3001:3000", one per replica). */
function publishedPorts(service: Service, containerPort: number): number[] {
  for (const entry of service.ports ?? []) {
    if (targetPort(entry) !== containerPort) continue;
    if (typeof entry === 'object') return entry.published === undefined ? [] : [Number(entry.published)];
    const parts = String(entry).split('/')[0]!.split(':');
    if (parts.length < 2) return [];
    const [first, last = first] = parts[parts.length - 2]!.split('-').map(Number) as [number, number?];
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  }
  return [];
}

function publishedPort(service: Service, containerPort: number): number | undefined {
  return publishedPorts(service, containerPort)[0];
}

/** Ports the container listens on, as declared by `expose` and `ports`. */
function containerPorts(service: Service): Set<number> {
  return new Set([...(service.expose ?? []).map((p) => Number(String(p).split('/')[0])), ...(service.ports ?? []).map(targetPort)]);
}

function hostPort(address: string | null | undefined): { host: string; port: number } | undefined {
  const m = /^([A-Za-z0-9._-]+):(\d+)$/.exec(address ?? '');
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

function commandWords(command: string | string[] | undefined): string[] {
  if (command === undefined) return [];
  return Array.isArray(command) ? command : command.trim().split(/\s+/);
}

function healthcheckText(service: Service): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

/** The one service running the Temporal server, found by image so a rename of the service is noticed. */
function temporalServiceName(c: Compose): string | undefined {
  const names = Object.entries(c.services)
    .filter(([, s]) => /^temporalio\/(auto-setup|server):/.test(s.image ?? ''))
    .map(([n]) => n);
  return names.length === 1 ? names[0] : undefined;
}

const APP_SERVICES = { worker: 'worker', api: 'api' } as const;
const TEMPORAL_FRONTEND_PORT = 7233;
const UI_CONTAINER_PORT = 8080;

// ---------- checks: each returns the list of problems it found ----------

function dependencyProblems(c: Compose): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(c.services)) {
    for (const [dep, condition] of Object.entries(dependsOn(service))) {
      const target = c.services[dep];
      if (!target) {
        problems.push(`${name} depends on missing service ${dep}`);
        continue;
      }
      if (dep === name) problems.push(`${name} depends on itself`);
      if (!['service_started', 'service_healthy', 'service_completed_successfully'].includes(condition)) {
        problems.push(`${name} -> ${dep}: unknown condition ${condition}`);
      }
      if (condition === 'service_healthy' && (!target.healthcheck?.test || target.healthcheck.disable)) {
        problems.push(`${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
      }
    }
  }
  return problems;
}

/** A Temporal client service's TEMPORAL_ADDRESS must be <temporal service>:<its frontend port>. */
function addressProblems(c: Compose, client: string): string[] {
  const temporal = temporalServiceName(c);
  if (!temporal) return ['no single temporalio/auto-setup (or server) service'];
  const service = c.services[client];
  if (!service) return [`service ${client} is missing`];
  const problems: string[] = [];
  const address = envOf(service).TEMPORAL_ADDRESS;
  const hp = hostPort(address);
  if (!hp) return [`${client}: TEMPORAL_ADDRESS ${String(address)} is not host:port`];
  if (hp.host !== temporal) problems.push(`${client}: TEMPORAL_ADDRESS host ${hp.host} is not the Temporal service ${temporal}`);
  if (hp.port !== TEMPORAL_FRONTEND_PORT) problems.push(`${client}: TEMPORAL_ADDRESS port ${hp.port} is not the frontend port ${TEMPORAL_FRONTEND_PORT}`);
  if (!containerPorts(c.services[temporal]!).has(hp.port)) problems.push(`${client}: port ${hp.port} is not exposed by ${temporal}`);
  if (!(temporal in dependsOn(service))) problems.push(`${client} does not depend on ${temporal}`);
  return problems;
}

function clientProblems(c: Compose): string[] {
  const problems = [...addressProblems(c, APP_SERVICES.worker), ...addressProblems(c, APP_SERVICES.api)];
  const temporal = temporalServiceName(c);
  const worker = c.services[APP_SERVICES.worker];
  const api = c.services[APP_SERVICES.api];
  if (temporal && worker && api) {
    // auto-setup creates DEFAULT_NAMESPACE; the worker polls and the API starts workflows in TEMPORAL_NAMESPACE.
    const created = envOf(c.services[temporal]!).DEFAULT_NAMESPACE ?? 'default';
    for (const [name, s] of [
      [APP_SERVICES.worker, worker],
      [APP_SERVICES.api, api],
    ] as const) {
      const ns = envOf(s).TEMPORAL_NAMESPACE ?? 'default';
      if (ns !== created) problems.push(`${name}: namespace ${ns} is not the one ${temporal} creates (${created})`);
    }
    const wq = envOf(worker).TEMPORAL_TASK_QUEUE ?? 'it-support';
    const aq = envOf(api).TEMPORAL_TASK_QUEUE ?? 'it-support';
    if (wq !== aq) problems.push(`api starts workflows on task queue ${aq} but the worker polls ${wq}`);
  }
  return problems;
}

function databaseProblems(c: Compose): string[] {
  const temporal = temporalServiceName(c);
  if (!temporal) return ['no single temporalio/auto-setup (or server) service'];
  const env = envOf(c.services[temporal]!);
  const problems: string[] = [];
  if (env.DB !== 'postgres12') problems.push(`${temporal}: DB is ${String(env.DB)}, expected postgres12`);
  const dbName = env.POSTGRES_SEEDS ?? '';
  const db = c.services[dbName];
  if (!db) return [...problems, `${temporal}: POSTGRES_SEEDS ${dbName} is not a service`];
  if (!/^postgres:/.test(db.image ?? '')) problems.push(`${dbName} does not run a postgres image`);
  if (dependsOn(c.services[temporal]!)[dbName] !== 'service_healthy') problems.push(`${temporal} does not wait for ${dbName} to be healthy`);
  if (!containerPorts(db).has(Number(env.DB_PORT))) problems.push(`${temporal}: DB_PORT ${String(env.DB_PORT)} is not a port of ${dbName}`);
  const dbEnv = envOf(db);
  if (env.POSTGRES_USER !== dbEnv.POSTGRES_USER) problems.push(`${temporal}: POSTGRES_USER differs from ${dbName}'s`);
  if (env.POSTGRES_PWD !== dbEnv.POSTGRES_PASSWORD) problems.push(`${temporal}: POSTGRES_PWD differs from ${dbName}'s POSTGRES_PASSWORD`);
  if (!/\bpg_isready\b/.test(healthcheckText(db))) problems.push(`${dbName}: healthcheck does not use pg_isready`);
  const dataVolume = (db.volumes ?? [])
    .map((v) => (typeof v === 'string' ? v.split(':') : [v.source ?? '', v.target]))
    .find(([, target]) => target === '/var/lib/postgresql/data');
  if (!dataVolume?.[0] || !(dataVolume[0] in (c.volumes ?? {}))) {
    problems.push(`${dbName}: /var/lib/postgresql/data is not on a named volume`);
  }
  return problems;
}

function uiProblems(c: Compose): string[] {
  const ui = Object.entries(c.services).find(([, s]) => /^temporalio\/ui:/.test(s.image ?? ''));
  if (!ui) return ['no temporalio/ui service'];
  const [uiName, uiService] = ui;
  const problems = addressProblems(c, uiName);
  const uiPublished = publishedPort(uiService, UI_CONTAINER_PORT);
  if (uiPublished === undefined) problems.push(`${uiName}: container port ${UI_CONTAINER_PORT} is not published`);
  const api = c.services[APP_SERVICES.api];
  if (api) {
    const link = envOf(api).TEMPORAL_UI_URL ?? '';
    if (link !== `http://localhost:${uiPublished}`) problems.push(`api: TEMPORAL_UI_URL ${link} is not the published UI (port ${uiPublished})`);
    const origins = (envOf(uiService).TEMPORAL_CORS_ORIGINS ?? '').split(',');
    for (const apiPublished of publishedPorts(api, Number(envOf(api).HTTP_PORT ?? 3000)))
      if (!origins.includes(`http://localhost:${apiPublished}`))
        problems.push(`${uiName}: CORS origins do not include the API's http://localhost:${apiPublished}`);
  }
  return problems;
}

// ---------- Dockerfile ----------

interface Instruction {
  op: string;
  args: string;
}

function dockerInstructions(text: string): Instruction[] {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l);
      return { op: (m?.[1] ?? l).toUpperCase(), args: (m?.[2] ?? '').trim() };
    });
}

/** Simplified .dockerignore matching: plain paths (and their contents) and `*` globs. */
function dockerignored(path: string, patterns: string[]): boolean {
  const clean = path.replace(/^\.\//, '').replace(/\/$/, '');
  return patterns.some((p) => {
    const pat = p.replace(/^\//, '').replace(/\/$/, '');
    if (!pat.includes('*')) return clean === pat || clean.startsWith(`${pat}/`);
    const re = new RegExp(`^${pat.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    return re.test(clean);
  });
}

function scriptOf(words: string[], pkg: PackageJson): string | undefined {
  if (words[0] !== 'npm' || words[1] !== 'run' || !words[2]) return undefined;
  return words[2] in pkg.scripts ? words[2] : undefined;
}

/** Files an npm script runs directly (`tsx src/app/worker.ts`, `node scripts/x.mjs`). */
function scriptEntryFiles(script: string): string[] {
  return script.split(/\s+/).filter((w) => /^(src|scripts)\/.+\.(ts|mjs|js)$/.test(w));
}

function dockerfileProblems(dockerfile: string, ignore: string, pkg: PackageJson): string[] {
  const problems: string[] = [];
  const ins = dockerInstructions(dockerfile);
  const patterns = ignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));

  const from = ins.find((i) => i.op === 'FROM')?.args ?? '';
  // Node 20 reached its end of life in April 2026; the image follows a maintained LTS line.
  if (!/^node:(22|24)[\w.-]*-slim\b/.test(from)) problems.push(`FROM ${from} is not a node:22 or node:24 slim image`);

  const copied: { source: string; index: number }[] = [];
  ins.forEach((i, index) => {
    if (i.op !== 'COPY') return;
    const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
    for (const source of words.slice(0, -1)) copied.push({ source: source.replace(/\/$/, ''), index });
  });
  for (const { source } of copied) {
    if (!existsSync(join(REPO_ROOT, source))) problems.push(`COPY ${source}: no such file in the repo`);
    if (dockerignored(source, patterns)) problems.push(`COPY ${source}: excluded by .dockerignore`);
  }
  const copiedBefore = (file: string, index: number) => copied.some((c) => c.index < index && (file === c.source || file.startsWith(`${c.source}/`)));

  const install = ins.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
  if (install < 0) problems.push('no RUN npm ci');
  else {
    if (!/--omit=dev\b/.test(ins[install]!.args)) problems.push('npm ci does not --omit=dev');
    for (const f of ['package.json', 'package-lock.json']) if (!copiedBefore(f, install)) problems.push(`${f} is not copied before npm ci`);
    // npm ci runs postinstall: its script must be in the image, and told to skip the CLI download.
    for (const f of scriptEntryFiles(pkg.scripts.postinstall ?? '')) {
      if (!copiedBefore(f, install)) problems.push(`postinstall needs ${f}, not copied before npm ci`);
    }
    const skip = ins.slice(0, install).some((i) => i.op === 'ENV' && /\bTEMPORAL_CLI_SKIP_INSTALL=1\b/.test(i.args));
    if (!skip) problems.push('TEMPORAL_CLI_SKIP_INSTALL=1 is not set before npm ci');
  }

  const users = ins.filter((i) => i.op === 'USER');
  if (users[users.length - 1]?.args !== 'node') problems.push('the image does not run as the node user');
  if (!ins.some((i) => i.op === 'ENV' && /\bHTTP_HOST=0\.0\.0\.0\b/.test(i.args))) problems.push('HTTP_HOST is not 0.0.0.0');

  const cmd = ins.filter((i) => i.op === 'CMD').pop()?.args ?? '';
  let cmdWords: string[] = [];
  try {
    cmdWords = JSON.parse(cmd) as string[];
  } catch {
    problems.push(`CMD ${cmd} is not in exec (JSON) form`);
  }
  const script = scriptOf(cmdWords, pkg);
  if (!script) problems.push(`CMD ${cmd} does not run an npm script of package.json`);
  // The scripts the image can run must find their entry files in it.
  for (const name of new Set([script ?? '', APP_SERVICES.worker, APP_SERVICES.api].filter(Boolean))) {
    for (const f of scriptEntryFiles(pkg.scripts[name] ?? '')) {
      if (!existsSync(join(REPO_ROOT, f))) problems.push(`script ${name}: ${f} does not exist`);
      if (!copiedBefore(f, ins.length)) problems.push(`script ${name}: ${f} is not copied into the image`);
    }
  }
  return problems;
}

/** worker and api: built from this repo's Dockerfile, each running its own npm script. */
function appServiceProblems(c: Compose, pkg: PackageJson): string[] {
  const problems: string[] = [];
  for (const [name, script] of Object.entries(APP_SERVICES)) {
    const s = c.services[name];
    if (!s) {
      problems.push(`service ${name} is missing`);
      continue;
    }
    const context = typeof s.build === 'string' ? s.build : s.build?.context;
    if (context !== '.') problems.push(`${name}: build is ${JSON.stringify(s.build)}, expected .`);
    const dockerfile = join(context ?? '.', typeof s.build === 'object' && s.build.dockerfile ? s.build.dockerfile : 'Dockerfile');
    if (!existsSync(join(REPO_ROOT, dockerfile))) problems.push(`${name}: ${dockerfile} does not exist`);
    if (!(script in pkg.scripts)) problems.push(`package.json has no script ${script}`);
    const words = commandWords(s.command);
    if (scriptOf(words, pkg) !== script) problems.push(`${name}: command ${words.join(' ')} is not npm run ${script}`);
  }
  const api = c.services[APP_SERVICES.api];
  if (api) {
    const env = envOf(api);
    const port = Number(env.HTTP_PORT ?? 3000);
    if (env.HTTP_HOST !== undefined && env.HTTP_HOST !== '0.0.0.0')
      problems.push(`api: HTTP_HOST ${env.HTTP_HOST} is not reachable from outside the container`);
    if (publishedPort(api, port) === undefined) problems.push(`api: HTTP_PORT ${port} is not published`);
    const health = healthcheckText(api);
    if (!health.includes(`:${port}/healthz`)) problems.push(`api: healthcheck does not probe /healthz on port ${port}`);
  }
  return problems;
}

/** Docker image reference → its tag, or undefined when untagged. */
function imageTag(image: string): string | undefined {
  if (image.includes('@sha256:')) return image.split('@')[1];
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 ? undefined : image.slice(colon + 1);
}

function imageProblems(c: Compose, dockerfile: string): string[] {
  const problems: string[] = [];
  const images: [string, string][] = Object.entries(c.services).flatMap(([n, s]) => {
    if (!s.image && !s.build) problems.push(`${n}: neither image nor build`);
    return s.image ? [[n, s.image] as [string, string]] : [];
  });
  for (const i of dockerInstructions(dockerfile).filter((i) => i.op === 'FROM')) images.push(['Dockerfile', i.args.split(/\s+/)[0]!]);
  for (const [where, image] of images) {
    const tag = imageTag(image);
    if (!tag) problems.push(`${where}: ${image} has no tag`);
    else if (tag === 'latest' || tag.includes('$')) problems.push(`${where}: ${image} is not pinned`);
  }
  return problems;
}

/** Every app replica shares the engine database and the grant key; none keeps state on a volume of its own. */
function sharedStateProblems(c: Compose): string[] {
  const problems: string[] = [];
  const db = c.services.postgresql;
  const initScripts = (db?.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
  if (!initScripts.some((t) => t?.startsWith('/docker-entrypoint-initdb.d/'))) problems.push('postgresql: nothing creates the engine database');
  for (const name of Object.values(APP_SERVICES)) {
    const service = c.services[name];
    if (!service) continue;
    const env = envOf(service);
    const url = env.ENGINE_DATABASE_URL ? new URL(env.ENGINE_DATABASE_URL.replace(/\$\{[^}]*\}/g, 'x')) : null;
    if (!url) problems.push(`${name}: no ENGINE_DATABASE_URL`);
    else if (!(url.hostname in c.services)) problems.push(`${name}: ENGINE_DATABASE_URL host ${url.hostname} is not a service`);
    if (!('GRANT_SIGNING_KEY' in env)) problems.push(`${name}: GRANT_SIGNING_KEY is not passed`);
    if ((service.volumes ?? []).length > 0) problems.push(`${name}: keeps state on a volume`);
    const replicas = (service as { deploy?: { replicas?: number } }).deploy?.replicas ?? 1;
    if (replicas < 2) problems.push(`${name}: ${replicas} replica`);
  }
  const [worker, api] = [c.services.worker, c.services.api].map((s) => (s ? envOf(s).ENGINE_DATABASE_URL : undefined));
  if (worker !== api) problems.push('worker and api use different engine databases');
  return problems;
}

// ---------- mutations ----------

function mutated(edit: (c: Compose) => void): Compose {
  const copy = structuredClone(readCompose());
  edit(copy);
  return copy;
}

function renameService(c: Compose, from: string, to: string): void {
  const s = c.services[from]!;
  delete c.services[from];
  c.services[to] = s;
}

function setEnv(s: Service, key: string, value: string): void {
  s.environment = { ...envOf(s), [key]: value };
}

// ---------- tests ----------

describe('docker-compose.yml wiring', () => {
  it('declares the five services of the stack', () => {
    expect(Object.keys(readCompose().services).sort()).toEqual(['api', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
  });

  it('every depends_on names an existing service, and healthy-waits have a healthcheck', () => {
    expect(dependencyProblems(readCompose())).toEqual([]);
    expect(dependencyProblems(mutated((c) => renameService(c, 'postgresql', 'postgres')))).toContain('temporal depends on missing service postgresql');
    expect(dependencyProblems(mutated((c) => delete c.services.temporal!.healthcheck))).toEqual(
      expect.arrayContaining(['worker waits for temporal to be healthy, but temporal has no healthcheck']),
    );
  });

  it('worker and api reach the Temporal service on its frontend port 7233, in the namespace it creates', () => {
    const c = readCompose();
    expect(temporalServiceName(c)).toBe('temporal');
    expect(clientProblems(c)).toEqual([]);
    expect(envOf(c.services.worker!).TEMPORAL_ADDRESS).toBe('temporal:7233');

    expect(clientProblems(mutated((c) => renameService(c, 'temporal', 'temporal-server')))).toEqual(
      expect.arrayContaining([
        'worker: TEMPORAL_ADDRESS host temporal is not the Temporal service temporal-server',
        'api: TEMPORAL_ADDRESS host temporal is not the Temporal service temporal-server',
      ]),
    );
    expect(clientProblems(mutated((c) => setEnv(c.services.api!, 'TEMPORAL_ADDRESS', 'temporal:7234')))).toEqual(
      expect.arrayContaining(['api: TEMPORAL_ADDRESS port 7234 is not the frontend port 7233', 'api: port 7234 is not exposed by temporal']),
    );
    expect(clientProblems(mutated((c) => setEnv(c.services.worker!, 'TEMPORAL_TASK_QUEUE', 'other')))).toEqual([
      'api starts workflows on task queue ${TEMPORAL_TASK_QUEUE:-it-support} but the worker polls other',
    ]);
    expect(clientProblems(mutated((c) => setEnv(c.services.temporal!, 'DEFAULT_NAMESPACE', 'support')))).toHaveLength(2);
  });

  it('worker and api replicas share the engine database and the grant key, with no volume of their own', () => {
    expect(sharedStateProblems(readCompose())).toEqual([]);
    expect(sharedStateProblems(mutated((c) => (c.services.worker!.volumes = ['engine-data:/app/.data'])))).toEqual(['worker: keeps state on a volume']);
    expect(sharedStateProblems(mutated((c) => setEnv(c.services.api!, 'ENGINE_DATABASE_URL', 'postgres://u:p@db:5432/engine')))).toEqual([
      'api: ENGINE_DATABASE_URL host db is not a service',
      'worker and api use different engine databases',
    ]);
    expect(
      sharedStateProblems(
        mutated((c) => {
          const { GRANT_SIGNING_KEY: _, ...rest } = envOf(c.services.worker!);
          c.services.worker!.environment = rest;
        }),
      ),
    ).toEqual(['worker: GRANT_SIGNING_KEY is not passed']);
    expect(sharedStateProblems(mutated((c) => delete (c.services.api as { deploy?: unknown }).deploy))).toEqual(['api: 1 replica']);
  });

  it('temporal waits for postgresql and its DB settings point at it', () => {
    expect(databaseProblems(readCompose())).toEqual([]);
    expect(databaseProblems(mutated((c) => setEnv(c.services.temporal!, 'POSTGRES_SEEDS', 'postgres')))).toEqual([
      'temporal: POSTGRES_SEEDS postgres is not a service',
    ]);
    expect(databaseProblems(mutated((c) => setEnv(c.services.temporal!, 'DB_PORT', '5433')))).toEqual(['temporal: DB_PORT 5433 is not a port of postgresql']);
    expect(databaseProblems(mutated((c) => setEnv(c.services.postgresql!, 'POSTGRES_PASSWORD', 'other')))).toEqual([
      "temporal: POSTGRES_PWD differs from postgresql's POSTGRES_PASSWORD",
    ]);
    expect(databaseProblems(mutated((c) => (c.services.temporal!.depends_on = { postgresql: { condition: 'service_started' } })))).toEqual([
      'temporal does not wait for postgresql to be healthy',
    ]);
  });

  it('temporal-ui points at temporal, and the API links to and is allowed by the UI', () => {
    expect(uiProblems(readCompose())).toEqual([]);
    expect(uiProblems(mutated((c) => setEnv(c.services['temporal-ui']!, 'TEMPORAL_ADDRESS', 'temporal-frontend:7233')))).toEqual([
      'temporal-ui: TEMPORAL_ADDRESS host temporal-frontend is not the Temporal service temporal',
    ]);
    expect(uiProblems(mutated((c) => (c.services['temporal-ui']!.ports = ['8088:8080'])))).toEqual([
      'api: TEMPORAL_UI_URL http://localhost:8080 is not the published UI (port 8088)',
    ]);
  });

  it('worker and api are built from the Dockerfile and run npm scripts that exist', () => {
    const pkg = readPackage();
    expect(pkg.scripts.worker).toMatch(/\bsrc\/app\/worker\.ts\b/);
    expect(pkg.scripts.api).toMatch(/\bsrc\/app\/api\.ts\b/);
    expect(appServiceProblems(readCompose(), pkg)).toEqual([]);
    expect(
      appServiceProblems(
        mutated((c) => (c.services.worker!.command = ['npm', 'run', 'wroker'])),
        pkg,
      ),
    ).toEqual(['worker: command npm run wroker is not npm run worker']);
    expect(
      appServiceProblems(
        mutated((c) => (c.services.api!.build = './api')),
        pkg,
      ),
    ).toEqual(['api: build is "./api", expected .', 'api: api/Dockerfile does not exist']);
    const withoutApi = { scripts: Object.fromEntries(Object.entries(pkg.scripts).filter(([name]) => name !== 'api')) };
    expect(appServiceProblems(readCompose(), withoutApi)).toEqual(['package.json has no script api', 'api: command npm run api is not npm run api']);
    expect(
      appServiceProblems(
        mutated((c) => (c.services.api!.ports = ['3001:3001'])),
        pkg,
      ),
    ).toEqual(['api: HTTP_PORT 3000 is not published']);
  });

  it('the Dockerfile installs production dependencies, copies what the scripts run, and runs as node', () => {
    const pkg = readPackage();
    const dockerfile = readDockerfile();
    const ignore = readDockerignore();
    expect(dockerfileProblems(dockerfile, ignore, pkg)).toEqual([]);
    expect(dockerfileProblems(dockerfile.replace('"run", "worker"', '"run", "wroker"'), ignore, pkg)).toContain(
      'CMD ["npm", "run", "wroker"] does not run an npm script of package.json',
    );
    expect(dockerfileProblems(dockerfile.replace(/^USER node$/m, ''), ignore, pkg)).toEqual(['the image does not run as the node user']);
    expect(dockerfileProblems(dockerfile.replace(/^FROM .*$/m, 'FROM node:20-bookworm-slim'), ignore, pkg)).toEqual([
      'FROM node:20-bookworm-slim is not a node:22 or node:24 slim image',
    ]);
    expect(dockerfileProblems(dockerfile.replace(/^COPY src\/.*$/m, ''), ignore, pkg)).toEqual([
      'script worker: src/app/worker.ts is not copied into the image',
      'script api: src/app/api.ts is not copied into the image',
    ]);
    expect(dockerfileProblems(dockerfile.replace('TEMPORAL_CLI_SKIP_INSTALL=1', 'TEMPORAL_CLI_SKIP_INSTALL=0'), ignore, pkg)).toEqual([
      'TEMPORAL_CLI_SKIP_INSTALL=1 is not set before npm ci',
    ]);
    expect(dockerfileProblems(dockerfile, `${ignore}\ncontent\n`, pkg)).toEqual(['COPY content: excluded by .dockerignore']);
    // The build context must not drag in local state (installed modules, the CLI, data, git).
    for (const local of ['node_modules', '.tools', '.data', '.git']) expect(dockerignored(local, ignore.split('\n'))).toBe(true);
  });

  it('pins every image to a tag other than latest', () => {
    const c = readCompose();
    expect(imageProblems(c, readDockerfile())).toEqual([]);
    expect(
      imageProblems(
        mutated((c) => (c.services['temporal-ui']!.image = 'temporalio/ui')),
        readDockerfile(),
      ),
    ).toEqual(['temporal-ui: temporalio/ui has no tag']);
    expect(
      imageProblems(
        mutated((c) => (c.services.postgresql!.image = 'postgres:latest')),
        readDockerfile(),
      ),
    ).toEqual(['postgresql: postgres:latest is not pinned']);
    expect(imageProblems(c, readDockerfile().replace(/^FROM .*$/m, 'FROM node'))).toEqual(['Dockerfile: node has no tag']);
    expect(imageTag('localhost:5000/app:1.2')).toBe('1.2');
  });
});

// ---------- docker-compose itself ----------

function composeConfig(file: string) {
  const env = { ...process.env };
  delete env.COMPOSE_FILE; // -f decides which file is read
  return spawnSync('docker-compose', ['-f', file, 'config', '-q'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env });
}

describe('docker-compose config -q', () => {
  it('accepts docker-compose.yml and rejects a misspelt dependency', () => {
    const ok = composeConfig(COMPOSE_FILE);
    expect(ok.error, 'docker-compose is not on PATH: npm run test:prerequisites installs it').toBeUndefined();
    expect(ok.status, ok.stderr).toBe(0);

    const dir = mkdtempSync(join(tmpdir(), 'compose-test-'));
    try {
      const broken = join(dir, 'docker-compose.yml');
      writeFileSync(broken, stringify(mutated((c) => (c.services.worker!.depends_on = { temporl: { condition: 'service_healthy' } }))));
      const bad = composeConfig(broken);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/temporl/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
