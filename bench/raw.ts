// The raw Temporal limit beside each Temporal-bound figure: bench/workflows/raw.ts run by a plain
// worker (no interceptors, no codec, no-op activities) on the bench's own server, in this process.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { connectWorker } from '../src/stack/connection.js';
import type { BenchContext } from './context.js';

export const RAW_QUEUE = 'bench-raw';
const RAW_WORKFLOWS = fileURLToPath(new URL('./workflows/raw.ts', import.meta.url));

export interface RawLimit {
  /** `activities` no-op activities in a row, started and awaited through the client: the run's id. */
  steps(activities: number): Promise<string>;
  /** The same, started only: the handle. */
  start(activities: number): Promise<WorkflowHandle>;
  /** A waiting session (rawSession): for Update round trips and memory per open workflow. */
  session(): Promise<WorkflowHandle>;
  stop(): Promise<void>;
}

/** Starts the raw worker; stop it when the phase is done. */
export async function startRawLimit(ctx: Pick<BenchContext, 'config' | 'stack'>, options: { maxCachedWorkflows?: number } = {}): Promise<RawLimit> {
  const connection = await connectWorker(ctx.config.temporal, ctx.stack.temporalAddress);
  const worker = await Worker.create({
    connection,
    namespace: ctx.config.temporal.namespace,
    taskQueue: RAW_QUEUE,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: RAW_WORKFLOWS, logger: new DefaultLogger('WARN') }),
    activities: { noop: async () => undefined },
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
  });
  const running = worker.run();
  const client: Client = ctx.stack.client;
  return {
    steps: async (activities) => {
      const workflowId = `raw-steps-${randomUUID()}`;
      await client.workflow.execute('rawSteps', { taskQueue: RAW_QUEUE, workflowId, args: [activities] });
      return workflowId;
    },
    start: (activities) => client.workflow.start('rawSteps', { taskQueue: RAW_QUEUE, workflowId: `raw-steps-${randomUUID()}`, args: [activities] }),
    session: () => client.workflow.start('rawSession', { taskQueue: RAW_QUEUE, workflowId: `raw-session-${randomUUID()}` }),
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** How many activities a finished run scheduled (its shape, for the raw limit of the same shape). */
export async function activityCount(client: Client, workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length;
}

export interface HistoryTimings {
  /** The longest WorkflowTaskScheduled -> Started wait: the dispatch delay the server adds to a step (about 50 ms with the default poll limit). */
  longestDispatchWait: number;
  /** WorkflowTaskStarted -> Completed of the first workflow task: the worker creating the workflow's sandbox and running it to its first command. */
  firstWorkflowTask: number;
  /** The same summed over every workflow task of the run: the time the worker spent in workflow code. */
  workflowTasks: number;
}

/** Where a finished run's time went, read from its history (ms). */
export async function historyTimings(client: Client, workflowId: string): Promise<HistoryTimings> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  let scheduledAt: number | null = null;
  let startedAt: number | null = null;
  const out: HistoryTimings = { longestDispatchWait: 0, firstWorkflowTask: 0, workflowTasks: 0 };
  let first = true;
  for (const e of history.events ?? []) {
    if (e.workflowTaskScheduledEventAttributes) scheduledAt = ms(e.eventTime);
    else if (e.workflowTaskStartedEventAttributes) {
      startedAt = ms(e.eventTime);
      if (scheduledAt !== null) out.longestDispatchWait = Math.max(out.longestDispatchWait, startedAt - scheduledAt);
      scheduledAt = null;
    } else if (e.workflowTaskCompletedEventAttributes && startedAt !== null) {
      const took = ms(e.eventTime) - startedAt;
      out.workflowTasks += took;
      if (first) out.firstWorkflowTask = took;
      first = false;
      startedAt = null;
    }
  }
  return out;
}
