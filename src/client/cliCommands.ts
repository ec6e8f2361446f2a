import { Command, CommanderError } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { clusterAddress, loadConfig, PROJECT_ROOT } from '../config.js';
import { loadContent } from '../content.js';
import { ContentError } from '../domain/content.js';
import { connectClient } from '../stack/connection.js';
import { resolveTemporalCli } from '../stack/temporalCli.js';
import { runStatus } from './runStatus.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

/** The staff CLI. Commands set process-independent exit codes through CommanderError. */
export function buildCli(io: CliIo): Command {
  const program = new Command('itse')
    .description('IT-support engine: check content, inspect automations')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const fail = (message: string): never => {
    throw new CommanderError(1, 'itse.failed', message);
  };

  program
    .command('validate')
    .description('validate every content file (routing rules, policy, directory); exit 1 with file:line errors')
    .argument('[dir]', 'content folder', loadConfig(io.env).contentDir)
    .action(async (dir: string) => {
      try {
        const content = await loadContent(dir);
        io.out(`${dir}: ${content.routing.rules.length} routing rules, ${Object.keys(content.policy.actions).length} policy actions, ${content.directory.users.length} directory users: all valid`);
      } catch (e) {
        if (!(e instanceof ContentError)) throw e;
        for (const line of e.message.split('\n')) io.err(line);
        fail(`${e.issues.length} problem(s) in ${dir}`);
      }
    });

  program
    .command('status')
    .description('show the state, progress and result of an automation run')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const config = loadConfig(io.env);
      const client = await connectClient(config.temporal, clusterAddress(config));
      try {
        const run = await runStatus(client, workflowId).catch((e: unknown) => (e instanceof WorkflowNotFoundError ? fail(`no workflow ${workflowId}`) : Promise.reject(e)));
        io.out(`${run.workflowId} (${run.type}): ${run.status}`);
        for (const step of run.progress?.steps ?? []) io.out(`  ${step.status.padEnd(7)} ${step.name}${step.detail ? ` - ${step.detail}` : ''}`);
        if (run.result) io.out(JSON.stringify(run.result, null, 2));
      } finally {
        await client.connection.close();
      }
    });

  program
    .command('temporal-cli')
    .description('print which Temporal CLI `npm start` would run, and why')
    .action(() => {
      const cli = resolveTemporalCli({ env: io.env, projectRoot: PROJECT_ROOT });
      io.out(cli.path ? `${cli.path} (from ${cli.source})` : 'none found locally: the SDK will download the dev server (needs internet)');
    });

  return program;
}

/** Runs the CLI and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await buildCli(io).parseAsync(argv, { from: 'user' });
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
