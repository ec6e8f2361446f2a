import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../config/index.js';
import { definitionHash } from '../../domain/definitions/hash.js';
import { stepCount } from '../../domain/definitions/runtime.js';
import { definitionJsonSchema } from '../../domain/definitions/schema.js';
import { ValidationError } from '../../domain/errors.js';
import { loadContent } from '../../stack/content.js';
import { definitionRunView, startDefinitionRun, type DefinitionRunView } from '../definitions.js';
import { validateContent } from './content.js';
import { fail, type CliIo } from './io.js';
import { connected, opened, withClient } from './resources.js';

/** `key=value` (value read as JSON when it parses: numbers, booleans, lists), repeatable. */
function collectInput(pair: string, all: Record<string, unknown>): Record<string, unknown> {
  const eq = pair.indexOf('=');
  if (eq < 1) fail(`--input wants name=value, got "${pair}"`);
  const raw = pair.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { ...all, [pair.slice(0, eq)]: value };
}

function printView(io: CliIo, view: DefinitionRunView): void {
  if (!view.running) {
    io.out(`${view.workflowId}: ${view.status}${view.record ? `, ${view.record.outcome}: ${view.record.summary}` : ''}`);
    for (const a of view.record?.actions ?? []) io.out(`  ${a.status.padEnd(9)} ${a.name}${a.detail ? ` - ${a.detail}` : ''}`);
    for (const c of view.record?.compensations ?? []) io.out(`  ${`undo ${c.status}`.padEnd(9)} ${c.name}${c.detail ? ` - ${c.detail}` : ''}`);
    return;
  }
  const p = view.progress;
  const position = Math.min(p.done + 1, p.total);
  io.out(`${view.workflowId}: ${p.definition} (${p.version.slice(0, 19)}) ${p.status}, step ${p.status === 'running' ? position : p.done} of ${p.total}`);
  if (p.running.length > 0) io.out(`  running: ${p.running.join(', ')}`);
  if (p.waitingFor)
    io.out(`  waiting for: ${p.waitingFor.kind}${p.waitingFor.approvers ? ` (${p.waitingFor.approvers.join(', ')})` : ''} since ${p.waitingFor.since}`);
  for (const s of p.completed) io.out(`  ${s.status.padEnd(9)} ${s.name}`);
}

interface StartOptions {
  requester: string;
  input: Record<string, unknown>;
  inputs?: string;
  workflowId?: string;
  wait?: boolean;
}

/** `definitions start`: starts (or joins) a run; with --wait, prints its record once it has ended. */
async function startRun(io: CliIo, definition: string, opts: StartOptions): Promise<void> {
  const config = loadConfig(io.env);
  const content = await loadContent(config.contentDir);
  const fromFile = opts.inputs ? (JSON.parse(await readFile(opts.inputs, 'utf8')) as Record<string, unknown>) : {};
  // Sensitive inputs are kept in the engine database (DATA_DIR/engine.db), like the audit log.
  await opened(config, (store) =>
    connected(config, async (client) => {
      const started = await startDefinitionRun({
        client,
        taskQueue: config.temporal.queues.definitions,
        content,
        definition,
        inputs: { ...fromFile, ...opts.input },
        requester: { by: 'id', id: opts.requester },
        workflowId: opts.workflowId,
        directoryOutage: config.directoryOutage,
        vault: store,
      }).catch((e: unknown) => (e instanceof ValidationError ? fail(e.issues.map((i) => `${i.path}: ${i.message}`).join('\n')) : Promise.reject(e)));
      io.out(
        `${started.workflowId} ${started.started ? 'started' : started.status === 'RUNNING' ? 'already running' : `already ran (${started.status})`} (${started.definition} ${started.version.slice(0, 19)})`,
      );
      if (opts.wait) {
        await client.workflow
          .getHandle(started.workflowId)
          .result()
          .catch(() => undefined);
        printView(io, await definitionRunView(client, started.workflowId));
      }
    }),
  );
}

/** `definitions list | validate | schema | start | progress`: support workflow definitions. */
export function addDefinitionCommands(program: Command, io: CliIo): void {
  const defs = program.command('definitions').description('support workflow definitions (content/definitions)');

  defs
    .command('list')
    .description('the definitions, their inputs and versions')
    .action(async () => {
      const content = await loadContent(loadConfig(io.env).contentDir);
      for (const def of Object.values(content.definitions)) {
        const inputs = Object.entries(def.inputs).map(
          ([name, spec]) => `${name}${spec.default !== undefined || spec.required === false ? '?' : ''}:${spec.type}`,
        );
        io.out(`${def.id.padEnd(28)} ${String(stepCount(def)).padStart(3)} steps  ${definitionHash(def).slice(0, 19)}  ${def.title}`);
        io.out(`${''.padEnd(28)} inputs: ${inputs.join(', ') || 'none'}`);
      }
    });

  defs
    .command('validate')
    .description('validate the content folder, definitions included; exit 1 with file:line, step and field')
    .argument('[dir]', 'content folder', loadConfig(io.env).contentDir)
    .action((dir: string) => validateContent(io, dir, (content) => `${Object.keys(content.definitions).length} definitions`));

  defs
    .command('schema')
    .description('print the JSON Schema of the definition format (for editors)')
    .action(() => io.out(JSON.stringify(definitionJsonSchema(), null, 2)));

  defs
    .command('start')
    .argument('<definition>')
    .requiredOption('--requester <id>', 'directory id of the person asking (checked by the policy before every change)')
    .option('--input <name=value>', 'an input (repeatable; JSON values allowed)', collectInput, {})
    .option('--inputs <file>', 'inputs from a JSON file')
    .option('--workflow-id <id>', 'a workflow id, so that starting twice joins the first run')
    .option('--wait', 'wait for the run to end and print its record')
    .description('start a run with inputs')
    .action((definition: string, opts: StartOptions) => startRun(io, definition, opts));

  defs
    .command('progress')
    .argument('<workflowId>')
    .description('step n of m, what runs now, what is done (the record once it has ended)')
    .option('--json', 'as JSON')
    .action((workflowId: string, opts: { json?: boolean }) =>
      withClient(io, async (client) => {
        const view = await definitionRunView(client, workflowId).catch((e: unknown) =>
          e instanceof WorkflowNotFoundError ? fail(`no definition run ${workflowId}`) : Promise.reject(e),
        );
        if (opts.json) io.out(JSON.stringify(view, null, 2));
        else printView(io, view);
      }),
    );
}
