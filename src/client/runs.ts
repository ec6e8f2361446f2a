import type { Client } from '@temporalio/client';
import type { Progress } from '../domain/progress.js';
import { progressQuery, sessionQuery, type SessionView } from '../workflows/messages.js';

/** A running automation as `itse runs` shows it. */
export interface RunningAutomation {
  workflowId: string;
  runId: string;
  type: string;
  /** `source:key` of the ticket it works for (from the memo intake sets), or null. */
  ticket: string | null;
  /** The self-service caller (directory id) for self-service requests, or null. */
  requestedBy: string | null;
  startTime: string;
  /** One line: what it is doing or waiting for. */
  state: string;
  /** Live progress (support workflows); null for sessions or when no worker answered. */
  progress: Progress | null;
  /** Troubleshooting sessions: where the session stands. */
  session: Pick<SessionView, 'tree' | 'version' | 'status' | 'node' | 'prompt' | 'title'> | null;
}

const SESSION_TYPES = new Set(['troubleshootSession']);

/** One line from a run's progress: what it waits for or runs now. */
export function progressState(progress: Progress): string {
  if (progress.waitingFor) return `waiting for approval by ${progress.waitingFor.approvers.join(', ')} since ${progress.waitingFor.since}`;
  if (progress.current) return `running: ${progress.current}`;
  const last = progress.steps.at(-1);
  return last ? `between steps (last: ${last.name}, ${last.status})` : 'starting';
}

export function sessionState(view: SessionView): string {
  if (view.status === 'waiting') return `waiting for an answer at ${view.node} (${view.tree})`;
  if (view.status === 'working') return `working: ${view.title ?? view.node} (${view.tree})`;
  return `finishing (${view.done?.outcome ?? 'done'})`;
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * Running automations on a task queue, newest first (Temporal visibility), each with its state
 * from its own query: the progress query of support workflows, the session query of
 * troubleshooting sessions. A run whose query is not answered within `queryTimeoutMs` (no worker
 * polling) is listed with state `unknown`.
 */
export async function listRunning(client: Client, options: { taskQueue: string; limit?: number; queryTimeoutMs?: number }): Promise<RunningAutomation[]> {
  const limit = options.limit ?? 100;
  const timeout = options.queryTimeoutMs ?? 2000;
  const found: Array<Omit<RunningAutomation, 'state' | 'progress' | 'session'>> = [];
  const query = `ExecutionStatus = "Running" AND TaskQueue = ${quote(options.taskQueue)}`;
  for await (const w of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
    const memo = w.memo ?? {};
    found.push({
      workflowId: w.workflowId,
      runId: w.runId,
      type: w.type,
      ticket: typeof memo.ticket === 'string' ? memo.ticket : null,
      requestedBy: typeof memo.caller === 'string' ? memo.caller : null,
      startTime: w.startTime.toISOString(),
    });
    if (found.length >= limit) break;
  }
  const withState = async (run: (typeof found)[number]): Promise<RunningAutomation> => {
    const handle = client.workflow.getHandle(run.workflowId, run.runId);
    const ask = <T>(fn: () => Promise<T>): Promise<{ value: T } | { problem: string }> =>
      client.connection.withDeadline(Date.now() + timeout, fn).then(
        (value) => ({ value }),
        (e: unknown) => ({ problem: queryProblem(e, timeout) }),
      );
    if (SESSION_TYPES.has(run.type)) {
      const answer = await ask(() => handle.query(sessionQuery));
      if ('problem' in answer) return { ...run, state: answer.problem, progress: null, session: null };
      const view = answer.value;
      return {
        ...run,
        state: sessionState(view),
        progress: null,
        session: { tree: view.tree, version: view.version, status: view.status, node: view.node, prompt: view.prompt, title: view.title },
      };
    }
    const answer = await ask(() => handle.query(progressQuery));
    if ('problem' in answer) return { ...run, state: answer.problem, progress: null, session: null };
    return { ...run, state: progressState(answer.value), progress: answer.value, session: null };
  };
  // A few queries at a time: each one is a workflow task on a worker.
  const out: RunningAutomation[] = [];
  for (let i = 0; i < found.length; i += 8) out.push(...(await Promise.all(found.slice(i, i + 8).map(withState))));
  return out;
}

/** A query that was not answered: no worker in time, or a workflow without that query. */
function queryProblem(error: unknown, timeoutMs: number): string {
  // The SDK wraps the gRPC error ("Failed to query Workflow"); the cause says why. Our deadline
  // ends the call as CANCELLED (1), the server's as DEADLINE_EXCEEDED (4).
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  const deadline = chain.some(
    (e) => [1, 4].includes((e as { code?: number }).code ?? -1) || /deadline|timed? ?out/i.test(e instanceof Error ? e.message : String(e)),
  );
  if (deadline) return `unknown (no worker answered within ${timeoutMs} ms)`;
  const last = chain.at(-1);
  return `unknown (${(last instanceof Error ? last.message : String(last)).split('\n')[0]})`;
}
