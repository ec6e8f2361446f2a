import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { ValidationError } from '../../domain/errors.js';
import { treeJsonSchema } from '../../domain/trees/tree.js';
import { loadContent } from '../../stack/content.js';
import { sessionQuery, type SessionView } from '../../workflows/messages.js';
import { updateFailureMessage } from '../approvals.js';
import { answerSession, listSessions, listTrees, sessionBack, showSession, startTroubleshooting, type TroubleshootingDeps } from '../troubleshooting.js';
import { fail, type CliDeps, type CliIo } from './io.js';
import { connected } from './resources.js';

/** The session's path so far, then its question and choices (or its outcome, or what it is working on). */
function printView(io: CliIo, v: SessionView): void {
  io.out(`${v.workflowId}  tree ${v.tree} (version ${v.version})  ${v.status}`);
  for (const p of v.path)
    io.out(
      `  ${p.at}  ${p.kind.padEnd(8)} ${p.node}${p.label ? ` -> ${p.label}` : p.choice ? ` -> ${p.choice}` : ''}${p.outcome ? ` [${p.outcome}]` : ''}${p.by ? ` by ${p.by}` : ''}`,
    );
  if (v.done) io.out(`done: ${v.done.outcome}: ${v.done.text}${v.done.kb ? ` (${v.done.kb})` : ''}`);
  else if (v.status === 'waiting') {
    io.out(`\n[${v.node}] ${v.prompt ?? ''}`);
    if (v.help) io.out(`  (${v.help})`);
    for (const c of v.choices ?? []) io.out(`  ${c.id.padEnd(16)} ${c.label}`);
  } else io.out(`\nworking: ${v.title ?? v.node}`);
}

/** The refusals a session command can meet, as exit 1 with a message. */
function sessionFailure(e: unknown): never {
  if (e instanceof WorkflowUpdateFailedError) fail(`refused: ${updateFailureMessage(e)}`);
  if (e instanceof WorkflowNotFoundError) fail('no such session');
  if (e instanceof ValidationError) fail(e.issues.map((i) => i.message).join('; '));
  throw e;
}

/** `troubleshoot trees | schema | start | show | answer | back | list`: guided troubleshooting sessions. */
export function addTroubleshootingCommands(program: Command, io: CliIo, cliDeps: CliDeps): void {
  const withSession = async (fn: (deps: TroubleshootingDeps) => Promise<void>) => {
    const config = loadConfig(io.env);
    const content = await loadContent(config.contentDir);
    await connected(config, async (client) => {
      const deps = {
        client,
        taskQueue: config.temporal.queues.troubleshooting,
        trees: content.trees,
        directory: cliDeps.createDirectory(config, content),
        directoryOutage: config.directoryOutage,
      };
      await fn(deps).catch(sessionFailure);
    });
  };
  const troubleshoot = program.command('troubleshoot').description('guided troubleshooting sessions (decision trees)');

  troubleshoot
    .command('trees')
    .description('list the troubleshooting trees')
    .action(async () => {
      const content = await loadContent(loadConfig(io.env).contentDir);
      for (const t of listTrees(content.trees)) io.out(`${t.id.padEnd(24)} ${String(t.nodes).padStart(4)} nodes  version ${t.version}  ${t.title}`);
    });

  troubleshoot
    .command('schema')
    .description('print the JSON Schema of the tree format (for editors)')
    .action(() => io.out(JSON.stringify(treeJsonSchema(), null, 2)));

  troubleshoot
    .command('start')
    .argument('<tree>')
    .requiredOption('--user <id>', 'directory id of the person whose device it is')
    .option('--device <id>', 'asset tag (default: their first device)')
    .description('start a session by hand')
    .action((tree: string, opts: { user: string; device?: string }) =>
      withSession(async (deps) => {
        const { workflowId } = await startTroubleshooting(deps, { tree, user: opts.user, deviceId: opts.device });
        io.out(workflowId);
      }),
    );

  troubleshoot
    .command('show')
    .argument('<workflowId>')
    .description('the current question, its choices and the path so far (or the record when finished)')
    .action((id: string) =>
      withSession(async (deps) => {
        const s = await showSession(deps.client, id);
        if (s.running) printView(io, s.view);
        else io.out(`${id}: ${s.status}\n${JSON.stringify(s.record, null, 2)}`);
      }),
    );

  troubleshoot
    .command('answer')
    .argument('<workflowId>')
    .argument('<choice>', 'a choice id (or confirm / skip for an action)')
    .requiredOption('--as <responder>', 'your directory id')
    .option('--node <node>', 'the node you answer (default: the current one)')
    .description('answer the current question')
    .action((id: string, choice: string, opts: { as: string; node?: string }) =>
      withSession(async (deps) => {
        const node = opts.node ?? (await deps.client.workflow.getHandle(id).query(sessionQuery)).node;
        printView(io, await answerSession(deps, id, { node, choice, responder: opts.as }));
      }),
    );

  troubleshoot
    .command('back')
    .argument('<workflowId>')
    .requiredOption('--as <responder>', 'your directory id')
    .description('undo the last answer')
    .action((id: string, opts: { as: string }) => withSession(async (deps) => printView(io, await sessionBack(deps, id, opts.as))));

  troubleshoot
    .command('list')
    .description('running sessions')
    .action(() =>
      withSession(async (deps) => {
        const sessions = await listSessions(deps.client);
        if (sessions.length === 0) io.out('no running sessions');
        for (const s of sessions) io.out(`${s.workflowId}  started ${s.startTime}`);
      }),
    );
}
