import type { DirectoryOutagePolicy } from '../domain/permissions/outage.js';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DirectoryPort } from '../activities/directory/port.js';
import { ValidationError } from '../domain/errors.js';
import type { ResolutionRecord } from '../domain/records/resolution.js';
import { treeSetFor, type DecisionTree } from '../domain/trees/tree.js';
import { answerUpdate, backUpdate, sessionQuery, type Responder, type SessionView } from '../workflows/messages.js';

export interface TroubleshootingDeps {
  client: Client;
  taskQueue: string;
  trees: Readonly<Record<string, DecisionTree>>;
  directory: DirectoryPort;
  /** Passed to started sessions: how they wait out a directory outage (DIRECTORY_*). */
  directoryOutage?: DirectoryOutagePolicy;
}

/**
 * The staff member behind an answer, with their directory groups, looked up by the staff tool:
 * the workflow's validator decides from these groups whether they may answer this tree.
 */
export async function responder(directory: DirectoryPort, id: string): Promise<Responder> {
  const user = await directory.findUser({ by: 'id', id });
  if (!user?.enabled) throw new ValidationError('responder', [{ path: 'responder', message: `${id} is not an enabled directory account` }]);
  return { id: user.id, groups: await directory.groupsOf(user) };
}

export function listTrees(trees: Readonly<Record<string, DecisionTree>>) {
  return Object.values(trees).map((t) => ({
    id: t.id,
    title: t.title,
    nodes: t.nodes.length,
    responders: t.responders,
    version: treeSetFor(trees, t.id)!.version,
  }));
}

/** Starts a session by hand (without a ticket) for a person's device. */
export async function startTroubleshooting(
  deps: TroubleshootingDeps,
  input: { tree: string; user: string; deviceId?: string },
): Promise<{ workflowId: string; version: string }> {
  const set = treeSetFor(deps.trees, input.tree);
  if (!set)
    throw new ValidationError('troubleshooting session', [{ path: 'tree', message: `no tree "${input.tree}"; trees: ${Object.keys(deps.trees).join(', ')}` }]);
  const workflowId = `troubleshoot-${input.tree}-${randomUUID().slice(0, 8)}`;
  await deps.client.workflow.start('troubleshootSession', {
    workflowId,
    taskQueue: deps.taskQueue,
    args: [
      {
        trees: set.trees,
        root: input.tree,
        version: set.version,
        ticket: null,
        user: { id: input.user },
        deviceId: input.deviceId,
        directoryOutage: deps.directoryOutage,
      },
    ],
  });
  return { workflowId, version: set.version };
}

/** A running session's view, or a finished one's record. */
export async function showSession(
  client: Client,
  workflowId: string,
): Promise<{ running: true; view: SessionView } | { running: false; status: string; record: ResolutionRecord | null }> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  if (description.status.name === 'RUNNING') return { running: true, view: await handle.query(sessionQuery) };
  const record = description.status.name === 'COMPLETED' ? ((await handle.result()) as ResolutionRecord) : null;
  return { running: false, status: description.status.name, record };
}

export async function answerSession(
  deps: Pick<TroubleshootingDeps, 'client' | 'directory'>,
  workflowId: string,
  a: { node: string; choice: string; responder: string },
): Promise<SessionView> {
  const who = await responder(deps.directory, a.responder);
  return deps.client.workflow.getHandle(workflowId).executeUpdate(answerUpdate, { args: [{ node: a.node, choice: a.choice, responder: who }] });
}

export async function sessionBack(deps: Pick<TroubleshootingDeps, 'client' | 'directory'>, workflowId: string, responderId: string): Promise<SessionView> {
  const who = await responder(deps.directory, responderId);
  return deps.client.workflow.getHandle(workflowId).executeUpdate(backUpdate, { args: [{ responder: who }] });
}

/** Running sessions (Temporal visibility). */
export async function listSessions(client: Client): Promise<Array<{ workflowId: string; startTime: string }>> {
  const out: Array<{ workflowId: string; startTime: string }> = [];
  for await (const w of client.workflow.list({ query: `WorkflowType = "troubleshootSession" AND ExecutionStatus = "Running"` })) {
    out.push({ workflowId: w.workflowId, startTime: w.startTime.toISOString() });
  }
  return out;
}
