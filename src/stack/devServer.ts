import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { dynamicConfigArgs } from './serverSettings.js';
import type { ResolvedCli } from './temporalCli.js';

export interface DevServerOptions {
  cli: ResolvedCli;
  ip: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** SQLite file; the server's state survives restarts on the same file. */
  dbFile: string;
  onOutput?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

async function waitUntilServing(address: string, child: { exited: boolean; output: string[] }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exited) throw new Error(`temporal dev server exited during start-up:\n${child.output.slice(-20).join('\n')}`);
    try {
      // Its own subchannel pool: the probe neither waits out nor resets the reconnect back-off of
      // the process's other connections to the same address.
      const connection = await Connection.connect({ address, connectTimeout: 1000, channelArgs: { 'grpc.use_local_subchannel_pool': 1 } });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal dev server did not answer on ${address} within ${timeoutMs} ms: ${String(lastError)}`);
}

/** The command line of `temporal server start-dev` for these options. */
export function startDevArgs(options: Omit<DevServerOptions, 'cli' | 'onOutput'>): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    options.ip,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--db-filename',
    options.dbFile,
    '--log-level',
    'warn',
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...dynamicConfigArgs(),
  ];
}

/**
 * Runs `temporal server start-dev` as a child process: the real Temporal server with SQLite
 * persistence and the Web UI. Without a local CLI it falls back to the SDK's downloaded server.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  mkdirSync(dirname(options.dbFile), { recursive: true });
  const address = `${options.ip}:${options.port}`;
  const uiUrl = `http://${options.ip}:${options.uiPort}`;
  if (!options.cli.path) return startWithSdkDownload(options, address, uiUrl);

  const args = startDevArgs(options);
  // Own process group: a terminal Ctrl-C reaches only us, and we stop the server last, after the
  // worker has drained. If this process dies without stopping it, 'exit' still takes it down.
  const proc: ChildProcess = spawn(options.cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  const state = { exited: false, output: [] as string[] };
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      state.exited = true;
      resolve();
    }),
  );
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      state.output.push(line);
      if (state.output.length > 200) state.output.shift();
      options.onOutput?.(line);
    }
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const stop = async () => {
    if (state.exited) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    process.off('exit', killOnExit);
  };
  try {
    await waitUntilServing(address, state, 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { address, uiUrl, stop };
}

async function startWithSdkDownload(options: DevServerOptions, address: string, uiUrl: string): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip: options.ip,
      port: options.port,
      ui: true,
      uiPort: options.uiPort,
      namespace: options.namespace,
      dbFilename: options.dbFile,
      extraArgs: dynamicConfigArgs(),
    },
  });
  return { address, uiUrl, stop: () => env.teardown() };
}
