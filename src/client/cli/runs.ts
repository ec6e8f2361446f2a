import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { runStatus } from '../runStatus.js';
import { listRunning, type RunningAutomation } from '../runs.js';
import { fail, type CliIo } from './io.js';
import { withClient } from './resources.js';

/** The runs as a table: workflow id, type, ticket (or self-service requester), start time and state. */
function printRunTable(io: CliIo, runs: RunningAutomation[]): void {
  const rows = [
    ['WORKFLOW ID', 'TYPE', 'TICKET', 'STARTED', 'STATE'],
    ...runs.map((r) => [r.workflowId, r.type, r.ticket ?? (r.requestedBy ? `self-service:${r.requestedBy}` : '-'), r.startTime, r.state]),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) io.out(row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  '));
}

/** `status <workflowId>` and `runs`: automation runs on the engine's task queues. */
export function addRunCommands(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('show the state, progress and result of an automation run')
    .argument('<workflowId>')
    .action((workflowId: string) =>
      withClient(io, async (client) => {
        const run = await runStatus(client, workflowId).catch((e: unknown) =>
          e instanceof WorkflowNotFoundError ? fail(`no workflow ${workflowId}`) : Promise.reject(e),
        );
        io.out(`${run.workflowId} (${run.type}): ${run.status}`);
        for (const step of run.progress?.steps ?? []) io.out(`  ${step.status.padEnd(7)} ${step.name}${step.detail ? ` - ${step.detail}` : ''}`);
        if (run.result) io.out(JSON.stringify(run.result, null, 2));
      }),
    );

  program
    .command('runs')
    .description('running automations on the task queue: type, workflow id, ticket, start time and state')
    .option('--json', 'JSON: one object per run, with its progress or session view')
    .option('--limit <n>', 'at most this many (newest first)', (v) => Number(v), 100)
    .action(async (opts: { json?: boolean; limit: number }) => {
      if (!Number.isSafeInteger(opts.limit) || opts.limit < 1) fail('--limit must be a positive whole number');
      await withClient(io, async (client, config) => {
        const queues = [...new Set(Object.values(config.temporal.queues))];
        const runs = (await Promise.all(queues.map((taskQueue) => listRunning(client, { taskQueue, limit: opts.limit }))))
          .flat()
          .sort((a, b) => (a.startTime < b.startTime ? 1 : -1))
          .slice(0, opts.limit);
        if (opts.json) return io.out(JSON.stringify(runs, null, 2));
        if (runs.length === 0) return io.out(`no running automations on task queue${queues.length > 1 ? 's' : ''} ${queues.map((q) => `"${q}"`).join(', ')}`);
        printRunTable(io, runs);
      });
    });
}
