import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Content } from '../stack/content.js';
import type { DefinitionProgress, AlertFacts } from '../domain/definitions/run.js';
import type { UserLookup } from '../domain/permissions/directory.js';
import { ValidationError } from '../domain/errors.js';
import { definitionHash } from '../domain/definitions/hash.js';
import { allSteps } from '../domain/definitions/runtime.js';
import type { Definition } from '../domain/definitions/schema.js';
import { validateInputs } from '../domain/definitions/validation.js';
import type { DirectoryOutagePolicy } from '../domain/permissions/outage.js';
import type { ResolutionRecord } from '../domain/records/resolution.js';
import type { WorkflowTicket } from '../domain/tickets/ticket.js';
import { treeSetFor } from '../domain/trees/tree.js';
import type { DefinitionRunInput } from '../workflows/definitionRun.js';
import { definitionProgressQuery } from '../workflows/messages.js';

export interface StartDefinitionOptions {
  client: Client;
  taskQueue: string;
  content: Pick<Content, 'definitions' | 'trees'>;
  /** The definition's id (content/definitions/<id>.yaml). */
  definition: string;
  inputs: unknown;
  requester: UserLookup;
  ticket?: WorkflowTicket | null;
  alert?: AlertFacts | null;
  /** Default `definition-<id>-<uuid>`; give one to make a start idempotent (a second start joins the first). */
  workflowId?: string;
  humanQueue?: string;
  directoryOutage?: DirectoryOutagePolicy;
  /** Where sensitive inputs are kept (the engine database); needed by definitions that have them. */
  vault?: SensitiveVault;
}

/** Keeps a sensitive input out of workflow history and returns the token the run holds instead. */
export interface SensitiveVault {
  keepSensitive(workflowId: string, value: string): Promise<string>;
}

export interface StartedRun {
  workflowId: string;
  runId: string;
  definition: string;
  version: string;
  /** False when a run with this workflow id was already going (the start joined it) or had finished. */
  started: boolean;
  /** The run's status: RUNNING, or how the earlier run with this id ended. */
  status: string;
}

/**
 * Starts a run of a support workflow definition: the inputs are checked against the definition
 * first (a ValidationError names each bad input, and nothing starts), then the definition, its
 * content hash and the decision trees its troubleshoot steps use are pinned into the run's input.
 */
export async function startDefinitionRun(o: StartDefinitionOptions): Promise<StartedRun> {
  const workflowId = o.workflowId ?? `definition-${o.definition}-${randomUUID()}`;
  const input = await definitionRunInput(o.content, o, { vault: o.vault, workflowId });
  const def = input.definition;
  const version = input.version;
  try {
    const handle = await o.client.workflow.start('definitionRun', {
      taskQueue: o.taskQueue,
      workflowId,
      args: [input],
      // The same workflow id never runs twice: a second start joins a running run, and a finished
      // one is not repeated (start it under another id to run it again).
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { definition: def.id, version, ...(o.ticket ? { ticket: `${o.ticket.source}:${o.ticket.key}` } : {}) },
    });
    return { workflowId, runId: handle.firstExecutionRunId, definition: def.id, version, started: true, status: 'RUNNING' };
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    const existing = await o.client.workflow.getHandle(workflowId).describe();
    return { workflowId, runId: existing.runId, definition: def.id, version, started: false, status: existing.status.name };
  }
}

/**
 * The input of a `definitionRun`: the definition, its version and the trees it uses, pinned; the
 * inputs checked (a ValidationError names each bad one).
 */
export async function definitionRunInput(
  content: Pick<Content, 'definitions' | 'trees'>,
  o: Pick<StartDefinitionOptions, 'definition' | 'inputs' | 'requester' | 'ticket' | 'alert' | 'humanQueue' | 'directoryOutage'>,
  sealing: { vault?: SensitiveVault; workflowId: string },
): Promise<DefinitionRunInput> {
  const def = content.definitions[o.definition];
  if (!def) {
    const known = Object.keys(content.definitions).sort().join(', ') || 'none';
    throw new ValidationError('definition', [{ path: 'definition', message: `no definition "${o.definition}" (known: ${known})` }]);
  }
  const checked = validateInputs(def, o.inputs);
  if (!checked.ok) throw new ValidationError(`inputs of ${def.id}`, checked.issues);
  // Sensitive inputs go to the vault; the run (and so its history) gets a token for each.
  const inputs = { ...checked.values };
  for (const [name, spec] of Object.entries(def.inputs)) {
    if (!(spec.type === 'string' && spec.sensitive) || typeof inputs[name] !== 'string') continue;
    if (!sealing.vault)
      throw new ValidationError(`inputs of ${def.id}`, [
        { path: `inputs.${name}`, message: 'is sensitive, and this start has no engine database to keep it in (start it through the CLI, the API or intake)' },
      ]);
    inputs[name] = await sealing.vault.keepSensitive(sealing.workflowId, inputs[name] as string);
  }
  return {
    definition: def,
    version: definitionHash(def),
    inputs,
    requester: o.requester,
    ticket: o.ticket ?? null,
    alert: o.alert ?? null,
    trees: pinnedTrees(def, content.trees),
    humanQueue: o.humanQueue,
    directoryOutage: o.directoryOutage,
  };
}

/** The trees of the definition's troubleshoot steps, as they are now (the run keeps them). */
function pinnedTrees(def: Definition, trees: Content['trees']): DefinitionRunInput['trees'] {
  const pinned: NonNullable<DefinitionRunInput['trees']> = {};
  for (const { step } of allSteps(def)) {
    if (!('troubleshoot' in step)) continue;
    const set = treeSetFor(trees, step.troubleshoot.tree);
    // Content validation guarantees the tree exists; reaching this means content changed underneath.
    if (!set)
      throw new ValidationError(`definition ${def.id}`, [{ path: `steps.${step.id}.troubleshoot.tree`, message: `no tree "${step.troubleshoot.tree}"` }]);
    pinned[step.troubleshoot.tree] = set;
  }
  return pinned;
}

export type DefinitionRunView =
  | { running: true; workflowId: string; progress: DefinitionProgress }
  | { running: false; workflowId: string; status: string; record: ResolutionRecord | null };

/** A run's progress while it runs (the `definitionProgress` query), its record when it has ended. */
export async function definitionRunView(client: Client, workflowId: string): Promise<DefinitionRunView> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  if (description.type !== 'definitionRun')
    throw new WorkflowNotFoundError(`${workflowId} is a ${description.type}, not a definition run`, workflowId, undefined);
  if (description.status.name === 'RUNNING') return { running: true, workflowId, progress: await handle.query(definitionProgressQuery) };
  const record = description.status.name === 'COMPLETED' ? ((await handle.result()) as ResolutionRecord) : null;
  return { running: false, workflowId, status: description.status.name, record };
}
