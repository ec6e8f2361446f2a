import { CommanderError } from 'commander';
import type { DirectoryPort } from '../../activities/directory/port.js';
import type { Config } from '../../config/index.js';
import type { Content } from '../../stack/content.js';

/** Where the CLI writes, and the environment it reads its settings from (handed in by the entry point). */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

/** The adapters the CLI needs, built by the composition root (src/app/cli.ts). */
export interface CliDeps {
  /** The configured directory (LDAP, or the demo directory from the content). */
  createDirectory: (config: Config, content: Content) => DirectoryPort;
}

/** Ends the command with exit code 1 and the message on standard error (see runCli). */
export function fail(message: string): never {
  throw new CommanderError(1, 'itse.failed', message);
}
