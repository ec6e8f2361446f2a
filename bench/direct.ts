// "The same workflow started directly": the type, task queue and input a run was started with, read
// back from its history, so a baseline runs exactly what the API started, without the API.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

export interface StartedAs {
  type: string;
  taskQueue: string;
  args: unknown[];
}

/** The workflow type, task queue and arguments of a run (the engine uses the default data converter). */
export async function startedAs(client: Client, workflowId: string): Promise<StartedAs> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started?.workflowType?.name || !started.taskQueue?.name) throw new Error(`bench: ${workflowId} has no start event in its history`);
  return {
    type: started.workflowType.name,
    taskQueue: started.taskQueue.name,
    args: (started.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload({ metadata: p.metadata ?? undefined, data: p.data ?? undefined })),
  };
}
