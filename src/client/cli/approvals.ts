import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { loadContent } from '../../stack/content.js';
import { submitApproval, updateFailureMessage, withDirectoryGroups } from '../approvals.js';
import { fail, type CliDeps, type CliIo } from './io.js';
import { connected } from './resources.js';

/** `approve <workflowId>`: answers a pending approval; the approver's groups come from the configured directory. */
export function addApprovalCommands(program: Command, io: CliIo, deps: CliDeps): void {
  program
    .command('approve')
    .description('answer a pending approval as the given approver (the workflow checks who may approve)')
    .argument('<workflowId>')
    .requiredOption('--as <approver>', 'directory id of the approver')
    .option('--reject', 'refuse instead of approving')
    .option('--comment <text>', 'a comment kept in the record')
    .action(async (workflowId: string, opts: { as: string; reject?: boolean; comment?: string }) => {
      const config = loadConfig(io.env);
      const directory = deps.createDirectory(config, await loadContent(config.contentDir));
      const answer = await withDirectoryGroups(directory, { approver: opts.as, approve: !opts.reject, comment: opts.comment });
      await connected(config, async (client) => {
        const result = await submitApproval(client, workflowId, answer).catch((e: unknown) =>
          e instanceof WorkflowUpdateFailedError
            ? fail(`approval refused: ${updateFailureMessage(e)}`)
            : e instanceof WorkflowNotFoundError
              ? fail(`no workflow ${workflowId}`)
              : Promise.reject(e),
        );
        io.out(`${workflowId}: ${result.decision} by ${opts.as}`);
      });
    });
}
