import { Command, CommanderError } from 'commander';
import { addApprovalCommands } from './approvals.js';
import { addRecordCommands } from './audit.js';
import { addContentCommands } from './content.js';
import { addDeadLetterCommands } from './deadLetters.js';
import { addDefinitionCommands } from './definitions.js';
import type { CliDeps, CliIo } from './io.js';
import { addRunCommands } from './runs.js';
import { addServerCommands } from './server.js';
import { addTroubleshootingCommands } from './troubleshooting.js';

export type { CliDeps, CliIo } from './io.js';

/** The staff CLI. Commands set process-independent exit codes through CommanderError. */
export function buildCli(io: CliIo, deps: CliDeps): Command {
  const program = new Command('itse')
    .description('IT-support engine: check content, inspect automations')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  // Registered in this order, which is the order `itse --help` lists them in.
  addContentCommands(program, io);
  addRunCommands(program, io);
  addDeadLetterCommands(program, io);
  addTroubleshootingCommands(program, io, deps);
  addDefinitionCommands(program, io);
  addRecordCommands(program, io);
  addApprovalCommands(program, io, deps);
  addServerCommands(program, io);
  return program;
}

/** Runs the CLI and returns the exit code. */
export async function runCli(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  try {
    await buildCli(io, deps).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'itse.failed') io.err(e.message);
      return e.exitCode;
    }
    io.err(e instanceof Error ? e.message : String(e));
    return 1;
  }
}
