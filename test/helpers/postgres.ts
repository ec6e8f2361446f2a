import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/stack/ports.js';

const run = promisify(execFile);

const INSTALL_HINT =
  'npm run test:prerequisites installs it (Debian/Ubuntu: sudo apt-get install -y --no-install-recommends postgresql; macOS: brew install postgresql@15)';
/** The superuser initdb creates, whoever runs it; trust authentication, so no password. */
const SUPERUSER = 'postgres';
/** The version the project targets; another installed major is used only when 15 is not there. */
const PREFERRED_MAJOR = 15;

export interface PostgresOptions {
  /** The folder in which the server's own temporary folder is made (default: the OS temp folder). */
  dir?: string;
}

export interface Postgres {
  host: string;
  port: number;
  user: string;
  /** A connection URL for `database` on this server (`postgres://postgres@127.0.0.1:<port>/<database>`). */
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  /** Stops the server (`pg_ctl stop -m fast`) and removes its folder; a second call does nothing. */
  stop(): Promise<void>;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const SERVER_PROGRAMS = ['initdb', 'pg_ctl', 'postgres', 'createdb'];

/**
 * The folder holding initdb, pg_ctl, postgres and createdb: Debian's /usr/lib/postgresql/<major>/bin
 * (15 first, else the newest), Homebrew's postgresql@15, else PATH.
 */
export function postgresBinDir(): string {
  const complete = (dir: string) => SERVER_PROGRAMS.every((p) => executable(join(dir, p)));
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .map(Number)
        .sort((a, b) => (a === PREFERRED_MAJOR ? -1 : b === PREFERRED_MAJOR ? 1 : b - a))
    : [];
  for (const major of majors) {
    const dir = join(root, String(major), 'bin');
    if (complete(dir)) return dir;
  }
  // Homebrew's postgresql@15 is keg-only: its programs are not on PATH unless linked.
  const brew = ['/opt/homebrew/opt/postgresql@15/bin', '/usr/local/opt/postgresql@15/bin'].find(complete);
  if (brew) return brew;
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).find(complete);
  if (onPath) return onPath;
  throw new Error(
    `PostgreSQL server programs (${SERVER_PROGRAMS.join(', ')}) not found under ${root}/<version>/bin, Homebrew's postgresql@15 or PATH: ${INSTALL_HINT}`,
  );
}

const isRoot = () => process.getuid?.() === 0;

/** Runs a server program as the `postgres` OS user when we are root (initdb and postgres refuse root). */
async function runServerProgram(bin: string, program: string, args: string[]): Promise<void> {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', SUPERUSER, '--', join(bin, program), ...args]] : [join(bin, program), args];
  await run(cmd, argv, { env: { ...process.env, LC_ALL: 'C', LANG: 'C' }, timeout: 60_000 });
}

async function postgresAccount(): Promise<{ uid: number; gid: number }> {
  try {
    const { stdout } = await run('id', ['-u', SUPERUSER]);
    const { stdout: gid } = await run('id', ['-g', SUPERUSER]);
    return { uid: Number(stdout.trim()), gid: Number(gid.trim()) };
  } catch {
    throw new Error(
      `running as root, the PostgreSQL server must run as the '${SUPERUSER}' OS user, which does not exist here: ${INSTALL_HINT} (the package creates it)`,
    );
  }
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-20).join('\n');
}

function stderrOf(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr || err.message || String(e)).trim();
}

/**
 * A real PostgreSQL server for one test file: its own temporary folder (data, unix socket, log),
 * listening on a free 127.0.0.1 port, trust authentication for the `postgres` superuser, and
 * durability off (fsync, synchronous commit, full-page writes), since nothing survives the test.
 * As root, the folder is handed to the `postgres` OS user, which runs initdb and the server.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  const parent = options.dir ?? tmpdir();
  await mkdir(parent, { recursive: true });
  const folder = await mkdtemp(join(parent, 'pg-'));
  const data = join(folder, 'data');
  const log = join(folder, 'postgres.log');
  let stopped = false;
  const removeFolder = () => rm(folder, { recursive: true, force: true });
  try {
    await mkdir(data, { mode: 0o700 });
    if (isRoot()) {
      const { uid, gid } = await postgresAccount();
      await chown(folder, uid, gid);
      await chown(data, uid, gid);
      // mkdtemp makes it 0700: the postgres user owns it now, and must be able to reach it.
      await chmod(folder, 0o700);
    }
    try {
      await runServerProgram(bin, 'initdb', ['-D', data, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    } catch (e) {
      const who = isRoot() ? SUPERUSER : userInfo().username;
      throw new Error(`initdb in ${data} (as ${who}) failed: ${stderrOf(e)}${isRoot() ? ` (the '${SUPERUSER}' user must be able to reach ${parent})` : ''}`);
    }
    // Loopback and the folder's own socket only; trust (set by initdb) is then safe enough for tests.
    await appendFile(
      join(data, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${folder}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 200',
        "log_min_messages = 'warning'",
        '',
      ].join('\n'),
    );
    // The port was free a moment ago; another process may take it first, so a few tries.
    let port = 0;
    let lastError = '';
    for (let attempt = 0; attempt < 4 && port === 0; attempt++) {
      const candidate = await freePort();
      try {
        await runServerProgram(bin, 'pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', log, '-o', `-p ${candidate}`]);
        port = candidate;
      } catch (e) {
        lastError = `${stderrOf(e)}\n${await logTail(log)}`;
      }
    }
    if (port === 0) throw new Error(`PostgreSQL (${bin}) did not start in ${data}:\n${lastError}`);

    const host = '127.0.0.1';
    const url = (database: string) => `postgres://${SUPERUSER}@${host}:${port}/${encodeURIComponent(database)}`;
    return {
      host,
      port,
      user: SUPERUSER,
      url,
      async createDatabase(name: string): Promise<void> {
        try {
          await run(join(bin, 'createdb'), ['-h', host, '-p', String(port), '-U', SUPERUSER, name], { timeout: 30_000 });
        } catch (e) {
          throw new Error(`createdb ${name} on ${host}:${port} failed: ${stderrOf(e)}`);
        }
      },
      async stop(): Promise<void> {
        if (stopped) return;
        stopped = true;
        try {
          await runServerProgram(bin, 'pg_ctl', ['stop', '-w', '-t', '60', '-D', data, '-m', 'fast']);
        } finally {
          await removeFolder();
        }
      },
    };
  } catch (e) {
    // A half-started server: stop it if it runs, then remove what was made.
    await runServerProgram(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate']).catch(() => undefined);
    await removeFolder();
    throw e;
  }
}
