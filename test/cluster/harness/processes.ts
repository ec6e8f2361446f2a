// Child processes of the cluster tests: each in its own process group (so a kill reaches whatever it
// started, e.g. tsx's loader or a shell), its output in a log file of the cluster's temp folder, and
// the tail of that file at hand for the failure report. Every process started here is killed when
// the test file ends, and also when the test runner itself exits without tearing down.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `ok` until it holds; fails naming `what` (and `detail()`) after `ms`. Generous by default: the machines are shared. */
export async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 120_000, detail?: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await sleep(100);
  }
}

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** The whole log so far. */
  log(): string;
  /** Its last `lines` lines. */
  tail(lines?: number): string;
  exited(): boolean;
  /** Resolves when the process has exited. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` to its whole process group and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<Proc>();
process.once('exit', () => {
  for (const p of running) killGroup(p.pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  /** The whole environment of the child (nothing is inherited unless given here). */
  env: Record<string, string | undefined>;
  cwd: string;
  /** The folder of the log file `<name>.log`. */
  logDir: string;
}

export function spawnLogged(o: SpawnOptions): Proc {
  const logFile = join(o.logDir, `${o.name.replace(/[^a-z0-9.-]+/gi, '-')}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(o.command, o.args, { cwd: o.cwd, env: o.env as NodeJS.ProcessEnv, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let gone = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      running.delete(proc);
      resolve({ code, signal });
    }),
  );
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const proc: Proc = {
    name: o.name,
    pid: child.pid!,
    child,
    logFile,
    log,
    tail: (lines = 40) => log().split('\n').slice(-lines).join('\n'),
    exited: () => gone,
    exit,
    async kill(signal = 'SIGKILL') {
      if (gone) return;
      killGroup(proc.pid, signal);
      const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => killGroup(proc.pid, 'SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
      // Whatever else ran in its group (a grandchild that outlived it).
      killGroup(proc.pid, 'SIGKILL');
    },
  };
  running.add(proc);
  return proc;
}

/** The tails of every log, for a failure report. */
export function describeProcs(procs: Iterable<Proc>, lines = 30): string {
  return [...procs]
    .map((p) => `----- ${p.name} (pid ${p.pid}${p.exited() ? `, exited ${p.child.exitCode ?? p.child.signalCode}` : ''}) ${p.logFile}\n${p.tail(lines)}`)
    .join('\n');
}

/** Kills every process started here that still runs (SIGKILL to its group). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
}
