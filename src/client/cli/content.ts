import { CommanderError, type Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { ContentError } from '../../domain/content.js';
import { loadContent, type Content } from '../../stack/content.js';
import type { CliIo } from './io.js';

/** Loads and validates a content folder: a summary line, or every problem as `file:line:column path: message` and exit 1. */
export async function validateContent(io: CliIo, dir: string, summary: (content: Content) => string): Promise<void> {
  try {
    io.out(`${dir}: ${summary(await loadContent(dir))}: all valid`);
  } catch (e) {
    if (!(e instanceof ContentError)) throw e;
    for (const line of e.message.split('\n')) io.err(line);
    throw new CommanderError(1, 'itse.failed', `${e.issues.length} problem(s) in ${dir}`);
  }
}

const contentSummary = (content: Content) =>
  `${content.routing.rules.length} routing rules, ${Object.keys(content.policy.actions).length} policy actions, ${content.directory.users.length} directory users, ${Object.keys(content.definitions).length} workflow definitions`;

/** `validate [dir]`: every content file (routing rules, policy, directory, definitions). */
export function addContentCommands(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('validate every content file (routing rules, policy, directory); exit 1 with file:line errors')
    .argument('[dir]', 'content folder', loadConfig(io.env).contentDir)
    .action((dir: string) => validateContent(io, dir, contentSummary));
}
