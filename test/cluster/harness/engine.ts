// Engine hosts of the cluster tests: `npm run worker` (src/app/worker.ts) and `npm run api`
// (src/app/api.ts) as processes of their own, each with its own DATA_DIR (a host's local disk), all
// sharing what a real deployment shares: the Temporal cluster, the engine database
// (ENGINE_DATABASE_URL), the grant key and the outside systems. And the staff CLI (src/app/cli.ts),
// run once per command like a person at a third machine.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../../src/config/index.js';
import { spawnLogged, until, type Proc } from './processes.js';

const run = promisify(execFile);

export interface EngineHost extends Proc {
  kind: 'worker' | 'api';
  dataDir: string;
  env: Record<string, string>;
  /** The API's base URL (APIs only). */
  url: string;
  /** The identity the worker's SDK gives Temporal: `<pid>@<hostname>` (workers only). */
  identity: string;
}

/** pino's JSON lines of a host's log. */
export function logLines(p: Proc): Array<Record<string, unknown>> {
  return p
    .log()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

function spawnEngine(name: string, script: string, env: Record<string, string>, logDir: string): Proc {
  // Straight under node (not npm, not the tsx CLI), so a signal reaches the engine itself.
  return spawnLogged({ name, command: process.execPath, args: ['--import', 'tsx', script], env, cwd: PROJECT_ROOT, logDir });
}

async function started(p: Proc, what: string, ready: () => boolean | Promise<boolean>): Promise<void> {
  await until(
    what,
    async () => {
      if (p.exited()) throw new Error(`${p.name} exited during start-up:\n${p.tail(80)}`);
      return ready();
    },
    180_000,
    () => p.tail(80),
  );
}

export async function startWorkerHost(o: { name: string; env: Record<string, string>; root: string; hostname: string }): Promise<EngineHost> {
  const dataDir = join(o.root, o.name);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const env = { ...o.env, DATA_DIR: dataDir };
  const p = spawnEngine(o.name, 'src/app/worker.ts', env, o.root);
  await started(p, `${o.name} to start`, () => logLines(p).some((l) => l.msg === 'worker running'));
  return Object.assign(p, { kind: 'worker' as const, dataDir, env, url: '', identity: `${p.pid}@${o.hostname}` });
}

export async function startApiHost(o: { name: string; env: Record<string, string>; root: string; port: number }): Promise<EngineHost> {
  const dataDir = join(o.root, o.name);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const env = { ...o.env, DATA_DIR: dataDir, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(o.port) };
  const url = `http://127.0.0.1:${o.port}`;
  const p = spawnEngine(o.name, 'src/app/api.ts', env, o.root);
  await started(p, `${o.name} to answer on ${url}`, () =>
    fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ),
  );
  return Object.assign(p, { kind: 'api' as const, dataDir, env, url, identity: '' });
}

/** Runs the staff CLI once (`npm run cli -- <args>`) with `env` and its own data folder; its exit code and output. */
export async function runCli(args: string[], env: Record<string, string>, dataDir: string): Promise<{ code: number; out: string }> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/app/cli.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...env, DATA_DIR: dataDir },
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string; message?: string };
    return {
      code: typeof err.code === 'number' ? err.code : 1,
      out: `${err.stdout ?? ''}${err.stderr ?? ''}${err.stdout || err.stderr ? '' : (err.message ?? '')}`,
    };
  }
}
