import type { Client } from '@temporalio/client';
import { progressFromRecord, type Progress } from '../domain/progress.js';
import type { ResolutionRecord } from '../domain/records/resolution.js';
import { progressQuery } from '../workflows/messages.js';

export interface RunStatus {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startTime: string;
  closeTime: string | null;
  progress: Progress | null;
  result: ResolutionRecord | undefined;
}

/**
 * State of an automation run. A running one answers the progress query (bounded wait); a finished
 * one is read from its result, so no worker needs to be up to answer.
 */
/**
 * `deadline` (epoch ms) bounds every call to Temporal: the SDK's own retries of an unreachable
 * server would keep a caller waiting for tens of seconds; past it the call fails (CANCELLED).
 */
export async function runStatus(client: Client, workflowId: string, deadline = Date.now() + 5000): Promise<RunStatus> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await client.connection.withDeadline(deadline, () => handle.describe());
  const status = description.status.name;
  let progress: Progress | null = null;
  let result: ResolutionRecord | undefined;
  if (status === 'COMPLETED') {
    result = (await client.connection.withDeadline(deadline, () => handle.result())) as ResolutionRecord;
    progress = progressFromRecord(result);
  } else if (status === 'RUNNING') {
    progress = await client.connection.withDeadline(Math.min(deadline, Date.now() + 2000), () => handle.query(progressQuery)).catch(() => null);
  }
  return {
    workflowId: description.workflowId,
    runId: description.runId,
    type: description.type,
    status,
    startTime: description.startTime.toISOString(),
    closeTime: description.closeTime?.toISOString() ?? null,
    progress,
    result,
  };
}
